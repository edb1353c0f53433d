/* Talking to the user through the application's conversation function:
 * one message per call, as sshd's keyboard-interactive expects. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <security/pam_ext.h>

#include "pi.h"
#include "secmem.h"

#define PI_ANSWER_MAX 1024

static int converse(struct pi *pi, int style, const char *text, char **answer)
{
	const struct pam_message msg = { .msg_style = style, .msg = text };
	const struct pam_message *msgs[1] = { &msg };
	struct pam_response *resp = NULL;
	const struct pam_conv *conv = NULL;
	int r;

	*answer = NULL;
	r = pam_get_item(pi->pamh, PAM_CONV, (const void **)&conv);
	if (r != PAM_SUCCESS || !conv || !conv->conv) {
		pi_log(pi, LOG_ERR, "conversation", "error", "the application has none", NULL);
		return PAM_CONV_ERR;
	}
	r = conv->conv(1, msgs, &resp, conv->appdata_ptr);
	if (r != PAM_SUCCESS) {
		pi_log(pi, LOG_NOTICE, "conversation", "error", pam_strerror(pi->pamh, r), NULL);
		r = r == PAM_BUF_ERR ? PAM_BUF_ERR : PAM_CONV_ERR;
	} else if (style == PAM_PROMPT_ECHO_OFF || style == PAM_PROMPT_ECHO_ON) {
		if (!resp || !resp[0].resp) {
			pi_log(pi, LOG_NOTICE, "conversation", "error", "no answer", NULL);
			r = PAM_CONV_ERR;
		} else if (strnlen(resp[0].resp, PI_ANSWER_MAX + 1) > PI_ANSWER_MAX) {
			pi_log(pi, LOG_NOTICE, "conversation", "error", "answer too long", NULL);
			r = PAM_AUTH_ERR;
		} else {
			*answer = resp[0].resp;
			resp[0].resp = NULL;
		}
	}
	if (resp) {
		iam_free_secret(resp[0].resp);
		free(resp);
	}
	return r;
}

int pi_prompt(struct pi *pi, int echo, const char *prompt, char **answer)
{
	return converse(pi, echo ? PAM_PROMPT_ECHO_ON : PAM_PROMPT_ECHO_OFF, prompt, answer);
}

void pi_tell(struct pi *pi, int error, const char *text)
{
	char *unused = NULL;

	if (pi->flags & PAM_SILENT)
		return;
	converse(pi, error ? PAM_ERROR_MSG : PAM_TEXT_INFO, text, &unused);
}
