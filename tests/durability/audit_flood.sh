#!/bin/sh
# An audit flood: IAM_FLOOD_EVENTS (10000) events spooled while the
# endpoint is down, each the way pam_iam spools one (iam_event_new, then
# iam_event_report without a reachable endpoint; the last 100 under
# spool_max from iam.conf, the others without the cap for speed).
# durability/spool_flood numbers them 1..N in data.n, in production order.
# `iamd flush-spool` with the endpoint down fails and keeps them all; with
# the endpoint back it is run until the spool is empty, and then the
# endpoint's audit log (iamctl --json audit tail) holds every event
# exactly once, by event id and by number, with its own id, and the
# records follow production order: the host times never go back along the
# log's seq, and no event comes after one produced later (ids carry the
# nanoseconds, common/audit_event.h, and the spool delivers in id order).
# `iamctl audit verify` (with the signing key) passes.
#
# The spool is on a tmpfs in a private mount namespace (the host
# untouched; ten thousand fsyncs on a slow disk would take a minute). Run
# by `make check` in tests/ as root.
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
FLOOD=${FLOOD:-$IAM_BUILDDIR/tests/durability/spool_flood}
EVENTS=${IAM_FLOOD_EVENTS:-10000} # at least 101
SPOOL_MAX=20000

[ -x "$FLOOD" ] || { echo "SKIP: $FLOOD is not built (it needs cmocka's configure check)"; exit 77; }
for p in "$IAMD" "$IAMCTL" "$IAM_BUILDDIR/policyd/iam-policyd"; do
	[ -x "$p" ] || { echo "ERROR: build $p first"; exit 99; }
done
command -v jq >/dev/null 2>&1 || { echo "ERROR: jq is needed"; exit 99; }

umask 022
tmp=$(mktemp -d "${TMPDIR:-/tmp}/iam-flood-test.XXXXXX") || exit 99
var="$tmp/var"
if ! mkdir "$var" || ! mount -t tmpfs -o size=256m,mode=0755 tmpfs "$var"; then
	rm -rf "$tmp"
	exit 99
fi
endpoint_pid=''
cleanup() {
	[ -n "$endpoint_pid" ] && kill "$endpoint_pid" 2>/dev/null
	[ -n "$endpoint_pid" ] && wait "$endpoint_pid" 2>/dev/null
	endpoint_pid=''
	umount "$var" 2>/dev/null || umount -l "$var"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "stopped by a signal"; exit 99' INT TERM

. "$IAM_SRCDIR/tests/check.sh"
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# shellcheck source=../../scripts/endpoint.sh
. "$IAM_SRCDIR/scripts/endpoint.sh"
endpoint_init "$IAM_BUILDDIR" "$tmp" || exit 99
endpoint_start "$IAM_BUILDDIR" "$tmp" || exit 99
"$IAMCTL" host enroll web1 --output "$tmp/web1.cred" >"$tmp/ctl.out" 2>&1 </dev/null ||
	{ show "$tmp/ctl.out"; exit 99; }
port=$endpoint_port
spool="$var/spool"
conf="$tmp/iam.conf"
cat >"$conf" <<CONF
endpoint = $IAM_ENDPOINT
ca_file = $tmp/state/tls.crt
host_credential_file = $tmp/web1.cred
snapshot_pubkey = $(cat "$tmp/state/signing.pub")
cache_path = $var/nss.cache
spool_dir = $spool
spool_max = $SPOOL_MAX
connect_timeout = 1s
CONF
[ "$SPOOL_MAX" -ge "$EVENTS" ] || { echo "ERROR: spool_max $SPOOL_MAX < $EVENTS events"; exit 99; }

# --- The endpoint is down ----------------------------------------------------------

endpoint_stop
t=$(now)
# All but the last 100 without the cap (it costs a scan of the spool per
# event), the last 100 with it, as pam_iam passes it, at the fullest.
"$FLOOD" "$spool" $((EVENTS - 100)) 0 >"$tmp/produced" 2>"$tmp/flood.err"
status 0 $? "spool_flood of $((EVENTS - 100)) events"
t2=$(now)
"$FLOOD" "$spool" 100 "$SPOOL_MAX" $((EVENTS - 99)) >>"$tmp/produced" 2>>"$tmp/flood.err"
status 0 $? "spool_flood of 100 events under spool_max $SPOOL_MAX"
echo "the last 100 events (spool_max counted per event): $(since "$t2") s"
show "$tmp/flood.err"
echo "spooled $EVENTS events in $(since "$t") s"
[ "$(wc -l <"$tmp/produced")" = "$EVENTS" ] || fail "spool_flood listed $(wc -l <"$tmp/produced") events"
waiting() { find "$spool" -maxdepth 1 -name '*.json' | wc -l; }
[ "$(waiting)" = "$EVENTS" ] || fail "the spool holds $(waiting) events, expected $EVENTS"

"$IAMD" flush-spool --config "$conf" --stderr >"$tmp/flush.out" 2>"$tmp/flush.log"
status 1 $? "flush-spool with the endpoint down"
has "$tmp/flush.out" '^sent: 0$' "flush-spool with the endpoint down"
has "$tmp/flush.out" "^waiting: $EVENTS\$" "flush-spool with the endpoint down"
has "$tmp/flush.log" 'event=spool_failed reason=unreachable ' "flush-spool with the endpoint down"

# --- The endpoint is back: flush until the spool is empty -------------------------

rm -f "$tmp/port"
"$IAM_BUILDDIR/policyd/iam-policyd" --state "$tmp/state" --listen "127.0.0.1:$port" --stderr \
	--ready-file "$tmp/port" 2>>"$tmp/policyd.log" &
endpoint_pid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$tmp/port" ] || { show "$tmp/policyd.log"; exit 99; }

t=$(now)
sent=0 tries=0
while [ "$(waiting)" != 0 ] && [ $tries -lt 10 ]; do
	tries=$((tries + 1))
	"$IAMD" flush-spool --config "$conf" --stderr >"$tmp/flush.out" 2>"$tmp/flush.log" ||
		{ echo "flush-spool $tries failed:"; show "$tmp/flush.out" "$tmp/flush.log"; }
	n=$(sed -n 's/^sent: //p' "$tmp/flush.out")
	sent=$((sent + ${n:-0}))
done
echo "delivered in $tries flush-spool run(s), $(since "$t") s"
[ "$(waiting)" = 0 ] || fail "$(waiting) events still in the spool after $tries flush-spool runs"
[ "$sent" = "$EVENTS" ] || fail "flush-spool reported $sent events sent, expected $EVENTS"
[ ! -d "$spool/bad" ] || [ -z "$(ls -A "$spool/bad")" ] ||
	{ fail "events were quarantined"; ls -l "$spool/bad" | head | show; }

# --- The audit log ----------------------------------------------------------------

"$IAMCTL" --json audit tail -n 100000 >"$tmp/audit.json" 2>"$tmp/audit.err" </dev/null ||
	{ echo "ERROR: iamctl audit tail"; show "$tmp/audit.err"; exit 99; }
# "seq n event_id host_time" of this host's flood records, in seq order.
jq -r '.records | sort_by(.seq)[] | select(.source == "host:web1" and .type == "durability.flood")
	| (.data | fromjson) as $d | "\(.seq) \($d.n) \(.event_id) \($d.host_time)"' \
	"$tmp/audit.json" >"$tmp/records" || { echo "ERROR: jq"; exit 99; }
got=$(wc -l <"$tmp/records")
[ "$got" = "$EVENTS" ] || fail "the audit log has $got flood records, expected $EVENTS"
dups=$(cut -d' ' -f3 "$tmp/records" | sort | uniq -d | wc -l)
[ "$dups" = 0 ] || fail "$dups event ids are in the audit log more than once"
# Each number once, with the id it was produced under.
cut -d' ' -f2,3 "$tmp/records" | sort >"$tmp/got.pairs"
sort "$tmp/produced" >"$tmp/want.pairs"
cmp -s "$tmp/want.pairs" "$tmp/got.pairs" || {
	fail "the audit log's (number, id) pairs differ from those produced"
	diff "$tmp/want.pairs" "$tmp/got.pairs" | head | show
}
# Order: host times never go back along seq; pairs out of production order.
awk '
	NR > 1 && $4 < t { back++ }
	NR > 1 && $2 < n { inv++ }
	{ t = $4; n = $2 }
	END { printf "%d %d\n", back, inv }' "$tmp/records" >"$tmp/order"
read -r back inv <"$tmp/order"
[ "$back" = 0 ] || fail "$back records come after a record with a later host time"
[ "$inv" = 0 ] || fail "$inv of $EVENTS records come right after one produced later"

"$IAMCTL" audit verify --pubkey "$(cat "$tmp/state/signing.pub")" >"$tmp/verify.out" 2>&1 </dev/null
status 0 $? "iamctl audit verify"
all=$(jq '.records | length' "$tmp/audit.json")
has "$tmp/verify.out" "^Audit log intact: $all records" "iamctl audit verify"
grep -q 'NOT checked' "$tmp/verify.out" && fail "iamctl audit verify did not check the signature"
show "$tmp/verify.out"

[ "$failures" -eq 0 ] && echo "PASS" && exit 0
echo "$failures failure(s)"
exit 1
