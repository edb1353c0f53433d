#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "pamconv.h"

static void note(struct convo *c, int style, const char *text)
{
	if (style == PAM_ERROR_MSG && c->nerrors < 4)
		snprintf(c->errors[c->nerrors++], sizeof(c->errors[0]), "%s", text);
	else if (style == PAM_TEXT_INFO && c->ninfos < 4)
		snprintf(c->infos[c->ninfos++], sizeof(c->infos[0]), "%s", text);
}

int conv_fn(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct convo *c = data;
	struct pam_response *r;
	int i;

	if (c->mode == CONVO_FAIL)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (!r)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		int style = msg[i]->msg_style;

		note(c, style, msg[i]->msg);
		if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON)
			continue;
		if (c->nprompts < CONVO_MAX)
			snprintf(c->prompts[c->nprompts++], sizeof(c->prompts[0]), "%s", msg[i]->msg);
		if (c->mode == CONVO_ANSWER && c->next < CONVO_MAX && c->answers[c->next])
			r[i].resp = strdup(c->answers[c->next++]);
	}
	*resp = r;
	return PAM_SUCCESS;
}

void write_file_in(const char *dir, const char *name, mode_t mode, const char *fmt, ...)
{
	char path[512];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}
