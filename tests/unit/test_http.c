/*
 * The HTTPS client against a real TLS server in this process: libmicrohttpd
 * (GnuTLS) on 127.0.0.1 with certificates made here by OpenSSL, plus plain
 * sockets for "nothing listens" and "accepts but never answers".
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "http.h"
#include "iam_error.h"

#define SECRET "SECRET-token-5f2a"
#define REQUEST_BODY_MAX 4096
#define MAX_RESPONSE 1000

struct server {
	struct MHD_Daemon *daemon;
	char *key_pem;
	char *cert_pem;
	char url[64];
};

struct fixture {
	char dir[64];
	char ca_file[128];
	char other_ca_file[128];
	char pin_good[96];
	char pin_bad[96];
	struct server good;
	struct server wrong_name; /* certificate for other.example only */
	atomic_int connections;   /* TCP connections the good server accepted */
};

/* ---- certificates ------------------------------------------------------ */

static void add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);

	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

/* A CA when san is NULL (self-signed), otherwise a server certificate for
 * san issued by issuer. */
static X509 *make_cert(EVP_PKEY *key, const char *cn, const char *san, long serial,
		       X509 *issuer, EVP_PKEY *issuer_key)
{
	X509 *x = X509_new();
	X509_NAME *name;
	X509V3_CTX ctx;

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -3600));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
	assert_int_equal(X509_set_pubkey(x, key), 1);
	name = X509_get_subject_name(x);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
						    (const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name), 1);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	add_ext(x, &ctx, NID_subject_key_identifier, "hash");
	if (san) {
		add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature");
		add_ext(x, &ctx, NID_ext_key_usage, "serverAuth");
		add_ext(x, &ctx, NID_authority_key_identifier, "keyid");
		add_ext(x, &ctx, NID_subject_alt_name, san);
	} else {
		add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
	}
	assert_true(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) > 0);
	return x;
}

static EVP_PKEY *make_key(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");

	assert_non_null(key);
	return key;
}

static char *bio_to_string(BIO *bio)
{
	char *data, *s;
	long len = BIO_get_mem_data(bio, &data);

	assert_true(len > 0);
	s = calloc(1, (size_t)len + 1);
	assert_non_null(s);
	memcpy(s, data, (size_t)len);
	BIO_free(bio);
	return s;
}

static char *key_pem(EVP_PKEY *key)
{
	BIO *bio = BIO_new(BIO_s_mem());

	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL), 1);
	return bio_to_string(bio);
}

static char *cert_pem(X509 *x)
{
	BIO *bio = BIO_new(BIO_s_mem());

	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_X509(bio, x), 1);
	return bio_to_string(bio);
}

static void write_cert(const char *path, X509 *x)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	assert_int_equal(fclose(f), 0);
}

/* curl's pin format: sha256// and the base64 SHA-256 of the DER
 * SubjectPublicKeyInfo. */
static void make_pin(EVP_PKEY *key, char *out, size_t size)
{
	unsigned char *der = NULL, md[SHA256_DIGEST_LENGTH];
	unsigned char b64[64];
	int len = i2d_PUBKEY(key, &der);

	assert_true(len > 0);
	SHA256(der, (size_t)len, md);
	OPENSSL_free(der);
	assert_int_equal(EVP_EncodeBlock(b64, md, sizeof(md)), 44);
	assert_true((size_t)snprintf(out, size, "sha256//%s", (const char *)b64) < size);
}

/* ---- the HTTPS server --------------------------------------------------- */

struct request {
	char body[REQUEST_BODY_MAX + 1];
	size_t len;
};

static enum MHD_Result send_text(struct MHD_Connection *conn, unsigned int status,
				 const char *text, const char *location)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text,
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	if (location)
		MHD_add_response_header(r, "Location", location);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static const char *header(struct MHD_Connection *conn, const char *name)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);

	return v ? v : "-";
}

/* One line that lets a test check everything the client sent. */
static enum MHD_Result echo(struct MHD_Connection *conn, const char *method,
			    const struct request *rq)
{
	char text[REQUEST_BODY_MAX + 512];

	snprintf(text, sizeof(text), "method=%s auth=%s type=%s accept=%s agent=%s body=%s",
		 method, header(conn, "Authorization"), header(conn, "Content-Type"),
		 header(conn, "Accept"), header(conn, "User-Agent"), rq->body);
	return send_text(conn, MHD_HTTP_OK, text, NULL);
}

static size_t query_size(struct MHD_Connection *conn)
{
	const char *n = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "n");

	return n ? strtoul(n, NULL, 10) : 0;
}

/* n bytes with a Content-Length. */
static enum MHD_Result big(struct MHD_Connection *conn)
{
	size_t n = query_size(conn);
	char *text = malloc(n + 1);
	enum MHD_Result ret;

	if (!text)
		return MHD_NO;
	memset(text, 'x', n);
	text[n] = '\0';
	ret = send_text(conn, MHD_HTTP_OK, text, NULL);
	free(text);
	return ret;
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	const size_t *total = cls;
	size_t n;

	if (pos >= *total)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = *total - (size_t)pos;
	if (n > max)
		n = max;
	memset(buf, 'y', n);
	return (ssize_t)n;
}

/* n bytes chunked, without a Content-Length, so only the client's write
 * callback can notice the size. */
static enum MHD_Result stream(struct MHD_Connection *conn)
{
	size_t *total = malloc(sizeof(*total));
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!total)
		return MHD_NO;
	*total = query_size(conn);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 256, stream_reader, total, free);
	if (!r) {
		free(total);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result route(struct MHD_Connection *conn, const char *url,
			     const char *method, const struct request *rq)
{
	if (strcmp(url, "/echo") == 0)
		return echo(conn, method, rq);
	if (strcmp(url, "/big") == 0)
		return big(conn);
	if (strcmp(url, "/stream") == 0)
		return stream(conn);
	if (strcmp(url, "/redirect") == 0)
		return send_text(conn, MHD_HTTP_FOUND, "moved", "https://127.0.0.1:1/echo");
	if (strcmp(url, "/fail") == 0)
		return send_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				 "{\"error\":\"internal\"}", NULL);
	return send_text(conn, MHD_HTTP_NOT_FOUND, "not found", NULL);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version,
			      const char *upload_data, size_t *upload_data_size,
			      void **req_cls)
{
	struct request *rq = *req_cls;

	(void)cls;
	(void)version;
	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		*req_cls = rq;
		return rq ? MHD_YES : MHD_NO;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		if (n > REQUEST_BODY_MAX - rq->len)
			n = REQUEST_BODY_MAX - rq->len;
		memcpy(rq->body + rq->len, upload_data, n);
		rq->len += n;
		*upload_data_size = 0;
		return MHD_YES;
	}
	return route(conn, url, method, rq);
}

static void request_done(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	free(*req_cls);
	*req_cls = NULL;
}

static void connection_event(void *cls, struct MHD_Connection *conn, void **socket_context,
			     enum MHD_ConnectionNotificationCode toe)
{
	atomic_int *connections = cls;

	(void)conn;
	(void)socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(connections, 1);
}

static void start_server(struct server *s, EVP_PKEY *key, X509 *cert, atomic_int *connections)
{
	struct sockaddr_in sin;
	const union MHD_DaemonInfo *info;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->key_pem = key_pem(key);
	s->cert_pem = cert_pem(cert);
	s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS, 0,
				     NULL, NULL, handle, NULL,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
				     MHD_OPTION_HTTPS_MEM_KEY, s->key_pem,
				     MHD_OPTION_HTTPS_MEM_CERT, s->cert_pem,
				     MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL,
				     MHD_OPTION_NOTIFY_CONNECTION, connection_event, connections,
				     MHD_OPTION_END);
	assert_non_null(s->daemon);
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	assert_non_null(info);
	assert_true(info->port > 0);
	snprintf(s->url, sizeof(s->url), "https://127.0.0.1:%u", (unsigned)info->port);
}

static void stop_server(struct server *s)
{
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	free(s->key_pem);
	free(s->cert_pem);
}

/* ---- plain sockets ------------------------------------------------------ */

/* A bound, listening socket on 127.0.0.1; *port gets its port. */
static int listen_loopback(unsigned *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A port where nothing listens (a just-closed one; the kernel does not hand
 * it out again at once). */
static unsigned closed_port(void)
{
	unsigned port;
	int fd = listen_loopback(&port);

	close(fd);
	return port;
}

/* ---- fixture ------------------------------------------------------------ */

static int group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	EVP_PKEY *ca_key, *other_key, *leaf_key, *wrong_key;
	X509 *ca, *other, *leaf, *wrong;

	assert_non_null(fx);
	assert_true(MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES);
	strcpy(fx->dir, "/tmp/test_http.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->ca_file, sizeof(fx->ca_file), "%s/ca.pem", fx->dir);
	snprintf(fx->other_ca_file, sizeof(fx->other_ca_file), "%s/other-ca.pem", fx->dir);

	ca_key = make_key();
	other_key = make_key();
	leaf_key = make_key();
	wrong_key = make_key();
	ca = make_cert(ca_key, "iam test CA", NULL, 1, NULL, NULL);
	other = make_cert(other_key, "iam other CA", NULL, 2, NULL, NULL);
	leaf = make_cert(leaf_key, "127.0.0.1", "IP:127.0.0.1,DNS:localhost", 3, ca, ca_key);
	wrong = make_cert(wrong_key, "other.example", "DNS:other.example", 4, ca, ca_key);
	write_cert(fx->ca_file, ca);
	write_cert(fx->other_ca_file, other);
	make_pin(leaf_key, fx->pin_good, sizeof(fx->pin_good));
	make_pin(other_key, fx->pin_bad, sizeof(fx->pin_bad));
	start_server(&fx->good, leaf_key, leaf, &fx->connections);
	start_server(&fx->wrong_name, wrong_key, wrong, &fx->connections);

	X509_free(ca);
	X509_free(other);
	X509_free(leaf);
	X509_free(wrong);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(leaf_key);
	EVP_PKEY_free(wrong_key);
	*state = fx;
	return 0;
}

static int group_teardown(void **state)
{
	struct fixture *fx = *state;

	stop_server(&fx->good);
	stop_server(&fx->wrong_name);
	unlink(fx->ca_file);
	unlink(fx->other_ca_file);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static struct iam_http_config config_for(const struct fixture *fx)
{
	struct iam_http_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.base_url = fx->good.url;
	cfg.ca_file = fx->ca_file;
	cfg.connect_timeout_ms = 5000;
	cfg.timeout_ms = 10000;
	cfg.max_response = MAX_RESPONSE;
	return cfg;
}

/* One GET with a fresh client; returns iam_http_request()'s result. */
static int get_once(const struct iam_http_config *cfg, const char *path,
		    struct iam_http_response *resp, struct iam_err *err)
{
	struct iam_http *h = iam_http_new(cfg, err);
	int r;

	assert_non_null(h);
	r = iam_http_request(h, "GET", path, SECRET, NULL, 0, resp, err);
	iam_http_free(h);
	return r;
}

/* A failed request leaves an empty response and a message that names the
 * URL but never the token. */
static void assert_failed_cleanly(const struct iam_http_response *resp,
				  const struct iam_err *err, const char *url)
{
	assert_int_equal(resp->status, 0);
	assert_int_equal(resp->body.len, 0);
	assert_non_null(strstr(err->msg, url));
	assert_null(strstr(err->msg, SECRET));
}

/* ---- tests -------------------------------------------------------------- */

static void *init_from_thread(void *arg)
{
	int *result = arg;
	struct iam_err err;

	*result = iam_http_global_init(&err);
	return NULL;
}

static void test_global_init_concurrent(void **state)
{
	pthread_t threads[8];
	int results[8];
	size_t i;

	(void)state;
	for (i = 0; i < 8; i++) {
		results[i] = -1;
		assert_int_equal(pthread_create(&threads[i], NULL, init_from_thread, &results[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(results[i], 0);
	}
	assert_int_equal(iam_http_global_init(NULL), 0);
}

static void test_rejects_bad_config(void **state)
{
	struct fixture *fx = *state;
	struct iam_http_config cfg = config_for(fx);
	struct iam_err err;

	cfg.base_url = "http://127.0.0.1:8080";
	assert_null(iam_http_new(&cfg, &err));
	assert_non_null(strstr(err.msg, "https://"));
	cfg.base_url = "https://user:pw@127.0.0.1:8443";
	assert_null(iam_http_new(&cfg, &err));
	assert_null(strstr(err.msg, "pw"));
	cfg.base_url = "https://127.0.0.1:8443/?x=1";
	assert_null(iam_http_new(&cfg, &err));
	cfg.base_url = NULL;
	assert_null(iam_http_new(&cfg, &err));

	cfg = config_for(fx);
	cfg.connect_timeout_ms = 0;
	assert_null(iam_http_new(&cfg, &err));
	cfg = config_for(fx);
	cfg.timeout_ms = -1;
	assert_null(iam_http_new(&cfg, &err));
	cfg = config_for(fx);
	cfg.max_response = 0;
	assert_null(iam_http_new(&cfg, &err));
	assert_null(iam_http_new(NULL, &err));
	assert_null(iam_http_new(NULL, NULL));
}

static void test_get(void **state)
{
	struct fixture *fx = *state;
	struct iam_http_config cfg = config_for(fx);
	struct iam_http_response resp;
	struct iam_err err;

	iam_http_response_init(&resp);
	assert_int_equal(get_once(&cfg, "/echo", &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(iam_buf_str(&resp.body),
			    "method=GET auth=Bearer " SECRET " type=- accept=application/json"
			    " agent=iam/" PACKAGE_VERSION " body=");
	iam_http_response_free(&resp);
}

static void test_post_put_delete(void **state)
{
	struct fixture *fx = *state;
	struct iam_http_config cfg = config_for(fx);
	struct iam_http_response resp;
	struct iam_http *h;
	struct iam_err err;
	const char body[] = "{\"user\":\"alice\"}";

	cfg.user_agent = "iam-test/1";
	h = iam_http_new(&cfg, &err);
	assert_non_null(h);
	iam_http_response_init(&resp);

	assert_int_equal(iam_http_request(h, "POST", "/echo", NULL, body, strlen(body),
					  &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(iam_buf_str(&resp.body),
			    "method=POST auth=- type=application/json accept=application/json"
			    " agent=iam-test/1 body={\"user\":\"alice\"}");

	/* body_len, not strlen: only the first 6 bytes go out */
	assert_int_equal(iam_http_request(h, "PUT", "/echo", SECRET, body, 6, &resp, &err), 0);
	assert_string_equal(iam_buf_str(&resp.body),
			    "method=PUT auth=Bearer " SECRET " type=application/json"
			    " accept=application/json agent=iam-test/1 body={\"user");

	assert_int_equal(iam_http_request(h, "DELETE", "/echo", NULL, NULL, 0, &resp, &err), 0);
	assert_string_equal(iam_buf_str(&resp.body),
			    "method=DELETE auth=- type=- accept=application/json"
			    " agent=iam-test/1 body=");

	/* a POST without a body is still a POST, with no content type */
	assert_int_equal(iam_http_request(h, "POST", "/echo", NULL, NULL, 0, &resp, &err), 0);
	assert_string_equal(iam_buf_str(&resp.body),
			    "method=POST auth=- type=- accept=application/json"
			    " agent=iam-test/1 body=");

	iam_http_response_free(&resp);
	iam_http_free(h);
}

static void test_connection_reused(void **state)
{
	struct fixture *fx = *state;
	struct iam_http_config cfg = config_for(fx);
	struct iam_http_response resp;
	struct iam_http *h;
	struct iam_err err;
	int before;

	h = iam_http_new(&cfg, &err);
	assert_non_null(h);
	iam_http_response_init(&resp);
	before = atomic_load(&fx->connections);
	assert_int_equal(iam_http_request(h, "GET", "/echo", NULL, NULL, 0, &resp, &err), 0);
	assert_int_equal(iam_http_request(h, "GET", "/fail", NULL, NULL, 0, &resp, &err), 0);
	assert_int_equal(iam_http_request(h, "GET", "/echo", SECRET, NULL, 0, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_int_equal(atomic_load(&fx->connections) - before, 1);
	iam_http_response_free(&resp);
	iam_http_free(h);
}

static void test_wrong_ca(void **state)
{
	struct fixture *fx = *state;
	struct iam_http_config cfg = config_for(fx);
	struct iam_http_response resp;
	struct iam_err err;

	cfg.ca_file = fx->other_ca_file;
	iam_http_response_init(&resp);
	assert_int_equal(get_once(&cfg, "/echo", &resp, &err), -EPROTO);
	assert_failed_cleanly(&resp, &err, fx->good.url);
	assert_non_null(strstr(err.msg, "certificate verification failed"));
	iam_http_response_free(&resp);
}

static void test_unreadable_ca_file(void **state)
{
	struct fixture *fx = *state;
	struct iam_http_config cfg = config_for(fx);
	struct iam_http_response resp;
	struct iam_err err;

	cfg.ca_file = "/nonexistent/ca.pem";
	iam_http_response_init(&resp);
	assert_int_equal(get_once(&cfg, "/echo", &resp, &err), -EPROTO);
	assert_failed_cleanly(&resp, &err, fx->good.url);
	iam_http_response_free(&resp);
}

static void test_pin_good(void **state)
{
	struct fixture *fx = *state;
	struct iam_http_config cfg = config_for(fx);
	struct iam_http_response resp;
	struct iam_err err;

	cfg.pinned_pubkey = fx->pin_good;
	iam_http_response_init(&resp);
	assert_int_equal(get_once(&cfg, "/echo", &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	iam_http_response_free(&resp);
}

static void test_pin_bad(void **state)
{
	struct fixture *fx = *state;
	struct iam_http_config cfg = config_for(fx);
	struct iam_http_response resp;
	struct iam_err err;

	cfg.pinned_pubkey = fx->pin_bad;
	iam_http_response_init(&resp);
	assert_int_equal(get_once(&cfg, "/echo", &resp, &err), -EPROTO);
	assert_failed_cleanly(&resp, &err, fx->good.url);
	assert_non_null(strstr(err.msg, "pinned"));
	iam_http_response_free(&resp);
}

static void test_host_name_mismatch(void **state)
{
	struct fixture *fx = *state;
	struct iam_http_config cfg = config_for(fx);
	struct iam_http_response resp;
	struct iam_err err;

	cfg.base_url = fx->wrong_name.url;
	iam_http_response_init(&resp);
	assert_int_equal(get_once(&cfg, "/echo", &resp, &err), -EPROTO);
	assert_failed_cleanly(&resp, &err, fx->wrong_name.url);
	iam_http_response_free(&resp);
}

static void test_connection_refused(void **state)
{
	struct fixture *fx = *state;
	struct iam_http_config cfg = config_for(fx);
	struct iam_http_response resp;
	struct iam_err err;
	char url[64];

	snprintf(url, sizeof(url), "https://127.0.0.1:%u", closed_port());
	cfg.base_url = url;
	iam_http_response_init(&resp);
	assert_int_equal(get_once(&cfg, "/echo", &resp, &err), -ECONNREFUSED);
	assert_failed_cleanly(&resp, &err, url);
	iam_http_response_free(&resp);
}

static double elapsed_s(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) +
	       (double)(now.tv_nsec - since->tv_nsec) / 1e9;
}

/* The kernel completes the TCP handshake for the listen backlog, but no one
 * ever answers the TLS hello. */
static void test_never_answers(void **state)
{
	struct fixture *fx = *state;
	struct iam_http_config cfg = config_for(fx);
	struct iam_http_response resp;
	struct timespec start;
	struct iam_err err;
	unsigned port;
	char url[64];
	int fd = listen_loopback(&port);

	snprintf(url, sizeof(url), "https://127.0.0.1:%u", port);
	cfg.base_url = url;
	cfg.connect_timeout_ms = 300;
	cfg.timeout_ms = 300;
	iam_http_response_init(&resp);
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(get_once(&cfg, "/echo", &resp, &err), -ETIMEDOUT);
	/* loose bound: proves the call does not hang, not how fast it is */
	assert_true(elapsed_s(&start) < 5.0);
	assert_failed_cleanly(&resp, &err, url);
	iam_http_response_free(&resp);
	close(fd);
}

static void test_body_limit(void **state)
{
	struct fixture *fx = *state;
	struct iam_http_config cfg = config_for(fx);
	static const char *const over[] = { "/big?n=1001", "/stream?n=1001", "/big?n=100000" };
	static const char *const exact[] = { "/big?n=1000", "/stream?n=1000" };
	struct iam_http_response resp;
	struct iam_http *h;
	struct iam_err err;
	size_t i;

	h = iam_http_new(&cfg, &err);
	assert_non_null(h);
	iam_http_response_init(&resp);
	for (i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
		assert_int_equal(iam_http_request(h, "GET", over[i], NULL, NULL, 0, &resp, &err),
				 -E2BIG);
		assert_failed_cleanly(&resp, &err, over[i]);
	}
	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
		assert_int_equal(iam_http_request(h, "GET", exact[i], NULL, NULL, 0, &resp, &err),
				 0);
		assert_int_equal(resp.status, 200);
		assert_int_equal(resp.body.len, MAX_RESPONSE);
		assert_int_equal(strlen(iam_buf_str(&resp.body)), MAX_RESPONSE);
	}
	iam_http_response_free(&resp);
	iam_http_free(h);
}

static void set_proxy_environment(const char *proxy)
{
	static const char *const names[] = {
		"HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (proxy)
			assert_int_equal(setenv(names[i], proxy, 1), 0);
		else
			assert_int_equal(unsetenv(names[i]), 0);
	}
}

static void test_proxy_environment_ignored(void **state)
{
	struct fixture *fx = *state;
	struct iam_http_config cfg = config_for(fx);
	struct iam_http_response resp;
	struct iam_err err;
	char proxy[64];
	int r;

	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%u", closed_port());
	set_proxy_environment(proxy);
	iam_http_response_init(&resp);
	r = get_once(&cfg, "/echo", &resp, &err);
	set_proxy_environment(NULL);
	assert_int_equal(r, 0);
	assert_int_equal(resp.status, 200);
	iam_http_response_free(&resp);
}

static void test_configured_proxy_used(void **state)
{
	struct fixture *fx = *state;
	struct iam_http_config cfg = config_for(fx);
	struct iam_http_response resp;
	struct iam_err err;
	char proxy[64];

	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%u", closed_port());
	cfg.proxy = proxy;
	iam_http_response_init(&resp);
	assert_int_equal(get_once(&cfg, "/echo", &resp, &err), -ECONNREFUSED);
	assert_failed_cleanly(&resp, &err, fx->good.url);
	iam_http_response_free(&resp);
}

static void test_redirect_not_followed(void **state)
{
	struct fixture *fx = *state;
	struct iam_http_config cfg = config_for(fx);
	struct iam_http_response resp;
	struct iam_err err;

	iam_http_response_init(&resp);
	assert_int_equal(get_once(&cfg, "/redirect", &resp, &err), 0);
	assert_int_equal(resp.status, 302);
	assert_string_equal(iam_buf_str(&resp.body), "moved");
	iam_http_response_free(&resp);
}

static void test_server_error(void **state)
{
	struct fixture *fx = *state;
	struct iam_http_config cfg = config_for(fx);
	struct iam_http_response resp;
	struct iam_err err;

	iam_http_response_init(&resp);
	assert_int_equal(get_once(&cfg, "/fail", &resp, &err), 0);
	assert_int_equal(resp.status, 500);
	assert_string_equal(iam_buf_str(&resp.body), "{\"error\":\"internal\"}");
	iam_http_response_free(&resp);
}

static void test_rejects_bad_request(void **state)
{
	struct fixture *fx = *state;
	struct iam_http_config cfg = config_for(fx);
	struct iam_http_response resp;
	struct iam_http *h;
	struct iam_err err;

	h = iam_http_new(&cfg, &err);
	assert_non_null(h);
	iam_http_response_init(&resp);
	assert_int_equal(iam_http_request(h, "get", "/echo", NULL, NULL, 0, &resp, &err), -EINVAL);
	assert_int_equal(iam_http_request(h, "GET /x HTTP/1.1\r\n", "/echo", NULL, NULL, 0,
					  &resp, &err), -EINVAL);
	assert_int_equal(iam_http_request(h, "GET", "echo", NULL, NULL, 0, &resp, &err), -EINVAL);
	assert_int_equal(iam_http_request(h, "GET", "/echo x", NULL, NULL, 0, &resp, &err), -EINVAL);
	assert_int_equal(iam_http_request(h, "GET", "/echo", "zq9\r\nX-Evil: 1", NULL, 0,
					  &resp, &err), -EINVAL);
	assert_null(strstr(err.msg, "zq9"));
	assert_int_equal(iam_http_request(h, "GET", "/echo", "", NULL, 0, &resp, &err), -EINVAL);
	assert_int_equal(iam_http_request(h, "GET", "/echo", NULL, NULL, 0, NULL, &err), -EINVAL);
	assert_int_equal(iam_http_request(NULL, "GET", "/echo", NULL, NULL, 0, &resp, &err),
			 -EINVAL);
	/* the client still works afterwards */
	assert_int_equal(iam_http_request(h, "GET", "/echo", NULL, NULL, 0, &resp, NULL), 0);
	assert_int_equal(resp.status, 200);
	iam_http_response_free(&resp);
	iam_http_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_global_init_concurrent),
		cmocka_unit_test(test_rejects_bad_config),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_post_put_delete),
		cmocka_unit_test(test_connection_reused),
		cmocka_unit_test(test_wrong_ca),
		cmocka_unit_test(test_unreadable_ca_file),
		cmocka_unit_test(test_pin_good),
		cmocka_unit_test(test_pin_bad),
		cmocka_unit_test(test_host_name_mismatch),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test(test_never_answers),
		cmocka_unit_test(test_body_limit),
		cmocka_unit_test(test_proxy_environment_ignored),
		cmocka_unit_test(test_configured_proxy_used),
		cmocka_unit_test(test_redirect_not_followed),
		cmocka_unit_test(test_server_error),
		cmocka_unit_test(test_rejects_bad_request),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
