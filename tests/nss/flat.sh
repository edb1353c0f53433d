#!/bin/sh
# Flat memory: one process resolves a million times through the module
# (tests/nss/nssflat) while the cache it maps is replaced every few
# milliseconds (tests/nss/mkcache, atomic rename, as iamd does); its
# resident set must not grow after warm-up, and no lookup of a user every
# cache holds may fail mid-replacement.
set -u
. "$IAM_SRCDIR/tests/nss/lib.sh"
env_dir=$IAM_BUILDDIR/tests/nss-env-flat
module=$IAM_BUILDDIR/tests/nss/.libs/libnss_iamflat.so.2
flat=$IAM_BUILDDIR/tests/nss/nssflat
[ -x "$flat" ] || { echo "nssflat was not built (cmocka missing?)"; exit 77; }
mkdir -p "$env_dir"
printf 'cache_path = %s/nss.cache\nid_min = 200000\nid_max = 499999\n' "$env_dir" >"$env_dir/iam.conf"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$env_dir/passwd"
printf 'root:x:0:\n' >"$env_dir/group"
chmod 0644 "$env_dir"/*
"$mkcache" "$env_dir/nss.cache" 1 <"$spec" || exit 99
replacer=''
cleanup() { [ -z "$replacer" ] || kill "$replacer" 2>/dev/null; }
trap cleanup EXIT
trap 'echo "stopped by a signal"; exit 99' INT TERM

# the replacer: a new cache (another serial, one more user) every 5 ms
(
	trap - EXIT INT TERM
	i=2
	while :; do
		{ cat "$spec"; echo "user extra$i $((210000 + i % 1000))"; } |
			"$mkcache" "$env_dir/nss.cache" "$i" || exit 1
		echo "$i" >"$env_dir/replaced"
		i=$((i + 1))
		sleep 0.005
	done
) &
replacer=$!
# Under ASan freed memory waits in a quarantine (256 MiB) that would look
# like growth: without one, the RSS measures the module again; LeakSanitizer
# still checks for leaks at exit.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:quarantine_size_mb=0:thread_local_quarantine_size_kb=0
out=$("$flat" "$module" 1000000)
status=$?
kill "$replacer" 2>/dev/null
wait "$replacer" 2>/dev/null
replacer=''
echo "$out"
expect "a million lookups while the cache was replaced: none failed, RSS flat" "0" "$status"
replaced=$(cat "$env_dir/replaced" 2>/dev/null || echo 0)
echo "cache replaced $((replaced - 1)) times during the run"
expect "the cache was replaced many times meanwhile" "yes" "$([ "$replaced" -gt 20 ] && echo yes)"
finish
