/* A growable byte buffer with a hard size limit. The data is always NUL
 * terminated, so text can be used as a C string. Freeing wipes the bytes,
 * because buffers carry request bodies with passwords in them. */
#ifndef IAM_BUF_H
#define IAM_BUF_H

#include <stddef.h>

struct iam_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t limit; /* 0: no limit */
};

void iam_buf_init(struct iam_buf *b, size_t limit);
/* -ENOMEM, or -E2BIG when the result would exceed the limit (b unchanged). */
int iam_buf_append(struct iam_buf *b, const void *p, size_t n);
int iam_buf_puts(struct iam_buf *b, const char *s);
int iam_buf_printf(struct iam_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Never NULL: "" for an empty buffer. */
const char *iam_buf_str(const struct iam_buf *b);
void iam_buf_reset(struct iam_buf *b);
/* Hands the heap string to the caller (who frees it); b becomes empty. */
char *iam_buf_steal(struct iam_buf *b);
void iam_buf_free(struct iam_buf *b);

#endif
