#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "cli.h"
#include "deliver.h"
#include "jit_end.h"
#include "vault.h"
#include "log.h"
#include "secmem.h"
#include "spool.h"
#include "sync.h"

/* After a failure: 1 s, doubling up to 60 s, each plus 0-25 % at random
 * so that a fleet does not come back in step. */
#define RETRY_FIRST_S 1u
#define RETRY_MAX_S 60u
/* An endpoint that answers "unchanged" without waiting (long_poll_max = 0)
 * is asked at most once a second. */
#define MIN_POLL_MS 1000

static void sleep_ms(long long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned next_backoff(unsigned s)
{
	if (s == 0)
		return RETRY_FIRST_S;
	return s * 2 > RETRY_MAX_S ? RETRY_MAX_S : s * 2;
}

static long long with_jitter(unsigned s)
{
	uint32_t r = 0;

	iam_random_bytes(&r, sizeof(r));
	return s * 1000LL + s * 1000LL * (r % 251) / 1000;
}

/* One fetch, and the write when something changed. The write holds the
 * busy lock, so that a stop never cuts it short. */
static int cycle(struct agent *a, unsigned wait, struct sync_result *res, struct iam_err *err)
{
	int r = sync_fetch(a, wait, res, err);

	if (r == 0 && res->changed) {
		pthread_mutex_lock(&a->busy);
		r = sync_commit(a, res, err);
		pthread_mutex_unlock(&a->busy);
		if (r == 0)
			jit_end_kick(); /* revocations reach live sessions now */
	}
	return r;
}

/* The one line a failure gets. retry_ms < 0: no retry (--once). */
static void log_failure(const struct sync_result *res, const struct iam_err *err,
			long long retry_ms)
{
	struct iam_buf line;

	iam_buf_init(&line, 0);
	iam_kv_add(&line, "event", "sync_failed");
	iam_kv_add(&line, "reason", res->reason ? res->reason : "error");
	iam_kv_add(&line, "error", err->msg);
	iam_kv_addll(&line, "cache_serial", (long long)res->old_serial);
	if (retry_ms >= 0)
		iam_kv_addf(&line, "retry_in", "%lld.%03llds", retry_ms / 1000, retry_ms % 1000);
	iam_log(LOG_ERR, "%s", iam_buf_str(&line));
	iam_buf_free(&line);
}

/* Runs one cycle and says how long to pause before the next one. */
static long long step(struct agent *a, unsigned *backoff)
{
	struct iam_err err = { "" };
	struct sync_result res;
	long long started = now_ms(), pause = 0;

	if (cycle(a, a->wait, &res, &err) < 0) {
		*backoff = next_backoff(*backoff);
		pause = with_jitter(*backoff);
		log_failure(&res, &err, pause);
	} else {
		if (*backoff)
			iam_log(LOG_NOTICE, "event=sync_resumed serial=%llu",
				(unsigned long long)res.serial);
		*backoff = 0;
		/* the endpoint answered: waiting audit events can go now */
		deliver_kick(a);
		vault_round(a);
		if (!res.changed) {
			iam_log(LOG_DEBUG, "event=unchanged serial=%llu",
				(unsigned long long)res.serial);
			pause = MIN_POLL_MS - (now_ms() - started);
		}
	}
	sync_result_free(&res);
	return pause;
}

static void *worker(void *arg)
{
	struct agent *a = arg;
	unsigned backoff = 0;

	for (;;)
		sleep_ms(step(a, &backoff));
	return NULL;
}

int agent_once(struct agent *a)
{
	struct iam_err err = { "" };
	struct sync_result res;
	int r = cycle(a, 0, &res, &err);

	if (r == 0)
		vault_round(a);
	if (r < 0)
		log_failure(&res, &err, -1);
	else if (!res.changed)
		iam_log(LOG_INFO, "event=unchanged serial=%llu", (unsigned long long)res.serial);
	sync_result_free(&res);
	return r < 0 ? IAMD_EXIT_FAILED : IAMD_EXIT_OK;
}

static int wait_for_stop(sigset_t *set)
{
	int sig = 0;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			return sig;
		iam_log(LOG_NOTICE, "event=sighup message=\"restart iamd to reload its "
			"configuration\"");
	}
}

static void log_start(const struct agent *a)
{
	struct iam_buf line;

	iam_buf_init(&line, 0);
	iam_kv_add(&line, "event", "start");
	iam_kv_add(&line, "version", PACKAGE_VERSION);
	iam_kv_add(&line, "endpoint", a->cfg.endpoint);
	iam_kv_add(&line, "cache", a->cfg.cache_path);
	iam_kv_add(&line, "key_id", a->key_id);
	iam_kv_addf(&line, "wait", "%us", a->wait);
	iam_kv_add(&line, "spool", a->cfg.spool_dir);
	/* -1 when the spool cannot be read (yet): the delivery thread says why */
	iam_kv_addll(&line, "spool_waiting", iam_spool_count(a->cfg.spool_dir, NULL));
	iam_log(LOG_NOTICE, "%s", iam_buf_str(&line));
	iam_buf_free(&line);
}

/*
 * The worker thread fetches and writes; the delivery thread (deliver.c)
 * empties the audit spool, woken by the worker after each answer of the
 * endpoint; this thread only waits for a signal. A long-poll cannot be
 * interrupted through the HTTP client, so the stop does not wait for it:
 * once no cache write is in progress (the busy lock), the process ends
 * with _exit(). Nothing is lost by that: the cache is either the old file
 * or the new one, a spooled event is removed only after the endpoint took
 * it (a cut delivery is resent, and the endpoint drops the duplicate), and
 * exit handlers must not run (OpenSSL's would tear down state the threads
 * are using).
 */
int agent_run(struct agent *a)
{
	pthread_t thread;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	log_start(a);
	if (deliver_start(a) < 0) {
		iam_log(LOG_ERR, "event=fatal error=\"cannot start the delivery thread\"");
		return IAMD_EXIT_FAILED;
	}
	if (jit_end_start(a) < 0) {
		iam_log(LOG_ERR, "event=fatal error=\"cannot start the JIT session thread\"");
		_exit(IAMD_EXIT_FAILED);
	}
	if (pthread_create(&thread, NULL, worker, a) != 0) {
		iam_log(LOG_ERR, "event=fatal error=\"cannot start the worker thread\"");
		/* the delivery thread uses a: end as a stop does */
		_exit(IAMD_EXIT_FAILED);
	}
	sig = wait_for_stop(&set);
	iam_log(LOG_NOTICE, "event=stop signal=%d", sig);
	pthread_mutex_lock(&a->busy);
	_exit(IAMD_EXIT_OK);
}
