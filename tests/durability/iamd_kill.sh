#!/bin/sh
# kill -9 of iamd at random points while it replaces the cache: the file
# at cache_path is always a valid cache (the old one or the new one, never
# older than before), checked after every kill by durability/cachecheck
# with the common reader's full verification.
#
# A private iam-policyd on loopback with a directory of some hundreds of
# users (so that a replacement takes long enough to be hit); each round
# changes the directory (a user or a membership), then runs `iamd --once`
# under durability/killrun, which sends SIGKILL after a random delay: up
# to 1.1 times what one replacement takes here (measured first, then
# following the runs: shorter when runs end before their kill, longer when
# a killed run had not replaced the cache yet; so the kills hit the whole
# run under ASan and on a busy machine too), every other round in the last
# third of that (where the file is written, read back and renamed). IAM_KILL_ROUNDS (100) rounds, IAM_KILL_USERS (600) users.
#
# Temporary files: a kill between the temporary file's creation and its
# rename leaves "<cache_path>.tmpXXXXXX" behind; iamd removes those older
# than a minute before it writes the next cache. The test counts them,
# checks that a run that is not killed adds none, ages them and plants one
# of an hour ago, and checks that the next replacement removes them all.
#
# Runs in a private mount namespace with its files on a tmpfs (the host
# untouched, fsync cheap). Run by `make check` in tests/ as root.
set -u

if [ -z "${IAM_DURABILITY_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: iamd needs root-owned configuration; run as root"; exit 77; }
	command -v unshare >/dev/null 2>&1 || { echo "ERROR: unshare is needed"; exit 99; }
	unshare -m --propagation private true 2>/dev/null ||
		{ echo "SKIP: no private mount namespace here (unshare -m)"; exit 77; }
	IAM_DURABILITY_NS=1 exec unshare -m --propagation private sh "$0" "$@"
	echo "ERROR: unshare -m failed"
	exit 99
fi

IAMD=${IAMD:-$IAM_BUILDDIR/iamd/iamd}
IAMCTL=${IAMCTL:-$IAM_BUILDDIR/iamctl/iamctl}
CACHECHECK=${CACHECHECK:-$IAM_BUILDDIR/tests/durability/cachecheck}
KILLRUN=${KILLRUN:-$IAM_BUILDDIR/tests/durability/killrun}
ROUNDS=${IAM_KILL_ROUNDS:-100}
USERS=${IAM_KILL_USERS:-600}

for p in "$CACHECHECK" "$KILLRUN"; do
	[ -x "$p" ] || { echo "SKIP: $p is not built (it needs cmocka's configure check)"; exit 77; }
done
for p in "$IAMD" "$IAMCTL" "$IAM_BUILDDIR/policyd/iam-policyd"; do
	[ -x "$p" ] || { echo "ERROR: build $p first"; exit 99; }
done

umask 022
tmp=$(mktemp -d "${TMPDIR:-/tmp}/iam-kill-test.XXXXXX") || exit 99
mount -t tmpfs -o size=256m,mode=0700 tmpfs "$tmp" || { rmdir "$tmp"; exit 99; }
endpoint_pid=''
cleanup() {
	[ -n "$endpoint_pid" ] && kill "$endpoint_pid" 2>/dev/null
	[ -n "$endpoint_pid" ] && wait "$endpoint_pid" 2>/dev/null
	endpoint_pid=''
	umount "$tmp" 2>/dev/null || umount -l "$tmp"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "stopped by a signal"; exit 99' INT TERM

. "$IAM_SRCDIR/tests/check.sh"

# shellcheck source=../../scripts/endpoint.sh
. "$IAM_SRCDIR/scripts/endpoint.sh"
endpoint_init "$IAM_BUILDDIR" "$tmp" || exit 99
endpoint_start "$IAM_BUILDDIR" "$tmp" || exit 99

ctl() {
	"$IAMCTL" "$@" >"$tmp/ctl.out" 2>&1 </dev/null && return 0
	echo "ERROR: iamctl $*"
	show "$tmp/ctl.out"
	exit 99
}
ctl host enroll web1 --output "$tmp/web1.cred"
cache="$tmp/var/nss.cache"
conf="$tmp/iam.conf"
cat >"$conf" <<CONF
endpoint = $IAM_ENDPOINT
ca_file = $tmp/state/tls.crt
host_credential_file = $tmp/web1.cred
snapshot_pubkey = $(cat "$tmp/state/signing.pub")
cache_path = $cache
spool_dir = $tmp/var/spool
id_min = 200000
id_max = 999999
CONF

# A directory of USERS users, through one curl process when there is curl
# (iamctl costs a process and a TLS handshake per user).
if command -v curl >/dev/null 2>&1; then
	i=1
	while [ $i -le "$USERS" ]; do
		[ $i -gt 1 ] && echo next
		printf 'url = "%s/v1/users"\nheader = "Authorization: Bearer %s"\n' \
			"$IAM_ENDPOINT" "$(cat "$tmp/state/admin.token")"
		printf 'header = "Content-Type: application/json"\ncacert = %s\nsilent\n' \
			"$tmp/state/tls.crt"
		printf 'data = "{\\"name\\":\\"bulk%d\\",\\"gecos\\":\\"Bulk user %d\\"}"\n' $i $i
		printf 'output = /dev/null\nwrite-out = "%%{http_code}\\n"\n'
		i=$((i + 1))
	done >"$tmp/bulk.cfg"
	curl -K "$tmp/bulk.cfg" >"$tmp/bulk.out" 2>&1
	n=$(grep -c '^201$' "$tmp/bulk.out")
	[ "$n" -eq "$USERS" ] || { echo "ERROR: $n of $USERS users created"; exit 99; }
else
	echo "note: no curl, a directory of 50 users"
	i=1
	while [ $i -le 50 ]; do ctl user add "bulk$i"; i=$((i + 1)); done
fi
ctl group add kgroup

once() { "$IAMD" --once --config "$conf" --stderr 2>>"$tmp/iamd.log"; }
# check WHAT: the cache is valid; its serial in $serial.
check() {
	if ! "$CACHECHECK" "$cache" >"$tmp/check.out" 2>&1; then
		fail "$1: the cache is not valid"
		show "$tmp/check.out"
		cp "$cache" "$tmp/broken.cache" 2>/dev/null
		return 1
	fi
	serial=$(sed -n 's/^serial \([0-9]*\) .*/\1/p' "$tmp/check.out")
}
temps() { find "$tmp/var" -maxdepth 1 -name 'nss.cache.tmp*' | wc -l; }

once || { echo "ERROR: the first iamd --once failed"; show "$tmp/iamd.log"; exit 99; }
check "the first sync" || exit 1

# The checker catches what it must: a flipped byte, a truncated file.
cp "$cache" "$tmp/flip.cache"
size=$(stat -c %s "$cache")
printf '\377' | dd of="$tmp/flip.cache" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
cmp -s "$cache" "$tmp/flip.cache" && printf '\0' |
	dd of="$tmp/flip.cache" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
"$CACHECHECK" "$tmp/flip.cache" >"$tmp/out" 2>&1 && fail "cachecheck passed a flipped byte"
head -c $((size - 8)) "$cache" >"$tmp/short.cache"
"$CACHECHECK" "$tmp/short.cache" >"$tmp/out" 2>&1 && fail "cachecheck passed a truncated cache"
: >"$tmp/empty.cache"
"$CACHECHECK" "$tmp/empty.cache" >"$tmp/out" 2>&1 && fail "cachecheck passed an empty file"

# What one replacement takes here (the median of three), in microseconds.
: >"$tmp/calib.us"
for i in 1 2 3; do
	ctl user add "calib$i"
	"$KILLRUN" 600000000 600000000 "$IAMD" --once --config "$conf" --stderr \
		>"$tmp/calib.out" 2>>"$tmp/iamd.log"
	read -r what st us <"$tmp/calib.out"
	[ "$what" = exited ] && [ "$st" = 0 ] ||
		{ echo "ERROR: iamd --once: $what $st"; show "$tmp/iamd.log"; exit 99; }
	echo "$us" >>"$tmp/calib.us"
done
span=$(sort -n "$tmp/calib.us" | sed -n 2p)
check "calibration" || exit 1
echo "one replacement: ${span} us, $(stat -c %s "$cache") bytes"
start=$(date +%s)

killed=0 exited=0 replaced=0 kept=0
round=1
while [ $round -le "$ROUNDS" ]; do
	if [ $((round % 2)) = 1 ]; then
		ctl user add "k$round"
	else
		ctl group add-member kgroup "k$((round - 1))"
	fi
	before=$serial
	inode=$(stat -c %i "$cache")
	# Odd rounds anywhere in the run, even ones in its last third (where
	# the file is written, read back and renamed).
	min_us=0
	max_us=$((span * 11 / 10))
	[ $((round % 2)) = 0 ] && min_us=$((span * 7 / 10))
	"$KILLRUN" "$min_us" "$max_us" "$IAMD" --once --config "$conf" --stderr \
		>"$tmp/kill.out" 2>>"$tmp/iamd.log" || { echo "ERROR: killrun"; exit 99; }
	read -r what st us <"$tmp/kill.out"
	case $what in
	killed) killed=$((killed + 1)) ;;
	*)
		exited=$((exited + 1))
		[ "$st" = 0 ] || fail "round $round: iamd --once exited $st without a kill"
		# A shared machine is not steady: follow what runs take now.
		span=$(((span + us) / 2))
		;;
	esac
	check "round $round ($what)" || break
	if [ "$serial" -lt "$before" ]; then
		fail "round $round: the cache went back from serial $before to $serial"
	fi
	if [ "$(stat -c %i "$cache")" = "$inode" ]; then
		kept=$((kept + 1))
		[ "$what" = killed ] && span=$((span * 11 / 10))
		[ "$serial" = "$before" ] || fail "round $round: the cache changed in place"
	else
		replaced=$((replaced + 1))
		# the new cache is the whole new directory
		"$IAMD" cache-dump "$cache" >"$tmp/dump" 2>&1
		if [ $((round % 2)) = 1 ]; then
			grep -q "^k$round:" "$tmp/dump" || fail "round $round: a new cache without k$round"
		else
			grep -Eq "^kgroup:x:[0-9]+:(.*,)?k$((round - 1))(,|\$)" "$tmp/dump" ||
				fail "round $round: a new cache without k$((round - 1)) in kgroup"
		fi
	fi
	[ "$(stat -c %a "$cache")" = 644 ] || fail "round $round: cache mode $(stat -c %a "$cache")"
	round=$((round + 1))
done
left=$(temps)
echo "rounds: $((round - 1)), killed: $killed, ended before the kill: $exited;" \
	"cache replaced: $replaced, kept: $kept; temporary files left by kills: $left;" \
	"$(($(date +%s) - start)) s; a replacement takes some $span us now"
[ "$killed" -gt 0 ] || fail "no run was killed"

# A run that is not killed: the newest directory, no new leftovers.
ctl user add final
once || fail "iamd --once after the kills"
check "after the kills"
"$IAMD" cache-dump "$cache" >"$tmp/dump" 2>&1
grep -q '^final:' "$tmp/dump" || fail "the last change is not in the cache"
grep -q '^kgroup:x:[0-9]*:.*k1' "$tmp/dump" || fail "the memberships are not in the cache"
[ "$(temps)" -le "$left" ] || fail "a run that was not killed left a temporary file"
# The killed runs' leftovers are younger than a minute: iamd leaves those
# (another writer's file could be in flight). Aged, the next replacement
# removes them, and a crash's leftover of an hour ago too.
printf 'partial' >"$cache.tmpStal3X"
for f in "$cache".tmp??????; do [ -e "$f" ] && touch -d '2 minutes ago' "$f"; done
touch -d '1 hour ago' "$cache.tmpStal3X"
ctl user add planted
once || fail "iamd --once with stale temporary files"
check "with stale temporary files"
[ "$(temps)" -eq 0 ] || { fail "stale temporary files survive a replacement"; ls -l "$tmp/var"; }

[ "$failures" -eq 0 ] && echo "PASS" && exit 0
show "$tmp/iamd.log" | grep -v 'event=cache_updated\|event=unchanged' | tail -20
echo "$failures failure(s)"
exit 1
