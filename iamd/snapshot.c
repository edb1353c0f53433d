#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "json.h"
#include "log.h"
#include "names.h"
#include "sign.h"
#include "snapshot.h"

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))
/* The value an INT64 field keeps when it was null: json.c refuses
 * INT64_MIN as a value, so no JSON number can produce it. */
#define NULL_INT INT64_MIN

#define FIELD(type, name, kind, member, flags, maxlen, min, max) \
	{ name, kind, offsetof(type, member), (flags), maxlen, min, max }

static const struct iam_json_field header_fields[] = {
	FIELD(struct snapshot, "format", IAM_J_INT64, format, IAM_JF_REQUIRED, 0, 1, 1),
	FIELD(struct snapshot, "serial", IAM_J_INT64, serial, IAM_JF_REQUIRED, 0, 0, INT64_MAX - 1),
	FIELD(struct snapshot, "host", IAM_J_STRING, host, IAM_JF_REQUIRED, 253, 0, 0),
	FIELD(struct snapshot, "generated_at", IAM_J_INT64, generated_at, IAM_JF_REQUIRED, 0, 0,
	      INT64_MAX - 1),
	FIELD(struct snapshot, "users", IAM_J_ARRAY, users, IAM_JF_REQUIRED, 0, 0, 0),
	FIELD(struct snapshot, "groups", IAM_J_ARRAY, groups, IAM_JF_REQUIRED, 0, 0, 0),
};

struct dir_user {
	char *name, *gecos, *home, *shell, *state;
	int64_t uid, gid;
};

/* Ids are not bounded here: an id outside the range is skipped, not an
 * error in the whole snapshot. */
static const struct iam_json_field user_fields[] = {
	FIELD(struct dir_user, "name", IAM_J_STRING, name, IAM_JF_REQUIRED, 0, 0, 0),
	FIELD(struct dir_user, "uid", IAM_J_INT64, uid, IAM_JF_REQUIRED, 0, 0, 0),
	FIELD(struct dir_user, "gid", IAM_J_INT64, gid, IAM_JF_REQUIRED, 0, 0, 0),
	FIELD(struct dir_user, "gecos", IAM_J_STRING, gecos, IAM_JF_REQUIRED, 0, 0, 0),
	FIELD(struct dir_user, "home", IAM_J_STRING, home, IAM_JF_REQUIRED, 0, 0, 0),
	FIELD(struct dir_user, "shell", IAM_J_STRING, shell, IAM_JF_REQUIRED, 0, 0, 0),
	FIELD(struct dir_user, "state", IAM_J_STRING, state, IAM_JF_REQUIRED, 0, 0, 0),
};

struct dir_group {
	char *name;
	int64_t gid;
	struct json_object *members;
};

static const struct iam_json_field group_fields[] = {
	FIELD(struct dir_group, "name", IAM_J_STRING, name, IAM_JF_REQUIRED, 0, 0, 0),
	FIELD(struct dir_group, "gid", IAM_J_INT64, gid, IAM_JF_REQUIRED, 0, 0, 0),
	FIELD(struct dir_group, "members", IAM_J_ARRAY, members, IAM_JF_REQUIRED, 0, 0, 0),
};

struct dir_member {
	char *user;
	int64_t until;
};

static const struct iam_json_field member_fields[] = {
	FIELD(struct dir_member, "user", IAM_J_STRING, user, IAM_JF_REQUIRED, 0, 0, 0),
	FIELD(struct dir_member, "until", IAM_J_INT64, until, IAM_JF_REQUIRED | IAM_JF_NULLABLE,
	      0, 0, 0),
};

static const char *const skip_names[SKIP_COUNT] = {
	[SKIP_BAD_NAME] = "bad_name",
	[SKIP_ID_RANGE] = "id_range",
	[SKIP_LOCAL_NAME] = "local_name",
	[SKIP_BAD_STATE] = "bad_state",
	[SKIP_BAD_FIELD] = "bad_field",
	[SKIP_DUPLICATE] = "duplicate",
	[SKIP_MEMBER] = "member",
};

const char *snapshot_skip_name(enum snapshot_skip why)
{
	return why < SKIP_COUNT ? skip_names[why] : "?";
}

size_t snapshot_skipped_total(const struct snapshot_counts *counts)
{
	size_t i, n = 0;

	for (i = 0; i < SKIP_COUNT; i++)
		n += counts->skipped[i];
	return n;
}

int snapshot_open(const char *payload, size_t len, const char *sig_b64, EVP_PKEY *pub,
		  struct snapshot *s, struct iam_err *err)
{
	int r;

	memset(s, 0, sizeof(*s));
	r = iam_verify(pub, payload, len, sig_b64, err);
	if (r < 0) {
		iam_err_prefix(err, "snapshot signature");
		return SNAPSHOT_BAD_SIGNATURE;
	}
	r = iam_json_parse(payload, len, &s->doc, err);
	if (r == 0)
		r = iam_json_map(s->doc, header_fields, NFIELDS(header_fields), 0, s, err);
	if (r < 0) {
		iam_err_prefix(err, "snapshot payload");
		snapshot_close(s);
		return r == -ENOMEM ? r : -EBADMSG;
	}
	return 0;
}

void snapshot_close(struct snapshot *s)
{
	iam_json_map_free(header_fields, NFIELDS(header_fields), s);
	json_object_put(s->doc);
	memset(s, 0, sizeof(*s));
}

/* One debug line per entry left out; the per-snapshot total is logged by
 * the caller at info. */
static void skip(struct snapshot_counts *c, enum snapshot_skip why, const char *kind,
		 const char *name)
{
	struct iam_buf line;

	c->skipped[why]++;
	if (!iam_log_debug_enabled())
		return;
	iam_buf_init(&line, 0);
	iam_kv_add(&line, "event", "snapshot_skip");
	iam_kv_add(&line, "kind", kind);
	iam_kv_add(&line, "name", name);
	iam_kv_add(&line, "reason", snapshot_skip_name(why));
	iam_log(LOG_DEBUG, "%s", iam_buf_str(&line));
	iam_buf_free(&line);
}

static int id_ok(const struct snapshot_filter *f, int64_t id)
{
	return id != 0 && id >= f->id_min && id <= f->id_max;
}

/* What keeps a user out of the cache, or SKIP_COUNT; *flags for the rest. */
static enum snapshot_skip user_problem(const struct snapshot_filter *f,
				       const struct dir_user *u, uint32_t *flags)
{
	*flags = 0;
	if (!iam_name_valid(u->name))
		return SKIP_BAD_NAME;
	if (!id_ok(f, u->uid) || !id_ok(f, u->gid))
		return SKIP_ID_RANGE;
	if (name_set_has(f->local_users, u->name))
		return SKIP_LOCAL_NAME;
	if (strcmp(u->state, "disabled") == 0)
		*flags = IAM_CACHE_USER_DISABLED;
	else if (strcmp(u->state, "active") != 0)
		return SKIP_BAD_STATE;
	return SKIP_COUNT;
}

static int add_user(const struct dir_user *u, const struct snapshot_filter *f,
		    struct iam_cache_builder *b, struct snapshot_counts *c)
{
	enum snapshot_skip why;
	uint32_t flags;
	long h;

	why = user_problem(f, u, &flags);
	if (why == SKIP_COUNT) {
		h = iam_cache_add_user(b, u->name, (uint32_t)u->uid, (uint32_t)u->gid, u->gecos,
				       u->home, u->shell, flags);
		if (h == -ENOMEM)
			return -ENOMEM;
		why = h == -EEXIST ? SKIP_DUPLICATE : h < 0 ? SKIP_BAD_FIELD : SKIP_COUNT;
	}
	if (why == SKIP_COUNT)
		c->users++;
	else
		skip(c, why, "user", u->name);
	return 0;
}

/* Maps element i of arr with fields into dst; the error names the element. */
static int map_element(struct json_object *arr, const char *what, size_t i,
		       const struct iam_json_field *fields, size_t n, void *dst,
		       struct iam_err *err)
{
	int r = iam_json_map(json_object_array_get_idx(arr, i), fields, n, 0, dst, err);

	if (r < 0)
		iam_err_prefix(err, "snapshot payload: %s[%zu]", what, i);
	return r == -ENOMEM ? r : r < 0 ? -EBADMSG : 0;
}

static int fill_users(const struct snapshot *s, const struct snapshot_filter *f,
		      struct iam_cache_builder *b, struct snapshot_counts *c,
		      struct iam_err *err)
{
	size_t i, n = json_object_array_length(s->users);
	int r = 0;

	for (i = 0; r == 0 && i < n; i++) {
		struct dir_user u = { 0 };

		r = map_element(s->users, "users", i, user_fields, NFIELDS(user_fields), &u, err);
		if (r == 0)
			r = add_user(&u, f, b, c);
		iam_json_map_free(user_fields, NFIELDS(user_fields), &u);
	}
	if (r == -ENOMEM)
		iam_err_set(err, "out of memory building the cache");
	return r;
}

/* A membership of group handle g (-1: the group was left out, so the
 * member is only checked). until: null is a static membership; a number
 * must be a time, or a JIT membership would turn into a permanent one. */
static int add_member(const struct dir_member *m, long g, struct iam_cache_builder *b,
		      struct snapshot_counts *c)
{
	long u;
	int r;

	if (g < 0)
		return 0;
	u = iam_cache_user_handle(b, m->user);
	if (u < 0 || (m->until != NULL_INT && m->until <= 0)) {
		skip(c, SKIP_MEMBER, "member", m->user);
		return 0;
	}
	r = iam_cache_add_member(b, g, u, m->until == NULL_INT ? 0 : m->until);
	if (r == 0)
		c->members++;
	return r;
}

static int fill_members(struct json_object *members, long g, struct iam_cache_builder *b,
			struct snapshot_counts *c, struct iam_err *err)
{
	size_t i, n = json_object_array_length(members);
	int r = 0;

	for (i = 0; r == 0 && i < n; i++) {
		struct dir_member m = { NULL, NULL_INT };

		r = map_element(members, "members", i, member_fields, NFIELDS(member_fields), &m,
				err);
		if (r == 0)
			r = add_member(&m, g, b, c);
		iam_json_map_free(member_fields, NFIELDS(member_fields), &m);
	}
	return r;
}

/* The group's handle, or -1 when it is left out (and counted). */
static long add_group(const struct dir_group *g, const struct snapshot_filter *f,
		      struct iam_cache_builder *b, struct snapshot_counts *c)
{
	enum snapshot_skip why = SKIP_COUNT;
	long h = -1;

	if (!iam_name_valid(g->name))
		why = SKIP_BAD_NAME;
	else if (!id_ok(f, g->gid))
		why = SKIP_ID_RANGE;
	else if (name_set_has(f->local_groups, g->name))
		why = SKIP_LOCAL_NAME;
	else if ((h = iam_cache_add_group(b, g->name, (uint32_t)g->gid)) == -ENOMEM)
		return -ENOMEM;
	else if (h < 0)
		why = h == -EEXIST ? SKIP_DUPLICATE : SKIP_BAD_NAME;
	if (why != SKIP_COUNT) {
		skip(c, why, "group", g->name);
		return -1;
	}
	c->groups++;
	return h;
}

static int fill_groups(const struct snapshot *s, const struct snapshot_filter *f,
		       struct iam_cache_builder *b, struct snapshot_counts *c,
		       struct iam_err *err)
{
	size_t i, n = json_object_array_length(s->groups);
	int r = 0;

	for (i = 0; r == 0 && i < n; i++) {
		struct dir_group g = { 0 };
		long h = -1;

		r = map_element(s->groups, "groups", i, group_fields, NFIELDS(group_fields), &g,
				err);
		if (r == 0 && (h = add_group(&g, f, b, c)) == -ENOMEM)
			r = -ENOMEM;
		else if (r == 0)
			r = fill_members(g.members, h, b, c, err);
		iam_json_map_free(group_fields, NFIELDS(group_fields), &g);
	}
	if (r == -ENOMEM)
		iam_err_set(err, "out of memory building the cache");
	return r;
}

int snapshot_fill(const struct snapshot *s, const struct snapshot_filter *f,
		  struct iam_cache_builder *b, struct snapshot_counts *counts,
		  struct iam_err *err)
{
	int r;

	memset(counts, 0, sizeof(*counts));
	r = fill_users(s, f, b, counts, err);
	if (r == 0)
		r = fill_groups(s, f, b, counts, err);
	return r;
}
