#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "encode.h"
#include "safe_file.h"
#include "tlsgen.h"

static int add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ok = ext && X509_add_ext(cert, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

static void san_text(const char *const *names, char *out, size_t outsz)
{
	unsigned char addr[16];
	size_t used = 0;
	int i;

	out[0] = '\0';
	for (i = 0; names[i] && used < outsz; i++) {
		int ip = inet_pton(AF_INET, names[i], addr) == 1 ||
			 inet_pton(AF_INET6, names[i], addr) == 1;

		used += (size_t)snprintf(out + used, outsz - used, "%s%s:%s", i ? "," : "",
					 ip ? "IP" : "DNS", names[i]);
	}
}

static int fill_cert(X509 *cert, EVP_PKEY *key, const char *const *names)
{
	unsigned char serial[16];
	char san[2048];
	X509_NAME *subject = X509_get_subject_name(cert);
	BIGNUM *bn = NULL;
	int ok;

	RAND_bytes(serial, sizeof(serial));
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	san_text(names, san, sizeof(san));
	ok = bn && X509_set_version(cert, X509_VERSION_3) == 1 &&
	     BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) &&
	     X509_gmtime_adj(X509_getm_notBefore(cert), -3600) &&
	     X509_gmtime_adj(X509_getm_notAfter(cert), (long)TLS_CERT_DAYS * 86400) &&
	     X509_set_pubkey(cert, key) == 1 &&
	     X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
					(const unsigned char *)"iam-policyd", -1, -1, 0) == 1 &&
	     X509_set_issuer_name(cert, subject) == 1 &&
	     /* The certificate is its own trust anchor: hosts put it in their
	      * CA file, so it must be allowed to act as a CA for itself. */
	     add_ext(cert, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
	     add_ext(cert, NID_key_usage, "critical,digitalSignature,keyCertSign") &&
	     add_ext(cert, NID_ext_key_usage, "serverAuth") &&
	     add_ext(cert, NID_subject_key_identifier, "hash") &&
	     add_ext(cert, NID_subject_alt_name, san) &&
	     X509_sign(cert, key, EVP_sha256()) > 0;
	BN_free(bn);
	return ok;
}

int tls_selfsigned(const char *const *names, EVP_PKEY **key, X509 **cert, struct iam_err *err)
{
	*key = EVP_EC_gen("P-256");
	*cert = X509_new();
	if (*key && *cert && fill_cert(*cert, *key, names))
		return 0;
	EVP_PKEY_free(*key);
	X509_free(*cert);
	*key = NULL;
	*cert = NULL;
	iam_err_set(err, "cannot create the TLS key and certificate");
	return -EIO;
}

int tls_fingerprint(X509 *cert, char *out, size_t outsz)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	size_t used = 0;

	if (X509_digest(cert, EVP_sha256(), md, &len) != 1 || outsz < (size_t)len * 3)
		return -EIO;
	for (i = 0; i < len; i++)
		used += (size_t)snprintf(out + used, outsz - used, "%s%02X", i ? ":" : "", md[i]);
	return 0;
}

int tls_pin(X509 *cert, char *out, size_t outsz)
{
	unsigned char *der = NULL, md[32];
	char b64[48];
	int len = i2d_PUBKEY(X509_get0_pubkey(cert), &der);

	if (len <= 0)
		return -EIO;
	EVP_Digest(der, (size_t)len, md, NULL, EVP_sha256(), NULL);
	OPENSSL_free(der);
	if (iam_b64_encode(md, sizeof(md), b64, sizeof(b64)) < 0)
		return -EIO;
	return snprintf(out, outsz, "sha256//%s", b64) < (int)outsz ? 0 : -ENOSPC;
}

/* Writes a private key (mode 0600) or a certificate (0644). */
int tls_write_pem(const char *path, EVP_PKEY *key, X509 *cert, struct iam_err *err)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	char *pem = NULL;
	long len;
	int ok, r = -EIO;

	ok = bio && (key ? PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)
			 : PEM_write_bio_X509(bio, cert)) == 1;
	if (ok) {
		len = BIO_get_mem_data(bio, &pem);
		r = iam_file_write_atomic(path, pem, (size_t)len, key ? 0600 : 0644, err);
	} else {
		iam_err_set(err, "cannot encode %s", path);
	}
	BIO_free(bio);
	return r;
}
