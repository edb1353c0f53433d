#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http.h"
#include "iam_buf.h"
#include "iam_error.h"
#include "secmem.h"

#define DEFAULT_USER_AGENT "iam/" PACKAGE_VERSION

struct iam_http {
	char *base_url;      /* without a trailing '/' */
	char *ca_file;
	char *pinned_pubkey;
	char *proxy;
	char *user_agent;
	long connect_timeout_ms;
	long timeout_ms;
	size_t max_response;
	int use_netrc;
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
};

/* What the write callback needs, and why it stopped a transfer: curl only
 * reports a generic write error, the cause is kept here. */
struct transfer {
	struct iam_buf *body;
	int failure; /* 0, -E2BIG or -ENOMEM */
};

/* ---- process-wide initialisation --------------------------------------- */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_result; /* written once, inside global_once */

/* curl_global_cleanup() is never called: this code runs inside sshd and sudo
 * as a PAM module that may be unloaded while the host program, or another
 * module, keeps using libcurl. */
static void global_init_once(void)
{
	global_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int iam_http_global_init(struct iam_err *err)
{
	int r = pthread_once(&global_once, global_init_once);

	if (r != 0) {
		iam_err_set(err, "cannot initialise libcurl: pthread_once failed");
		return -r;
	}
	if (global_result != CURLE_OK) {
		iam_err_set(err, "cannot initialise libcurl: %s",
			    curl_easy_strerror(global_result));
		return global_result == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EIO;
	}
	return 0;
}

/* ---- configuration ----------------------------------------------------- */

static int url_has(CURLU *u, CURLUPart what)
{
	char *part = NULL;
	CURLUcode rc = curl_url_get(u, what, &part, 0);

	curl_free(part);
	return rc == CURLUE_OK;
}

/* An https URL with a host and nothing that would end up in error messages
 * (user, password) or break appending a path (query, fragment). */
static int check_base_url(const char *url, struct iam_err *err)
{
	CURLU *u;
	int r = -EINVAL;

	if (!url || strncasecmp(url, "https://", 8) != 0) {
		iam_err_set(err, "HTTP client: the endpoint URL must start with https://");
		return -EINVAL;
	}
	u = curl_url();
	if (!u) {
		iam_err_set(err, "HTTP client: out of memory");
		return -ENOMEM;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK || !url_has(u, CURLUPART_HOST))
		iam_err_set(err, "HTTP client: the endpoint URL is not a valid URL");
	else if (url_has(u, CURLUPART_USER) || url_has(u, CURLUPART_PASSWORD) ||
		 url_has(u, CURLUPART_QUERY) || url_has(u, CURLUPART_FRAGMENT))
		iam_err_set(err, "HTTP client: the endpoint URL must not carry user, query or fragment");
	else
		r = 0;
	curl_url_cleanup(u);
	return r;
}

static int check_config(const struct iam_http_config *cfg, struct iam_err *err)
{
	int r = check_base_url(cfg->base_url, err);

	if (r < 0)
		return r;
	if (cfg->connect_timeout_ms <= 0 || cfg->timeout_ms <= 0) {
		iam_err_set(err, "HTTP client: timeouts must be greater than 0 ms");
		return -EINVAL;
	}
	if (cfg->max_response == 0) {
		iam_err_set(err, "HTTP client: the response size limit must be greater than 0");
		return -EINVAL;
	}
	return 0;
}

/* Optional strings: NULL and "" both mean "not set", so a config key that is
 * present but empty does not turn into an empty CA file name. */
static int copy_optional(char **dst, const char *src)
{
	*dst = NULL;
	if (!src || !*src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

static int copy_strings(struct iam_http *h, const struct iam_http_config *cfg)
{
	size_t len;

	h->base_url = strdup(cfg->base_url);
	if (!h->base_url)
		return -ENOMEM;
	len = strlen(h->base_url);
	while (len > 8 && h->base_url[len - 1] == '/')
		h->base_url[--len] = '\0';
	if (copy_optional(&h->ca_file, cfg->ca_file) < 0 ||
	    copy_optional(&h->pinned_pubkey, cfg->pinned_pubkey) < 0 ||
	    copy_optional(&h->proxy, cfg->proxy) < 0 ||
	    copy_optional(&h->user_agent, cfg->user_agent) < 0)
		return -ENOMEM;
	if (!h->user_agent)
		h->user_agent = strdup(DEFAULT_USER_AGENT);
	return h->user_agent ? 0 : -ENOMEM;
}

struct iam_http *iam_http_new(const struct iam_http_config *cfg, struct iam_err *err)
{
	struct iam_http *h;

	if (!cfg) {
		iam_err_set(err, "HTTP client: no configuration");
		return NULL;
	}
	if (check_config(cfg, err) < 0 || iam_http_global_init(err) < 0)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h || copy_strings(h, cfg) < 0)
		goto oom;
	h->connect_timeout_ms = cfg->connect_timeout_ms;
	h->timeout_ms = cfg->timeout_ms;
	h->max_response = cfg->max_response;
	h->use_netrc = cfg->use_netrc;
	h->curl = curl_easy_init();
	if (!h->curl)
		goto oom;
	return h;

oom:
	iam_http_free(h);
	iam_err_set(err, "HTTP client: out of memory");
	return NULL;
}

void iam_http_free(struct iam_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	free(h->base_url);
	free(h->ca_file);
	free(h->pinned_pubkey);
	free(h->proxy);
	free(h->user_agent);
	free(h);
}

void iam_http_response_init(struct iam_http_response *resp)
{
	resp->status = 0;
	iam_buf_init(&resp->body, 0);
}

void iam_http_response_free(struct iam_http_response *resp)
{
	if (!resp)
		return;
	resp->status = 0;
	iam_buf_free(&resp->body);
}

/* ---- one request ------------------------------------------------------- */

/* Method names are plain upper-case tokens; anything else could smuggle
 * text into the request line. */
static int valid_method(const char *method)
{
	const char *p;

	if (!method || !*method)
		return 0;
	for (p = method; *p; p++)
		if (*p < 'A' || *p > 'Z')
			return 0;
	return 1;
}

/* No control characters, spaces or non-ASCII bytes: they are either
 * rejected by curl's URL parser or could split a header. */
static int printable_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static int check_request(const char *method, const char *path, const char *bearer,
			 const struct iam_http_response *resp, struct iam_err *err)
{
	if (!valid_method(method)) {
		iam_err_set(err, "HTTP client: invalid request method");
		return -EINVAL;
	}
	if (!path || path[0] != '/' || !printable_ascii(path)) {
		iam_err_set(err, "HTTP client: request path must start with '/' and be printable ASCII");
		return -EINVAL;
	}
	if (bearer && (!*bearer || !printable_ascii(bearer))) {
		iam_err_set(err, "HTTP client: the bearer token contains invalid characters");
		return -EINVAL;
	}
	if (!resp) {
		iam_err_set(err, "HTTP client: no response to fill in");
		return -EINVAL;
	}
	return 0;
}

/* The token is first assembled in auth (wiped by the caller) and then copied
 * by curl_slist_append() into the list that wipe_headers() clears. */
static int build_headers(const char *bearer, int has_body, struct iam_buf *auth,
			 struct curl_slist **list)
{
	static const char *const fixed[] = {
		"Accept: application/json",
		"Expect:", /* no 100-continue round trip for larger bodies */
	};
	struct curl_slist *l = NULL, *next;
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		next = curl_slist_append(l, fixed[i]);
		if (!next)
			goto oom;
		l = next;
	}
	/* Without a body the empty header keeps curl from announcing a form
	 * (application/x-www-form-urlencoded) for a bare POST. */
	next = curl_slist_append(l, has_body ? "Content-Type: application/json" : "Content-Type:");
	if (!next)
		goto oom;
	l = next;
	if (bearer) {
		if (iam_buf_printf(auth, "Authorization: Bearer %s", bearer) < 0)
			goto oom;
		next = curl_slist_append(l, iam_buf_str(auth));
		if (!next)
			goto oom;
		l = next;
	}
	*list = l;
	return 0;

oom:
	curl_slist_free_all(l);
	return -ENOMEM;
}

/* curl frees the list without wiping it, and one entry holds the token. */
static void wipe_headers(struct curl_slist *list)
{
	for (; list; list = list->next)
		iam_wipe(list->data, strlen(list->data));
}

static size_t write_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * nmemb;
	int r = iam_buf_append(t->body, data, n);

	if (r < 0) {
		t->failure = r;
		return CURL_WRITEFUNC_ERROR;
	}
	return n;
}

static CURLcode apply_transport(struct iam_http *h)
{
	CURL *c = h->curl;
	CURLcode rc;

	if ((rc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L)) ||
	    (rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https")) ||
	    (rc = curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https")) ||
	    (rc = curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L)) ||
	    (rc = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms)) ||
	    (rc = curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms)) ||
	    /* "" rather than NULL: NULL lets curl read http(s)_proxy from the
	     * environment of whatever program loaded us. */
	    (rc = curl_easy_setopt(c, CURLOPT_PROXY, h->proxy ? h->proxy : "")) ||
	    (rc = curl_easy_setopt(c, CURLOPT_NETRC, h->use_netrc ?
				   (long)CURL_NETRC_OPTIONAL : (long)CURL_NETRC_IGNORED)) ||
	    (rc = curl_easy_setopt(c, CURLOPT_USERAGENT, h->user_agent)) ||
	    (rc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf)))
		return rc;
	return CURLE_OK;
}

static CURLcode apply_tls(struct iam_http *h)
{
	CURL *c = h->curl;
	CURLcode rc;

	if ((rc = curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L)) ||
	    (rc = curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L)) ||
	    (rc = curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2)))
		return rc;
	/* A configured CA file is the only trust anchor: the system directory
	 * must not widen it. */
	if (h->ca_file &&
	    ((rc = curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file)) ||
	     (rc = curl_easy_setopt(c, CURLOPT_CAPATH, NULL))))
		return rc;
	if (h->pinned_pubkey &&
	    (rc = curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, h->pinned_pubkey)))
		return rc;
	return CURLE_OK;
}

static CURLcode apply_body(struct iam_http *h, struct transfer *t)
{
	CURL *c = h->curl;
	curl_off_t max = h->max_response > (size_t)INT64_MAX ?
		(curl_off_t)INT64_MAX : (curl_off_t)h->max_response;
	CURLcode rc;

	/* MAXFILESIZE refuses an announced Content-Length early; the write
	 * callback enforces the limit when no length is announced. */
	if ((rc = curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, max)) ||
	    (rc = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_body)) ||
	    (rc = curl_easy_setopt(c, CURLOPT_WRITEDATA, t)))
		return rc;
	return CURLE_OK;
}

static CURLcode apply_method(CURL *c, const char *method, const char *body, size_t body_len)
{
	CURLcode rc;

	if (body) {
		if ((rc = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len)) ||
		    (rc = curl_easy_setopt(c, CURLOPT_POSTFIELDS, body)))
			return rc;
		if (strcmp(method, "POST") == 0)
			return CURLE_OK;
		return curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	if (strcmp(method, "GET") == 0)
		return curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	if (strcmp(method, "HEAD") == 0)
		return curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (strcmp(method, "POST") == 0) {
		if ((rc = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0)) ||
		    (rc = curl_easy_setopt(c, CURLOPT_POSTFIELDS, "")))
			return rc;
		return CURLE_OK;
	}
	return curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
}

static int apply_options(struct iam_http *h, const char *url, const char *method,
			 struct curl_slist *headers, const char *body, size_t body_len,
			 struct transfer *t, struct iam_err *err)
{
	CURLcode rc;

	if ((rc = curl_easy_setopt(h->curl, CURLOPT_URL, url)) ||
	    (rc = apply_transport(h)) ||
	    (rc = apply_tls(h)) ||
	    (rc = apply_body(h, t)) ||
	    (rc = apply_method(h->curl, method, body, body_len)) ||
	    (rc = curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, headers)))
		goto fail;
	return 0;

fail:
	iam_err_set(err, "%s: cannot configure the request: %s", url, curl_easy_strerror(rc));
	return rc == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EIO;
}

/* ---- failures ---------------------------------------------------------- */

static const struct curl_failure {
	CURLcode code;
	int error;
	const char *what;
} curl_failures[] = {
	{ CURLE_COULDNT_CONNECT, -ECONNREFUSED,
	  "cannot connect (is iam-policyd running at that address and port?)" },
	/* A name that does not resolve is a reachability problem, not a
	 * refusal: callers that fall back offline treat both alike. */
	{ CURLE_COULDNT_RESOLVE_HOST, -EHOSTUNREACH,
	  "cannot resolve the host name (check the endpoint URL and DNS)" },
	{ CURLE_COULDNT_RESOLVE_PROXY, -EHOSTUNREACH, "cannot resolve the proxy host name" },
	{ CURLE_OPERATION_TIMEDOUT, -ETIMEDOUT, "timed out" },
	{ CURLE_PEER_FAILED_VERIFICATION, -EPROTO,
	  "TLS certificate verification failed (check ca_file, that the URL's host name is in "
	  "the certificate, and the clock)" },
	{ CURLE_SSL_PINNEDPUBKEYNOTMATCH, -EPROTO,
	  "TLS public key does not match pinned_pubkey (the endpoint's key was replaced, or the "
	  "pin is wrong)" },
	{ CURLE_SSL_CACERT_BADFILE, -EPROTO,
	  "cannot load the CA certificates of ca_file (missing, unreadable or not PEM)" },
	{ CURLE_SSL_CONNECT_ERROR, -EPROTO,
	  "TLS handshake failed (is the port the endpoint's HTTPS port?)" },
	{ CURLE_SSL_CERTPROBLEM, -EPROTO, "TLS failure" },
	{ CURLE_SSL_CIPHER, -EPROTO, "TLS failure" },
	{ CURLE_SSL_ISSUER_ERROR, -EPROTO, "TLS certificate verification failed" },
	{ CURLE_SSL_CRL_BADFILE, -EPROTO, "TLS failure" },
	{ CURLE_SSL_INVALIDCERTSTATUS, -EPROTO, "TLS certificate verification failed" },
	{ CURLE_SSL_SHUTDOWN_FAILED, -EPROTO, "TLS failure" },
	{ CURLE_SSL_ENGINE_NOTFOUND, -EPROTO, "TLS failure" },
	{ CURLE_SSL_ENGINE_SETFAILED, -EPROTO, "TLS failure" },
	{ CURLE_SSL_ENGINE_INITFAILED, -EPROTO, "TLS failure" },
	{ CURLE_SSL_CLIENTCERT, -EPROTO, "TLS failure" },
	{ CURLE_USE_SSL_FAILED, -EPROTO, "TLS failure" },
	{ CURLE_FILESIZE_EXCEEDED, -E2BIG, "response too large" },
	{ CURLE_OUT_OF_MEMORY, -ENOMEM, "out of memory" },
};

static const struct curl_failure *lookup_failure(CURLcode code)
{
	static const struct curl_failure other = { CURLE_OK, -EIO, "request failed" };
	size_t i;

	for (i = 0; i < sizeof(curl_failures) / sizeof(curl_failures[0]); i++)
		if (curl_failures[i].code == code)
			return &curl_failures[i];
	return &other;
}

/* The error buffer is more specific than curl_easy_strerror() but may be
 * empty; either way the message names the URL and never a header. */
static int report_failure(struct iam_http *h, const char *url, CURLcode code,
			  const struct transfer *t, struct iam_err *err)
{
	const struct curl_failure *f;
	const char *reason;
	size_t len = strlen(h->errbuf);

	while (len > 0 && (h->errbuf[len - 1] == '\n' || h->errbuf[len - 1] == '\r'))
		h->errbuf[--len] = '\0';
	reason = len ? h->errbuf : curl_easy_strerror(code);
	if (t->failure == -E2BIG || code == CURLE_FILESIZE_EXCEEDED) {
		iam_err_set(err, "%s: response body larger than %zu bytes", url, h->max_response);
		return -E2BIG;
	}
	if (t->failure == -ENOMEM) {
		iam_err_set(err, "%s: out of memory reading the response", url);
		return -ENOMEM;
	}
	f = lookup_failure(code);
	if (code == CURLE_OPERATION_TIMEDOUT)
		iam_err_set(err, "%s: timed out (connect %ld ms, total %ld ms): %s",
			    url, h->connect_timeout_ms, h->timeout_ms, reason);
	else
		iam_err_set(err, "%s: %s: %s", url, f->what, reason);
	return f->error;
}

static int perform(struct iam_http *h, const char *url, struct transfer *t,
		   struct iam_http_response *resp, struct iam_err *err)
{
	CURLcode code;
	long status = 0;

	h->errbuf[0] = '\0';
	code = curl_easy_perform(h->curl);
	if (code != CURLE_OK)
		return report_failure(h, url, code, t, err);
	code = curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	if (code != CURLE_OK || status <= 0) {
		iam_err_set(err, "%s: no HTTP status in the response", url);
		return -EIO;
	}
	resp->status = status;
	return 0;
}

int iam_http_request(struct iam_http *h, const char *method, const char *path,
		     const char *bearer, const char *body, size_t body_len,
		     struct iam_http_response *resp, struct iam_err *err)
{
	struct curl_slist *headers = NULL;
	struct iam_buf url, auth;
	struct transfer t;
	int r;

	iam_http_response_free(resp);
	if (!h) {
		iam_err_set(err, "HTTP client: no client");
		return -EINVAL;
	}
	r = check_request(method, path, bearer, resp, err);
	if (r < 0)
		return r;
	iam_buf_init(&resp->body, h->max_response);
	t.body = &resp->body;
	t.failure = 0;
	iam_buf_init(&url, 0);
	iam_buf_init(&auth, 0);

	r = iam_buf_printf(&url, "%s%s", h->base_url, path);
	if (r == 0)
		r = build_headers(bearer, body != NULL, &auth, &headers);
	if (r < 0)
		iam_err_set(err, "HTTP client: out of memory");
	if (r == 0)
		r = apply_options(h, iam_buf_str(&url), method, headers, body, body_len, &t, err);
	if (r == 0)
		r = perform(h, iam_buf_str(&url), &t, resp, err);

	/* Leave no pointer to the header list or the caller's body in the
	 * handle; the reset keeps the live connection for the next request. */
	curl_easy_reset(h->curl);
	wipe_headers(headers);
	curl_slist_free_all(headers);
	iam_buf_free(&auth);
	iam_buf_free(&url);
	if (r < 0)
		iam_http_response_free(resp);
	return r;
}
