/*
 * Group commit of audit records. Every decision and login attempt is
 * audited before it is answered, and each commit waits for the disk
 * (synchronous=FULL): one transaction per record caps the whole server at
 * the disk's flush rate, and under a burst the writers queue past their
 * deadline. Here the first caller that finds no commit under way becomes
 * the leader: it takes every record queued so far (its own included),
 * appends them in one transaction, each under its own savepoint so that one
 * failing record fails alone, commits once and wakes the others with their
 * result. Callers queued meanwhile form the next group. Nobody hears "done"
 * before its record is on disk, and the hash chain stays in queue order.
 */
#include "config.h"

#include <pthread.h>

#include "store_int.h"

struct audit_job {
	time_t now;
	const char *source, *type, *actor;
	struct json_object *data;
	int rc;
	int done;
	struct audit_job *next;
};

static pthread_mutex_t group_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t group_done = PTHREAD_COND_INITIALIZER;
static struct audit_job *queue_head, **queue_tail = &queue_head;
static int leader_busy;

static int append_one(sqlite3 *db, struct audit_job *j)
{
	int r = st_exec(db, "SAVEPOINT audit_one", "");

	if (r != ST_OK)
		return r;
	r = st_audit(db, j->now, j->source, NULL, j->type, j->actor, j->data);
	if (r != ST_OK)
		st_exec(db, "ROLLBACK TO audit_one", "");
	st_exec(db, "RELEASE audit_one", "");
	return r;
}

/* One transaction for the group; each job's rc is set, none is marked
 * done (the caller does that under the lock). */
static void commit_group(struct store *st, struct audit_job *group)
{
	sqlite3 *db = st_db(st);
	struct audit_job *j;
	int r = db ? st_begin(db) : ST_ERROR, any = 0;

	for (j = group; j; j = j->next) {
		j->rc = r == ST_OK ? append_one(db, j) : r;
		any |= j->rc == ST_OK;
	}
	if (r != ST_OK)
		return;
	if (!any) {
		st_rollback(db);
		return;
	}
	r = st_commit(db);
	for (j = group; j && r != ST_OK; j = j->next)
		j->rc = r;
}

int store_audit(struct store *st, time_t now, const char *source, const char *type,
		const char *actor, struct json_object *data)
{
	struct audit_job self = { now, source, type, actor, data, ST_ERROR, 0, NULL }, *group, *j;

	pthread_mutex_lock(&group_lock);
	*queue_tail = &self;
	queue_tail = &self.next;
	while (!self.done && leader_busy)
		pthread_cond_wait(&group_done, &group_lock);
	if (!self.done) {
		/* Lead: this job is still queued, so the group includes it. */
		leader_busy = 1;
		group = queue_head;
		queue_head = NULL;
		queue_tail = &queue_head;
		pthread_mutex_unlock(&group_lock);
		commit_group(st, group);
		pthread_mutex_lock(&group_lock);
		for (j = group; j; j = j->next)
			j->done = 1;
		leader_busy = 0;
		pthread_cond_broadcast(&group_done);
	}
	pthread_mutex_unlock(&group_lock);
	return self.rc;
}
