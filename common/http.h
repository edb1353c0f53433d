/*
 * The HTTPS client every part uses to talk to the endpoint, on libcurl.
 * TLS verification is always on; the trust anchor is a CA file (or the
 * system store) and optionally a pinned public key. Every request is bounded
 * by a connect timeout and a total timeout in milliseconds, uses no signals
 * (safe inside sshd and sudo), ignores proxy variables and ~/.netrc unless
 * configured, follows no redirects, speaks only https, and refuses a
 * response larger than max_response bytes.
 *
 * A struct iam_http keeps one curl easy handle so that connections are
 * reused; use one per thread.
 *
 * Error messages name the URL and curl's reason, never a header or token.
 */
#ifndef IAM_HTTP_H
#define IAM_HTTP_H

#include <stddef.h>
#include "iam_buf.h"
#include "iam_error.h"

/* Opaque: one client, one connection cache. */
struct iam_http;

struct iam_http_config {
	const char *base_url;      /* "https://host:port[/prefix]", no trailing slash
				    * needed; no user, query or fragment */
	const char *ca_file;       /* PEM trust anchors, the only ones then;
				    * NULL or "": the system store */
	const char *pinned_pubkey; /* "sha256//BASE64[;sha256//...]" of the
				    * server's SubjectPublicKeyInfo, checked in
				    * addition to the CA; NULL or "": none */
	long connect_timeout_ms;   /* > 0 */
	long timeout_ms;           /* > 0, whole request */
	size_t max_response;       /* > 0, bytes of body */
	const char *proxy;         /* NULL or "": never use a proxy, whatever
				    * the environment says */
	int use_netrc;             /* 0: ignore ~/.netrc */
	const char *user_agent;    /* NULL or "": "iam/VERSION" */
};

struct iam_http_response {
	long status;
	struct iam_buf body;
};

/* Initialises libcurl exactly once per process, thread-safely; later calls
 * return the first result. iam_http_new() calls it too. Modules never call
 * curl_global_cleanup(): the host program may use libcurl too. */
int iam_http_global_init(struct iam_err *err);

/* Copies the configuration (cfg's strings may be freed afterwards). NULL on
 * bad configuration or OOM, with err set. */
struct iam_http *iam_http_new(const struct iam_http_config *cfg, struct iam_err *err);
void iam_http_free(struct iam_http *h);

/*
 * Sends one request. method is an upper-case token ("GET", "POST", "PUT",
 * "DELETE", ...). path starts with '/' and is printable ASCII without
 * spaces (already percent-encoded). bearer (may be NULL) goes into an
 * "Authorization: Bearer" header that is wiped after use. body may be NULL;
 * when given it is sent as application/json, body_len bytes of it.
 * resp must have been initialised with iam_http_response_init(); whatever
 * it held is freed first. Redirects are not followed: a 3xx is a response.
 * Returns 0 when a complete HTTP response arrived (whatever its status),
 * with resp->status set and resp->body NUL-terminated, or (then resp is
 * empty, status 0):
 *   -ECONNREFUSED  nothing listens / cannot connect (also to a proxy)
 *   -EHOSTUNREACH  the host name does not resolve
 *   -ETIMEDOUT     connect or total timeout
 *   -EPROTO        TLS failure: certificate, host name or pinned key
 *                  mismatch, unreadable CA file, handshake failure
 *   -E2BIG         response body larger than max_response
 *   -EINVAL        bad method, path or token (characters that could split
 *                  a header or request line)
 *   -ENOMEM        out of memory
 *   -EIO           anything else (message in err)
 */
int iam_http_request(struct iam_http *h, const char *method, const char *path,
		     const char *bearer, const char *body, size_t body_len,
		     struct iam_http_response *resp, struct iam_err *err);

void iam_http_response_init(struct iam_http_response *resp);
/* Wipes and frees the body; resp can be used again afterwards. */
void iam_http_response_free(struct iam_http_response *resp);

#endif
