#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "init.h"
#include "safe_file.h"
#include "seal.h"
#include "secmem.h"
#include "sign.h"
#include "store.h"
#include "tlsgen.h"

#define MAX_NAMES 16

struct state_paths {
	char dir[PATH_MAX];
	char cert[PATH_MAX + 16], key[PATH_MAX + 16], signing[PATH_MAX + 16], pub[PATH_MAX + 16];
	char token[PATH_MAX + 16], db[PATH_MAX + 16], conf[PATH_MAX + 16];
	char vault[PATH_MAX + 16], vault_pub[PATH_MAX + 16];
};

static int dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return 0;
	while (empty && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = 0;
	closedir(d);
	return empty;
}

/* An existing, empty directory is accepted (e.g. made by systemd's
 * StateDirectory=); anything in it means a state we must not overwrite. */
static int make_dir(const char *dir, struct state_paths *p, struct iam_err *err)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		iam_err_set(err, "cannot create %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (!dir_is_empty(dir)) {
		iam_err_set(err, "%s is not empty; refusing to overwrite an existing state "
			    "(use another directory, or remove it to start over)", dir);
		return -EEXIST;
	}
	if (chmod(dir, 0700) < 0 || !realpath(dir, p->dir)) {
		iam_err_set(err, "cannot use %s: %s", dir, strerror(errno));
		return -errno;
	}
	snprintf(p->cert, sizeof(p->cert), "%s/tls.crt", p->dir);
	snprintf(p->key, sizeof(p->key), "%s/tls.key", p->dir);
	snprintf(p->signing, sizeof(p->signing), "%s/signing.key", p->dir);
	snprintf(p->pub, sizeof(p->pub), "%s/signing.pub", p->dir);
	snprintf(p->token, sizeof(p->token), "%s/admin.token", p->dir);
	snprintf(p->db, sizeof(p->db), "%s/iam.db", p->dir);
	snprintf(p->conf, sizeof(p->conf), "%s/policyd.conf", p->dir);
	snprintf(p->vault, sizeof(p->vault), "%s/vault.key", p->dir);
	snprintf(p->vault_pub, sizeof(p->vault_pub), "%s/vault.pub", p->dir);
	return 0;
}

static void cert_names(const struct init_options *opt, const char **names)
{
	static char host[256];
	int n = 0, i;

	names[n++] = "localhost";
	names[n++] = "127.0.0.1";
	names[n++] = "::1";
	if (gethostname(host, sizeof(host) - 1) == 0 && host[0] && strcmp(host, "localhost") != 0)
		names[n++] = host;
	for (i = 0; opt->names && opt->names[i] && n < MAX_NAMES - 1; i++)
		names[n++] = opt->names[i];
	names[n] = NULL;
}

static int make_tls(const struct init_options *opt, const struct state_paths *p,
		    char *fingerprint, size_t fpsz, char *pin, size_t pinsz, struct iam_err *err)
{
	const char *names[MAX_NAMES];
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int r;

	cert_names(opt, names);
	r = tls_selfsigned(names, &key, &cert, err);
	if (r == 0)
		r = tls_write_pem(p->key, key, NULL, err);
	if (r == 0)
		r = tls_write_pem(p->cert, NULL, cert, err);
	if (r == 0 && (tls_fingerprint(cert, fingerprint, fpsz) < 0 || tls_pin(cert, pin, pinsz) < 0))
		r = -EIO;
	EVP_PKEY_free(key);
	X509_free(cert);
	return r;
}

static int make_signing_key(const struct state_paths *p, char pub[IAM_SIGN_PUB_B64],
			    struct iam_err *err)
{
	EVP_PKEY *key = NULL;
	char line[IAM_SIGN_PUB_B64 + 1];
	int r = iam_sign_keygen(&key, err);

	if (r == 0)
		r = iam_sign_save_private(key, p->signing, err);
	if (r == 0)
		r = iam_sign_pubkey_b64(key, pub);
	if (r == 0) {
		snprintf(line, sizeof(line), "%s\n", pub);
		r = iam_file_write_atomic(p->pub, line, strlen(line), 0644, err);
	}
	EVP_PKEY_free(key);
	return r;
}

/* The vault's key pair: hosts seal escrowed passwords to the public half;
 * only this private key, a file apart from the database, opens them. */
static int make_vault_key(const struct state_paths *p, char pub[IAM_SEAL_PUB_B64],
			  struct iam_err *err)
{
	EVP_PKEY *key = NULL;
	char line[IAM_SEAL_PUB_B64 + 1];
	int r = iam_seal_keygen(&key, err);

	if (r == 0)
		r = iam_seal_save_private(key, p->vault, err);
	if (r == 0)
		r = iam_seal_pubkey_b64(key, pub);
	if (r == 0) {
		snprintf(line, sizeof(line), "%s\n", pub);
		r = iam_file_write_atomic(p->vault_pub, line, strlen(line), 0644, err);
	}
	EVP_PKEY_free(key);
	return r;
}

static int make_store(const struct state_paths *p, struct iam_err *err)
{
	struct store_options so = { p->db, 200000, 499999 };
	struct store *st = NULL;
	char token[80], line[96];
	int r = store_create(p->db, err);

	if (r == ST_OK)
		r = store_open(&st, &so, err);
	if (r == ST_OK && store_admin_token_create(st, "created by --init", time(NULL), token) != ST_OK) {
		iam_err_set(err, "cannot create the first admin token");
		r = ST_ERROR;
	}
	store_close(st);
	if (r != ST_OK)
		return -EIO;
	snprintf(line, sizeof(line), "%s\n", token);
	r = iam_file_write_atomic(p->token, line, strlen(line), 0600, err);
	iam_wipe(token, sizeof(token));
	iam_wipe(line, sizeof(line));
	return r;
}

static int write_conf(const struct init_options *opt, const struct state_paths *p,
		      struct iam_err *err)
{
	char text[8192];
	int n = snprintf(text, sizeof(text),
		"# iam-policyd configuration, written by iam-policyd --init.\n"
		"# Every key and its default: iam-policyd(8).\n"
		"listen = %s\n"
		"tls_cert = %s\n"
		"tls_key = %s\n"
		"signing_key = %s\n"
		"database = %s\n"
		"vault_key = %s\n",
		opt->listen, p->cert, p->key, p->signing, p->db, p->vault);

	if (n < 0 || (size_t)n >= sizeof(text))
		return -ENOSPC;
	if (opt->kdf_log2_n)
		snprintf(text + n, sizeof(text) - (size_t)n, "kdf_log2_n = %d\n", opt->kdf_log2_n);
	return iam_file_write_atomic(p->conf, text, strlen(text), 0600, err);
}

/* The address to show in the example command: a wildcard listen address
 * is no address to connect to; a name in the certificate is (the first
 * --name, else this host's name, which the certificate also has). */
static int host_is(const char *host, size_t len, const char *what)
{
	return len == strlen(what) && strncmp(host, what, len) == 0;
}

static void example_address(const struct init_options *opt, char *out, size_t outsz)
{
	const char *colon = strrchr(opt->listen, ':');
	size_t hostlen = colon ? (size_t)(colon - opt->listen) : 0;
	char host[256] = "localhost";
	const char *name = host;

	if (opt->names && opt->names[0])
		name = opt->names[0];
	else if (gethostname(host, sizeof(host) - 1) != 0 || !host[0])
		snprintf(host, sizeof(host), "localhost");

	if (colon && (hostlen == 0 || host_is(opt->listen, hostlen, "0.0.0.0") ||
		      host_is(opt->listen, hostlen, "[::]")))
		snprintf(out, outsz, "%s%s", name, colon);
	else
		snprintf(out, outsz, "%s", opt->listen);
}

/* What --init prints for admins and hosts. */
struct summary {
	char fp[128], pin[64], pub[IAM_SIGN_PUB_B64], vault_pub[IAM_SEAL_PUB_B64], address[512];
};

static void print_summary(const struct state_paths *p, const struct summary *sm)
{
	printf("Created the state directory %s\n\n", p->dir);
	printf("  configuration       %s\n", p->conf);
	printf("  TLS certificate     %s\n", p->cert);
	printf("  admin token (0600)  %s\n", p->token);
	printf("  database            %s\n", p->db);
	printf("  vault key (0600)    %s\n\n", p->vault);
	printf("TLS certificate SHA-256 fingerprint:\n  %s\n", sm->fp);
	printf("Public key pin (pinned_pubkey in iam.conf):\n  %s\n", sm->pin);
	printf("Snapshot signing public key (snapshot_pubkey in iam.conf):\n  %s\n", sm->pub);
	printf("Vault public key (vault_pubkey in iam.conf):\n  %s\n\n", sm->vault_pub);
	printf("Start it with:  iam-policyd --state %s\n", p->dir);
	printf("Then, for example:\n  iamctl --endpoint https://%s --ca-file %s \\\n"
	       "         --admin-token-file %s user list\n", sm->address, p->cert, p->token);
}

int policyd_init(const struct init_options *opt, struct iam_err *err)
{
	struct summary sm = { "", "", "", "", "" };
	struct state_paths p;
	int r;

	r = make_dir(opt->dir, &p, err);
	if (r == 0)
		r = make_tls(opt, &p, sm.fp, sizeof(sm.fp), sm.pin, sizeof(sm.pin), err);
	if (r == 0)
		r = make_signing_key(&p, sm.pub, err);
	if (r == 0)
		r = make_vault_key(&p, sm.vault_pub, err);
	if (r == 0)
		r = make_store(&p, err);
	if (r == 0)
		r = write_conf(opt, &p, err);
	if (r == 0) {
		example_address(opt, sm.address, sizeof(sm.address));
		print_summary(&p, &sm);
	}
	return r;
}
