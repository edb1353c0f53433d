#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <zlib.h>

#include "cache.h"

uint32_t iam_cache_hash_name(const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *name; name++) {
		h ^= (unsigned char)*name;
		h *= 16777619u;
	}
	return h;
}

uint32_t iam_cache_hash_id(uint32_t id)
{
	/* MurmurHash3's finaliser: consecutive ids spread over the table */
	id ^= id >> 16;
	id *= 0x85ebca6bu;
	id ^= id >> 13;
	id *= 0xc2b2ae35u;
	id ^= id >> 16;
	return id;
}

static uint32_t checksum(const unsigned char *data, size_t size)
{
	static const unsigned char zero[4];
	size_t at = offsetof(struct iam_cache_header, checksum);
	uLong crc = crc32(0L, Z_NULL, 0);

	crc = crc32_z(crc, data, at);
	crc = crc32_z(crc, zero, sizeof(zero));
	crc = crc32_z(crc, data + at + 4, size - at - 4);
	return (uint32_t)crc;
}

uint32_t iam_cache_checksum(const unsigned char *data, size_t size)
{
	return checksum(data, size);
}

static int check_header(const struct iam_cache_header *h, size_t size, struct iam_err *err)
{
	if (memcmp(h->magic, IAM_CACHE_MAGIC, sizeof(h->magic)) != 0) {
		iam_err_set(err, "not an iam NSS cache (bad magic)");
		return -EINVAL;
	}
	if (h->endian != IAM_CACHE_ENDIAN) {
		iam_err_set(err, h->endian == __builtin_bswap32(IAM_CACHE_ENDIAN)
			    ? "cache written on a machine of the other byte order"
			    : "bad byte-order marker");
		return h->endian == __builtin_bswap32(IAM_CACHE_ENDIAN) ? -EPROTO : -EINVAL;
	}
	if (h->version != IAM_CACHE_VERSION) {
		iam_err_set(err, "cache format version %u, this reader knows %u", h->version,
			    IAM_CACHE_VERSION);
		return -ENOTSUP;
	}
	if (h->header_size < sizeof(*h) || h->header_size > size || h->file_size != size) {
		iam_err_set(err, "cache is truncated or its header is inconsistent");
		return -EINVAL;
	}
	return 0;
}

static const size_t record_size[IAM_SEC_COUNT] = {
	[IAM_SEC_STRINGS] = 1,
	[IAM_SEC_USERS] = sizeof(struct iam_cache_user),
	[IAM_SEC_GROUPS] = sizeof(struct iam_cache_group),
	[IAM_SEC_MEMBERS] = sizeof(struct iam_cache_member),
	[IAM_SEC_USER_GROUPS] = sizeof(struct iam_cache_member),
	[IAM_SEC_IDX_USER_NAME] = sizeof(uint32_t),
	[IAM_SEC_IDX_UID] = sizeof(uint32_t),
	[IAM_SEC_IDX_GROUP_NAME] = sizeof(uint32_t),
	[IAM_SEC_IDX_GID] = sizeof(uint32_t),
};

static int check_sections(const struct iam_cache_header *h, struct iam_err *err)
{
	int i;

	for (i = 0; i < IAM_SEC_COUNT; i++) {
		uint64_t off = h->sections[i].offset, len = h->sections[i].size;

		if (off % 8 || off < h->header_size || off > h->file_size ||
		    len > h->file_size - off || len % record_size[i]) {
			iam_err_set(err, "cache section %d lies outside the file or is misaligned", i);
			return -EINVAL;
		}
	}
	if (h->sections[IAM_SEC_USERS].size != (uint64_t)h->nusers * sizeof(struct iam_cache_user) ||
	    h->sections[IAM_SEC_GROUPS].size != (uint64_t)h->ngroups * sizeof(struct iam_cache_group)) {
		iam_err_set(err, "cache record counts do not match their sections");
		return -EINVAL;
	}
	return 0;
}

/* A table of 2^k slots with room to spare, so that every probe ends. */
static int check_index(struct iam_cache *c, int which, enum iam_cache_section sec,
		       uint32_t records, struct iam_err *err)
{
	uint64_t slots = c->h->sections[sec].size / sizeof(uint32_t);

	if (slots == 0 || (slots & (slots - 1)) || slots <= records || slots > (1ULL << 31)) {
		iam_err_set(err, "cache index %d has a bad size", which);
		return -EINVAL;
	}
	c->idx[which] = (const uint32_t *)(const void *)(c->base + c->h->sections[sec].offset);
	c->idx_mask[which] = (uint32_t)(slots - 1);
	return 0;
}

#define SECTION(c, sec, type) \
	((const type *)(const void *)((c)->base + (c)->h->sections[sec].offset))

static int map_sections(struct iam_cache *c, struct iam_err *err)
{
	const struct iam_cache_header *h = c->h;
	int r;

	c->strings = SECTION(c, IAM_SEC_STRINGS, char);
	c->strings_size = h->sections[IAM_SEC_STRINGS].size;
	/* The section ends with a NUL, so every offset inside it starts a
	 * string that ends inside it. */
	if (c->strings_size == 0 || c->strings[c->strings_size - 1] != '\0') {
		iam_err_set(err, "cache strings are not terminated");
		return -EINVAL;
	}
	c->users = SECTION(c, IAM_SEC_USERS, struct iam_cache_user);
	c->groups = SECTION(c, IAM_SEC_GROUPS, struct iam_cache_group);
	c->members = SECTION(c, IAM_SEC_MEMBERS, struct iam_cache_member);
	c->nmembers = h->sections[IAM_SEC_MEMBERS].size / sizeof(struct iam_cache_member);
	c->user_groups = SECTION(c, IAM_SEC_USER_GROUPS, struct iam_cache_member);
	c->nuser_groups = h->sections[IAM_SEC_USER_GROUPS].size / sizeof(struct iam_cache_member);
	r = check_index(c, 0, IAM_SEC_IDX_USER_NAME, h->nusers, err);
	if (r == 0)
		r = check_index(c, 1, IAM_SEC_IDX_UID, h->nusers, err);
	if (r == 0)
		r = check_index(c, 2, IAM_SEC_IDX_GROUP_NAME, h->ngroups, err);
	if (r == 0)
		r = check_index(c, 3, IAM_SEC_IDX_GID, h->ngroups, err);
	return r;
}

int iam_cache_open(struct iam_cache *c, const void *data, size_t size, struct iam_err *err)
{
	int r;

	memset(c, 0, sizeof(*c));
	if (!data || size < sizeof(struct iam_cache_header) || size > IAM_CACHE_MAX_SIZE ||
	    ((uintptr_t)data % 8) != 0) {
		iam_err_set(err, "cache is too small, too large or misaligned");
		return -EINVAL;
	}
	c->base = data;
	c->size = size;
	c->h = data;
	r = check_header(c->h, size, err);
	if (r == 0)
		r = check_sections(c->h, err);
	if (r == 0 && checksum(c->base, size) != c->h->checksum) {
		iam_err_set(err, "cache checksum mismatch (corrupt file)");
		r = -EINVAL;
	}
	if (r == 0)
		r = map_sections(c, err);
	if (r < 0)
		memset(c, 0, sizeof(*c));
	return r;
}

const char *iam_cache_str(const struct iam_cache *c, uint32_t off)
{
	return off < c->strings_size ? c->strings + off : NULL;
}

/* Probes a table; match() decides whether record i is the one. At most
 * one pass over the table, whatever the file holds. */
static long probe(const struct iam_cache *c, int which, uint32_t hash, uint32_t nrecords,
		  int (*match)(const struct iam_cache *c, uint32_t i, const void *key),
		  const void *key)
{
	uint32_t mask = c->idx_mask[which], slot = hash & mask, n;

	if (!c->idx[which])
		return -1;
	for (n = 0; n <= mask; n++, slot = (slot + 1) & mask) {
		uint32_t v = c->idx[which][slot];

		if (v == 0)
			return -1;
		if (v <= nrecords && match(c, v - 1, key))
			return (long)(v - 1);
	}
	return -1;
}

static int user_name_is(const struct iam_cache *c, uint32_t i, const void *key)
{
	const char *s = iam_cache_str(c, c->users[i].name);

	return s && strcmp(s, key) == 0;
}

static int uid_is(const struct iam_cache *c, uint32_t i, const void *key)
{
	return c->users[i].uid == *(const uint32_t *)key;
}

static int group_name_is(const struct iam_cache *c, uint32_t i, const void *key)
{
	const char *s = iam_cache_str(c, c->groups[i].name);

	return s && strcmp(s, key) == 0;
}

static int gid_is(const struct iam_cache *c, uint32_t i, const void *key)
{
	return c->groups[i].gid == *(const uint32_t *)key;
}

long iam_cache_find_user(const struct iam_cache *c, const char *name)
{
	return probe(c, 0, iam_cache_hash_name(name), c->h ? c->h->nusers : 0, user_name_is, name);
}

long iam_cache_find_uid(const struct iam_cache *c, uint32_t uid)
{
	return probe(c, 1, iam_cache_hash_id(uid), c->h ? c->h->nusers : 0, uid_is, &uid);
}

long iam_cache_find_group(const struct iam_cache *c, const char *name)
{
	return probe(c, 2, iam_cache_hash_name(name), c->h ? c->h->ngroups : 0, group_name_is,
		     name);
}

long iam_cache_find_gid(const struct iam_cache *c, uint32_t gid)
{
	return probe(c, 3, iam_cache_hash_id(gid), c->h ? c->h->ngroups : 0, gid_is, &gid);
}

static const struct iam_cache_member *slice(const struct iam_cache_member *base, size_t total,
					    uint32_t first, uint32_t count, size_t *n)
{
	*n = 0;
	if (first > total || count > total - first)
		return NULL;
	*n = count;
	return base + first;
}

const struct iam_cache_member *iam_cache_group_members(const struct iam_cache *c,
						       const struct iam_cache_group *g,
						       size_t *n)
{
	return slice(c->members, c->nmembers, g->members_first, g->members_count, n);
}

const struct iam_cache_member *iam_cache_user_groups(const struct iam_cache *c,
						     const struct iam_cache_user *u, size_t *n)
{
	return slice(c->user_groups, c->nuser_groups, u->groups_first, u->groups_count, n);
}
