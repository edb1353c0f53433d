/* Checking an OpenSSH public key line before it goes into the directory,
 * because sshd will later read it back through AuthorizedKeysCommand. */
#ifndef IAM_POLICYD_SSHKEY_H
#define IAM_POLICYD_SSHKEY_H

#include <stddef.h>

struct sshkey_info {
	char line[8192];       /* "type base64 [comment]", normalised */
	char fingerprint[64];  /* "SHA256:..." as ssh-keygen -l prints it */
	char comment[256];
};

/* 0, or -EINVAL with *why set to a sentence. Options before the key type
 * (command=, from=...) are refused: access is decided by the directory. */
int sshkey_parse(const char *text, struct sshkey_info *out, const char **why);

#endif
