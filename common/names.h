/* What the directory accepts as names and attributes. Each field that later
 * lands in a passwd or group line must not be able to break that line. */
#ifndef IAM_NAMES_H
#define IAM_NAMES_H

#include <stddef.h>

#define IAM_NAME_MAX 32

/* Each validator returns 1 when s is acceptable and 0 when it is not
 * (NULL included). */

/* User and group names: ^[a-z_][a-z0-9_-]{0,31}$. */
int iam_name_valid(const char *s);
/* Host names: RFC 1123 labels (1..63 letters, digits and '-', no '-' at
 * either end) joined by single dots; at most 253 bytes; no trailing dot. */
int iam_hostname_valid(const char *s);
/* GECOS: valid UTF-8 (so "José" is fine), no ':' and no control characters
 * (C0, DEL, C1), at most 255 bytes; may be empty. */
int iam_gecos_valid(const char *s);
/* Shells and homes: absolute, printable ASCII without spaces, no ':', no
 * "." or ".." component, at most 255 bytes. */
int iam_path_field_valid(const char *s);
/* Free text (reasons, tickets): valid UTF-8 (shortest forms, no surrogates,
 * nothing above U+10FFFF), no control characters (C0, DEL, C1), at most max
 * bytes; may be empty (whether a reason is required is the caller's rule). */
int iam_text_valid(const char *s, size_t max);

#endif
