/*
 * pam_jit's offline signed grants (pam_jit/pj_offline.c, included here with
 * pi_log_kv stubbed: nothing else of PAM is needed). pj_offline_keep writes
 * the grant file as an online allow would, into a private temporary
 * grant_dir; pj_offline_grant then loads, splits, verifies, maps and judges
 * it (validity, time window and zone, networks) for an origin and a time
 * the input picks; pj_grant_group reads the group out of the document.
 *
 * Byte 0 picks the file: most inputs are a document signed with a key made
 * once (so that the mapping and the judging behind the signature are
 * fuzzed); others flip a bit of the signature, or are the whole file
 * text. Byte 1 picks now and the origin. A grant may only be honoured with
 * a valid signature, for this user and role, with now in
 * [not_before, not_after).
 */
#include "../pam_jit/pj_offline.c"

#include <stdint.h>

#include "fuzz.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char dir[64], path[128], pub[IAM_SIGN_PUB_B64];
static EVP_PKEY *key;

/* The module's log lines, on stderr with FUZZ_VERBOSE set (to see why a
 * reproducer is refused). */
void pi_log_kv(struct pi *pi, int prio, const char *event, const char *const *kv)
{
	size_t i;

	(void)pi;
	if (!getenv("FUZZ_VERBOSE"))
		return;
	fprintf(stderr, "<%d> event=%s", prio, event);
	for (i = 0; kv[i]; i += 2)
		fprintf(stderr, " %s=\"%s\"", kv[i], kv[i + 1] ? kv[i + 1] : "-");
	fprintf(stderr, "\n");
}

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

static void setup(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	struct iam_err err = { "" };

	snprintf(dir, sizeof(dir), "%s/fuzz-grant-XXXXXX", base);
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/alice.dbadmin", dir);
	FUZZ_CHECK(iam_sign_keygen(&key, &err) == 0);
	FUZZ_CHECK(iam_sign_pubkey_b64(key, pub) == 0);
	atexit(cleanup);
}

static const time_t nows[] = { 1764403000, 1764400000, 1764407099, 1764407100, 0, -1,
			       1700000000, 253402300799LL };
static const char *const origins[] = { "10.1.2.3", "", "192.168.7.7", "2001:db8::5",
				       "::ffff:10.1.2.3", "not an address" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pj_args args = { .offline = PJ_OFFLINE_GRANT };
	struct iam_decision d = { 0 };
	struct iam_err err = { "" };
	struct pj_grant out;
	struct pi pi;
	char sig[IAM_SIGN_SIG_B64], group[IAM_NAME_MAX + 1], *doc;
	const char *origin;
	int mode, honoured, signed_ok = 0;
	time_t now;

	if (!key)
		setup();
	if (size < 2)
		return 0;
	mode = data[0];
	now = nows[data[1] % N(nows)];
	origin = origins[(data[1] / N(nows)) % N(origins)];
	doc = fuzz_cstring(data + 2, size - 2);
	memset(&pi, 0, sizeof(pi));
	pi.args = &args;
	pi.user = "alice";
	pi.cfg.grant_dir = dir;
	pi.cfg.snapshot_pubkey = pub;

	unlink(path);
	if (mode % 4 == 3) {
		/* the whole file, as found on disk */
		FUZZ_CHECK(iam_file_write_atomic(path, data + 2, size - 2, 0600, &err) == 0);
	} else {
		FUZZ_CHECK(iam_sign(key, doc, strlen(doc), sig, &err) == 0);
		if (mode % 4 == 2)
			sig[(mode >> 2) % 86] ^= 0x01;
		else
			signed_ok = 1;
		d.document = doc;
		d.signature = sig;
		pj_offline_keep(&pi, "dbadmin", &d);
		/* the same again: nothing changes on disk */
		pj_offline_keep(&pi, "dbadmin", &d);
	}
	memset(&out, 0xa5, sizeof(out));
	honoured = pj_offline_grant(&pi, "dbadmin", origin, now, &out);
	FUZZ_CHECK(honoured == 0 || honoured == 1);
	if (honoured) {
		/* a file of the fuzzer's own making cannot carry a signature
		 * of this key, unless it copied one of ours: it has none */
		FUZZ_CHECK(signed_ok);
		FUZZ_CHECK(out.offline == 1 && strcmp(out.role, "dbadmin") == 0);
		FUZZ_CHECK(strcmp(out.origin, origin) == 0 && now < out.not_after);
	}
	/* a grant for another role never counts */
	FUZZ_CHECK(pj_offline_grant(&pi, "other", origin, now, &out) == 0);

	d.document = doc;
	pj_grant_group(&d, "dbadmin", group, sizeof(group));
	FUZZ_CHECK(iam_name_valid(group));
	free(doc);
	return 0;
}
