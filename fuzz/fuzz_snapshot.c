/*
 * iamd's snapshot verification and mapping (iamd/snapshot.c, included
 * here with localnames.c: iamd is a program, not a library) as iamd/sync.c drives them:
 * snapshot_open (Ed25519 signature over the exact payload, then the strict
 * header mapping), snapshot_fill into a cache builder, iam_cache_build,
 * and iam_cache_open of the image it made.
 *
 * A key pair is made once. Byte 0 of the input picks the signature: most
 * inputs are signed with the key, so that the parser behind the signature
 * gets fuzzed; the others carry a signature with one bit flipped, the
 * signature of another text, the first line of the input as the
 * signature text, or none. Only a valid signature may ever reach the
 * parser; what maps must build an image that opens and holds exactly the
 * users and groups counted.
 */
#include "../iamd/snapshot.c"
#include "../iamd/localnames.c"

#include <stdint.h>

#include "fuzz.h"

static EVP_PKEY *key;

/* The host's own names (sorted, as name_set_load leaves them). */
static char *local_user_names[] = { "bin", "daemon", "root", "sshd" };
static char *local_group_names[] = { "adm", "root", "sudo", "wheel" };
static const struct name_set local_users = { NULL, local_user_names, 4 };
static const struct name_set local_groups = { NULL, local_group_names, 4 };

static void build_and_open(const struct snapshot *s, const struct snapshot_filter *f)
{
	struct iam_cache_builder *b = iam_cache_builder_new();
	struct snapshot_counts counts;
	struct iam_err err = { "" };
	unsigned char *image = NULL;
	struct iam_cache c;
	size_t size = 0;
	int r;

	FUZZ_CHECK(b != NULL);
	r = snapshot_fill(s, f, b, &counts, &err);
	FUZZ_CHECK(r == 0 || r == -EBADMSG);
	if (r == 0) {
		FUZZ_CHECK(counts.users <= json_object_array_length(s->users));
		FUZZ_CHECK(counts.groups <= json_object_array_length(s->groups));
		r = iam_cache_build(b, (uint64_t)s->serial, s->generated_at, &image, &size, &err);
		FUZZ_CHECK(r == 0);
		FUZZ_CHECK(iam_cache_open(&c, image, size, &err) == 0);
		FUZZ_CHECK(c.h->nusers == counts.users && c.h->ngroups == counts.groups);
		FUZZ_CHECK(c.nmembers <= counts.members);
		FUZZ_CHECK(iam_cache_find_user(&c, "root") < 0);
		FUZZ_CHECK(iam_cache_find_group(&c, "wheel") < 0);
		iam_cache_close(&c);
		free(image);
	}
	iam_cache_builder_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iam_err err = { "" };
	char sig[IAM_SIGN_SIG_B64 + 16], *payload, *text, *nl;
	struct snapshot_filter f = { 200000, 499999, &local_users, &local_groups };
	struct snapshot s;
	int mode, signed_ok = 0, r;

	if (!key)
		FUZZ_CHECK(iam_sign_keygen(&key, &err) == 0);
	if (size < 1)
		return 0;
	mode = data[0];
	/* sync.c hands over the payload as a C string */
	text = fuzz_cstring(data + 1, size - 1);
	payload = text;
	switch (mode % 8) {
	case 4: /* a bit flipped */
		FUZZ_CHECK(iam_sign(key, payload, strlen(payload), sig, &err) == 0);
		sig[(mode >> 3) % 86] ^= 0x01;
		break;
	case 5: /* the signature of another text */
		FUZZ_CHECK(iam_sign(key, "{}", 2, sig, &err) == 0);
		break;
	case 6: /* the first line is the signature */
		nl = strchr(text, '\n');
		snprintf(sig, sizeof(sig), "%.*s", nl ? (int)(nl - text) : 0, text);
		payload = nl ? nl + 1 : text;
		break;
	case 7:
		sig[0] = '\0';
		break;
	default:
		FUZZ_CHECK(iam_sign(key, payload, strlen(payload), sig, &err) == 0);
		signed_ok = 1;
		if (mode & 0x80)
			f.id_min = 0, f.id_max = UINT32_MAX;
		break;
	}
	r = snapshot_open(payload, strlen(payload), sig, key, &s, &err);
	if (!signed_ok && mode % 8 != 6)
		FUZZ_CHECK(r == SNAPSHOT_BAD_SIGNATURE);
	if (r == 0) {
		FUZZ_CHECK(s.doc && s.format == 1 && s.host && s.users && s.groups);
		build_and_open(&s, &f);
		snapshot_close(&s);
	} else {
		FUZZ_CHECK(r == SNAPSHOT_BAD_SIGNATURE || r == -EBADMSG || r == -ENOMEM);
		FUZZ_CHECK(s.doc == NULL && s.host == NULL);
	}
	free(text);
	return 0;
}
