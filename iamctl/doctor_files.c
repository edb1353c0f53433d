/*
 * The doctor's look at the host's own files: iam.conf, the host
 * credential, the snapshot key, the NSS cache, and the root-only
 * directories the modules and iamd keep their state in.
 */
#include "config.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cache.h"
#include "doctor.h"
#include "parse.h"
#include "safe_file.h"
#include "sign.h"
#include "spool.h"

static void config_warning(void *ctx, const char *msg)
{
	struct doctor *d = ctx;

	dr_warn(d, "config", "correct or remove that line (iam.conf(5) lists the keys)", "%s",
		msg);
}

static void check_config(struct doctor *d)
{
	struct iam_err err = { "" };
	int r = iam_host_config_load(d->config_path, &d->cfg, config_warning, d, &err);

	if (r == -ENOENT) {
		dr_fail(d, "config", "write one from the example (iam.conf(5))", "%s does not exist",
			d->config_path);
		return;
	}
	if (r == 0)
		r = iam_host_config_check(&d->cfg, &err);
	if (r < 0) {
		dr_fail(d, "config", "correct it (iam.conf(5)); every module and iamd read it",
			"%s: %s", d->config_path, err.msg);
		return;
	}
	if (!d->cfg.endpoint) {
		dr_fail(d, "config", "set endpoint = https://HOST:PORT", "%s: no endpoint",
			d->config_path);
		return;
	}
	d->cfg_ok = 1;
	dr_ok(d, "config", "%s: valid, endpoint %s", d->config_path, d->cfg.endpoint);
}

static void check_credential(struct doctor *d)
{
	const char *path = d->cfg.host_credential_file;
	struct iam_err err = { "" };
	int r;

	if (!path) {
		dr_fail(d, "credential", "enroll the host (iamctl host enroll NAME --output FILE, as "
			"an admin) and set host_credential_file", "host_credential_file is not set");
		return;
	}
	r = iam_credential_read(path, 0, &d->token, &err);
	if (r == -ENOENT) {
		dr_fail(d, "credential", "enroll the host (as an admin: iamctl host enroll NAME "
			"--output FILE), then install -m 0600 FILE here", "%s", err.msg);
		return;
	}
	if (r < 0) {
		dr_fail(d, "credential", "it must be one token in a root-owned file of mode 0600",
			"%s", err.msg);
		return;
	}
	dr_ok(d, "credential", "%s: root-only, one token", path);
}

static void check_signing_key(struct doctor *d)
{
	struct iam_err err = { "" };
	EVP_PKEY *pub = NULL;

	if (!d->cfg.snapshot_pubkey) {
		dr_fail(d, "snapshot-key", "set snapshot_pubkey to the endpoint's signing.pub",
			"snapshot_pubkey is not set: iamd cannot verify snapshots");
		return;
	}
	if (iam_sign_pubkey_from_b64(d->cfg.snapshot_pubkey, &pub, &err) < 0) {
		dr_fail(d, "snapshot-key", "copy the endpoint's signing.pub into snapshot_pubkey",
			"snapshot_pubkey: %s", err.msg);
		return;
	}
	EVP_PKEY_free(pub);
	dr_ok(d, "snapshot-key", "snapshot_pubkey is an Ed25519 public key");
}

/* Owner and mode of the cache, which every process maps. */
static int cache_file_ok(struct doctor *d, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		dr_fail(d, "cache", "start iamd (systemctl enable --now iamd); it writes the cache",
			"%s: %s", path, strerror(errno));
		return 0;
	}
	if (st.st_uid != 0 || (st.st_mode & 022)) {
		dr_fail(d, "cache", "chown root:root and chmod 0644 it, or remove it and restart iamd",
			"%s: owner uid %u, mode %04o; the module ignores a cache anyone but root can "
			"write", path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		return 0;
	}
	if (!(st.st_mode & 004))
		dr_warn(d, "cache", "chmod 0644 it", "%s: mode %04o: other users' processes cannot "
			"resolve directory users", path, (unsigned)(st.st_mode & 07777));
	return 1;
}

static void check_cache(struct doctor *d)
{
	const char *path = d->cfg.cache_path;
	struct iam_cache_map m;
	struct iam_err err = { "" };
	char age[32];

	if (!cache_file_ok(d, path))
		return;
	/* maps and checks every chunk; unmaps itself on failure */
	if (iam_cache_map(path, &m, &err) < 0) {
		dr_fail(d, "cache", "remove it and restart iamd, which writes a new one", "%s: %s",
			path, err.msg);
		return;
	}
	d->cache_serial = (int64_t)m.c.h->serial;
	iam_format_duration((long long)time(NULL) - m.c.h->created_at, age, sizeof(age));
	dr_ok(d, "cache", "%s: valid, serial %lld, written %s ago, %u users, %u groups", path,
	      (long long)m.c.h->serial, age, (unsigned)m.c.h->nusers, (unsigned)m.c.h->ngroups);
	iam_cache_unmap(&m);
}

/* A root-only directory: absent is fine (made on first use). */
static void check_private_dir(struct doctor *d, const char *check, const char *dir,
			      const char *what)
{
	struct iam_err err = { "" };
	int r;

	if (!dir)
		return;
	r = iam_dir_private(dir, what, 0, 0, &err);
	if (r == -ENOENT)
		dr_ok(d, check, "%s: not created yet (made on first use)", dir);
	else if (r < 0)
		dr_fail(d, check, "chown root:root and chmod 0700 it", "%s", err.msg);
	else
		dr_ok(d, check, "%s: root-only", dir);
}

static void check_spool(struct doctor *d)
{
	struct iam_err err = { "" };
	long long n;

	check_private_dir(d, "spool", d->cfg.spool_dir, "audit spool");
	n = iam_spool_count(d->cfg.spool_dir, &err);
	if (n > 0)
		dr_warn(d, "spool", "check that iamd runs (systemctl status iamd); iamd "
			"flush-spool delivers them now", "%lld audit events wait for delivery", n);
}

void doctor_files(struct doctor *d)
{
	check_config(d);
	if (!d->cfg_ok)
		return;
	check_credential(d);
	check_signing_key(d);
	check_cache(d);
	check_spool(d);
	check_private_dir(d, "offline", d->cfg.offline_dir, "offline directory");
	check_private_dir(d, "sessions", d->cfg.session_dir, "session directory");
	check_private_dir(d, "grants", d->cfg.grant_dir, "grant directory");
}
