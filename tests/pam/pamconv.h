/* What the in-process PAM tests share: a conversation that answers the
 * prompts in order and records what the module said, and a file writer. */
#ifndef IAM_TEST_PAMCONV_H
#define IAM_TEST_PAMCONV_H

#include <sys/types.h>
#include <security/pam_appl.h>

enum convo_mode { CONVO_ANSWER, CONVO_FAIL, CONVO_NULL };

#define CONVO_MAX 6

struct convo {
	enum convo_mode mode;
	const char *answers[CONVO_MAX]; /* for the prompts, in order */
	int next;
	char prompts[CONVO_MAX][128];
	int nprompts;
	char errors[4][1024];
	int nerrors;
	char infos[4][512];
	int ninfos;
};

int conv_fn(int n, const struct pam_message **msg, struct pam_response **resp, void *data);

/* dir/name with mode, from a format; fails the test on error. */
void write_file_in(const char *dir, const char *name, mode_t mode, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
