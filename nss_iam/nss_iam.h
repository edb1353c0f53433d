/* The module's entry points, as glibc's NSS calls them (see nss_iam.sym). */
#ifndef IAM_NSS_IAM_H
#define IAM_NSS_IAM_H

#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stddef.h>

enum nss_status _nss_iam_getpwnam_r(const char *name, struct passwd *pw, char *buf,
				    size_t len, int *errnop);
enum nss_status _nss_iam_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
				    int *errnop);
enum nss_status _nss_iam_setpwent(int stayopen);
enum nss_status _nss_iam_getpwent_r(struct passwd *pw, char *buf, size_t len, int *errnop);
enum nss_status _nss_iam_endpwent(void);
enum nss_status _nss_iam_getgrnam_r(const char *name, struct group *gr, char *buf, size_t len,
				    int *errnop);
enum nss_status _nss_iam_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t len,
				    int *errnop);
enum nss_status _nss_iam_setgrent(int stayopen);
enum nss_status _nss_iam_getgrent_r(struct group *gr, char *buf, size_t len, int *errnop);
enum nss_status _nss_iam_endgrent(void);
enum nss_status _nss_iam_initgroups_dyn(const char *user, gid_t group, long *start, long *size,
					gid_t **groupsp, long limit, int *errnop);

#endif
