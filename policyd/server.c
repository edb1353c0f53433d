#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <syslog.h>

#include <microhttpd.h>

#include "iam_buf.h"
#include "json.h"
#include "log.h"
#include "parse.h"
#include "secmem.h"
#include "server.h"

struct server {
	struct MHD_Daemon *mhd;
	struct server_ctx *ctx;
};

/* One per request, from the first callback to the completion callback. */
struct upload {
	struct iam_buf body;
	int too_large;
};

int server_parse_listen(const char *listen, void *storage, unsigned *port)
{
	struct sockaddr_in *v4 = storage;
	struct sockaddr_in6 *v6 = storage;
	char host[64];
	const char *colon;
	long long p;
	size_t len;

	memset(storage, 0, sizeof(struct sockaddr_storage));
	colon = strrchr(listen, ':');
	if (!colon || iam_parse_ll(colon + 1, 0, 65535, &p) < 0)
		return -EINVAL;
	len = (size_t)(colon - listen);
	if (len >= 2 && listen[0] == '[' && listen[len - 1] == ']') {
		listen++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(host))
		return -EINVAL;
	memcpy(host, listen, len);
	host[len] = '\0';
	*port = (unsigned)p;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)p);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)p);
		return AF_INET6;
	}
	return -EINVAL;
}

static enum MHD_Result send_reply(struct MHD_Connection *c, const struct reply *rp)
{
	const char *text = json_object_to_json_string_ext(rp->body, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len = strlen(text);

	resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)text, MHD_RESPMEM_MUST_COPY);
	/* The serialised reply may hold a token or a TOTP secret. */
	iam_wipe((void *)(uintptr_t)text, len);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(c, (unsigned)rp->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static int json_content_type(struct MHD_Connection *c)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	size_t n = strlen("application/json");

	return ct && strncasecmp(ct, "application/json", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static void client_address(struct MHD_Connection *c, char *out, size_t outsz)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = info ? info->client_addr : NULL;

	snprintf(out, outsz, "-");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  (socklen_t)outsz);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
			  (socklen_t)outsz);
}

/* Turns the collected upload into r->body; 0, or -1 with an error reply. */
static int read_body(struct req *r, struct upload *up, struct reply *rp)
{
	struct iam_err err;

	if (up->too_large) {
		reply_error(rp, 413, "body_too_large", "The body exceeds %lld bytes.",
			    r->srv->cfg->max_body);
		return -1;
	}
	if (up->body.len == 0)
		return 0;
	if (!json_content_type(r->conn)) {
		reply_error(rp, 415, "unsupported_media_type", "Send bodies as application/json.");
		return -1;
	}
	if (iam_json_parse(up->body.data, up->body.len, &r->body, &err) < 0) {
		reply_error(rp, 400, "invalid_json", "%s.", err.msg);
		return -1;
	}
	return 0;
}

/* Errors always reach the log; so do changes (every successful POST and
 * DELETE), so that the system log shows who changed what even without the
 * audit database. Reads appear with debug only. Decisions and logins log
 * their own, richer line. */
static void log_request(const struct req *r, const struct reply *rp)
{
	int prio = LOG_DEBUG;

	if (rp->status >= 500)
		prio = LOG_ERR;
	else if (rp->status < 300 && strcmp(r->method, "GET") != 0 &&
		 strncmp(r->path, "/v1/decide/", 11) != 0 && strncmp(r->path, "/v1/auth/", 9) != 0)
		prio = LOG_INFO;
	iam_log(prio, "event=http method=%s path=\"%.128s\" status=%d caller=%s client=%s",
		r->method, r->path, rp->status, r->source, r->client_ip);
}

static enum MHD_Result handle(struct server *s, struct MHD_Connection *c, const char *url,
			      const char *method, struct upload *up)
{
	struct req r;
	struct reply rp = { 500, NULL };
	enum MHD_Result ret;

	memset(&r, 0, sizeof(r));
	r.srv = s->ctx;
	r.st = s->ctx->st;
	r.conn = c;
	r.method = method;
	r.path = url;
	r.now = time(NULL);
	snprintf(r.source, sizeof(r.source), "anonymous");
	client_address(c, r.client_ip, sizeof(r.client_ip));
	if (read_body(&r, up, &rp) == 0)
		route_request(&r, &rp);
	if (!rp.body)
		reply_error(&rp, 500, "internal", "No reply was produced.");
	log_request(&r, &rp);
	ret = send_reply(c, &rp);
	/* Request bodies carry passwords and codes, replies tokens. */
	iam_json_wipe(r.body);
	json_object_put(r.body);
	iam_json_wipe(rp.body);
	json_object_put(rp.body);
	return ret;
}

static struct upload *start_upload(struct server *s, struct MHD_Connection *c)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	struct upload *up = calloc(1, sizeof(*up));
	long long len;

	if (!up)
		return NULL;
	iam_buf_init(&up->body, (size_t)s->ctx->cfg->max_body);
	if (cl && (iam_parse_ll(cl, 0, INT64_MAX - 1, &len) < 0 || len > s->ctx->cfg->max_body))
		up->too_large = 1;
	return up;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct server *s = cls;
	struct upload *up = *con_cls;

	(void)version;
	if (!up) {
		*con_cls = up = start_upload(s, c);
		return up ? MHD_YES : MHD_NO;
	}
	if (*upload_size) {
		if (!up->too_large && iam_buf_append(&up->body, upload_data, *upload_size) < 0)
			up->too_large = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	return handle(s, c, url, method, up);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct upload *up = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (up) {
		iam_buf_free(&up->body);
		free(up);
		*con_cls = NULL;
	}
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t len;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len > 0 && msg[len - 1] == '\n')
		msg[--len] = '\0';
	iam_log(LOG_WARNING, "event=http_error message=\"%s\"", msg);
}

int server_start(struct server_ctx *ctx, const char *listen, const char *cert_pem,
		 const char *key_pem, struct server **out, unsigned *port, struct iam_err *err)
{
	struct sockaddr_storage addr;
	const union MHD_DaemonInfo *info;
	struct server *s;
	unsigned want;
	int family = server_parse_listen(listen, &addr, &want);

	if (family < 0) {
		iam_err_set(err, "listen = %s: expected ADDRESS:PORT with an IP address", listen);
		return -EINVAL;
	}
	if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
		iam_err_set(err, "this libmicrohttpd was built without TLS");
		return -ENOTSUP;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ctx = ctx;
	s->mhd = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS |
		MHD_USE_ERROR_LOG | (family == AF_INET6 ? MHD_USE_IPv6 : 0),
		0, NULL, NULL, on_request, s,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)ctx->cfg->max_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)ctx->cfg->connection_timeout,
		MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
		MHD_OPTION_HTTPS_MEM_KEY, key_pem,
		MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_END);
	if (!s->mhd) {
		iam_err_set(err, "cannot start HTTPS on %s; the line before gives "
			    "libmicrohttpd's reason (address in use: see ss -ltnp; or tls_cert "
			    "and tls_key do not match)", listen);
		free(s);
		return -EADDRINUSE;
	}
	info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	*port = info ? info->port : want;
	*out = s;
	return 0;
}

void server_stop(struct server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->mhd);
	free(s);
}
