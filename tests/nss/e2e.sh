#!/bin/sh
# End to end, everything real: iam-policyd on loopback, iamd keeping the
# cache, and glibc resolving through libnss_iam.so.2 in a private mount
# namespace (as in glibc.sh). Changes on the endpoint resolve within 5 s;
# a JIT membership ends on time with iamd stopped (the clock of the
# resolving process is moved with libfaketime: no sleeping); a dead
# endpoint leaves the last cache serving; hostile names change nothing.
set -u
. "$IAM_SRCDIR/tests/nss/lib.sh"
B=$IAM_BUILDDIR
for p in "$B/policyd/iam-policyd" "$B/iamctl/iamctl" "$B/iamd/iamd"; do
	[ -x "$p" ] || { echo "build $p first"; exit 99; }
done
[ -n "${IAM_FAKETIME_LIB:-}" ] || { echo "libfaketime is missing (Debian package faketime)"; exit 99; }
T=$(mktemp -d /tmp/iam-nss-e2e.XXXXXX)
policyd_pid='' iamd_pid=''
cleanup() {
	for p in $iamd_pid $policyd_pid; do kill "$p" 2>/dev/null; done
	rm -rf "$T"
}
# A signal ends the run (the EXIT trap cleans up); it never carries on
# past a cleanup that already removed its files.
trap cleanup EXIT
trap 'echo "stopped by a signal"; exit 99' INT TERM
umask 022

# --- The endpoint, a host credential, the host's configuration --------------
. "$IAM_SRCDIR/scripts/endpoint.sh"
endpoint_init "$B" "$T" || exit 99
endpoint_start "$B" "$T" || exit 99
policyd_pid=$endpoint_pid
iamctl() { "$B/iamctl/iamctl" "$@"; }
iamctl host enroll web1 --output "$T/host.credential" >/dev/null || exit 99
cat >"$T/iam.conf" <<EOC
endpoint = $IAM_ENDPOINT
ca_file = $T/state/tls.crt
host_credential_file = $T/host.credential
snapshot_pubkey = $(cat "$T/state/signing.pub")
cache_path = $T/nss.cache
spool_dir = $T/spool
EOC
chmod 0644 "$T/iam.conf"

# --- The namespace's files (glibc.sh has the why) ---------------------------
mkdir -p "$T/lib" "$T/etc/iam"
cp "$B/nss_iam/.libs/libnss_iam.so.2" "$T/lib/"
sed -E 's/^(passwd|group):.*/\1: files iam/' /etc/nsswitch.conf >"$T/etc/nsswitch.conf"
cp "$T/iam.conf" "$T/etc/iam/iam.conf"
printf 'include /etc/ld.so.conf.d/*.conf\n%s/lib\n' "$T" >"$T/ld.so.conf"
ldconfig -X -C "$T/etc/ld.so.cache" -f "$T/ld.so.conf"
# A sanitizer build of the module needs the ASan runtime loaded first in
# every program of the namespace (getent, id...).
[ -n "${IAM_ASAN_RUNTIME:-}" ] && echo "$IAM_ASAN_RUNTIME" >"$T/etc/ld.so.preload"
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
in_ns() {
	timeout 30 unshare -m --propagation private sh -c '
		mount -t overlay overlay -o lowerdir="$0"/etc:/etc /etc || exit 98
		exec "$@"' "$T" "$@"
}
# at OFFSET COMMAND...: in the namespace, with this process's clock moved
at() {
	offset=$1
	shift
	# libfaketime goes first: with the ASan runtime ahead of it, its
	# constructor's first clock call deadlocks inside ASan's interceptor.
	in_ns env LD_PRELOAD="$IAM_FAKETIME_LIB${IAM_ASAN_RUNTIME:+ $IAM_ASAN_RUNTIME}" \
		ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0" FAKETIME="$offset" "$@"
}
# within SECONDS DESCRIPTION EXPECTED COMMAND...: polls until it matches
within() {
	limit=$1 what=$2 want=$3
	shift 3
	start=$(date +%s%N)
	while :; do
		got=$("$@" 2>/dev/null)
		[ "$got" = "$want" ] && break
		[ $((($(date +%s%N) - start) / 1000000)) -gt $((limit * 1000)) ] && break
		sleep 0.1
	done
	expect "$what (after $((($(date +%s%N) - start) / 1000000)) ms)" "$want" "$got"
}
start_iamd() {
	"$B/iamd/iamd" --config "$T/iam.conf" --stderr 2>>"$T/iamd.log" &
	iamd_pid=$!
}

start_iamd
echo bobpw | iamctl user add bob --password-stdin >/dev/null
within 5 "a new user resolves within 5 s" "bob" in_ns sh -c 'getent passwd bob | cut -d: -f1'
echo alicepw | iamctl user add alice --gecos "Alice Example" --password-stdin >/dev/null
uid=$(iamctl --json user show alice | jq -r .uid)
within 5 "getent passwd alice" "alice:x:$uid:$uid:Alice Example:/home/alice:/bin/bash" \
	in_ns getent passwd alice
iamctl group add developers >/dev/null && iamctl group add-member developers alice >/dev/null
within 5 "a new membership shows in id" "alice developers" in_ns id -Gn alice

# --- JIT: a grant is a membership that ends on its own --------------------------
iamctl role add oncall --max-duration 2h >/dev/null && iamctl role eligible oncall --user alice >/dev/null
echo alicepw | iamctl --user alice --password-stdin elevate oncall --for 1h --reason "e2e" >/dev/null
gid=$(iamctl --json group show oncall | jq -r .gid)
within 5 "an approved grant is a membership" "oncall:x:$gid:alice" in_ns getent group oncall
within 5 "id shows the JIT group" "alice developers oncall" in_ns id -Gn alice
kill "$iamd_pid"
wait "$iamd_pid" 2>/dev/null
iamd_pid=''
expect "iamd stopped, 30 minutes later: still a member" "oncall:x:$gid:alice" \
	"$(at +30m getent group oncall)"
expect "iamd stopped, 2 hours later: the membership has ended" "oncall:x:$gid:" \
	"$(at +2h getent group oncall)"
expect "... and initgroups agrees" "alice developers" "$(at +2h id -Gn alice)"

# --- Deprovisioning ------------------------------------------------------------------
start_iamd
iamctl user deprovision alice --reason e2e >/dev/null
within 5 "a deprovisioned user is gone within 5 s" "" in_ns getent passwd alice

# --- Hostile names from the directory -----------------------------------------------
iamctl user add root >/dev/null 2>&1
iamctl group add sudo >/dev/null 2>&1 && iamctl group add-member sudo bob >/dev/null 2>&1
echo carolpw | iamctl user add carol --password-stdin >/dev/null
within 5 "the next change has arrived" "carol" in_ns sh -c 'getent passwd carol | cut -d: -f1'
expect "a directory 'root' changes nothing" "uid=0(root) gid=0(root) groups=0(root)" "$(in_ns id root)"
expect "... and never resolves by its uid" "" \
	"$(in_ns getent passwd "$(iamctl --json user show root 2>/dev/null | jq -r .uid)")"
expect "a directory 'sudo' group does not reach bob" "bob" "$(in_ns id -Gn bob)"

# --- The endpoint dies: the last cache keeps serving ------------------------------------
kill "$policyd_pid"
wait "$policyd_pid" 2>/dev/null
policyd_pid=''
sleep 1
expect "endpoint down: bob still resolves" "bob" "$(in_ns sh -c 'getent passwd bob | cut -d: -f1')"
kill -0 "$iamd_pid" 2>/dev/null
expect "endpoint down: iamd keeps running (and backs off)" "0" "$?"
within 5 "endpoint down: iamd says why" "yes" sh -c "grep -q 'reason=unreachable' '$T/iamd.log' && echo yes"
finish
