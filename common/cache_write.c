#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "names.h"
#include "safe_file.h"

/* --- A growable array and a hash map from keys to handles ---------- */

struct vec {
	void *items;
	size_t n, cap, size;
};

static void *vec_push(struct vec *v)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		void *p = realloc(v->items, cap * v->size);

		if (!p)
			return NULL;
		v->items = p;
		v->cap = cap;
	}
	return (char *)v->items + v->n++ * v->size;
}

/* Appends n items from src. */
static int vec_append(struct vec *v, const void *src, size_t n)
{
	size_t cap = v->cap ? v->cap : 64;
	void *p;

	while (cap < v->n + n)
		cap *= 2;
	if (cap != v->cap) {
		p = realloc(v->items, cap * v->size);
		if (!p)
			return -ENOMEM;
		v->items = p;
		v->cap = cap;
	}
	memcpy((char *)v->items + v->n * v->size, src, n * v->size);
	v->n += n;
	return 0;
}

/* Open addressing; a slot holds handle + 1 (0 is empty). */
struct map {
	uint32_t *slots;
	size_t cap, n;
};

typedef int (*map_eq)(const void *ctx, uint32_t handle, const void *key);

static long map_find(const struct map *m, uint32_t hash, map_eq eq, const void *ctx,
		     const void *key)
{
	size_t i;

	if (!m->cap)
		return -1;
	for (i = hash & (m->cap - 1); m->slots[i]; i = (i + 1) & (m->cap - 1))
		if (eq(ctx, m->slots[i] - 1, key))
			return (long)(m->slots[i] - 1);
	return -1;
}

static int map_grow(struct map *m, const uint32_t *hashes)
{
	size_t cap = m->cap ? m->cap * 2 : 1024, i, j;
	uint32_t *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < m->cap; i++) {
		if (!m->slots[i])
			continue;
		for (j = hashes[m->slots[i] - 1] & (cap - 1); slots[j]; j = (j + 1) & (cap - 1))
			;
		slots[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

/* hashes[handle] must already hold the new key's hash. */
static int map_add(struct map *m, const uint32_t *hashes, uint32_t handle)
{
	size_t j;
	int r;

	if ((m->n + 1) * 2 > m->cap && (r = map_grow(m, hashes)) < 0)
		return r;
	for (j = hashes[handle] & (m->cap - 1); m->slots[j]; j = (j + 1) & (m->cap - 1))
		;
	m->slots[j] = handle + 1;
	m->n++;
	return 0;
}

/* --- The builder --------------------------------------------------- */

struct buser {
	char *name, *gecos, *home, *shell;
	uint32_t uid, gid, flags;
};

struct bgroup {
	char *name;
	uint32_t gid;
};

struct bmember {
	uint32_t group, user;
	int64_t until;
};

struct iam_cache_builder {
	struct vec users, groups, members;
	struct vec user_name_hash, uid_hash, group_name_hash, gid_hash; /* uint32_t each */
	struct map by_user_name, by_uid, by_group_name, by_gid;
};

struct iam_cache_builder *iam_cache_builder_new(void)
{
	struct iam_cache_builder *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->users.size = sizeof(struct buser);
	b->groups.size = sizeof(struct bgroup);
	b->members.size = sizeof(struct bmember);
	b->user_name_hash.size = b->uid_hash.size = sizeof(uint32_t);
	b->group_name_hash.size = b->gid_hash.size = sizeof(uint32_t);
	return b;
}

void iam_cache_builder_free(struct iam_cache_builder *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->users.n; i++) {
		struct buser *u = (struct buser *)b->users.items + i;

		free(u->name);
		free(u->gecos);
		free(u->home);
		free(u->shell);
	}
	for (i = 0; i < b->groups.n; i++)
		free(((struct bgroup *)b->groups.items)[i].name);
	free(b->users.items);
	free(b->groups.items);
	free(b->members.items);
	free(b->user_name_hash.items);
	free(b->uid_hash.items);
	free(b->group_name_hash.items);
	free(b->gid_hash.items);
	free(b->by_user_name.slots);
	free(b->by_uid.slots);
	free(b->by_group_name.slots);
	free(b->by_gid.slots);
	free(b);
}

static int user_name_eq(const void *ctx, uint32_t h, const void *key)
{
	return strcmp(((const struct buser *)ctx)[h].name, key) == 0;
}

static int uid_eq(const void *ctx, uint32_t h, const void *key)
{
	return ((const struct buser *)ctx)[h].uid == *(const uint32_t *)key;
}

static int group_name_eq(const void *ctx, uint32_t h, const void *key)
{
	return strcmp(((const struct bgroup *)ctx)[h].name, key) == 0;
}

static int gid_eq(const void *ctx, uint32_t h, const void *key)
{
	return ((const struct bgroup *)ctx)[h].gid == *(const uint32_t *)key;
}

long iam_cache_user_handle(const struct iam_cache_builder *b, const char *name)
{
	return map_find(&b->by_user_name, iam_cache_hash_name(name), user_name_eq,
			b->users.items, name);
}

static int push_hash(struct vec *v, uint32_t hash)
{
	return vec_append(v, &hash, 1);
}

static int fields_valid(const char *name, const char *gecos, const char *home, const char *shell)
{
	return iam_name_valid(name) && iam_gecos_valid(gecos) && iam_path_field_valid(home) &&
	       iam_path_field_valid(shell);
}

/* The record and its two hashes are pushed together, so that a failure
 * leaves the builder as it was (the vectors' extra capacity aside). */
static int commit_user(struct iam_cache_builder *b, struct buser *u)
{
	uint32_t handle = (uint32_t)b->users.n;
	struct buser *slot;

	if (push_hash(&b->user_name_hash, iam_cache_hash_name(u->name)) < 0)
		return -ENOMEM;
	if (push_hash(&b->uid_hash, iam_cache_hash_id(u->uid)) < 0) {
		b->user_name_hash.n--;
		return -ENOMEM;
	}
	slot = vec_push(&b->users);
	if (!slot || map_add(&b->by_user_name, b->user_name_hash.items, handle) < 0 ||
	    map_add(&b->by_uid, b->uid_hash.items, handle) < 0) {
		/* maps are only ever grown; on OOM the builder is unusable */
		return -ENOMEM;
	}
	*slot = *u;
	return (int)handle;
}

long iam_cache_add_user(struct iam_cache_builder *b, const char *name, uint32_t uid,
			uint32_t gid, const char *gecos, const char *home, const char *shell,
			uint32_t flags)
{
	struct buser u = { NULL, NULL, NULL, NULL, uid, gid, flags };
	int r;

	if (!fields_valid(name, gecos, home, shell) || uid == 0 || b->users.n >= UINT32_MAX / 2)
		return -EINVAL;
	if (iam_cache_user_handle(b, name) >= 0 ||
	    map_find(&b->by_uid, iam_cache_hash_id(uid), uid_eq, b->users.items, &uid) >= 0)
		return -EEXIST;
	u.name = strdup(name);
	u.gecos = strdup(gecos);
	u.home = strdup(home);
	u.shell = strdup(shell);
	r = u.name && u.gecos && u.home && u.shell ? commit_user(b, &u) : -ENOMEM;
	if (r < 0) {
		free(u.name);
		free(u.gecos);
		free(u.home);
		free(u.shell);
	}
	return r;
}

long iam_cache_add_group(struct iam_cache_builder *b, const char *name, uint32_t gid)
{
	uint32_t handle = (uint32_t)b->groups.n;
	struct bgroup *slot;

	if (!iam_name_valid(name) || gid == 0 || b->groups.n >= UINT32_MAX / 2)
		return -EINVAL;
	if (map_find(&b->by_group_name, iam_cache_hash_name(name), group_name_eq, b->groups.items,
		     name) >= 0 ||
	    map_find(&b->by_gid, iam_cache_hash_id(gid), gid_eq, b->groups.items, &gid) >= 0)
		return -EEXIST;
	if (push_hash(&b->group_name_hash, iam_cache_hash_name(name)) < 0 ||
	    push_hash(&b->gid_hash, iam_cache_hash_id(gid)) < 0 || !(slot = vec_push(&b->groups)))
		return -ENOMEM;
	slot->name = strdup(name);
	slot->gid = gid;
	if (!slot->name || map_add(&b->by_group_name, b->group_name_hash.items, handle) < 0 ||
	    map_add(&b->by_gid, b->gid_hash.items, handle) < 0)
		return -ENOMEM;
	return handle;
}

int iam_cache_add_member(struct iam_cache_builder *b, long group, long user, int64_t until)
{
	struct bmember *m;

	if (group < 0 || (size_t)group >= b->groups.n || user < 0 || (size_t)user >= b->users.n ||
	    until < 0)
		return -EINVAL;
	m = vec_push(&b->members);
	if (!m)
		return -ENOMEM;
	m->group = (uint32_t)group;
	m->user = (uint32_t)user;
	m->until = until;
	return 0;
}

/* --- Building the image -------------------------------------------- */

struct strtab {
	struct vec bytes;  /* char */
	struct vec offs;   /* uint32_t: offset of string id */
	struct vec hashes; /* uint32_t: hash of string id */
	struct map map;
};

static int strtab_eq(const void *ctx, uint32_t id, const void *key)
{
	const struct strtab *t = ctx;

	return strcmp((const char *)t->bytes.items + ((const uint32_t *)t->offs.items)[id], key) == 0;
}

/* Equal strings are stored once: most users share a shell. */
static int strtab_add(struct strtab *t, const char *s, uint32_t *off)
{
	uint32_t hash = iam_cache_hash_name(s);
	size_t len = strlen(s) + 1;
	long id = map_find(&t->map, hash, strtab_eq, t, s);

	if (id >= 0) {
		*off = ((uint32_t *)t->offs.items)[id];
		return 0;
	}
	if (t->bytes.n + len > UINT32_MAX)
		return -E2BIG;
	*off = (uint32_t)t->bytes.n;
	if (vec_append(&t->bytes, s, len) < 0 || vec_append(&t->offs, off, 1) < 0 ||
	    vec_append(&t->hashes, &hash, 1) < 0)
		return -ENOMEM;
	/* The table's vectors own what vec_append allocated; strtab_free
	 * releases it (clang's analyzer loses track through the plan). */
	return map_add(&t->map, t->hashes.items, (uint32_t)(t->offs.n - 1)); // NOLINT(clang-analyzer-unix.Malloc)
}

static void strtab_free(struct strtab *t)
{
	free(t->bytes.items);
	free(t->offs.items);
	free(t->hashes.items);
	free(t->map.slots);
}

static int cmp_user_uid(const void *a, const void *b, void *ctx)
{
	const struct buser *u = ctx;
	uint32_t x = u[*(const uint32_t *)a].uid, y = u[*(const uint32_t *)b].uid;

	return (x > y) - (x < y);
}

static int cmp_group_gid(const void *a, const void *b, void *ctx)
{
	const struct bgroup *g = ctx;
	uint32_t x = g[*(const uint32_t *)a].gid, y = g[*(const uint32_t *)b].gid;

	return (x > y) - (x < y);
}

/* order[i] = handle at sorted position i; pos[handle] = i. */
static int sort_handles(size_t n, void *records, int (*cmp)(const void *, const void *, void *),
			uint32_t **order, uint32_t **pos)
{
	size_t i;

	*order = malloc((n ? n : 1) * sizeof(uint32_t));
	*pos = malloc((n ? n : 1) * sizeof(uint32_t));
	if (!*order || !*pos)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		(*order)[i] = (uint32_t)i;
	qsort_r(*order, n, sizeof(uint32_t), cmp, records);
	for (i = 0; i < n; i++)
		(*pos)[(*order)[i]] = (uint32_t)i;
	return 0;
}

/* A membership in sorted positions. */
struct link {
	uint32_t a, b; /* (group, user) or (user, group) */
	int64_t until;
};

static int cmp_link(const void *x, const void *y)
{
	const struct link *p = x, *q = y;

	if (p->a != q->a)
		return (p->a > q->a) - (p->a < q->a);
	return (p->b > q->b) - (p->b < q->b);
}

/* Sorts links and merges repeats: a static membership (0) outlasts any end. */
static size_t merge_links(struct link *l, size_t n)
{
	size_t i, out = 0;

	qsort(l, n, sizeof(*l), cmp_link);
	for (i = 0; i < n; i++) {
		if (out && l[out - 1].a == l[i].a && l[out - 1].b == l[i].b) {
			if (l[out - 1].until && (!l[i].until || l[i].until > l[out - 1].until))
				l[out - 1].until = l[i].until;
			continue;
		}
		l[out++] = l[i];
	}
	return out;
}

static uint32_t table_slots(size_t n)
{
	uint32_t slots = 2;

	while (slots < 2 * n)
		slots *= 2;
	return slots;
}

struct plan {
	struct strtab strings;
	uint32_t *user_str;  /* 4 per user handle: name, gecos, home, shell */
	uint32_t *group_str; /* 1 per group handle */
	uint32_t *user_order, *user_pos, *group_order, *group_pos;
	struct link *by_group, *by_user;
	size_t nlinks;
	uint64_t offset[IAM_SEC_COUNT], size[IAM_SEC_COUNT];
	size_t total;
};

static void plan_free(struct plan *p)
{
	strtab_free(&p->strings);
	free(p->user_str);
	free(p->group_str);
	free(p->user_order);
	free(p->user_pos);
	free(p->group_order);
	free(p->group_pos);
	free(p->by_group);
	free(p->by_user);
}

static int plan_strings(struct iam_cache_builder *b, struct plan *p)
{
	uint32_t empty;
	size_t i;
	int r;

	p->strings.bytes.size = 1;
	p->strings.offs.size = p->strings.hashes.size = sizeof(uint32_t);
	p->user_str = malloc((b->users.n ? b->users.n : 1) * 4 * sizeof(uint32_t));
	p->group_str = malloc((b->groups.n ? b->groups.n : 1) * sizeof(uint32_t));
	if (!p->user_str || !p->group_str)
		return -ENOMEM;
	r = strtab_add(&p->strings, "", &empty);
	for (i = 0; r == 0 && i < b->users.n; i++) {
		const struct buser *u = (const struct buser *)b->users.items + i;

		r = strtab_add(&p->strings, u->name, &p->user_str[4 * i]);
		if (r == 0)
			r = strtab_add(&p->strings, u->gecos, &p->user_str[4 * i + 1]);
		if (r == 0)
			r = strtab_add(&p->strings, u->home, &p->user_str[4 * i + 2]);
		if (r == 0)
			r = strtab_add(&p->strings, u->shell, &p->user_str[4 * i + 3]);
	}
	for (i = 0; r == 0 && i < b->groups.n; i++)
		r = strtab_add(&p->strings, ((const struct bgroup *)b->groups.items)[i].name,
			       &p->group_str[i]);
	return r;
}

static int plan_links(struct iam_cache_builder *b, struct plan *p)
{
	const struct bmember *m = b->members.items;
	size_t i, n = b->members.n;

	p->by_group = malloc((n ? n : 1) * sizeof(struct link));
	p->by_user = malloc((n ? n : 1) * sizeof(struct link));
	if (!p->by_group || !p->by_user)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		p->by_group[i] = (struct link){ p->group_pos[m[i].group], p->user_pos[m[i].user],
						m[i].until };
	p->nlinks = merge_links(p->by_group, n);
	for (i = 0; i < p->nlinks; i++)
		p->by_user[i] = (struct link){ p->by_group[i].b, p->by_group[i].a, p->by_group[i].until };
	qsort(p->by_user, p->nlinks, sizeof(struct link), cmp_link);
	return 0;
}

static uint64_t align8(uint64_t x)
{
	return (x + 7) & ~(uint64_t)7;
}

static void plan_layout(const struct iam_cache_builder *b, struct plan *p)
{
	uint64_t at = align8(sizeof(struct iam_cache_header));
	int i;

	p->size[IAM_SEC_STRINGS] = p->strings.bytes.n;
	p->size[IAM_SEC_USERS] = b->users.n * sizeof(struct iam_cache_user);
	p->size[IAM_SEC_GROUPS] = b->groups.n * sizeof(struct iam_cache_group);
	p->size[IAM_SEC_MEMBERS] = p->nlinks * sizeof(struct iam_cache_member);
	p->size[IAM_SEC_USER_GROUPS] = p->nlinks * sizeof(struct iam_cache_member);
	p->size[IAM_SEC_IDX_USER_NAME] = table_slots(b->users.n) * sizeof(uint32_t);
	p->size[IAM_SEC_IDX_UID] = table_slots(b->users.n) * sizeof(uint32_t);
	p->size[IAM_SEC_IDX_GROUP_NAME] = table_slots(b->groups.n) * sizeof(uint32_t);
	p->size[IAM_SEC_IDX_GID] = table_slots(b->groups.n) * sizeof(uint32_t);
	for (i = 0; i < IAM_SEC_CHUNKS; i++) {
		p->offset[i] = at;
		at = align8(at + p->size[i]);
	}
	/* the chunk table comes last and covers everything before it but
	 * the header */
	p->offset[IAM_SEC_CHUNKS] = at;
	p->size[IAM_SEC_CHUNKS] = (at - p->offset[0] + IAM_CACHE_CHUNK - 1) / IAM_CACHE_CHUNK *
				  sizeof(uint32_t);
	p->total = (size_t)(at + p->size[IAM_SEC_CHUNKS]);
}

#define AT(image, p, sec, type) ((type *)(void *)((image) + (p)->offset[sec]))

static void index_put(uint32_t *slots, uint64_t bytes, uint32_t hash, uint32_t value)
{
	uint32_t mask = (uint32_t)(bytes / sizeof(uint32_t)) - 1, i;

	for (i = hash & mask; slots[i]; i = (i + 1) & mask)
		;
	slots[i] = value;
}

/* Each link's target into the slice array; links are sorted by owner, so
 * each owner's slice is contiguous. */
static void fill_links(const struct link *l, size_t n, struct iam_cache_member *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = (struct iam_cache_member){ l[i].b, 0, l[i].until };
}

static void fill_users(const struct iam_cache_builder *b, const struct plan *p,
		       unsigned char *image)
{
	struct iam_cache_user *out = AT(image, p, IAM_SEC_USERS, struct iam_cache_user);
	size_t i, link = 0;

	for (i = 0; i < b->users.n; i++) {
		uint32_t h = p->user_order[i];
		const struct buser *u = (const struct buser *)b->users.items + h;
		const uint32_t *str = &p->user_str[4 * (size_t)h];

		out[i] = (struct iam_cache_user){ str[0], str[1], str[2], str[3], u->uid, u->gid,
						  u->flags, (uint32_t)link, 0, 0 };
		while (link < p->nlinks && p->by_user[link].a == i) {
			out[i].groups_count++;
			link++;
		}
		index_put(AT(image, p, IAM_SEC_IDX_USER_NAME, uint32_t), p->size[IAM_SEC_IDX_USER_NAME],
			  iam_cache_hash_name(u->name), (uint32_t)i + 1);
		index_put(AT(image, p, IAM_SEC_IDX_UID, uint32_t), p->size[IAM_SEC_IDX_UID],
			  iam_cache_hash_id(u->uid), (uint32_t)i + 1);
	}
	fill_links(p->by_user, p->nlinks, AT(image, p, IAM_SEC_USER_GROUPS, struct iam_cache_member));
}

static void fill_groups(const struct iam_cache_builder *b, const struct plan *p,
			unsigned char *image)
{
	struct iam_cache_group *out = AT(image, p, IAM_SEC_GROUPS, struct iam_cache_group);
	size_t i, link = 0;

	for (i = 0; i < b->groups.n; i++) {
		uint32_t h = p->group_order[i];
		const struct bgroup *g = (const struct bgroup *)b->groups.items + h;

		out[i] = (struct iam_cache_group){ p->group_str[h], g->gid, (uint32_t)link, 0 };
		while (link < p->nlinks && p->by_group[link].a == i) {
			out[i].members_count++;
			link++;
		}
		index_put(AT(image, p, IAM_SEC_IDX_GROUP_NAME, uint32_t),
			  p->size[IAM_SEC_IDX_GROUP_NAME], iam_cache_hash_name(g->name), (uint32_t)i + 1);
		index_put(AT(image, p, IAM_SEC_IDX_GID, uint32_t), p->size[IAM_SEC_IDX_GID],
			  iam_cache_hash_id(g->gid), (uint32_t)i + 1);
	}
	fill_links(p->by_group, p->nlinks, AT(image, p, IAM_SEC_MEMBERS, struct iam_cache_member));
}

static void fill_header(const struct iam_cache_builder *b, const struct plan *p,
			unsigned char *image, uint64_t serial, int64_t created_at)
{
	struct iam_cache_header *h = (struct iam_cache_header *)(void *)image;
	int i;

	memcpy(h->magic, IAM_CACHE_MAGIC, sizeof(h->magic));
	h->endian = IAM_CACHE_ENDIAN;
	h->version = IAM_CACHE_VERSION;
	h->header_size = sizeof(*h);
	h->chunk_size = IAM_CACHE_CHUNK;
	h->serial = serial;
	h->created_at = created_at;
	h->file_size = p->total;
	h->nusers = (uint32_t)b->users.n;
	h->ngroups = (uint32_t)b->groups.n;
	for (i = 0; i < IAM_SEC_COUNT; i++) {
		h->sections[i].offset = p->offset[i];
		h->sections[i].size = p->size[i];
	}
	memcpy(image + p->offset[IAM_SEC_STRINGS], p->strings.bytes.items, p->strings.bytes.n);
}

int iam_cache_build(struct iam_cache_builder *b, uint64_t serial, int64_t created_at,
		    unsigned char **image, size_t *size, struct iam_err *err)
{
	struct plan p;
	int r;

	*image = NULL;
	memset(&p, 0, sizeof(p));
	r = sort_handles(b->users.n, b->users.items, cmp_user_uid, &p.user_order, &p.user_pos);
	if (r == 0)
		r = sort_handles(b->groups.n, b->groups.items, cmp_group_gid, &p.group_order,
				 &p.group_pos);
	if (r == 0)
		r = plan_strings(b, &p);
	if (r == 0)
		r = plan_links(b, &p);
	if (r == 0) {
		plan_layout(b, &p);
		if (p.total > IAM_CACHE_MAX_SIZE)
			r = -E2BIG;
		else if (!(*image = calloc(1, p.total)))
			r = -ENOMEM;
	}
	if (r == 0) {
		fill_header(b, &p, *image, serial, created_at);
		fill_users(b, &p, *image);
		fill_groups(b, &p, *image);
		iam_cache_seal(*image, p.total);
		*size = p.total;
	} else {
		iam_err_set(err, r == -E2BIG ? "the cache would exceed 4 GiB" : "out of memory "
			    "building the cache");
	}
	plan_free(&p);
	return r;
}

/* --- Files ------------------------------------------------------------ */

struct expect {
	const unsigned char *image;
	size_t size;
};

/* Maps what reached the disk and checks it is the image, byte for byte,
 * and a valid cache. */
static int read_back(int fd, void *ctx)
{
	const struct expect *e = ctx;
	struct iam_cache c;
	void *map;
	int ok;

	map = mmap(NULL, e->size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	ok = memcmp(map, e->image, e->size) == 0 && iam_cache_open(&c, map, e->size, NULL) == 0;
	if (ok) {
		ok = iam_cache_verify_all(&c, NULL) == 0;
		iam_cache_close(&c);
	}
	munmap(map, e->size);
	return ok ? 0 : -EIO;
}

int iam_cache_write_file(const char *path, const unsigned char *image, size_t size,
			 struct iam_err *err)
{
	struct expect e = { image, size };

	return iam_file_write_verified(path, image, size, 0644, read_back, &e, err);
}

int iam_cache_file_serial(const char *path, uint64_t *serial, struct iam_err *err)
{
	struct iam_cache c;
	struct stat st;
	void *map;
	int fd, r;

	*serial = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		iam_err_set(err, "cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > IAM_CACHE_MAX_SIZE) {
		close(fd);
		iam_err_set(err, "%s is not a cache file", path);
		return -EINVAL;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		iam_err_set(err, "cannot map %s: %s", path, strerror(errno));
		return -EIO;
	}
	r = iam_cache_open(&c, map, (size_t)st.st_size, err);
	if (r == 0 && (r = iam_cache_verify_all(&c, err)) == 0)
		*serial = c.h->serial;
	if (r < 0)
		iam_err_prefix(err, "%s", path);
	iam_cache_close(&c);
	munmap(map, (size_t)st.st_size);
	return r;
}
