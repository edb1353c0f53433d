#!/bin/sh
# The host audit spool end to end, against a private iam-policyd on
# loopback: events spooled while the endpoint is down reach its audit log
# exactly once, through `iamd flush-spool` and through the running daemon
# once the endpoint is back (also when sent twice); a malformed event is
# quarantined in the spool's bad/ while the good ones still arrive; files
# that are not events are moved aside, a put in progress is left alone.
# Events are put in the spool by tests/spool_put, the way pam_iam does
# (iam_event_report without a reachable endpoint).
# Run by `make check` in tests/ with IAM_BUILDDIR set by the Makefile; as
# root, because iamd reads only root-owned configuration, credentials and
# spools. Waits are polls with a limit; the daemon retries every 10 s, so
# its part takes some 10-30 s.
set -u

IAMD=${IAMD:-$IAM_BUILDDIR/iamd/iamd}
IAMCTL=${IAMCTL:-$IAM_BUILDDIR/iamctl/iamctl}
POLICYD=${POLICYD:-$IAM_BUILDDIR/policyd/iam-policyd}
SPOOL_PUT=${SPOOL_PUT:-$IAM_BUILDDIR/tests/spool_put}

[ "$(id -u)" -eq 0 ] || { echo "SKIP: iamd needs root-owned configuration; run as root"; exit 77; }
[ -x "$SPOOL_PUT" ] || { echo "SKIP: $SPOOL_PUT is not built (it needs cmocka's configure check)"; exit 77; }
for p in "$IAMD" "$IAMCTL" "$POLICYD"; do
	[ -x "$p" ] || { echo "ERROR: build $p first"; exit 99; }
done
command -v jq >/dev/null 2>&1 || { echo "ERROR: jq is needed"; exit 99; }

umask 022
tmp=$(mktemp -d "${TMPDIR:-/tmp}/iam-spool-test.XXXXXX") || exit 99
policyd_pid='' iamd_pid=''
cleanup() {
	for p in $iamd_pid $policyd_pid; do kill "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
# A signal ends the run (the EXIT trap cleans up); it never carries on
# past a cleanup that already removed its files.
trap cleanup EXIT
trap 'echo "stopped by a signal"; exit 99' INT TERM

. "$IAM_SRCDIR/tests/check.sh"

# --- The endpoint, the host ---------------------------------------------------

# start_policyd [PORT]: on a free port, or again on the one it had.
start_policyd() {
	rm -f "$tmp/port"
	"$POLICYD" --state "$tmp/state" --listen "127.0.0.1:${1:-0}" --ready-file "$tmp/port" \
		--stderr 2>>"$tmp/server.log" &
	policyd_pid=$!
	i=0
	while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$tmp/port" ] || { show "$tmp/server.log"; exit 99; }
}
stop_policyd() {
	kill "$policyd_pid"
	wait "$policyd_pid" 2>/dev/null
	policyd_pid=
}

"$POLICYD" --init "$tmp/state" --kdf-log2-n 10 >"$tmp/init.log" 2>&1 ||
	{ show "$tmp/init.log"; exit 99; }
start_policyd
port=$(cat "$tmp/port")

unset IAM_USER IAM_PINNED_PUBKEY IAM_SIGNING_PUBKEY IAMCTL_CONFIG
export IAM_ENDPOINT="https://127.0.0.1:$port"
export IAM_CA_FILE="$tmp/state/tls.crt"
export IAM_ADMIN_TOKEN_FILE="$tmp/state/admin.token"
export IAMCTL_TOKEN_DIR="$tmp/tokens"
export XDG_CONFIG_HOME="$tmp/xdg"

"$IAMCTL" host enroll web1 --output "$tmp/web1.cred" >"$tmp/ctl.out" 2>&1 </dev/null ||
	{ show "$tmp/ctl.out"; exit 99; }
spool="$tmp/var/spool"
conf="$tmp/iam.conf"
cat >"$conf" <<EOF
endpoint = $IAM_ENDPOINT
ca_file = $tmp/state/tls.crt
host_credential_file = $tmp/web1.cred
snapshot_pubkey = $(cat "$tmp/state/signing.pub")
cache_path = $tmp/var/nss.cache
spool_dir = $spool
spool_max = 100
connect_timeout = 1s
EOF

# put TYPE USER: spools an event as pam_iam would; prints its id.
put() {
	"$SPOOL_PUT" "$spool" event "$1" "$2" 2>>"$tmp/put.log" ||
		{ echo "ERROR: spool_put $*"; show "$tmp/put.log"; exit 99; }
}
# raw ID TEXT: spools TEXT as event ID, as it is.
raw() {
	printf '%s' "$2" | "$SPOOL_PUT" "$spool" raw "$1" 2>>"$tmp/put.log" ||
		{ echo "ERROR: spool_put raw $1"; show "$tmp/put.log"; exit 99; }
}
flush() { # LOG: one flush-spool, stdout in $tmp/flush.out
	"$IAMD" flush-spool --config "$conf" --stderr >"$tmp/flush.out" 2>"$1"
}
# waiting: how many events the spool holds (the names iamd reads)
waiting() { find "$spool" -maxdepth 1 -name '*.json' | wc -l; }
in_spool() { [ -e "$spool/$1.json" ]; }
in_bad() { [ -e "$spool/bad/$1" ]; }

# The endpoint's audit log, as an administrator reads it.
fetch_audit() {
	"$IAMCTL" --json audit tail -n 100000 >"$tmp/audit.json" 2>"$tmp/audit.err" </dev/null ||
		{ echo "ERROR: iamctl audit tail"; show "$tmp/audit.err"; exit 99; }
}
# records ID: how many records web1's event ID has in the fetched log.
records() {
	jq --arg id "$1" '[.records[] | select(.source == "host:web1" and .event_id == $id)]
		| length' "$tmp/audit.json"
}
once_in_audit() { # WHAT TYPE ACTOR ID...
	what=$1 type=$2 actor=$3
	shift 3
	for id; do
		n=$(records "$id")
		[ "$n" = 1 ] || fail "$what: event $id has $n records in the audit log, expected 1"
		jq -e --arg id "$id" --arg t "$type" --arg a "$actor" '.records[] |
			select(.source == "host:web1" and .event_id == $id) |
			select(.type == $t and .actor == $a and (.data | fromjson | .service == "sshd"))' \
			"$tmp/audit.json" >/dev/null || fail "$what: event $id is not a $type of $actor"
	done
}

# --- Usage ----------------------------------------------------------------------

"$IAMD" --help >"$tmp/out" 2>&1
has "$tmp/out" '^  flush-spool +deliver' "--help lists flush-spool"
"$IAMD" flush-spool --help >"$tmp/out" 2>&1
status 0 $? "flush-spool --help"
has "$tmp/out" '^Usage: iamd flush-spool ' "flush-spool --help"
"$IAMD" flush-spool now >"$tmp/out" 2>&1
status 2 $? "flush-spool with an argument"
has "$tmp/out" "unexpected argument 'now'" "flush-spool with an argument"
"$IAMD" flush-spool --frobnicate >"$tmp/out" 2>&1
status 2 $? "flush-spool with an unknown option"

# Nothing to send: the spool is made, root's and closed.
flush "$tmp/flush.log"
status 0 $? "flush-spool of no spool"
has "$tmp/flush.out" '^sent: 0$' "flush-spool of no spool"
has "$tmp/flush.out" '^waiting: 0$' "flush-spool of no spool"
[ "$(stat -c '%a %u' "$spool")" = "700 0" ] || fail "spool mode/owner $(stat -c '%a %u' "$spool")"
[ "$(stat -c %a "$tmp/var")" = 755 ] || fail "spool parent mode $(stat -c %a "$tmp/var")"

# --- The endpoint is down: everything waits, junk is moved aside --------------------

stop_policyd
e1=$(put session.open alice)
e2=$(put session.close alice)
e3=$(put login.offline bob)
[ "$(stat -c %a "$spool/$e1.json")" = 600 ] || fail "event file mode $(stat -c %a "$spool/$e1.json")"
# older than the others, so at the head of the batch
raw 1700000000.badjson 'this is not JSON'
raw 1700000000.badtype '{"id":"1700000000.badtype","time":1700000000,"type":"Not A Type","data":{}}'
printf 'notes\n' >"$spool/notes.txt"
printf '{}' >"$spool/1700000001.x.json.tmpAbC123" # a put in progress
[ "$(waiting)" = 5 ] || fail "5 events expected in the spool, found $(waiting)"

flush "$tmp/flush.log"
status 1 $? "flush-spool with the endpoint down"
has "$tmp/flush.out" '^sent: 0$' "endpoint down"
has "$tmp/flush.out" '^quarantined: 2$' "endpoint down: not JSON, and notes.txt"
has "$tmp/flush.out" '^waiting: 4$' "endpoint down"
has "$tmp/flush.log" '^iamd: the audit spool .*: delivering 4 audit events: ' "endpoint down"
has "$tmp/flush.log" 'event=spool_failed reason=unreachable .*sent=0 quarantined=2 waiting=4' \
	"endpoint down"
has "$tmp/flush.log" 'event=spool_quarantined id=1700000000.badjson error="invalid JSON' \
	"an event that is not JSON"
has "$tmp/flush.log" 'event=spool_junk files=1 ' "notes.txt"
for id in "$e1" "$e2" "$e3" 1700000000.badtype; do
	in_spool "$id" || fail "endpoint down: $id left the spool"
done
in_bad 1700000000.badjson.json || fail "the event that is not JSON is not in bad/"
in_bad notes.txt || fail "notes.txt is not in bad/"
[ "$(stat -c %a "$spool/bad")" = 700 ] || fail "bad/ mode $(stat -c %a "$spool/bad")"

# --- The endpoint is back: the good events go, the bad one is quarantined ----------

start_policyd "$port"
cp "$spool/$e1.json" "$tmp/e1.copy"
flush "$tmp/flush.log"
status 0 $? "flush-spool with the endpoint back"
has "$tmp/flush.out" '^sent: 3$' "endpoint back"
has "$tmp/flush.out" '^quarantined: 1$' "endpoint back"
has "$tmp/flush.out" '^waiting: 0$' "endpoint back"
has "$tmp/flush.log" \
	'event=spool_quarantined id=1700000000.badtype error="invalid_field: .*moved_to=.*/bad$' \
	"an event the endpoint refuses"
has "$tmp/flush.log" 'event=spool_flushed sent=3 quarantined=1 waiting=0' "endpoint back"
in_bad 1700000000.badtype.json || fail "the refused event is not in bad/"
[ -e "$spool/1700000001.x.json.tmpAbC123" ] || fail "the put in progress was touched"
fetch_audit
once_in_audit "flush-spool" session.open alice "$e1"
once_in_audit "flush-spool" session.close alice "$e2"
once_in_audit "flush-spool" login.offline bob "$e3"
[ "$(records 1700000000.badtype)" = 0 ] || fail "the refused event is in the audit log"

# Sent again (an answer lost on the way, two deliverers): stored once.
cp "$tmp/e1.copy" "$spool/$e1.json"
flush "$tmp/flush.log"
status 0 $? "flush-spool of an event delivered before"
has "$tmp/flush.out" '^sent: 1$' "an event delivered before"
in_spool "$e1" && fail "an event delivered before stayed in the spool"
fetch_audit
once_in_audit "an event sent twice" session.open alice "$e1"

# --- The daemon ---------------------------------------------------------------

# wait_empty SECONDS WHAT: the daemon empties the spool in time.
wait_empty() {
	i=0
	while [ "$(waiting)" != 0 ] && [ $i -lt $(($1 * 10)) ]; do sleep 0.1; i=$((i + 1)); done
	[ "$(waiting)" = 0 ] && return 0
	fail "$2: $(waiting) events still in the spool after $1 s"
	show "$tmp/iamd.log"
}
wait_log() { # SECONDS REGEX WHAT
	i=0
	while ! grep -Eq -- "$2" "$tmp/iamd.log" && [ $i -lt $(($1 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	has "$tmp/iamd.log" "$2" "$3"
}

# Events that waited before it started go at once.
e4=$(put session.open carol)
"$IAMD" --config "$conf" --stderr 2>>"$tmp/iamd.log" &
iamd_pid=$!
wait_empty 5 "the daemon at start"
has "$tmp/iamd.log" "event=start .* spool=$spool spool_waiting=1" "the daemon's start line"
has "$tmp/iamd.log" 'event=spool_delivered sent=1 quarantined=0 waiting=0' "the daemon at start"

# The endpoint goes away: what is spooled meanwhile waits, and goes once it
# is back (the daemon retries every 10 s, and at once when a sync succeeds).
stop_policyd
e5=$(put session.close carol)
e6=$(put elevation.use dave)
wait_log 25 'event=spool_failed reason=unreachable .*waiting=2 retry_in=' \
	"the daemon with the endpoint down"
if ! in_spool "$e5" || ! in_spool "$e6"; then
	fail "events left the spool while the endpoint was down"
fi
kill -0 "$iamd_pid" 2>/dev/null || fail "iamd exited when the endpoint went away"
start_policyd "$port"
wait_empty 60 "the daemon with the endpoint back"
has "$tmp/iamd.log" 'event=spool_resumed sent=2 quarantined=0 waiting=0' "the endpoint back"

kill "$iamd_pid"
wait "$iamd_pid"
status 0 $? "SIGTERM to the daemon"
iamd_pid=

fetch_audit
once_in_audit "the daemon" session.open carol "$e4"
once_in_audit "the daemon" session.close carol "$e5"
once_in_audit "the daemon" elevation.use dave "$e6"
once_in_audit "at the end" session.open alice "$e1"
n=$(jq '[.records[] | select(.source == "host:web1")] | length' "$tmp/audit.json")
[ "$n" = 6 ] || fail "web1 has $n audit records, expected 6"

[ "$failures" -eq 0 ] && echo "PASS" && exit 0
echo "$failures failure(s)"
exit 1
