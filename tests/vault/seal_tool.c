/*
 * seal_tool: common/seal.c from the command line, for the interoperability
 * test (seal.sh) that checks the code against the algorithm seal.h
 * documents, with an independent implementation.
 *   seal_tool keygen KEYFILE             prints the public key
 *   seal_tool seal PUB_B64 CONTEXT       stdin -> sealed text
 *   seal_tool unseal KEYFILE CONTEXT     sealed text on stdin -> secret
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seal.h"
#include "secmem.h"

static int read_line(char *buf, size_t n)
{
	if (!fgets(buf, (int)n, stdin))
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int keygen(const char *path, struct iam_err *err)
{
	char pub[IAM_SEAL_PUB_B64];
	EVP_PKEY *key = NULL;
	int r = iam_seal_keygen(&key, err);

	if (r == 0)
		r = iam_seal_save_private(key, path, err);
	if (r == 0 && (r = iam_seal_pubkey_b64(key, pub)) == 0)
		printf("%s\n", pub);
	EVP_PKEY_free(key);
	return r;
}

static int seal(const char *pub_b64, const char *context, struct iam_err *err)
{
	char msg[IAM_SEAL_MSG_MAX + 2], *out = NULL;
	EVP_PKEY *pub = NULL;
	int r = read_line(msg, sizeof(msg));

	if (r == 0)
		r = iam_seal_pubkey_from_b64(pub_b64, &pub, err);
	if (r == 0)
		r = iam_seal(pub, context, msg, strlen(msg), &out, err);
	if (r == 0)
		printf("%s\n", out);
	free(out);
	EVP_PKEY_free(pub);
	iam_wipe(msg, sizeof(msg));
	return r;
}

static int unseal(const char *path, const char *context, struct iam_err *err)
{
	char sealed[4096], *msg = NULL;
	EVP_PKEY *key = NULL;
	size_t n = 0;
	int r = read_line(sealed, sizeof(sealed));

	if (r == 0)
		r = iam_seal_load_private(path, &key, err);
	if (r == 0)
		r = iam_unseal(key, context, sealed, &msg, &n, err);
	if (r == 0)
		printf("%s\n", msg);
	iam_free_secret(msg);
	EVP_PKEY_free(key);
	return r;
}

int main(int argc, char **argv)
{
	struct iam_err err = { "" };
	int r = -1;

	if (argc == 3 && strcmp(argv[1], "keygen") == 0)
		r = keygen(argv[2], &err);
	else if (argc == 4 && strcmp(argv[1], "seal") == 0)
		r = seal(argv[2], argv[3], &err);
	else if (argc == 4 && strcmp(argv[1], "unseal") == 0)
		r = unseal(argv[2], argv[3], &err);
	else
		snprintf(err.msg, sizeof(err.msg), "usage: see the top of seal_tool.c");
	if (r < 0)
		fprintf(stderr, "seal_tool: %s\n", err.msg);
	return r < 0 ? 1 : 0;
}
