#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
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

static uint32_t crc(const unsigned char *p, size_t n)
{
	return (uint32_t)crc32_z(crc32(0L, Z_NULL, 0), p, n);
}

static uint32_t header_crc(const struct iam_cache_header *h)
{
	struct iam_cache_header copy = *h;

	copy.header_checksum = 0;
	return crc((const unsigned char *)&copy, sizeof(copy));
}

/* --- Sealing (the writer, and tools that patch an image) --------------- */

int iam_cache_seal(unsigned char *image, size_t size)
{
	struct iam_cache_header *h = (struct iam_cache_header *)(void *)image;
	uint64_t start, end, off;
	uint32_t *table;
	size_t i;

	if (size < sizeof(*h) || h->chunk_size == 0 ||
	    h->sections[IAM_SEC_CHUNKS].offset > size ||
	    h->sections[IAM_SEC_CHUNKS].size > size - h->sections[IAM_SEC_CHUNKS].offset)
		return -EINVAL;
	start = h->sections[0].offset;
	end = h->sections[IAM_SEC_CHUNKS].offset;
	/* the checksummed data and the table after the header, the table
	 * aligned for its uint32_t entries: seal must never write the header
	 * it reads the layout from (found by fuzz/fuzz_cache) */
	if (start < sizeof(*h) || start > end || end % sizeof(uint32_t) != 0 ||
	    h->sections[IAM_SEC_CHUNKS].size / 4 < (end - start + h->chunk_size - 1) / h->chunk_size)
		return -EINVAL;
	table = (uint32_t *)(void *)(image + end);
	for (i = 0, off = start; off < end; i++, off += h->chunk_size)
		table[i] = crc(image + off, (size_t)(end - off < h->chunk_size ? end - off
									: h->chunk_size));
	h->chunks_checksum = crc(image + end, (size_t)h->sections[IAM_SEC_CHUNKS].size);
	h->header_checksum = header_crc(h);
	return 0;
}

/* --- Opening ----------------------------------------------------------- */

static int check_header(const struct iam_cache_header *h, size_t size, struct iam_err *err)
{
	if (memcmp(h->magic, IAM_CACHE_MAGIC, sizeof(h->magic)) != 0) {
		iam_err_set(err, "not an iam NSS cache (bad magic)");
		return -EINVAL;
	}
	if (h->endian != IAM_CACHE_ENDIAN) {
		int foreign = h->endian == __builtin_bswap32(IAM_CACHE_ENDIAN);

		iam_err_set(err, foreign ? "cache written on a machine of the other byte order"
					 : "bad byte-order marker");
		return foreign ? -EPROTO : -EINVAL;
	}
	if (h->version != IAM_CACHE_VERSION) {
		iam_err_set(err, "cache format version %u, this reader knows %u", h->version,
			    IAM_CACHE_VERSION);
		return -ENOTSUP;
	}
	if (h->header_checksum != header_crc(h)) {
		iam_err_set(err, "cache header checksum mismatch (corrupt file)");
		return -EINVAL;
	}
	if (h->header_size != sizeof(*h) || h->file_size != size || h->chunk_size < 4096 ||
	    h->chunk_size > (16u << 20)) {
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
	[IAM_SEC_CHUNKS] = sizeof(uint32_t),
};

/* Every section inside the data area, CHUNKS right after it, nothing after
 * CHUNKS. */
static int check_sections(const struct iam_cache_header *h, struct iam_err *err)
{
	uint64_t data_start = h->sections[0].offset, data_end = h->sections[IAM_SEC_CHUNKS].offset;
	int i;

	for (i = 0; i < IAM_SEC_COUNT; i++) {
		uint64_t off = h->sections[i].offset, len = h->sections[i].size;

		if (off % 8 || off < h->header_size || off > h->file_size ||
		    len > h->file_size - off || len % record_size[i] ||
		    (i < IAM_SEC_CHUNKS && (off < data_start || off + len > data_end))) {
			iam_err_set(err, "cache section %d lies outside its area or is misaligned", i);
			return -EINVAL;
		}
	}
	if (data_end + h->sections[IAM_SEC_CHUNKS].size != h->file_size ||
	    h->sections[IAM_SEC_CHUNKS].size / 4 !=
	    (data_end - data_start + h->chunk_size - 1) / h->chunk_size) {
		iam_err_set(err, "cache chunk table does not cover the data");
		return -EINVAL;
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
	c->data_start = h->sections[0].offset;
	c->data_end = h->sections[IAM_SEC_CHUNKS].offset;
	c->chunk_crc = SECTION(c, IAM_SEC_CHUNKS, uint32_t);
	c->nchunks = h->sections[IAM_SEC_CHUNKS].size / 4;
	r = check_index(c, 0, IAM_SEC_IDX_USER_NAME, h->nusers, err);
	if (r == 0)
		r = check_index(c, 1, IAM_SEC_IDX_UID, h->nusers, err);
	if (r == 0)
		r = check_index(c, 2, IAM_SEC_IDX_GROUP_NAME, h->ngroups, err);
	if (r == 0)
		r = check_index(c, 3, IAM_SEC_IDX_GID, h->ngroups, err);
	return r;
}

/* The chunk bitmap and the corrupt flag live in one block after it. */
static int alloc_state(struct iam_cache *c)
{
	size_t bytes = (c->nchunks + 7) / 8;
	unsigned char *block = calloc(1, sizeof(int) + bytes + 1);

	if (!block)
		return -ENOMEM;
	c->corrupt = (int *)(void *)block;
	c->checked = block + sizeof(int);
	return 0;
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
	if (r == 0 && crc(c->base + c->h->sections[IAM_SEC_CHUNKS].offset,
			  (size_t)c->h->sections[IAM_SEC_CHUNKS].size) != c->h->chunks_checksum) {
		iam_err_set(err, "cache chunk table checksum mismatch (corrupt file)");
		r = -EINVAL;
	}
	if (r == 0)
		r = map_sections(c, err);
	if (r == 0 && (r = alloc_state(c)) < 0)
		iam_err_set(err, "out of memory");
	if (r < 0)
		memset(c, 0, sizeof(*c));
	return r;
}

void iam_cache_close(struct iam_cache *c)
{
	free(c->corrupt);
	memset(c, 0, sizeof(*c));
}

/* --- Checking chunks as they are read --------------------------------- */

static int chunk_ok(const struct iam_cache *c, size_t i)
{
	unsigned char bit = (unsigned char)(1u << (i % 8));
	uint64_t off, len;

	if (__atomic_load_n(&c->checked[i / 8], __ATOMIC_ACQUIRE) & bit)
		return 1;
	off = c->data_start + (uint64_t)i * c->h->chunk_size;
	len = c->data_end - off < c->h->chunk_size ? c->data_end - off : c->h->chunk_size;
	if (crc(c->base + off, (size_t)len) != c->chunk_crc[i]) {
		__atomic_store_n(c->corrupt, 1, __ATOMIC_RELAXED);
		return 0;
	}
	/* two threads may both check a chunk; the result is the same */
	__atomic_fetch_or(&c->checked[i / 8], bit, __ATOMIC_RELEASE);
	return 1;
}

/* Whether bytes [off, off + len) of the file lie in the data area and
 * their chunks match their checksums. */
static int checked(const struct iam_cache *c, uint64_t off, uint64_t len)
{
	size_t i, last;

	if (!c->checked || off < c->data_start || off > c->data_end || len > c->data_end - off)
		return 0;
	if (len == 0)
		return 1;
	i = (size_t)((off - c->data_start) / c->h->chunk_size);
	last = (size_t)((off + len - 1 - c->data_start) / c->h->chunk_size);
	for (; i <= last; i++)
		if (!chunk_ok(c, i))
			return 0;
	return 1;
}

int iam_cache_verify_all(const struct iam_cache *c, struct iam_err *err)
{
	if (!checked(c, c->data_start, c->data_end - c->data_start)) {
		iam_err_set(err, "cache data checksum mismatch (corrupt file)");
		return -EINVAL;
	}
	return 0;
}

int iam_cache_corrupt(const struct iam_cache *c)
{
	return c->corrupt && __atomic_load_n(c->corrupt, __ATOMIC_RELAXED);
}

#define OFFSET_OF(c, p) ((uint64_t)((const unsigned char *)(p) - (c)->base))

const char *iam_cache_str(const struct iam_cache *c, uint32_t off)
{
	const char *s;

	if (off >= c->strings_size)
		return NULL;
	s = c->strings + off;
	return checked(c, OFFSET_OF(c, s), strlen(s) + 1) ? s : NULL;
}

const struct iam_cache_user *iam_cache_user(const struct iam_cache *c, size_t i)
{
	if (!c->h || i >= c->h->nusers || !checked(c, OFFSET_OF(c, &c->users[i]), sizeof(c->users[i])))
		return NULL;
	return &c->users[i];
}

const struct iam_cache_group *iam_cache_group(const struct iam_cache *c, size_t i)
{
	if (!c->h || i >= c->h->ngroups ||
	    !checked(c, OFFSET_OF(c, &c->groups[i]), sizeof(c->groups[i])))
		return NULL;
	return &c->groups[i];
}

/* --- Lookups ------------------------------------------------------------ */

/* Probes a table; match() decides whether record i is the one. At most
 * one pass over the table, whatever the file holds. */
static long probe(const struct iam_cache *c, int which, uint32_t hash,
		  int (*match)(const struct iam_cache *c, uint32_t i, const void *key),
		  const void *key)
{
	uint32_t mask = c->idx_mask[which], slot = hash & mask, n;

	if (!c->idx[which])
		return -1;
	for (n = 0; n <= mask; n++, slot = (slot + 1) & mask) {
		const uint32_t *v = &c->idx[which][slot];

		if (!checked(c, OFFSET_OF(c, v), sizeof(*v)) || *v == 0)
			return -1;
		if (match(c, *v - 1, key))
			return (long)(*v - 1);
	}
	return -1;
}

static int user_name_is(const struct iam_cache *c, uint32_t i, const void *key)
{
	const struct iam_cache_user *u = iam_cache_user(c, i);
	const char *s = u ? iam_cache_str(c, u->name) : NULL;

	return s && strcmp(s, key) == 0;
}

static int uid_is(const struct iam_cache *c, uint32_t i, const void *key)
{
	const struct iam_cache_user *u = iam_cache_user(c, i);

	return u && u->uid == *(const uint32_t *)key;
}

static int group_name_is(const struct iam_cache *c, uint32_t i, const void *key)
{
	const struct iam_cache_group *g = iam_cache_group(c, i);
	const char *s = g ? iam_cache_str(c, g->name) : NULL;

	return s && strcmp(s, key) == 0;
}

static int gid_is(const struct iam_cache *c, uint32_t i, const void *key)
{
	const struct iam_cache_group *g = iam_cache_group(c, i);

	return g && g->gid == *(const uint32_t *)key;
}

long iam_cache_find_user(const struct iam_cache *c, const char *name)
{
	return probe(c, 0, iam_cache_hash_name(name), user_name_is, name);
}

long iam_cache_find_uid(const struct iam_cache *c, uint32_t uid)
{
	return probe(c, 1, iam_cache_hash_id(uid), uid_is, &uid);
}

long iam_cache_find_group(const struct iam_cache *c, const char *name)
{
	return probe(c, 2, iam_cache_hash_name(name), group_name_is, name);
}

long iam_cache_find_gid(const struct iam_cache *c, uint32_t gid)
{
	return probe(c, 3, iam_cache_hash_id(gid), gid_is, &gid);
}

static const struct iam_cache_member *slice(const struct iam_cache *c,
					    const struct iam_cache_member *base, size_t total,
					    uint32_t first, uint32_t count, size_t *n)
{
	*n = 0;
	if (first > total || count > total - first ||
	    !checked(c, OFFSET_OF(c, base + first), (uint64_t)count * sizeof(*base)))
		return NULL;
	*n = count;
	return base + first;
}

const struct iam_cache_member *iam_cache_group_members(const struct iam_cache *c,
						       const struct iam_cache_group *g,
						       size_t *n)
{
	return slice(c, c->members, c->nmembers, g->members_first, g->members_count, n);
}

const struct iam_cache_member *iam_cache_user_groups(const struct iam_cache *c,
						     const struct iam_cache_user *u, size_t *n)
{
	return slice(c, c->user_groups, c->nuser_groups, u->groups_first, u->groups_count, n);
}
