#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "encode.h"
#include "kdf.h"
#include "parse.h"
#include "secmem.h"

#define SALT_LEN 16
#define HASH_LEN 32

int iam_kdf_params_valid(const struct iam_kdf_params *p)
{
	return p->log2_n >= 10 && p->log2_n <= 22 && p->r >= 1 && p->r <= 32 &&
	       p->p >= 1 && p->p <= 16;
}

static int scrypt(const char *password, const unsigned char *salt, size_t saltlen,
		  const struct iam_kdf_params *p, unsigned char out[HASH_LEN],
		  struct iam_err *err)
{
	uint64_t n = (uint64_t)1 << p->log2_n;
	uint32_t r = p->r, par = p->p;
	/* scrypt needs 128*N*r bytes (plus a little per p); OpenSSL's default
	 * cap of 32 MiB would refuse the default parameters. */
	uint64_t maxmem = 128 * n * r * 2 + 128 * (uint64_t)r * par;
	OSSL_PARAM params[7];
	EVP_KDF *kdf;
	EVP_KDF_CTX *ctx = NULL;
	int ok = 0;

	kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	if (kdf)
		ctx = EVP_KDF_CTX_new(kdf);
	if (ctx) {
		params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
			(void *)(uintptr_t)password, strlen(password));
		params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
			(void *)(uintptr_t)salt, saltlen);
		params[2] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
		params[3] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
		params[4] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &par);
		params[5] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem);
		params[6] = OSSL_PARAM_construct_end();
		ok = EVP_KDF_derive(ctx, out, HASH_LEN, params) == 1;
	}
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	if (!ok) {
		iam_err_set(err, "scrypt failed (out of memory?)");
		return -EIO;
	}
	return 0;
}

int iam_kdf_hash(const char *password, const struct iam_kdf_params *p,
		 char out[IAM_KDF_MAX], struct iam_err *err)
{
	unsigned char salt[SALT_LEN], hash[HASH_LEN];
	char salt64[32], hash64[48];
	int r;

	if (!iam_kdf_params_valid(p)) {
		iam_err_set(err, "invalid scrypt parameters");
		return -EINVAL;
	}
	if (iam_random_bytes(salt, sizeof(salt)) < 0) {
		iam_err_set(err, "no random bytes for the salt");
		return -EIO;
	}
	r = scrypt(password, salt, sizeof(salt), p, hash, err);
	if (r == 0) {
		iam_b64_encode(salt, sizeof(salt), salt64, sizeof(salt64));
		iam_b64_encode(hash, sizeof(hash), hash64, sizeof(hash64));
		snprintf(out, IAM_KDF_MAX, "$scrypt$ln=%u,r=%u,p=%u$%s$%s", p->log2_n,
			 p->r, p->p, salt64, hash64);
	}
	iam_wipe(hash, sizeof(hash));
	return r;
}

/* "ln=15,r=8,p=1" */
static int parse_params(const char *s, size_t len, struct iam_kdf_params *p)
{
	char buf[48], *ln, *r, *par;
	long long v[3];

	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (strncmp(buf, "ln=", 3) != 0 || !(r = strstr(buf, ",r=")) ||
	    !(par = strstr(buf, ",p=")) || par < r)
		return -EINVAL;
	ln = buf + 3;
	*r = '\0';
	r += 3;
	*par = '\0';
	par += 3;
	if (iam_parse_ll(ln, 10, 22, &v[0]) < 0 || iam_parse_ll(r, 1, 32, &v[1]) < 0 ||
	    iam_parse_ll(par, 1, 16, &v[2]) < 0)
		return -EINVAL;
	p->log2_n = (unsigned)v[0];
	p->r = (unsigned)v[1];
	p->p = (unsigned)v[2];
	return 0;
}

struct verifier {
	struct iam_kdf_params params;
	unsigned char salt[SALT_LEN];
	unsigned char hash[HASH_LEN];
};

/* Decodes base64 that must yield exactly `want` bytes. */
static int decode_exact(const char *b64, size_t b64len, unsigned char *out, size_t want)
{
	char text[64];
	unsigned char bytes[48];
	size_t n;

	if (b64len >= sizeof(text))
		return -EINVAL;
	memcpy(text, b64, b64len);
	text[b64len] = '\0';
	if (iam_b64_decode(text, bytes, sizeof(bytes), &n) < 0 || n != want)
		return -EINVAL;
	memcpy(out, bytes, want);
	return 0;
}

static int parse_verifier(const char *s, struct verifier *v)
{
	const char *params, *salt, *hash;

	if (strncmp(s, "$scrypt$", 8) != 0)
		return -EINVAL;
	params = s + 8;
	salt = strchr(params, '$');
	if (!salt || parse_params(params, (size_t)(salt - params), &v->params) < 0)
		return -EINVAL;
	salt++;
	hash = strchr(salt, '$');
	if (!hash || decode_exact(salt, (size_t)(hash - salt), v->salt, SALT_LEN) < 0)
		return -EINVAL;
	hash++;
	return decode_exact(hash, strlen(hash), v->hash, HASH_LEN);
}

int iam_kdf_verify(const char *password, const char *verifier, struct iam_err *err)
{
	struct verifier v;
	unsigned char hash[HASH_LEN];
	int r;

	if (parse_verifier(verifier, &v) < 0) {
		iam_err_set(err, "malformed password verifier");
		return -EINVAL;
	}
	r = scrypt(password, v.salt, sizeof(v.salt), &v.params, hash, err);
	if (r == 0)
		r = iam_ct_equal(hash, v.hash, HASH_LEN) ? 1 : 0;
	iam_wipe(hash, sizeof(hash));
	return r;
}
