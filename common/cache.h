/*
 * The NSS cache: one binary file (default /var/lib/iam/nss.cache) that iamd
 * writes from the endpoint's signed snapshot and libnss_iam.so.2 maps
 * read-only in every process that looks up a user. It holds no secrets.
 *
 * Layout, all integers in the writer's byte order (a reader on the other
 * order sees a wrong endian marker and refuses the file):
 *
 *   header        struct iam_cache_header, then padding to 8
 *   sections      each 8-byte aligned, offsets and sizes in the header:
 *     STRINGS       NUL-terminated strings; records refer to them by offset
 *     USERS         struct iam_cache_user[nusers], sorted by uid
 *     GROUPS        struct iam_cache_group[ngroups], sorted by gid
 *     MEMBERS       struct iam_cache_member[]: each group's members (index
 *                   into USERS), a slice per group
 *     USER_GROUPS   struct iam_cache_member[]: each user's groups (index
 *                   into GROUPS), a slice per user, for initgroups
 *     IDX_*         open-addressing hash tables of uint32_t slots (a power
 *                   of two of them, at most half full): record index + 1,
 *                   0 for an empty slot; linear probing
 *
 * A membership may carry an end time (`until`, Unix seconds; 0 for none):
 * it exists only while the reader's clock is before it, so a JIT group
 * membership ends on time even if iamd is dead.
 *
 * Checksums (CRC-32, zlib): one over the header, one over the CHUNKS
 * section, and in CHUNKS one per 64 KiB chunk of the data between the
 * header and CHUNKS (which comes last). A reader checks the header and the
 * chunk table when it maps the file, and each data chunk the first time it
 * reads from it, so a process pays only for what it looks at (a lookup in
 * a million-user cache touches a handful of chunks) and a corrupt chunk is
 * never used. Every offset and index is also checked on every access, so a
 * hostile file can make a lookup fail but never read out of bounds.
 */
#ifndef IAM_CACHE_H
#define IAM_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "iam_error.h"

#define IAM_CACHE_MAGIC "IAMNSSc\n"
#define IAM_CACHE_VERSION 1u
#define IAM_CACHE_ENDIAN 0x01020304u
#define IAM_CACHE_MAX_SIZE (4ULL << 30)

enum iam_cache_section {
	IAM_SEC_STRINGS,
	IAM_SEC_USERS,
	IAM_SEC_GROUPS,
	IAM_SEC_MEMBERS,
	IAM_SEC_USER_GROUPS,
	IAM_SEC_IDX_USER_NAME,
	IAM_SEC_IDX_UID,
	IAM_SEC_IDX_GROUP_NAME,
	IAM_SEC_IDX_GID,
	IAM_SEC_CHUNKS,      /* uint32_t CRC per data chunk; always last */
	IAM_SEC_COUNT
};

#define IAM_CACHE_CHUNK 65536u

struct iam_cache_header {
	char magic[8];
	uint32_t endian;
	uint32_t version;
	uint32_t header_size;
	uint32_t header_checksum;  /* of the header, this field counted as 0 */
	uint32_t chunk_size;
	uint32_t chunks_checksum;  /* of the CHUNKS section */
	uint64_t serial;
	int64_t created_at;
	uint64_t file_size;
	uint32_t nusers;
	uint32_t ngroups;
	struct {
		uint64_t offset;
		uint64_t size;
	} sections[IAM_SEC_COUNT];
};

#define IAM_CACHE_USER_DISABLED 0x1u

struct iam_cache_user {
	uint32_t name, gecos, home, shell;  /* string offsets */
	uint32_t uid, gid;
	uint32_t flags;
	uint32_t groups_first, groups_count; /* slice of USER_GROUPS */
	uint32_t reserved;
};

struct iam_cache_group {
	uint32_t name;                       /* string offset */
	uint32_t gid;
	uint32_t members_first, members_count; /* slice of MEMBERS */
};

struct iam_cache_member {
	uint32_t index;    /* into USERS (MEMBERS) or GROUPS (USER_GROUPS) */
	uint32_t reserved;
	int64_t until;     /* 0: no end */
};

/* --- Reading -------------------------------------------------------- */

/* A validated view of a cache image in memory (usually an mmap), with the
 * process's record of which chunks it has checked. */
struct iam_cache {
	const unsigned char *base;
	size_t size;
	const struct iam_cache_header *h;
	const char *strings;
	size_t strings_size;
	const struct iam_cache_user *users;
	const struct iam_cache_group *groups;
	const struct iam_cache_member *members;
	size_t nmembers;
	const struct iam_cache_member *user_groups;
	size_t nuser_groups;
	const uint32_t *idx[4];   /* user name, uid, group name, gid */
	uint32_t idx_mask[4];     /* slots - 1 */
	uint64_t data_start, data_end;
	const uint32_t *chunk_crc;
	size_t nchunks;
	unsigned char *checked;   /* a bit per chunk, set once its CRC matched */
	int *corrupt;             /* set when a chunk did not match */
};

/* Checks the header, the section table and the chunk table. 0, or -EINVAL
 * (-EPROTO for a foreign byte order, -ENOTSUP for another version) with a
 * reason in err, -ENOMEM. Never reads outside [data, data + size). The
 * accessors below may be called from many threads at once. */
int iam_cache_open(struct iam_cache *c, const void *data, size_t size, struct iam_err *err);
void iam_cache_close(struct iam_cache *c);

/* A cache file mapped read-only and checked whole (cache_file.c): for
 * programs that read it once, not for the NSS module's long-lived map.
 * Messages do not name the path: callers add it. */
struct iam_cache_map {
	void *map;
	size_t size;
	struct iam_cache c;
};
int iam_cache_map(const char *path, struct iam_cache_map *m, struct iam_err *err);
void iam_cache_unmap(struct iam_cache_map *m);
/* Checks every chunk now (writers reading back, cache-check). */
int iam_cache_verify_all(const struct iam_cache *c, struct iam_err *err);
/* Whether a chunk has failed its check in this process. */
int iam_cache_corrupt(const struct iam_cache *c);

/* A string of the strings section, or NULL if off does not start a string
 * that ends inside the section or its bytes fail their check. */
const char *iam_cache_str(const struct iam_cache *c, uint32_t off);
/* Record i, checked, or NULL. */
const struct iam_cache_user *iam_cache_user(const struct iam_cache *c, size_t i);
const struct iam_cache_group *iam_cache_group(const struct iam_cache *c, size_t i);
/* Record index of a user or group, or -1. */
long iam_cache_find_user(const struct iam_cache *c, const char *name);
long iam_cache_find_uid(const struct iam_cache *c, uint32_t uid);
long iam_cache_find_group(const struct iam_cache *c, const char *name);
long iam_cache_find_gid(const struct iam_cache *c, uint32_t gid);
/* The slice of members or of a user's groups, or NULL (n = 0) when the
 * record's slice does not lie inside its section. */
const struct iam_cache_member *iam_cache_group_members(const struct iam_cache *c,
						       const struct iam_cache_group *g,
						       size_t *n);
const struct iam_cache_member *iam_cache_user_groups(const struct iam_cache *c,
						     const struct iam_cache_user *u, size_t *n);

/* Whether a membership exists at `now`. */
static inline int iam_cache_member_active(const struct iam_cache_member *m, time_t now)
{
	return m->until == 0 || (int64_t)now < m->until;
}

/* Recomputes every checksum of an image: for the writer, and for tools and
 * tests that patch an image and must seal it again. 0, or -EINVAL when the
 * header does not describe the image. */
int iam_cache_seal(unsigned char *image, size_t size);

uint32_t iam_cache_hash_name(const char *name);
uint32_t iam_cache_hash_id(uint32_t id);

/* --- Writing -------------------------------------------------------- */

struct iam_cache_builder;

struct iam_cache_builder *iam_cache_builder_new(void);
void iam_cache_builder_free(struct iam_cache_builder *b);
/* Returns the user's handle (>= 0), or -EEXIST for a name or uid already
 * added, -EINVAL for a field a passwd line could not hold, -ENOMEM. */
long iam_cache_add_user(struct iam_cache_builder *b, const char *name, uint32_t uid,
			uint32_t gid, const char *gecos, const char *home, const char *shell,
			uint32_t flags);
long iam_cache_add_group(struct iam_cache_builder *b, const char *name, uint32_t gid);
/* until 0: a static membership. A second membership of the same user in
 * the same group keeps the later end (0 counts as latest). */
int iam_cache_add_member(struct iam_cache_builder *b, long group, long user, int64_t until);
long iam_cache_user_handle(const struct iam_cache_builder *b, const char *name);

/* The whole image in memory (malloc'd; the caller frees it). */
int iam_cache_build(struct iam_cache_builder *b, uint64_t serial, int64_t created_at,
		    unsigned char **image, size_t *size, struct iam_err *err);
/* Writes the image to a temporary file next to path (mode 0644), fsyncs
 * it, reads it back and checks it, and renames it into place; the old file
 * stays in place on any failure. */
int iam_cache_write_file(const char *path, const unsigned char *image, size_t size,
			 struct iam_err *err);

/* The serial of the cache at path (0 if it does not exist), after a full
 * check; -errno if it exists but is not a valid cache. */
int iam_cache_file_serial(const char *path, uint64_t *serial, struct iam_err *err);

#endif
