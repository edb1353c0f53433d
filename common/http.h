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
 */
#ifndef IAM_HTTP_H
#define IAM_HTTP_H

#include <stddef.h>
#include "iam_buf.h"
#include "iam_error.h"

struct iam_http_config {
	const char *base_url;      /* "https://host:port", no trailing slash needed */
	const char *ca_file;       /* PEM trust anchors; NULL: the system store */
	const char *pinned_pubkey; /* "sha256//BASE64[;sha256//...]"; NULL: none */
	long connect_timeout_ms;   /* > 0 */
	long timeout_ms;           /* > 0, whole request */
	size_t max_response;       /* > 0, bytes of body */
	const char *proxy;         /* NULL: never use a proxy */
	int use_netrc;             /* 0: ignore ~/.netrc */
	const char *user_agent;    /* NULL: "iam/VERSION" */
};

struct iam_http_response {
	long status;
	struct iam_buf body;
};

/* Initialises libcurl exactly once per process, thread-safely. Modules never
 * call curl_global_cleanup(): the host program may use libcurl too. */
int iam_http_global_init(struct iam_err *err);

/* Copies the configuration. NULL on bad configuration or OOM, with err set. */
struct iam_http *iam_http_new(const struct iam_http_config *cfg, struct iam_err *err);
void iam_http_free(struct iam_http *h);

/*
 * Sends one request. path starts with '/'. bearer (may be NULL) goes into an
 * "Authorization: Bearer" header that is wiped after use. body may be NULL;
 * when given it is sent as application/json.
 * Returns 0 when a complete HTTP response arrived (whatever its status), or:
 *   -ECONNREFUSED  nothing listens / cannot connect
 *   -ETIMEDOUT     connect or total timeout
 *   -EPROTO        TLS failure: certificate, host name or pinned key mismatch
 *   -E2BIG         response body larger than max_response
 *   -EIO           anything else (message in err)
 */
int iam_http_request(struct iam_http *h, const char *method, const char *path,
		     const char *bearer, const char *body, size_t body_len,
		     struct iam_http_response *resp, struct iam_err *err);

void iam_http_response_init(struct iam_http_response *resp);
void iam_http_response_free(struct iam_http_response *resp);

#endif
