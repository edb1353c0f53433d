/*
 * The names of the host's own users and groups (/etc/passwd, /etc/group):
 * a directory entry of the same name is never put into the cache, and
 * sshd never gets directory keys for a local account.
 */
#ifndef IAMD_LOCALNAMES_H
#define IAMD_LOCALNAMES_H

#include <stddef.h>

#include "iam_error.h"

#define IAMD_LOCAL_PASSWD "/etc/passwd"
#define IAMD_LOCAL_GROUP "/etc/group"

struct name_set {
	char *text;   /* the file, its first fields cut out in place */
	char **names; /* sorted */
	size_t n;
};

/* The first field of every line of a passwd- or group-format file. The
 * file must be root's and not writable by others (see iam_file_read). */
int name_set_load(struct name_set *s, const char *path, struct iam_err *err);
int name_set_has(const struct name_set *s, const char *name);
void name_set_free(struct name_set *s);

#endif
