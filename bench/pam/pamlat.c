/*
 * pamlat: how long pam_iam.so takes to reach a decision, in process, through
 * libpam itself (pam_start_confdir with a private service file that names
 * the module by its absolute path). Part of bench/pam/run.sh.
 *
 *   pamlat -m MODULE -c CONFIG -u USER -p PASSWORD [-T TARGET] [-t CONNECT_TIMEOUT]
 *          [-a "KEY=VALUE ..."] [-P auth,acct,open,close] [-n N] [-w WARMUP] [-l LABEL]
 *   pamlat -K LOG2_N [-n N]
 *
 * MODULE    pam_iam.so of the build tree (an absolute path)
 * CONFIG    its iam.conf (config=; root-owned, not writable by others)
 * TARGET    where the endpoint is, overriding the configuration's endpoint:
 *             live       the configuration's own endpoint (the default)
 *             refused    a loopback port nothing listens on (connection refused)
 *             blackhole  a loopback listener that accepts every connection and
 *                        never reads or writes a byte (the TLS handshake hangs)
 *             syndrop    a loopback listener with a full accept queue
 *                        (listen backlog 0, filled by one connection that is
 *                        never accepted): the kernel drops every further SYN,
 *                        so connect() itself hangs, as behind a firewall DROP
 *                        (no firewall rule is involved)
 *             https://...  any URL
 * -t        connect_timeout= for the module (e.g. 1s; default: the config's)
 * -a        more module arguments (iam.conf keys, e.g. "offline_max_age=0")
 * -P        the PAM calls per run, in order (default auth,acct); each on a
 *           fresh handle, as sshd's processes do
 * -n        timed runs (default 50); -w untimed runs first (default 2)
 *
 * Each PAM call is timed alone (pam_authenticate, pam_acct_mgmt,
 * pam_open_session, pam_close_session; not pam_start/pam_end) with
 * clock_gettime(CLOCK_MONOTONIC). The process's first run (the first
 * warm-up run), whose first call also loads the module, libcurl and OpenSSL
 * (as every login's fresh sshd process does), is reported as "cold" and is
 * not among the N.
 *
 * Output, one line per PAM call and one for the sum of the calls of a run:
 *   PAMLAT label=L target=T phase=auth n=50 p50_ms=.. p99_ms=.. max_ms=.. min_ms=..
 *          mean_ms=.. cold_ms=.. results=PAM_AUTHINFO_UNAVAIL:50
 * p50/p99 are nearest rank (with N=50, p99 is the largest but none).
 *
 * -K times iam_kdf_hash() at N = 2^LOG2_N, r = 8, p = 1: exactly the call
 * with which pam_iam makes the offline verifier (pi_offline_remember_login:
 * at a user's first online login on the host, and again when the
 * endpoint's password stamp or offline_kdf_log2n changed), one untimed
 * first:
 *   KDFHASH ln=15 r=8 p=1 n=20 median_ms=.. p99_ms=.. min_ms=.. max_ms=..
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "iam_error.h"
#include "kdf.h"
#include "stats.h"

#define SERVICE "pamlat"
#define MAX_PHASES 4
#define MAX_RUNS 100000
#define MAX_HELD 4096

enum phase { P_AUTH, P_ACCT, P_OPEN, P_CLOSE };
static const char *const phase_names[] = { "auth", "acct", "open", "close" };

static const char *password;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *msg)
{
	fprintf(stderr, "pamlat: %s\n", msg);
	exit(1);
}

/* --- The conversation: the password for every hidden prompt --------------- */

static int conv_fn(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	(void)data;
	if (!r)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF && strstr(msg[i]->msg, "assword"))
			r[i].resp = strdup(password);
	*resp = r;
	return PAM_SUCCESS;
}

static const char *pam_code_name(int r)
{
	static char other[32];

	switch (r) {
	case PAM_SUCCESS: return "PAM_SUCCESS";
	case PAM_AUTH_ERR: return "PAM_AUTH_ERR";
	case PAM_AUTHINFO_UNAVAIL: return "PAM_AUTHINFO_UNAVAIL";
	case PAM_USER_UNKNOWN: return "PAM_USER_UNKNOWN";
	case PAM_PERM_DENIED: return "PAM_PERM_DENIED";
	case PAM_ACCT_EXPIRED: return "PAM_ACCT_EXPIRED";
	case PAM_MAXTRIES: return "PAM_MAXTRIES";
	case PAM_IGNORE: return "PAM_IGNORE";
	case PAM_CONV_ERR: return "PAM_CONV_ERR";
	case PAM_SERVICE_ERR: return "PAM_SERVICE_ERR";
	case PAM_SYSTEM_ERR: return "PAM_SYSTEM_ERR";
	case PAM_BUF_ERR: return "PAM_BUF_ERR";
	case PAM_SESSION_ERR: return "PAM_SESSION_ERR";
	default:
		snprintf(other, sizeof(other), "PAM_%d", r);
		return other;
	}
}

/* One PAM call on a fresh handle; *ms is the call's own time. */
static int pam_call(const char *confdir, const char *user, enum phase ph, double *ms)
{
	struct pam_conv conv = { conv_fn, NULL };
	pam_handle_t *pamh = NULL;
	double t0;
	int r;

	if (pam_start_confdir(SERVICE, user, &conv, confdir, &pamh) != PAM_SUCCESS)
		die("pam_start_confdir failed");
	pam_set_item(pamh, PAM_RHOST, "127.0.0.1");
	pam_set_item(pamh, PAM_TTY, "ssh");
	t0 = now_ms();
	switch (ph) {
	case P_AUTH:
		r = pam_authenticate(pamh, 0);
		break;
	case P_ACCT:
		r = pam_acct_mgmt(pamh, 0);
		break;
	case P_OPEN:
		r = pam_open_session(pamh, 0);
		break;
	default:
		r = pam_close_session(pamh, 0);
		break;
	}
	*ms = now_ms() - t0;
	pam_end(pamh, r);
	return r;
}

/* --- Endpoints that are not there ------------------------------------------ */

static int loopback_listener(int backlog, int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, backlog) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		die("cannot make a loopback listener");
	*port = ntohs(a.sin_port);
	return fd;
}

/* A non-blocking connect to the port: 1 when it completes within ms. */
static int connects_within(int port, int ms)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), r, soerr = 0;
	struct pollfd p;
	socklen_t sl = sizeof(soerr);

	if (fd < 0)
		die("socket failed");
	r = connect(fd, (struct sockaddr *)&a, sizeof(a));
	if (r != 0 && errno != EINPROGRESS) {
		close(fd);
		return 0;
	}
	if (r != 0) {
		p.fd = fd;
		p.events = POLLOUT;
		r = poll(&p, 1, ms);
		if (r == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
			r = 0;
		else
			r = -1;
	}
	close(fd);
	return r == 0;
}

static int blocking_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		die("the filler connection failed");
	return fd;
}

/* The blackhole: accepts and keeps every connection, never reads or writes. */
static void *blackhole(void *arg)
{
	static int held[MAX_HELD];
	int fd = *(int *)arg, k = 0, i;

	for (i = 0; i < MAX_HELD; i++)
		held[i] = -1;
	for (;;) {
		int c = accept(fd, NULL, NULL);

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL;
		}
		if (held[k] >= 0) /* the oldest goes: its client is long gone */
			close(held[k]);
		held[k] = c;
		k = (k + 1) % MAX_HELD;
	}
}

/* The syndrop listener and the connection that fills its queue: open until
 * the process ends. */
static int syndrop_fds[2] = { -1, -1 };

/* The endpoint URL for TARGET; sets up listeners as needed. */
static const char *target_url(const char *target)
{
	static char url[128];
	static int bh_fd;
	int port, fd;

	if (strcmp(target, "live") == 0)
		return NULL;
	if (strncmp(target, "https://", 8) == 0)
		return target;
	if (strcmp(target, "refused") == 0) {
		/* a port the kernel handed out, then closed: nothing listens */
		fd = loopback_listener(1, &port);
		close(fd);
		if (connects_within(port, 500))
			die("the closed port accepts connections");
	} else if (strcmp(target, "blackhole") == 0) {
		pthread_t t;

		bh_fd = loopback_listener(128, &port);
		if (pthread_create(&t, NULL, blackhole, &bh_fd) != 0)
			die("pthread_create failed");
		pthread_detach(t);
		if (!connects_within(port, 1000))
			die("the blackhole does not accept connections");
	} else if (strcmp(target, "syndrop") == 0) {
		/* backlog 0 holds one established connection; with it there
		 * (never accepted) the queue is full and every SYN is dropped */
		syndrop_fds[0] = loopback_listener(0, &port);
		syndrop_fds[1] = blocking_connect(port);
		if (connects_within(port, 1500))
			die("SYNs are not dropped: the accept queue did not fill");
	} else {
		die("unknown target (live, refused, blackhole, syndrop or https://...)");
	}
	snprintf(url, sizeof(url), "https://127.0.0.1:%d", port);
	return url;
}

/* --- Statistics ------------------------------------------------------------ */

struct series {
	double *ms;
	int *code;
	double cold;
};

static void report(const char *label, const char *target, const char *phase, struct series *s,
		   int n)
{
	double *v = malloc((size_t)n * sizeof(*v)), sum = 0;
	int i, j, done[16] = { 0 }, codes[16], nc = 0;

	if (!v)
		die("out of memory");
	for (i = 0; i < n; i++) {
		v[i] = s->ms[i];
		sum += v[i];
	}
	stats_sort(v, (size_t)n);
	printf("PAMLAT label=%s target=%s phase=%s n=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f "
	       "min_ms=%.2f mean_ms=%.2f cold_ms=%.2f results=",
	       label, target, phase, n, stats_percentile(v, (size_t)n, 50),
	       stats_percentile(v, (size_t)n, 99),
	       v[n - 1], v[0], sum / n, s->cold);
	/* a histogram of the return codes (for sums: the last call's) */
	for (i = 0; i < n; i++) {
		for (j = 0; j < nc && codes[j] != s->code[i]; j++)
			;
		if (j == nc && nc < 16)
			codes[nc++] = s->code[i];
		if (j < 16)
			done[j]++;
	}
	for (j = 0; j < nc; j++)
		printf("%s%s:%d", j ? "," : "", pam_code_name(codes[j]), done[j]);
	printf("\n");
	free(v);
}

/* --- The KDF alone -------------------------------------------------------- */

static int kdf_hash_timing(int ln, int n)
{
	struct iam_kdf_params kp = { (unsigned)ln, 8, 1 };
	char out[IAM_KDF_MAX];
	struct iam_err err;
	double *v = calloc((size_t)n, sizeof(*v)), t0;
	int i;

	if (!v)
		die("out of memory");
	/* untimed: page in the 128 * N * r bytes of scratch once */
	if (iam_kdf_hash("correct horse battery staple", &kp, out, &err) != 0) {
		fprintf(stderr, "pamlat: iam_kdf_hash: %s\n", err.msg);
		return 1;
	}
	for (i = 0; i < n; i++) {
		t0 = now_ms();
		if (iam_kdf_hash("correct horse battery staple", &kp, out, &err) != 0) {
			fprintf(stderr, "pamlat: iam_kdf_hash: %s\n", err.msg);
			return 1;
		}
		v[i] = now_ms() - t0;
	}
	stats_sort(v, (size_t)n);
	printf("KDFHASH ln=%d r=8 p=1 mem=%lluKiB n=%d median_ms=%.1f p99_ms=%.1f min_ms=%.1f "
	       "max_ms=%.1f\n",
	       ln, 128ULL * (1ULL << ln) * 8 / 1024, n, stats_percentile(v, (size_t)n, 50),
	       stats_percentile(v, (size_t)n, 99), v[0], v[n - 1]);
	free(v);
	return 0;
}

/* --- main ------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr,
		"usage: pamlat -m MODULE -c CONFIG -u USER -p PASSWORD [-T TARGET] [-t TIMEOUT]\n"
		"              [-a ARGS] [-P auth,acct,open,close] [-n N] [-w N] [-l LABEL]\n"
		"       pamlat -K LOG2_N [-n N]\n");
	exit(2);
}

static int parse_int(const char *s, int lo, int hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < lo || v > hi)
		usage();
	return (int)v;
}

static int parse_phases(const char *s, enum phase *out)
{
	char buf[128], *tok, *save = NULL;
	int n = 0, i;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < MAX_PHASES && strcmp(tok, phase_names[i]) != 0; i++)
			;
		if (i == MAX_PHASES || n == MAX_PHASES)
			usage();
		out[n++] = (enum phase)i;
	}
	return n;
}

static char confdir[] = "/tmp/pamlat.XXXXXX";

static void remove_confdir(void)
{
	char path[sizeof(confdir) + 16];

	snprintf(path, sizeof(path), "%s/%s", confdir, SERVICE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/other", confdir);
	unlink(path);
	rmdir(confdir);
}

static void write_service(const char *module, const char *config, const char *url,
			  const char *ct, const char *args)
{
	static const char *const types[] = { "auth", "account", "session", "password" };
	char path[sizeof(confdir) + 16];
	FILE *f;
	int i;

	if (!mkdtemp(confdir))
		die("mkdtemp failed");
	atexit(remove_confdir);
	snprintf(path, sizeof(path), "%s/%s", confdir, SERVICE);
	f = fopen(path, "w");
	if (!f)
		die("cannot write the service file");
	for (i = 0; i < 4; i++) {
		fprintf(f, "%s required %s config=%s", types[i], module, config);
		if (url)
			fprintf(f, " endpoint=%s", url);
		if (ct)
			fprintf(f, " connect_timeout=%s", ct);
		if (args && *args)
			fprintf(f, " %s", args);
		fputc('\n', f);
	}
	if (fclose(f) != 0)
		die("cannot write the service file");
	snprintf(path, sizeof(path), "%s/other", confdir);
	f = fopen(path, "w");
	if (!f)
		die("cannot write the service file");
	fputs("auth required pam_deny.so\naccount required pam_deny.so\n"
	      "session required pam_deny.so\npassword required pam_deny.so\n", f);
	if (fclose(f) != 0)
		die("cannot write the service file");
}

int main(int argc, char **argv)
{
	const char *module = NULL, *config = NULL, *user = NULL, *target = "live", *ct = NULL;
	const char *args = "", *label = "-", *url;
	enum phase phases[MAX_PHASES] = { P_AUTH, P_ACCT };
	struct series s[MAX_PHASES + 1];
	int nphases = 2, n = 50, warm = 2, kdf_ln = 0, opt, i, j;

	while ((opt = getopt(argc, argv, "m:c:u:p:T:t:a:P:n:w:l:K:h")) != -1) {
		switch (opt) {
		case 'm': module = optarg; break;
		case 'c': config = optarg; break;
		case 'u': user = optarg; break;
		case 'p': password = optarg; break;
		case 'T': target = optarg; break;
		case 't': ct = optarg; break;
		case 'a': args = optarg; break;
		case 'P': nphases = parse_phases(optarg, phases); break;
		case 'n': n = parse_int(optarg, 1, MAX_RUNS); break;
		case 'w': warm = parse_int(optarg, 0, 1000); break;
		case 'l': label = optarg; break;
		case 'K': kdf_ln = parse_int(optarg, 10, 22); break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (kdf_ln)
		return kdf_hash_timing(kdf_ln, n);
	if (!module || module[0] != '/' || !config || !user || !password || nphases < 1)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	url = target_url(target);
	write_service(module, config, url, ct, args);
	for (j = 0; j <= nphases; j++) {
		s[j].ms = calloc((size_t)n, sizeof(double));
		s[j].code = calloc((size_t)n, sizeof(int));
		s[j].cold = 0;
		if (!s[j].ms || !s[j].code)
			die("out of memory");
	}
	for (i = -warm; i < n; i++) {
		double total = 0;
		int last = 0;

		for (j = 0; j < nphases; j++) {
			double ms;
			int r = pam_call(confdir, user, phases[j], &ms);

			/* the process's first run: the module, libcurl and
			 * OpenSSL load in its first call */
			if (i == -warm)
				s[j].cold = ms;
			total += ms;
			last = r;
			if (i >= 0) {
				s[j].ms[i] = ms;
				s[j].code[i] = r;
			}
		}
		if (i == -warm)
			s[nphases].cold = total;
		if (i >= 0) {
			s[nphases].ms[i] = total;
			s[nphases].code[i] = last;
		}
	}
	for (j = 0; j < nphases; j++)
		report(label, target, phase_names[phases[j]], &s[j], n);
	if (nphases > 1) {
		char sum[64] = "";

		for (j = 0; j < nphases; j++)
			snprintf(sum + strlen(sum), sizeof(sum) - strlen(sum), "%s%s", j ? "+" : "",
				 phase_names[phases[j]]);
		report(label, target, sum, &s[nphases], n);
	}
	for (j = 0; j <= nphases; j++) {
		free(s[j].ms);
		free(s[j].code);
	}
	return 0;
}
