/* What the directory accepts as names and attributes. Each field that later
 * lands in a passwd or group line must not be able to break that line. */
#ifndef IAM_NAMES_H
#define IAM_NAMES_H

#define IAM_NAME_MAX 32

/* User and group names: ^[a-z_][a-z0-9_-]{0,31}$. */
int iam_name_valid(const char *s);
/* Host names: RFC 1123 labels, letters, digits, '-', dots; at most 253. */
int iam_hostname_valid(const char *s);
/* GECOS: printable, no ':' and no control characters, at most 255 bytes. */
int iam_gecos_valid(const char *s);
/* Shells and homes: absolute, no ':' or control characters, no "/../",
 * at most 255 bytes. */
int iam_path_field_valid(const char *s);
/* Free text (reasons, tickets): valid UTF-8, no control characters, at most
 * max bytes. */
int iam_text_valid(const char *s, size_t max);

#endif
