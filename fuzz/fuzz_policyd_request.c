/*
 * iam-policyd's request handling without the network: the router
 * (policyd/router.c: route matching, token authentication, access by token
 * kind) and every handler behind it, on a real store. This target links
 * every policyd source but main.c and server.c; libmicrohttpd is not
 * linked: the only thing the router and the handlers ask of it, a header
 * or a query argument (MHD_lookup_connection_value), is defined here over
 * a fake connection. What server.c does around the router (body to JSON,
 * the reply to text) is done the same way here.
 *
 * Once: a state directory made by policyd_init (cheapest KDF) in a
 * private temporary directory, the server context as main.c prepares it
 * (long polls cut to 0 s), and through the router itself a user, a group,
 * a host with access, a role the user may take, a user token and a
 * request. That database is kept as a template, and each input runs on a
 * fresh copy of it, so that an input means the same whatever ran before.
 *
 * Input: byte 0 picks the token (none, admin, host, user, a malformed
 * one, one of an unknown id), byte 1 the method; then the path (one line),
 * the query string (one line, "k=v&..."), and the body. Every request must
 * get a reply; an error reply is a JSON object with "error".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api.h"
#include "encode.h"
#include "fuzz.h"
#include "init.h"
#include "log.h"
#include "safe_file.h"
#include "seal.h"
#include "secmem.h"
#include "totp.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* --- libmicrohttpd, as far as the router and handlers use it -------- */

struct MHD_Connection {
	const char *authorization;
	const char *query;      /* "k=v&k=v" */
	char value[1024];
};

const char *MHD_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind kind,
					const char *key)
{
	const char *p, *end, *eq;
	size_t klen = strlen(key);

	if (kind == MHD_HEADER_KIND)
		return strcasecmp(key, "Authorization") == 0 ? c->authorization : NULL;
	if (kind != MHD_GET_ARGUMENT_KIND || !c->query)
		return NULL;
	for (p = c->query; *p; p = *end ? end + 1 : end) {
		end = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(end - p));
		if ((size_t)((eq ? eq : end) - p) != klen || memcmp(p, key, klen) != 0)
			continue;
		if (!eq)
			return "";
		snprintf(c->value, sizeof(c->value), "%.*s", (int)(end - eq - 1), eq + 1);
		return c->value;
	}
	return NULL;
}

/* --- The server, once ---------------------------------------------- */

static char dir[64], db[128], tokens[4][96];
static struct pconfig cfg;
static struct server_ctx ctx;
static sem_t kdf_slots;
static unsigned char *template_db;
static size_t template_len;
static time_t base_now;

static void cleanup(void)
{
	static const char *const files[] = { "tls.crt", "tls.key", "signing.key", "signing.pub",
					     "admin.token", "iam.db", "iam.db-wal", "iam.db-shm",
					     "policyd.conf" };
	char path[160];
	size_t i;

	store_close(ctx.st);
	ctx.st = NULL;
	for (i = 0; i < N(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* One request through the router, as server.c's handle() runs it. */
static int run(const char *token, const char *method, const char *path, const char *query,
	       const char *body, size_t body_len, struct json_object **reply)
{
	struct MHD_Connection conn = { NULL, query, "" };
	char header[160];
	struct req r;
	struct reply rp = { 500, NULL };
	struct iam_err err;
	int status;

	if (token) {
		snprintf(header, sizeof(header), "Bearer %s", token);
		conn.authorization = header;
	}
	memset(&r, 0, sizeof(r));
	r.srv = &ctx;
	r.st = ctx.st;
	r.conn = &conn;
	r.method = method;
	r.path = path;
	r.now = base_now;
	snprintf(r.source, sizeof(r.source), "anonymous");
	snprintf(r.client_ip, sizeof(r.client_ip), "127.0.0.1");
	if (body_len && iam_json_parse(body, body_len, &r.body, &err) < 0)
		return 400; /* server.c answers invalid_json */
	route_request(&r, &rp);
	FUZZ_CHECK(rp.body != NULL);
	FUZZ_CHECK(rp.status >= 200 && rp.status <= 599);
	FUZZ_CHECK(json_object_is_type(rp.body, json_type_object));
	if (rp.status >= 400)
		FUZZ_CHECK(json_object_object_get_ex(rp.body, "error", NULL));
	(void)json_object_to_json_string_ext(rp.body, JSON_C_TO_STRING_PLAIN |
					     JSON_C_TO_STRING_NOSLASHESCAPE);
	status = rp.status;
	iam_json_wipe(r.body);
	json_object_put(r.body);
	if (reply)
		*reply = rp.body;
	else
		json_object_put(rp.body);
	return status;
}

/* A setup step that must succeed; *field of the reply into out. */
static void step(const char *token, const char *method, const char *path, const char *body,
		 const char *field, char *out, size_t outsz)
{
	struct json_object *reply = NULL, *v = NULL;
	int status = run(token, method, path, NULL, body, strlen(body), &reply);

	if (status >= 300) {
		fprintf(stderr, "setup: %s %s: %d %s\n", method, path, status,
			json_object_to_json_string(reply));
		abort();
	}
	if (field) {
		FUZZ_CHECK(json_object_object_get_ex(reply, field, &v));
		snprintf(out, outsz, "%s", json_object_get_string(v));
	}
	json_object_put(reply);
}

static void open_store(void)
{
	struct store_options so = { cfg.database, cfg.id_min, cfg.id_max };
	struct iam_err err;

	FUZZ_CHECK(store_open(&ctx.st, &so, &err) == ST_OK);
}

static void read_file(const char *path, unsigned char **out, size_t *len)
{
	struct iam_err err;

	FUZZ_CHECK(iam_file_read(path, 0, 64u << 20, 0, (char **)out, len, &err) == 0);
}

static void setup(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	struct init_options io = { NULL, "127.0.0.1:8443", NULL, 10 };
	char path[160], hex[IAM_SHA256_HEX_LEN + 1], text[64];
	unsigned char raw[32];
	size_t len = sizeof(raw);
	struct iam_err err;
	int out;

	iam_log_init("fuzz_policyd_request", IAM_LOG_STDERR, 0);
	snprintf(dir, sizeof(dir), "%s/fuzz-policyd-XXXXXX", base);
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	atexit(cleanup);
	io.dir = dir;
	/* policyd_init tells a person what it made: not here */
	fflush(stdout);
	out = dup(1);
	FUZZ_CHECK(out >= 0 && freopen("/dev/null", "w", stdout) != NULL);
	FUZZ_CHECK(policyd_init(&io, &err) == 0);
	fflush(stdout);
	FUZZ_CHECK(dup2(out, 1) == 1);
	close(out);

	snprintf(path, sizeof(path), "%s/policyd.conf", dir);
	FUZZ_CHECK(pconfig_load(path, &cfg, &err) == 0);
	cfg.long_poll_max = 0;   /* no request may sleep */
	snprintf(db, sizeof(db), "%s", cfg.database);
	ctx.cfg = &cfg;
	FUZZ_CHECK(iam_sign_load_private(cfg.signing_key, &ctx.signing_key, &err) == 0);
	/* the vault's handlers run as in a server with a vault */
	FUZZ_CHECK(iam_seal_load_private(cfg.vault_key, &ctx.vault_key, &err) == 0);
	FUZZ_CHECK(EVP_PKEY_get_raw_public_key(ctx.signing_key, raw, &len) == 1);
	FUZZ_CHECK(iam_sha256_hex(raw, len, hex) == 0);
	snprintf(ctx.key_id, sizeof(ctx.key_id), "%.16s", hex);
	FUZZ_CHECK(sem_init(&kdf_slots, 0, 1) == 0);
	ctx.kdf_slots = &kdf_slots;
	ctx.kdf.log2_n = (unsigned)cfg.kdf_log2_n;
	ctx.kdf.r = (unsigned)cfg.kdf_r;
	ctx.kdf.p = (unsigned)cfg.kdf_p;
	FUZZ_CHECK(totp_init() == 0);
	iam_random_bytes(raw, 24);
	iam_hex_encode(raw, 24, text);
	FUZZ_CHECK(iam_kdf_hash(text, &ctx.kdf, ctx.dummy_verifier, &err) == 0);
	open_store();
	base_now = time(NULL);

	/* the admin token iam-policyd --init wrote */
	snprintf(path, sizeof(path), "%s/admin.token", dir);
	{
		unsigned char *t = NULL;

		read_file(path, &t, &len);
		snprintf(tokens[0], sizeof(tokens[0]), "%.*s", (int)strcspn((char *)t, "\n"),
			 (char *)t);
		free(t);
	}
	step(tokens[0], "POST", "/v1/users",
	     "{\"name\":\"alice\",\"password\":\"correct horse battery staple\"}", NULL, NULL, 0);
	step(tokens[0], "POST", "/v1/users", "{\"name\":\"bob\"}", NULL, NULL, 0);
	step(tokens[0], "POST", "/v1/groups", "{\"name\":\"dba\"}", NULL, NULL, 0);
	step(tokens[0], "POST", "/v1/groups/dba/members", "{\"user\":\"alice\"}", NULL, NULL, 0);
	step(tokens[0], "POST", "/v1/hosts", "{\"name\":\"web1\"}", "credential", tokens[1],
	     sizeof(tokens[1]));
	step(tokens[0], "POST", "/v1/hosts/web1/access", "{\"group\":\"dba\"}", NULL, NULL, 0);
	step(tokens[0], "POST", "/v1/roles",
	     "{\"name\":\"dbadmin\",\"max_duration\":3600,\"approval\":\"none\"}", NULL, NULL, 0);
	step(tokens[0], "POST", "/v1/roles/dbadmin/eligible", "{\"user\":\"alice\"}", NULL, NULL,
	     0);
	step(NULL, "POST", "/v1/auth/login",
	     "{\"user\":\"alice\",\"password\":\"correct horse battery staple\"}", "token",
	     tokens[2], sizeof(tokens[2]));
	step(tokens[2], "POST", "/v1/requests",
	     "{\"role\":\"dbadmin\",\"duration\":600,\"reason\":\"fuzz\"}", NULL, NULL, 0);
	/* a well-formed token of an id nobody has */
	snprintf(tokens[3], sizeof(tokens[3]), "iamu_999.%s",
		 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");

	store_close(ctx.st);
	ctx.st = NULL;
	read_file(db, &template_db, &template_len);
	open_store();
}

/* The database as setup left it. */
static void reset_store(void)
{
	char path[160];
	int fd;

	store_close(ctx.st);
	ctx.st = NULL;
	snprintf(path, sizeof(path), "%s-wal", db);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", db);
	unlink(path);
	fd = open(db, O_WRONLY | O_TRUNC | O_CLOEXEC);
	FUZZ_CHECK(fd >= 0 && write(fd, template_db, template_len) == (ssize_t)template_len);
	close(fd);
	open_store();
}

/* --- One input ------------------------------------------------------- */

static const char *const methods[] = { "GET", "POST", "DELETE", "PUT", "PATCH", "HEAD",
				       "get", "" };

static char *next_line(char **p)
{
	char *line = *p, *nl = strchr(line, '\n');

	if (nl) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = line + strlen(line);
	}
	return line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *token = NULL, *method, *path, *query;
	char *text, *p;
	size_t head;

	if (!template_db)
		setup();
	if (size < 2 || size > 65536)
		return 0;
	switch (data[0] % 8) {
	case 1: token = tokens[0]; break;
	case 2: token = tokens[1]; break;
	case 3: token = tokens[2]; break;
	case 4: token = "iamu_1.not-a-token"; break;
	case 5: token = tokens[3]; break;
	default: break;
	}
	method = methods[data[1] % N(methods)];
	text = fuzz_cstring(data + 2, size - 2);
	p = text;
	path = next_line(&p);
	query = next_line(&p);
	head = (size_t)(p - text);
	reset_store();
	/* the body as bytes: server.c takes it with its length */
	(void)run(token, method, path, query, p, size - 2 - head, NULL);
	free(text);
	return 0;
}
