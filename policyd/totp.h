/* TOTP (RFC 6238) with liboath: SHA-1, 6 digits, 30 s steps, the
 * parameters every authenticator app understands. */
#ifndef IAM_POLICYD_TOTP_H
#define IAM_POLICYD_TOTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TOTP_SECRET_LEN 20
#define TOTP_STEP 30
#define TOTP_DIGITS 6

int totp_init(void);
int totp_new_secret(unsigned char secret[TOTP_SECRET_LEN]);
/* Exactly six ASCII digits. */
int totp_code_valid(const char *code);
/* 1 and *step (the code's time step) when the code matches a step within
 * `window` steps of now; 0 when not; negative on error. The caller must
 * still refuse a step at or before the last one accepted (replay). */
int totp_check(const unsigned char *secret, size_t len, const char *code, time_t now,
	       int window, int64_t *step);
/* The base32 secret and the otpauth:// URI for an authenticator app. */
int totp_uri(const char *user, const unsigned char *secret, size_t len, char *b32,
	     size_t b32sz, char *uri, size_t urisz);

#endif
