/* A self-signed TLS certificate for a fresh endpoint, with OpenSSL. */
#ifndef IAM_POLICYD_TLSGEN_H
#define IAM_POLICYD_TLSGEN_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include "iam_error.h"

#define TLS_CERT_DAYS 1095

/* P-256 key and a certificate for the names (DNS names and IP literals,
 * NULL-terminated), valid for TLS_CERT_DAYS. */
int tls_selfsigned(const char *const *names, EVP_PKEY **key, X509 **cert, struct iam_err *err);
/* "AB:CD:..." SHA-256 of the DER certificate. */
int tls_fingerprint(X509 *cert, char *out, size_t outsz);
/* "sha256//<base64>" of the public key, as curl's CURLOPT_PINNEDPUBLICKEY takes. */
int tls_pin(X509 *cert, char *out, size_t outsz);
int tls_write_pem(const char *path, EVP_PKEY *key, X509 *cert, struct iam_err *err);

#endif
