#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "encode.h"
#include "pkey_file.h"
#include "safe_file.h"
#include "secmem.h"

int iam_pkey_save_private(EVP_PKEY *key, const char *path, const char *what,
			  struct iam_err *err)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	char *pem = NULL;
	long len;
	int r = -EIO;

	if (bio && PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1) {
		len = BIO_get_mem_data(bio, &pem);
		r = iam_file_write_atomic(path, pem, (size_t)len, 0600, err);
	} else {
		iam_err_set(err, "cannot encode %s", what);
	}
	BIO_free(bio);
	return r;
}

/* Without a callback OpenSSL asks for a passphrase on the terminal, or
 * failing that on stdin, and blocks until one comes: a daemon must never do
 * that. Private keys are stored unencrypted in 0600 files. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int iam_pkey_load_private(const char *path, int type, const char *what, EVP_PKEY **out,
			  struct iam_err *err)
{
	char *pem = NULL;
	size_t len = 0;
	BIO *bio;
	int r;

	*out = NULL;
	r = iam_file_read(path, geteuid(), 16384, IAM_FILE_SECRET, &pem, &len, err);
	if (r < 0)
		return r;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio)
		*out = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	iam_wipe(pem, len);
	free(pem);
	if (!*out || EVP_PKEY_get_id(*out) != type) {
		EVP_PKEY_free(*out);
		*out = NULL;
		iam_err_set(err, "%s does not hold %s in PEM", path, what);
		return -EINVAL;
	}
	return 0;
}

int iam_pkey_pub_b64(EVP_PKEY *key, char out[IAM_PKEY_B64])
{
	unsigned char raw[IAM_PKEY_RAW_LEN];
	size_t len = sizeof(raw);

	if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1 || len != IAM_PKEY_RAW_LEN)
		return -EINVAL;
	return iam_b64_encode(raw, len, out, IAM_PKEY_B64);
}

int iam_pkey_pub_from_b64(int type, const char *b64, const char *what, EVP_PKEY **out,
			  struct iam_err *err)
{
	unsigned char raw[48];
	size_t len = 0;

	*out = NULL;
	if (strlen(b64) != IAM_PKEY_B64 - 1 || iam_b64_decode(b64, raw, sizeof(raw), &len) < 0 ||
	    len != IAM_PKEY_RAW_LEN) {
		iam_err_set(err, "not %s (expected 44 base64 characters)", what);
		return -EINVAL;
	}
	*out = EVP_PKEY_new_raw_public_key(type, NULL, raw, len);
	if (!*out) {
		iam_err_set(err, "OpenSSL rejected %s", what);
		return -EINVAL;
	}
	return 0;
}
