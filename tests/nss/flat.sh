#!/bin/sh
# Flat memory: one process resolves a million times (and for 8 s at least)
# through the module (tests/nss/nssflat) while iamd replaces the cache it
# maps. A private
# iam-policyd on loopback holds the directory nssflat resolves (alice
# 200001, carol 200003, developers with alice); a replacer loop changes the
# directory (one more user each round) and runs `iamd --once`, which
# fetches the signed snapshot and swaps the cache in by atomic rename. The
# resident set must not grow after warm-up, no lookup of a user every cache
# holds may fail mid-replacement, and iamd must have replaced the cache
# many times during the run (counted by the cache's serial).
set -u
. "$IAM_SRCDIR/tests/nss/lib.sh"
env_dir=$IAM_BUILDDIR/tests/nss-env-flat
module=$IAM_BUILDDIR/tests/nss/.libs/libnss_iamflat.so.2
flat=$IAM_BUILDDIR/tests/nss/nssflat
IAMD=$IAM_BUILDDIR/iamd/iamd
IAMCTL=$IAM_BUILDDIR/iamctl/iamctl
[ -x "$flat" ] || { echo "nssflat was not built (cmocka missing?)"; exit 77; }
rm -rf "$env_dir"
mkdir -p "$env_dir/var" || exit 99
chmod 0755 "$env_dir"
replacer=''
cleanup() {
	[ -z "$replacer" ] || kill "$replacer" 2>/dev/null
	endpoint_stop
}
trap cleanup EXIT
trap 'echo "stopped by a signal"; exit 99' INT TERM

# shellcheck source=../../scripts/endpoint.sh
. "$IAM_SRCDIR/scripts/endpoint.sh"
endpoint_init "$IAM_BUILDDIR" "$env_dir" || exit 99
endpoint_start "$IAM_BUILDDIR" "$env_dir" || exit 99
ctl() { endpoint_ctl "$@" </dev/null; }
ctl host enroll flat1 --output "$env_dir/flat1.cred"
ctl user add alice --uid 200001
ctl user add carol --uid 200003
ctl group add developers --gid 300001
ctl group add-member developers alice

# The module (built to read nss-env-flat/) and iamd share cache_path.
printf 'cache_path = %s/var/nss.cache\nid_min = 200000\nid_max = 499999\n' "$env_dir" \
	>"$env_dir/iam.conf"
cat >"$env_dir/iamd.conf" <<CONF
endpoint = $IAM_ENDPOINT
ca_file = $env_dir/state/tls.crt
host_credential_file = $env_dir/flat1.cred
snapshot_pubkey = $(cat "$env_dir/state/signing.pub")
cache_path = $env_dir/var/nss.cache
spool_dir = $env_dir/var/spool
id_min = 200000
id_max = 499999
CONF
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$env_dir/passwd"
printf 'root:x:0:\n' >"$env_dir/group"
chmod 0644 "$env_dir"/iam.conf "$env_dir"/iamd.conf "$env_dir"/passwd "$env_dir"/group
once() { "$IAMD" --once --config "$env_dir/iamd.conf" --stderr 2>>"$env_dir/iamd.log"; }
serial() { "$IAMD" cache-check "$env_dir/var/nss.cache" 2>&1 | sed -n 's/^serial: \([0-9]*\)$/\1/p'; }
once || { echo "ERROR: the first iamd --once failed"; cat "$env_dir/iamd.log"; exit 99; }
first=$(serial)
[ -n "$first" ] || { echo "ERROR: iamd cache-check shows no serial"; "$IAMD" cache-check "$env_dir/var/nss.cache"; exit 99; }

# the replacer: a directory change, then iamd replaces the cache
(
	trap - EXIT INT TERM
	i=1
	while :; do
		"$IAMCTL" user add "extra$i" >/dev/null 2>&1 </dev/null || exit 1
		once || exit 1
		i=$((i + 1))
	done
) &
replacer=$!
# Under ASan freed memory waits in a quarantine (256 MiB) that would look
# like growth: without one, the RSS measures the module again; LeakSanitizer
# still checks for leaks at exit.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:quarantine_size_mb=0:thread_local_quarantine_size_kb=0
out=$("$flat" "$module" 1000000 8)
status=$?
kill "$replacer" 2>/dev/null
wait "$replacer" 2>/dev/null
replacer=''
echo "$out"
expect "a million lookups or more while iamd replaced the cache: none failed, RSS flat" "0" "$status"
last=$(serial)
echo "iamd replaced the cache $((last - first)) times during the run (serial $first to $last)"
expect "iamd replaced the cache many times meanwhile" "yes" "$([ $((last - first)) -gt 20 ] && echo yes)"
errors=$(grep -vc 'iamd\[info\]: event=cache_updated ' "$env_dir/iamd.log")
[ "$errors" -eq 0 ] || grep -v 'iamd\[info\]: event=cache_updated ' "$env_dir/iamd.log"
expect "iamd logged only cache_updated lines (no failed replacement)" "0" "$errors"
finish
