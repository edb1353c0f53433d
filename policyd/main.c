#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "encode.h"
#include "init.h"
#include "log.h"
#include "parse.h"
#include "pconfig.h"
#include "safe_file.h"
#include "seal.h"
#include "secmem.h"
#include "server.h"
#include "sign.h"
#include "store.h"
#include "totp.h"

struct options {
	const char *init_dir;
	const char *state_dir;
	const char *config;
	const char *listen;
	const char *ready_file;
	const char *names[8];
	int nnames;
	int kdf_log2_n;
	int log_stderr;
	int debug;
	int check_only;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: iam-policyd [--state DIR | --config FILE] [options]\n"
		"       iam-policyd --init DIR [--listen ADDR:PORT] [--name NAME]...\n"
		"       iam-policyd --check-config (--state DIR | --config FILE)\n"
		"\n"
		"The central identity and policy endpoint of the iam suite (HTTPS, SQLite).\n"
		"\n"
		"  --init DIR          create a state directory: self-signed TLS certificate,\n"
		"                      Ed25519 snapshot signing key, admin token, database\n"
		"  --name NAME         with --init: another DNS name or IP for the certificate\n"
		"  --kdf-log2-n N      with --init: scrypt cost (default 15)\n"
		"  --state DIR         run with DIR/policyd.conf\n"
		"  --config FILE       run with FILE\n"
		"  --listen ADDR:PORT  override listen (port 0 picks a free port)\n"
		"  --ready-file FILE   write the port to FILE once listening\n"
		"  --stderr            log to stderr instead of syslog\n"
		"  --debug             log every request\n"
		"  --check-config      check the configuration and exit\n"
		"  -h, --help          this text;  -V, --version  the version\n"
		"\n"
		"See iam-policyd(8).\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "init", required_argument, NULL, 'i' },
		{ "state", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "kdf-log2-n", required_argument, NULL, 'k' },
		{ "stderr", no_argument, NULL, 'e' },
		{ "debug", no_argument, NULL, 'd' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': o->init_dir = optarg; break;
		case 's': o->state_dir = optarg; break;
		case 'c': o->config = optarg; break;
		case 'l': o->listen = optarg; break;
		case 'r': o->ready_file = optarg; break;
		case 'n':
			if (o->nnames >= 7) {
				fprintf(stderr, "iam-policyd: at most 7 --name options\n");
				return 2;
			}
			o->names[o->nnames++] = optarg;
			break;
		case 'k': {
			long long v;

			if (iam_parse_ll(optarg, 10, 22, &v) < 0) {
				fprintf(stderr, "iam-policyd: --kdf-log2-n must be between 10 and 22\n");
				return 2;
			}
			o->kdf_log2_n = (int)v;
			break;
		}
		case 'e': o->log_stderr = 1; break;
		case 'd': o->debug = 1; break;
		case 'C': o->check_only = 1; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("iam-policyd %s\n", PACKAGE_VERSION); exit(0);
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "iam-policyd: unexpected argument '%s'\nTry 'iam-policyd --help'.\n",
			argv[optind]);
		return 2;
	}
	if (!o->init_dir && !o->state_dir == !o->config) {
		fprintf(stderr, "iam-policyd: give one of --init DIR, --state DIR or --config FILE\n"
				"Try 'iam-policyd --help'.\n");
		return 2;
	}
	if (!o->init_dir && (o->kdf_log2_n || o->nnames)) {
		fprintf(stderr, "iam-policyd: --kdf-log2-n and --name only go with --init\n");
		return 2;
	}
	return 0;
}

static int run_init(const struct options *o)
{
	struct init_options io = { o->init_dir, o->listen ? o->listen : "127.0.0.1:8443",
				   o->names, o->kdf_log2_n };
	struct sockaddr_storage addr;
	struct iam_err err;
	unsigned port;

	if (server_parse_listen(io.listen, &addr, &port) < 0) {
		fprintf(stderr, "iam-policyd: --listen %s: expected ADDRESS:PORT\n", io.listen);
		return 2;
	}
	if (policyd_init(&io, &err) < 0) {
		fprintf(stderr, "iam-policyd: %s\n", err.msg);
		return 1;
	}
	return 0;
}

/* Everything the running server holds, released in one place. */
struct runtime {
	struct pconfig cfg;
	struct server_ctx ctx;
	sem_t kdf_slots;
	struct store *st;
	char *cert_pem, *key_pem;
	size_t key_len;
	struct server *server;
	int to_syslog; /* logging went to syslog once the configuration said so */
};

static int load_config(const struct options *o, struct runtime *rt, struct iam_err *err)
{
	char path[4096];
	const char *file = o->config;
	int r;

	if (!file) {
		snprintf(path, sizeof(path), "%s/policyd.conf", o->state_dir);
		file = path;
	}
	r = pconfig_load(file, &rt->cfg, err);
	if (r == -ENOENT && !o->config)
		iam_err_append(err, "; make the state directory first: iam-policyd --init %s",
			       o->state_dir);
	if (r == 0 && o->listen) {
		free(rt->cfg.listen);
		rt->cfg.listen = strdup(o->listen);
	}
	/* --check-config answers on the terminal, whatever the file says. */
	if (o->log_stderr || o->check_only)
		rt->cfg.log = 1;
	if (o->debug)
		rt->cfg.debug = 1;
	return r;
}

static void key_id(EVP_PKEY *key, char out[17])
{
	unsigned char raw[32];
	size_t len = sizeof(raw);
	char hex[65];

	out[0] = '\0';
	if (EVP_PKEY_get_raw_public_key(key, raw, &len) == 1 && iam_sha256_hex(raw, len, hex) == 0)
		memcpy(out, hex, 16), out[16] = '\0';
}

static int load_keys(struct runtime *rt, struct iam_err *err)
{
	int r;

	r = iam_file_read(rt->cfg.tls_cert, geteuid(), 1 << 20, 0, &rt->cert_pem, NULL, err);
	if (r == 0)
		r = iam_file_read(rt->cfg.tls_key, geteuid(), 1 << 20, IAM_FILE_SECRET, &rt->key_pem,
				  &rt->key_len, err);
	if (r == 0)
		r = iam_sign_load_private(rt->cfg.signing_key, &rt->ctx.signing_key, err);
	if (r == 0)
		key_id(rt->ctx.signing_key, rt->ctx.key_id);
	if (r == 0 && rt->cfg.vault_key)
		r = iam_seal_load_private(rt->cfg.vault_key, &rt->ctx.vault_key, err);
	return r;
}

/* A verifier for a random password, so that logins of unknown users cost
 * the same KDF run as real ones. */
static int prepare_auth(struct runtime *rt, struct iam_err *err)
{
	unsigned char random[24];
	char text[64];
	int r;

	long slots = rt->cfg.kdf_concurrency ? (long)rt->cfg.kdf_concurrency
					      : sysconf(_SC_NPROCESSORS_ONLN);

	if (sem_init(&rt->kdf_slots, 0, (unsigned)(slots > 0 ? slots : 1)) != 0) {
		iam_err_set(err, "cannot create the KDF semaphore");
		return -EIO;
	}
	rt->ctx.kdf_slots = &rt->kdf_slots;
	rt->ctx.kdf.log2_n = (unsigned)rt->cfg.kdf_log2_n;
	rt->ctx.kdf.r = (unsigned)rt->cfg.kdf_r;
	rt->ctx.kdf.p = (unsigned)rt->cfg.kdf_p;
	if (totp_init() < 0) {
		iam_err_set(err, "liboath failed to initialise");
		return -EIO;
	}
	iam_random_bytes(random, sizeof(random));
	iam_hex_encode(random, sizeof(random), text);
	r = iam_kdf_hash(text, &rt->ctx.kdf, rt->ctx.dummy_verifier, err);
	iam_wipe(text, sizeof(text));
	return r;
}

/* Once logging goes to syslog, an admin who started the server by hand
 * would see nothing on the terminal: the reason it stopped goes there too. */
static void log_fatal(const struct runtime *rt, const struct iam_err *err)
{
	struct iam_buf line;

	iam_buf_init(&line, 0);
	iam_kv_add(&line, "event", "fatal");
	iam_kv_add(&line, "error", err->msg);
	iam_log(LOG_ERR, "%s", iam_buf_str(&line));
	iam_buf_free(&line);
	if (rt->to_syslog && isatty(STDERR_FILENO))
		fprintf(stderr, "iam-policyd: %s\n", err->msg);
}

static int prepare(const struct options *o, struct runtime *rt, struct iam_err *err)
{
	struct store_options so;
	int r = load_config(o, rt, err);

	if (r < 0)
		return r;
	iam_log_init("iam-policyd", rt->cfg.log ? IAM_LOG_STDERR : IAM_LOG_SYSLOG, rt->cfg.debug);
	rt->to_syslog = !rt->cfg.log;
	r = load_keys(rt, err);
	if (r < 0)
		return r;
	so = (struct store_options){ rt->cfg.database, rt->cfg.id_min, rt->cfg.id_max };
	if (store_open(&rt->st, &so, err) != ST_OK)
		return -EIO;
	rt->ctx.cfg = &rt->cfg;
	rt->ctx.st = rt->st;
	return prepare_auth(rt, err);
}

static int write_ready_file(const char *path, unsigned port, struct iam_err *err)
{
	char text[16];

	snprintf(text, sizeof(text), "%u\n", port);
	return iam_file_write_atomic(path, text, strlen(text), 0644, err);
}

/* Signals are taken synchronously by the main thread; every server thread
 * inherits the blocked mask. */
static void wait_for_stop(sigset_t *set)
{
	int sig = 0;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			iam_log(LOG_NOTICE, "event=sighup message=\"restart iam-policyd to reload "
				"its configuration\"");
			continue;
		}
		iam_log(LOG_NOTICE, "event=stop signal=%d", sig);
		return;
	}
}

static int serve(const struct options *o, struct runtime *rt, struct iam_err *err)
{
	sigset_t set;
	unsigned port = 0;
	int r;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	r = server_start(&rt->ctx, rt->cfg.listen, rt->cert_pem, rt->key_pem, &rt->server, &port, err);
	if (r == 0 && o->ready_file)
		r = write_ready_file(o->ready_file, port, err);
	if (r < 0)
		return r;
	iam_log(LOG_NOTICE, "event=start version=%s listen=%s port=%u schema=%d", PACKAGE_VERSION,
		rt->cfg.listen, port, store_schema_version(rt->st));
	wait_for_stop(&set);
	rt->ctx.stopping = 1;
	return 0;
}

static void release(struct runtime *rt)
{
	server_stop(rt->server);
	store_close(rt->st);
	EVP_PKEY_free(rt->ctx.signing_key);
	EVP_PKEY_free(rt->ctx.vault_key);
	free(rt->cert_pem);
	if (rt->key_pem)
		iam_wipe(rt->key_pem, rt->key_len);
	free(rt->key_pem);
	if (rt->ctx.kdf_slots)
		sem_destroy(rt->ctx.kdf_slots);
	pconfig_free(&rt->cfg);
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct runtime rt;
	struct iam_err err = { "" };
	int r;

	umask(077);
	r = parse_args(argc, argv, &o);
	if (r)
		return r;
	if (o.init_dir)
		return run_init(&o);
	memset(&rt, 0, sizeof(rt));
	iam_log_init("iam-policyd", IAM_LOG_STDERR, o.debug);
	r = prepare(&o, &rt, &err);
	if (r == 0 && o.check_only)
		printf("configuration OK\n");
	else if (r == 0)
		r = serve(&o, &rt, &err);
	if (r < 0)
		log_fatal(&rt, &err);
	release(&rt);
	return r < 0 ? 1 : 0;
}
