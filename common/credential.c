#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host_config.h"
#include "safe_file.h"
#include "secmem.h"
#include "token.h"

int iam_credential_read(const char *path, uid_t owner, char **token, struct iam_err *err)
{
	struct iam_token parsed;
	char *text = NULL;
	size_t len = 0;
	int r;

	*token = NULL;
	r = iam_file_read(path, owner, 1024, IAM_FILE_SECRET, &text, &len, err);
	if (r < 0)
		return r;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	if (iam_token_parse(text, &parsed) < 0) {
		iam_err_set(err, "%s does not hold a valid credential: expected the one line "
			    "iamctl or iam-policyd --init wrote (was it truncated or edited?)", path);
		iam_free_secret(text);
		return -EINVAL;
	}
	iam_wipe(&parsed, sizeof(parsed));
	*token = text;
	return 0;
}
