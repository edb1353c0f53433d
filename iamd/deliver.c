#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "audit_event.h"
#include "deliver.h"
#include "fetch.h"
#include "log.h"
#include "secmem.h"

/* Events per request; IAM_EVENT_BATCH_BYTES usually ends a batch first. */
#define BATCH 500
/* Rounds start at most once a second, however often the syncs kick. */
#define MIN_GAP_MS 1000LL

struct quarantine_log {
	const char *dir;
};

static void log_quarantined(void *ctx, const char *id, const char *why)
{
	const struct quarantine_log *q = ctx;
	struct iam_buf line;

	iam_buf_init(&line, 0);
	iam_kv_add(&line, "event", "spool_quarantined");
	iam_kv_add(&line, "id", id);
	iam_kv_add(&line, "error", why);
	iam_kv_addf(&line, "moved_to", "%s/bad", q->dir);
	iam_log(LOG_ERR, "%s", iam_buf_str(&line));
	iam_buf_free(&line);
}

static void log_junk(const char *dir, size_t n)
{
	struct iam_buf line;

	iam_buf_init(&line, 0);
	iam_kv_add(&line, "event", "spool_junk");
	iam_kv_addll(&line, "files", (long long)n);
	iam_kv_addf(&line, "moved_to", "%s/bad", dir);
	iam_kv_add(&line, "error", "files in the spool that are not events (wrong name, type, "
		   "owner, mode or size)");
	iam_log(LOG_ERR, "%s", iam_buf_str(&line));
	iam_buf_free(&line);
}

int deliver_round(struct iam_api *api, const struct iam_host_config *cfg,
		  struct deliver_result *res, struct iam_err *err)
{
	struct quarantine_log q = { cfg->spool_dir };
	struct iam_delivery d;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&d, 0, sizeof(d));
	res->waiting = -1;
	d.on_quarantine = log_quarantined;
	d.ctx = &q;
	r = iam_spool_check_dir(cfg->spool_dir, 0, 1, err);
	if (r < 0) {
		res->reason = "spool_dir";
		return r;
	}
	/* Each batch removes or quarantines what it took: this ends. */
	do {
		r = iam_event_deliver_spool(api, cfg->spool_dir, BATCH, &d, err);
		res->sent += d.sent;
		res->quarantined += d.quarantined;
		res->junk += d.junk;
	} while (r == 0 && d.sent + d.quarantined + d.junk > 0);
	if (res->junk)
		log_junk(cfg->spool_dir, res->junk);
	if (r < 0) {
		res->status = d.status;
		res->reason = fetch_reason(r, d.status);
	}
	res->waiting = iam_spool_count(cfg->spool_dir, NULL);
	return r;
}

/* --- The daemon's thread --------------------------------------------------- */

static struct timespec monotonic_after(long long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static void pause_ms(long long ms)
{
	struct timespec until = monotonic_after(ms);

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
		;
}

/* Until kicked, or ms have passed. */
static void wait_for_kick(struct agent *a, long long ms)
{
	struct timespec until = monotonic_after(ms > 0 ? ms : 0);
	int r = 0;

	pthread_mutex_lock(&a->kick_lock);
	while (!a->kicked && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&a->kick, &a->kick_lock, &until);
	a->kicked = 0;
	pthread_mutex_unlock(&a->kick_lock);
}

void deliver_kick(struct agent *a)
{
	pthread_mutex_lock(&a->kick_lock);
	a->kicked = 1;
	pthread_cond_signal(&a->kick);
	pthread_mutex_unlock(&a->kick_lock);
}

/* 10 s, 20 s, 40 s, then 60 s, each plus 0-25 % at random so that a
 * fleet does not come back in step. */
static long long retry_ms(unsigned failures)
{
	long long ms = DELIVER_INTERVAL_MS;
	uint32_t rnd = 0;

	while (--failures > 0 && ms < DELIVER_RETRY_MAX_MS)
		ms *= 2;
	if (ms > DELIVER_RETRY_MAX_MS)
		ms = DELIVER_RETRY_MAX_MS;
	iam_random_bytes(&rnd, sizeof(rnd));
	return ms + ms * (rnd % 251) / 1000;
}

/* The sync worker reloads the credential for its own clients; this
 * thread's client is its own to touch. */
static void reload_credential(struct agent *a)
{
	char *token = NULL;

	if (iam_credential_read(a->cfg.host_credential_file, 0, &token, NULL) == 0)
		iam_api_set_token(a->events, token);
	iam_free_secret(token);
}

static void log_outcome(const char *event, int prio, const struct deliver_result *res,
			const struct iam_err *err, long long retry)
{
	struct iam_buf line;

	iam_buf_init(&line, 0);
	iam_kv_add(&line, "event", event);
	if (err) {
		iam_kv_add(&line, "reason", res->reason ? res->reason : "error");
		iam_kv_add(&line, "error", err->msg);
	} else {
		iam_kv_addll(&line, "sent", (long long)res->sent);
		iam_kv_addll(&line, "quarantined", (long long)res->quarantined + (long long)res->junk);
	}
	iam_kv_addll(&line, "waiting", res->waiting);
	if (retry >= 0)
		iam_kv_addf(&line, "retry_in", "%lld.%03llds", retry / 1000, retry % 1000);
	iam_log(prio, "%s", iam_buf_str(&line));
	iam_buf_free(&line);
}

/* One round when events wait; how long to wait for the next. */
static long long step(struct agent *a, unsigned *failures)
{
	struct deliver_result res;
	struct iam_err err = { "" };
	long long retry;

	/* -ENOENT (no spool yet) goes on: the round makes the directory. */
	if (iam_spool_count(a->cfg.spool_dir, NULL) == 0 && *failures == 0)
		return DELIVER_INTERVAL_MS;
	if (deliver_round(a->events, &a->cfg, &res, &err) < 0) {
		if (res.status == 401)
			reload_credential(a);
		retry = retry_ms(++*failures);
		log_outcome("spool_failed", LOG_ERR, &res, &err, retry);
		return retry;
	}
	if (*failures)
		log_outcome("spool_resumed", LOG_NOTICE, &res, NULL, -1);
	else if (res.sent || res.quarantined || res.junk)
		log_outcome("spool_delivered", LOG_INFO, &res, NULL, -1);
	*failures = 0;
	return DELIVER_INTERVAL_MS;
}

static void *worker(void *arg)
{
	struct agent *a = arg;
	unsigned failures = 0;
	long long next;

	for (;;) {
		next = step(a, &failures);
		/* a kick that comes meanwhile is kept for the wait below */
		pause_ms(MIN_GAP_MS);
		wait_for_kick(a, next - MIN_GAP_MS);
	}
	return NULL;
}

int deliver_start(struct agent *a)
{
	pthread_t thread;

	if (pthread_create(&thread, NULL, worker, a) != 0)
		return -EAGAIN;
	pthread_detach(thread);
	return 0;
}
