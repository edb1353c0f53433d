#!/bin/sh
# A full disk under the cache and the audit spool. cache_path's directory
# and spool_dir are on one small tmpfs (2 MiB, in a private mount
# namespace: the host untouched), filled so that the next cache cannot
# fit (part of it can: the write fails half way):
#
# - `iamd --once` exits 1 and logs event=sync_failed reason=write_failed
#   with "No space left on device"; the cache is the same bytes as before
#   and valid (durability/cachecheck), no temporary file stays;
# - the daemon logs the same, keeps running and serving the old cache,
#   retries, and once there is room again replaces the cache by itself;
# - events spooled before the disk filled stay whole; spooling more fails
#   with "No space left on device" and exit status 1 (durability/spool_flood,
#   tests/spool_put as pam_iam would), leaving no temporary file; the
#   spool is delivered by `iamd flush-spool` while the disk is still full,
#   and each event reaches the endpoint's audit log exactly once;
# - with room but no inodes left (a second tmpfs, nr_inodes=64), the same:
#   iamd fails to make its temporary file, says so, keeps the cache;
#   spooling fails, and what was spooled before is delivered.
#
# Run by `make check` in tests/ as root.
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
FLOOD=${FLOOD:-$IAM_BUILDDIR/tests/durability/spool_flood}
SPOOL_PUT=${SPOOL_PUT:-$IAM_BUILDDIR/tests/spool_put}

for p in "$CACHECHECK" "$FLOOD" "$SPOOL_PUT"; do
	[ -x "$p" ] || { echo "SKIP: $p is not built (it needs cmocka's configure check)"; exit 77; }
done
for p in "$IAMD" "$IAMCTL" "$IAM_BUILDDIR/policyd/iam-policyd"; do
	[ -x "$p" ] || { echo "ERROR: build $p first"; exit 99; }
done
command -v jq >/dev/null 2>&1 || { echo "ERROR: jq is needed"; exit 99; }

umask 022
tmp=$(mktemp -d "${TMPDIR:-/tmp}/iam-diskfull-test.XXXXXX") || exit 99
var="$tmp/var" ivar="$tmp/ivar"
if ! mkdir "$var" || ! mount -t tmpfs -o size=2m,mode=0755 tmpfs "$var"; then
	rm -rf "$tmp"
	exit 99
fi
endpoint_pid='' iamd_pid=''
cleanup() {
	[ -n "$iamd_pid" ] && kill "$iamd_pid" 2>/dev/null
	[ -n "$iamd_pid" ] && wait "$iamd_pid" 2>/dev/null
	iamd_pid=''
	[ -n "$endpoint_pid" ] && kill "$endpoint_pid" 2>/dev/null
	[ -n "$endpoint_pid" ] && wait "$endpoint_pid" 2>/dev/null
	endpoint_pid=''
	for m in "$var" "$ivar"; do
		mountpoint -q "$m" && { umount "$m" 2>/dev/null || umount -l "$m"; }
	done
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
cache="$var/nss.cache"
spool="$var/spool"
conf="$tmp/iam.conf"
cat >"$conf" <<CONF
endpoint = $IAM_ENDPOINT
ca_file = $tmp/state/tls.crt
host_credential_file = $tmp/web1.cred
snapshot_pubkey = $(cat "$tmp/state/signing.pub")
cache_path = $cache
spool_dir = $spool
id_min = 200000
id_max = 999999
connect_timeout = 2s
CONF

# Some users, so that the cache spans several pages.
i=1
while [ $i -le 40 ]; do ctl user add "user$i" --gecos "A user with a long gecos field $i"; i=$((i + 1)); done
ctl group add staff
"$IAMD" --once --config "$conf" --stderr 2>"$tmp/first.log" ||
	{ echo "ERROR: the first iamd --once"; show "$tmp/first.log"; exit 99; }
"$CACHECHECK" "$cache" >"$tmp/check.out" 2>&1 || { fail "the first cache"; show "$tmp/check.out"; }
cp "$cache" "$tmp/cache.orig"
cache_size=$(stat -c %s "$cache")

# fill KEEP: fills the tmpfs, then gives back KEEP bytes (whole pages).
fill() {
	rm -f "$var/filler"
	dd if=/dev/zero of="$var/filler" bs=4096 2>/dev/null
	size=$(stat -c %s "$var/filler")
	truncate -s $((size - $1)) "$var/filler"
}
free_space() { df -B1 --output=avail "$var" | tail -1 | tr -d ' '; }
temps() { find "$var" -name '*.tmp*' | wc -l; }

# --- The cache ----------------------------------------------------------------

ctl user add late
# Room for half of the next cache (a page at least): its write starts and
# fails.
keep=$(((cache_size / 2) / 4096 * 4096))
[ "$keep" -gt 0 ] || keep=4096
[ "$cache_size" -gt "$keep" ] || { echo "ERROR: a cache of $cache_size bytes is too small"; exit 99; }
fill "$keep"
echo "cache: $cache_size bytes; free on the full disk: $(free_space) bytes"
"$IAMD" --once --config "$conf" --stderr 2>"$tmp/once.log"
status 1 $? "iamd --once on a full disk"
has "$tmp/once.log" 'event=sync_failed reason=write_failed .*No space left on device' \
	"iamd --once on a full disk"
cmp -s "$cache" "$tmp/cache.orig" || fail "iamd --once on a full disk changed the cache"
"$CACHECHECK" "$cache" >"$tmp/check.out" 2>&1 ||
	{ fail "the cache after a full disk"; show "$tmp/check.out"; }
[ "$(temps)" = 0 ] || { fail "a full disk left temporary files"; ls -l "$var" | show; }
show "$tmp/once.log"

# The daemon: logs it, goes on, and replaces the cache once there is room.
: >"$tmp/iamd.log"
"$IAMD" --config "$conf" --stderr 2>>"$tmp/iamd.log" &
iamd_pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q 'reason=write_failed' "$tmp/iamd.log"; do
	sleep 0.1
	i=$((i + 1))
done
has "$tmp/iamd.log" 'event=sync_failed reason=write_failed .*No space left on device.* retry_in=' \
	"the daemon on a full disk"
sleep 1.5 # a retry or two
kill -0 "$iamd_pid" 2>/dev/null || fail "the daemon exited on a full disk"
cmp -s "$cache" "$tmp/cache.orig" || fail "the daemon on a full disk changed the cache"
"$IAMD" cache-dump "$cache" >"$tmp/dump" 2>&1
grep -q '^user1:' "$tmp/dump" || fail "the old cache does not serve user1"
[ "$(temps)" = 0 ] || { fail "the daemon left temporary files"; ls -l "$var" | show; }
rm -f "$var/filler"
i=0
while [ $i -lt 150 ]; do
	"$IAMD" cache-dump "$cache" >"$tmp/dump" 2>&1 && grep -q '^late:' "$tmp/dump" && break
	sleep 0.1
	i=$((i + 1))
done
grep -q '^late:' "$tmp/dump" || { fail "the daemon did not catch up once there was room"; show "$tmp/iamd.log"; }
"$CACHECHECK" "$cache" >"$tmp/check.out" 2>&1 ||
	{ fail "the cache after the disk had room again"; show "$tmp/check.out"; }
kill "$iamd_pid"
wait "$iamd_pid"
status 0 $? "SIGTERM to the daemon"
iamd_pid=''
has "$tmp/iamd.log" 'event=cache_updated ' "the daemon with room again"

# --- The spool ----------------------------------------------------------------

"$FLOOD" "$spool" 5 100000 1 >"$tmp/early.ids" 2>"$tmp/flood.err" ||
	{ echo "ERROR: spool_flood"; show "$tmp/flood.err"; exit 99; }
mkdir "$tmp/early"
cp -p "$spool"/*.json "$tmp/early/"
fill $((8 * 4096)) # room for a few more
"$FLOOD" "$spool" 100000 100000 6 >"$tmp/late.ids" 2>"$tmp/flood.err"
status 1 $? "spool_flood until the disk is full"
has "$tmp/flood.err" '^spool_flood: event [0-9]+: .*No space left on device' "the spool on a full disk"
late=$(wc -l <"$tmp/late.ids")
echo "spool: 5 events, then $late more until the disk was full"
show "$tmp/flood.err"
"$SPOOL_PUT" "$spool" event session.open alice >"$tmp/put.out" 2>"$tmp/put.err"
status 1 $? "spool_put on a full disk"
has "$tmp/put.err" '^spool_put: audit event .* is lost: .*No space left on device' \
	"spool_put on a full disk"
[ ! -s "$tmp/put.out" ] || fail "spool_put on a full disk printed an id"
show "$tmp/put.err"
[ "$(temps)" = 0 ] || { fail "a full spool left temporary files"; ls -l "$spool" | show; }
for f in "$tmp/early"/*.json; do
	cmp -s "$f" "$spool/$(basename "$f")" || fail "$(basename "$f") changed on a full disk"
done
cat "$tmp/early.ids" "$tmp/late.ids" >"$tmp/all.ids"
total=$(wc -l <"$tmp/all.ids")
sort "$tmp/all.ids" >"$tmp/all.sorted"
jq -r '"\(.data.n) \(.id)"' "$spool"/*.json 2>&1 | sort >"$tmp/spooled"
cmp -s "$tmp/all.sorted" "$tmp/spooled" && bad=0 || bad=$(diff "$tmp/all.sorted" "$tmp/spooled" | grep -c '^[<>]')
[ "$late" -gt 0 ] || fail "no event fitted in the room left"
[ "$bad" = 0 ] || fail "$bad lines differ between the events put and the spool"
[ "$(find "$spool" -maxdepth 1 -name '*.json' | wc -l)" = "$total" ] ||
	fail "the spool holds other than the $total events put"

# Delivered while the disk is still full (removing needs no room).
"$IAMD" flush-spool --config "$conf" --stderr >"$tmp/flush.out" 2>"$tmp/flush.log"
status 0 $? "flush-spool on a full disk"
has "$tmp/flush.out" "^sent: $total\$" "flush-spool on a full disk"
has "$tmp/flush.out" '^waiting: 0$' "flush-spool on a full disk"
"$IAMCTL" --json audit tail -n 100000 >"$tmp/audit.json" 2>"$tmp/audit.err" </dev/null ||
	{ echo "ERROR: iamctl audit tail"; show "$tmp/audit.err"; exit 99; }
cut -d' ' -f2 "$tmp/all.ids" | sort >"$tmp/want.ids"
jq -r '.records[] | select(.source == "host:web1" and .type == "durability.flood") | .event_id' \
	"$tmp/audit.json" | sort >"$tmp/got.ids"
cmp -s "$tmp/want.ids" "$tmp/got.ids" ||
	{ fail "the audit log does not hold each spooled event once"; diff "$tmp/want.ids" "$tmp/got.ids" | head | show; }
"$IAMCTL" audit verify >"$tmp/verify.out" 2>&1 </dev/null ||
	{ fail "iamctl audit verify"; show "$tmp/verify.out"; }

# --- No inodes left ----------------------------------------------------------

# A tmpfs with room but few inodes: the temporary file cannot even be made.
if ! mkdir "$ivar" || ! mount -t tmpfs -o size=2m,nr_inodes=64,mode=0755 tmpfs "$ivar"; then
	echo "ERROR: cannot mount a tmpfs on $ivar"
	exit 99
fi
sed "s|$var/|$ivar/|" "$conf" >"$tmp/inodes.conf"
"$IAMD" --once --config "$tmp/inodes.conf" --stderr 2>"$tmp/inodes.log" ||
	{ echo "ERROR: iamd --once on $ivar"; show "$tmp/inodes.log"; exit 99; }
cp "$ivar/nss.cache" "$tmp/inodes.orig"
"$FLOOD" "$ivar/spool" 2 100000 1 >"$tmp/inodes.ids" 2>"$tmp/flood.err" ||
	{ echo "ERROR: spool_flood on $ivar"; show "$tmp/flood.err"; exit 99; }
mkdir "$ivar/fill"
i=0
while touch "$ivar/fill/$i" 2>/dev/null; do i=$((i + 1)); done
echo "no inodes left after $i more files"
ctl user add later
"$IAMD" --once --config "$tmp/inodes.conf" --stderr 2>"$tmp/inodes.log"
status 1 $? "iamd --once without inodes"
has "$tmp/inodes.log" 'event=sync_failed reason=write_failed .*cannot create a temporary file .*No space left on device' \
	"iamd --once without inodes"
show "$tmp/inodes.log"
cmp -s "$ivar/nss.cache" "$tmp/inodes.orig" || fail "iamd --once without inodes changed the cache"
"$CACHECHECK" "$ivar/nss.cache" >"$tmp/check.out" 2>&1 ||
	{ fail "the cache without inodes"; show "$tmp/check.out"; }
"$SPOOL_PUT" "$ivar/spool" event session.open alice >"$tmp/put.out" 2>"$tmp/put.err"
status 1 $? "spool_put without inodes"
has "$tmp/put.err" '^spool_put: audit event .* is lost: .*No space left on device' \
	"spool_put without inodes"
"$IAMD" flush-spool --config "$tmp/inodes.conf" --stderr >"$tmp/flush.out" 2>"$tmp/flush.log"
status 0 $? "flush-spool without inodes"
has "$tmp/flush.out" '^sent: 2$' "flush-spool without inodes"
has "$tmp/flush.out" '^waiting: 0$' "flush-spool without inodes"

[ "$failures" -eq 0 ] && echo "PASS" && exit 0
echo "$failures failure(s)"
exit 1
