#!/bin/sh
# iamd ends the sessions of ended grants (jit_end_sessions = yes), end to
# end: a real iamd against a private iam-policyd on loopback, real process
# trees, and session records written by tests/jit_record the way pam_jit
# writes them (iam_jit_session_record).
#  - a grant that expires: the tree lives until the record's not_after,
#    then gets SIGTERM; a child that ignores SIGTERM gets SIGKILL after
#    jit_end_grace; the record goes; one line is logged, and a
#    jit.session.end event reaches the endpoint's audit log;
#  - a grant revoked on the endpoint: its membership leaves the next
#    snapshot, and the tree is ended once iamd has installed it; a record
#    whose grant a cache older than the record does not list is left
#    alone until a newer snapshot comes;
#  - a grant extended on the endpoint: the session outlives the not_after
#    it was recorded with;
#  - a record whose start time does not match its process (a reused pid),
#    one for a process that is gone, and malformed ones are removed and
#    nothing is signalled;
#  - with jit_end_sessions = no nothing is touched.
# Run by `make check` in tests/ with IAM_BUILDDIR set by the Makefile; as
# root, because iamd reads only root-owned configuration and records.
# Waits are polls with a limit; the whole run takes some 30 s.
set -u

IAMD=${IAMD:-$IAM_BUILDDIR/iamd/iamd}
IAMCTL=${IAMCTL:-$IAM_BUILDDIR/iamctl/iamctl}
POLICYD=${POLICYD:-$IAM_BUILDDIR/policyd/iam-policyd}
JIT_RECORD=${JIT_RECORD:-$IAM_BUILDDIR/tests/jit_record}

[ "$(id -u)" -eq 0 ] || { echo "SKIP: iamd needs root-owned configuration; run as root"; exit 77; }
[ -x "$JIT_RECORD" ] || { echo "SKIP: $JIT_RECORD is not built (it needs cmocka's configure check)"; exit 77; }
for p in "$IAMD" "$IAMCTL" "$POLICYD"; do
	[ -x "$p" ] || { echo "ERROR: build $p first"; exit 99; }
done
command -v jq >/dev/null 2>&1 || { echo "ERROR: jq is needed"; exit 99; }

umask 022
tmp=$(mktemp -d "${TMPDIR:-/tmp}/iam-jit-test.XXXXXX") || exit 99
policyd_pid='' iamd_pid=''
# Processes this test started and may still have to stop, as PID:START, so
# that the cleanup never signals a pid that was reused meanwhile; a pid
# leaves the list once it is seen gone.
owned=''
cleanup() {
	for p in $iamd_pid $policyd_pid; do kill "$p" 2>/dev/null; done
	for ps in $owned; do
		[ "$(start_of "${ps%%:*}")" = "${ps#*:}" ] && kill -KILL "${ps%%:*}" 2>/dev/null
	done
	rm -rf "$tmp"
}
# A signal ends the run (the EXIT trap cleans up); it never carries on
# past a cleanup that already removed its files.
trap cleanup EXIT
trap 'echo "stopped by a signal"; exit 99' INT TERM

. "$IAM_SRCDIR/tests/check.sh"

# --- Processes ----------------------------------------------------------------

# start_of PID: field 22 of /proc/PID/stat (counted after the command name,
# which may hold spaces); empty when there is no such process.
start_of() {
	sed -n 's/^.*) [^ ]* \(.*\)$/\1/p' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f19
}
# running PID: exists and is not a zombie (a killed child of this shell, or
# an orphan of a pid 1 that does not reap, stays a zombie for a while).
running() {
	state=$(sed -n 's/^.*) \(.\) .*$/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}
own() { # PID...
	for p in "$@"; do owned="$owned $p:$(start_of "$p")"; done
}
disown_gone() { # PID...: forget processes seen gone
	for p in "$@"; do
		running "$p" && continue
		new=''
		for ps in $owned; do [ "${ps%%:*}" = "$p" ] || new="$new $ps"; done
		owned=$new
	done
}
# wait_pidfile FILE: a tree wrote its pid files within 5 s.
wait_pidfile() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$1" ] || { echo "ERROR: $1 was not written"; exit 99; }
}

# A session's processes: this shell, a sleep, and a sleep that ignores
# SIGTERM (only SIGKILL ends it). Each writes its pid to PREFIX.*.
cat >"$tmp/tree.sh" <<'TREE'
sleep 300 &
echo $! >"$1.child"
sh -c 'trap "" TERM; exec sleep 300' &
echo $! >"$1.stubborn"
echo $$ >"$1.root"
wait
TREE
# start_tree NAME: sets root, child, stubborn.
start_tree() {
	sh "$tmp/tree.sh" "$tmp/$1" &
	wait_pidfile "$tmp/$1.root"
	wait_pidfile "$tmp/$1.child"
	wait_pidfile "$tmp/$1.stubborn"
	root=$(cat "$tmp/$1.root") child=$(cat "$tmp/$1.child") stubborn=$(cat "$tmp/$1.stubborn")
	own "$root" "$child" "$stubborn"
	# the stubborn one has ignored SIGTERM once it runs sleep
	i=0
	while [ "$(cat "/proc/$stubborn/comm" 2>/dev/null)" != sleep ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
all_running() { # WHAT PID...
	what=$1
	shift
	for p in "$@"; do running "$p" || fail "$what: process $p is not running"; done
}
# wait_gone SECONDS PID...: all have ended within SECONDS; 1 if not.
wait_gone() {
	limit=$(($1 * 10))
	shift
	i=0
	while [ $i -lt $limit ]; do
		alive=''
		for p in "$@"; do running "$p" && alive="$alive $p"; done
		[ -z "$alive" ] && { disown_gone "$@"; return 0; }
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
# wait_file_gone SECONDS FILE
wait_file_gone() {
	i=0
	while [ -e "$2" ] && [ $i -lt $(($1 * 10)) ]; do sleep 0.1; i=$((i + 1)); done
	[ ! -e "$2" ]
}

# --- The endpoint, a role, two grants ------------------------------------------

"$POLICYD" --init "$tmp/state" --kdf-log2-n 10 >"$tmp/init.log" 2>&1 ||
	{ show "$tmp/init.log"; exit 99; }
"$POLICYD" --state "$tmp/state" --listen 127.0.0.1:0 --ready-file "$tmp/port" \
	--stderr 2>>"$tmp/server.log" &
policyd_pid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$tmp/port" ] || { show "$tmp/server.log"; exit 99; }

unset IAM_USER IAM_PINNED_PUBKEY IAM_SIGNING_PUBKEY IAMCTL_CONFIG
export IAM_ENDPOINT="https://127.0.0.1:$(cat "$tmp/port")"
export IAM_CA_FILE="$tmp/state/tls.crt"
export IAM_ADMIN_TOKEN_FILE="$tmp/state/admin.token"
export IAMCTL_TOKEN_DIR="$tmp/tokens"
export XDG_CONFIG_HOME="$tmp/xdg"

ctl() {
	"$IAMCTL" "$@" >"$tmp/ctl.out" 2>&1 </dev/null && return 0
	echo "ERROR: iamctl $*"
	show "$tmp/ctl.out"
	exit 99
}
ctl_in() { # STDIN ARGS...
	in=$1
	shift
	printf '%s\n' "$in" | "$IAMCTL" "$@" >"$tmp/ctl.out" 2>&1 && return 0
	echo "ERROR: iamctl $*"
	show "$tmp/ctl.out"
	exit 99
}
ctl host enroll web1 --output "$tmp/web1.cred"
for u in alice bob erin; do
	ctl_in "pw-$u-1" user add "$u" --password-stdin
done
ctl role add ops --max-duration 2h
for u in alice bob erin; do
	ctl role eligible ops --user "$u"
	ctl_in "pw-$u-1" --user "$u" --password-stdin login
done
# grant_of USER: sets grant and until, the id and not_after of USER's
# active grant of ops.
grant_of() {
	ctl --json request list --state active
	set -- $(jq -r --arg u "$1" '.requests[] | select(.requester == $u and .role == "ops"
		and (.extends // 0) == 0) | "\(.id) \(.not_after)"' "$tmp/ctl.out")
	[ $# -eq 2 ] || { echo "ERROR: no single active grant"; show "$tmp/ctl.out"; exit 99; }
	grant=$1 until=$2
}
ctl --user bob elevate ops --for 1h --reason "jit_end test"
grant_of bob
grant_bob=$grant until_bob=$until

jit="$tmp/jit"
cache="$tmp/var/nss.cache"
# write_conf FILE JIT_END_SESSIONS
write_conf() {
	cat >"$1" <<CONF
endpoint = $IAM_ENDPOINT
ca_file = $tmp/state/tls.crt
host_credential_file = $tmp/web1.cred
snapshot_pubkey = $(cat "$tmp/state/signing.pub")
cache_path = $cache
spool_dir = $tmp/spool
id_min = 200000
id_max = 499999
jit_session_dir = $jit
jit_end_sessions = $2
jit_end_grace = 3s
CONF
}
write_conf "$tmp/on.conf" yes
write_conf "$tmp/off.conf" no

# stop_iamd: SIGTERM, and wait for it.
stop_iamd() {
	kill "$iamd_pid"
	wait "$iamd_pid"
	iamd_pid=
}
# wait_cache REGEX WHAT: a cache-dump line matches within 10 s.
wait_cache() {
	i=0
	while [ $i -lt 100 ]; do
		"$IAMD" cache-dump "$cache" >"$tmp/dump" 2>&1 && grep -Eq -- "$1" "$tmp/dump" &&
			return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "ERROR: $2: no cache line '$1' within 10 s"
	show "$tmp/dump"
	exit 99
}
# record USER GRANT PID NOT_AFTER [START]: as pam_jit would.
record() {
	"$JIT_RECORD" "$jit" "$3" "$1" ops ops "$2" "$4" ${5:+"$5"} >"$tmp/rec.out" 2>&1 &&
		return 0
	echo "ERROR: jit_record $*"
	show "$tmp/rec.out"
	exit 99
}
# until_time T: sleep until the clock reads T (Unix seconds).
until_time() {
	while [ "$(date +%s)" -lt "$1" ]; do sleep 0.1; done
}

log="$tmp/iamd.log"
"$IAMD" --config "$tmp/on.conf" --stderr 2>>"$log" &
iamd_pid=$!
wait_cache "^ops:x:[0-9]+:bob@$until_bob\$" "bob's grant"
has "$log" 'event=jit_end_sessions dir=.*/jit grace=3s' "the job starts"

# --- Records that are not believed ------------------------------------------------

# A reused pid: the record's start time is not the process's. Its
# not_after has passed, so only the start time keeps it alive.
sleep 300 &
reused=$!
own "$reused"
now=$(date +%s)
record alice 1000 "$reused" $((now - 10)) $(($(start_of "$reused") + 1))
# A process that is gone.
sh -c 'exit 0' &
gone=$!
wait "$gone"
record alice 1000 "$gone" $((now - 10)) 12345
# Malformed, naming another pid, of another owner; a write in progress.
# Each is made elsewhere and renamed in, so that iamd sees it whole.
"$JIT_RECORD" "$tmp/scratch" "$reused" alice ops ops 1000 $((now + 100)) >/dev/null 2>&1 ||
	{ echo "ERROR: jit_record into scratch"; exit 99; }
printf 'iam-jit-session 2\n' >"$tmp/scratch/4000001"
cp "$tmp/scratch/$reused" "$tmp/scratch/4000002"
cp "$tmp/scratch/$reused" "$tmp/scratch/4000003"
chown 65534 "$tmp/scratch/4000003"
printf 'half' >"$tmp/scratch/4000004.tmpAbC123"
chmod 600 "$tmp/scratch"/4*
for f in 4000001 4000002 4000003 4000004.tmpAbC123; do mv "$tmp/scratch/$f" "$jit/$f"; done

wait_file_gone 5 "$jit/$reused" || fail "the record of a reused pid is still there after 5 s"
wait_file_gone 5 "$jit/$gone" || fail "the record of a process that is gone is still there"
for f in 4000001 4000002 4000003; do
	wait_file_gone 5 "$jit/$f" || fail "the invalid record $f is still there"
done
[ -e "$jit/4000004.tmpAbC123" ] || fail "a temporary file was removed"
sleep 1
running "$reused" || fail "the process of a record with another start time was signalled"
has "$log" "event=jit_session_stale user=alice role=ops group=ops grant=1000 pid=$reused reason=pid_reused" \
	"a reused pid"
has "$log" "event=jit_session_stale .*pid=$gone reason=gone" "a process that is gone"
has "$log" 'event=jit_session_invalid path=.*/4000001 error=".*line 1: .*" action=removed' \
	"a malformed record"
has "$log" 'event=jit_session_invalid path=.*/4000002 error=".*names pid '"$reused"'" action=removed' \
	"a record under another pid's name"
has "$log" 'event=jit_session_invalid path=.*/4000003 error=".*owned by uid 65534.*" action=removed' \
	"a record of another owner"
lacks "$log" "event=jit_session_end .*pid=$reused " "a reused pid"

# --- Four sessions -------------------------------------------------------------------

# alice's and erin's grants are short; erin's is extended below.
ctl --user alice elevate ops --for 15s --reason "jit_end test"
ctl --user erin elevate ops --for 15s --reason "jit_end test"
grant_of alice
grant_alice=$grant until_alice=$until
grant_of erin
grant_erin=$grant until_erin=$until
wait_cache "^ops:x:[0-9]+:.*erin@$until_erin" "erin's grant"
wait_cache "^ops:x:[0-9]+:.*alice@$until_alice" "alice's grant"

start_tree expiry
a_root=$root a_child=$child a_stubborn=$stubborn
record alice "$grant_alice" "$a_root" "$until_alice"
start_tree extend
e_root=$root e_child=$child e_stubborn=$stubborn
record erin "$grant_erin" "$e_root" "$until_erin"
start_tree revoke
b_root=$root b_child=$child b_stubborn=$stubborn
record bob "$grant_bob" "$b_root" "$until_bob"
# A grant the cache in place has never seen (pam_jit may activate a grant
# a moment before it records the session, and iamd installs it a moment
# later): a cache older than the record must not end it; the next
# snapshot, made after the record, does.
start_tree unseen
c_root=$root c_child=$child c_stubborn=$stubborn
record carol 999 "$c_root" $(($(date +%s) + 3600))

# Rounds with the cache in place (older than carol's record) leave it be.
sleep 1.5
all_running "a grant the cache in place predates" "$c_root" "$c_child" "$c_stubborn"
lacks "$log" "event=jit_session_end user=carol" "a grant the cache in place predates"

# erin's grant is extended. The snapshot that says so is made after the
# records (in a later second): it keeps erin's session beyond the end it
# was recorded with, and ends carol's, which it does not list.
ctl --user erin request extend "$grant_erin" --for 1h --reason "more time"
grant_of erin
[ "$grant" = "$grant_erin" ] && [ "$until" -gt $((until_erin + 3000)) ] ||
	{ echo "ERROR: the extension did not move not_after"; show "$tmp/ctl.out"; exit 99; }
wait_cache "^ops:x:[0-9]+:.*erin@$until\$" "the extension"
until_erin_extended=$until

# --- Expiry --------------------------------------------------------------------------

# Just before not_after, all of it runs and the record is there.
until_time $((until_alice - 1))
all_running "before not_after" "$a_root" "$a_child" "$a_stubborn"
[ -e "$jit/$a_root" ] || fail "before not_after: the record is gone"
lacks "$log" "event=jit_session_end .*pid=$a_root " "before not_after"

# SIGTERM ends the shell and the plain child at not_after ...
if wait_gone 5 "$a_root" "$a_child"; then
	[ "$(date +%s)" -ge "$until_alice" ] ||
		fail "the tree ended before its not_after $until_alice"
else
	fail "expiry: the tree did not end within 4 s of not_after"
fi
has "$log" "iamd\[notice\]: event=jit_session_end user=alice role=ops group=ops grant=$grant_alice pid=$a_root why=expired not_after=$until_alice processes=3 grace=3s" \
	"the expiry line"
# ... the child that ignores SIGTERM lives on through the grace ...
running "$a_stubborn" || fail "expiry: the child that ignores SIGTERM died before the grace ended"
[ -e "$jit/$a_root" ] || fail "expiry: the record went before the grace ended"
# ... and SIGKILL ends it.
wait_gone 6 "$a_stubborn" || fail "expiry: SIGKILL did not end the child that ignores SIGTERM"
wait_file_gone 2 "$jit/$a_root" || fail "expiry: the record is still there"
has "$log" "iamd\[notice\]: event=jit_session_ended user=alice .*pid=$a_root why=expired killed=1" \
	"the kill line"

# An extended grant outlives the end it was recorded with.
until_time $((until_erin + 1))
all_running "an extended grant" "$e_root" "$e_child" "$e_stubborn"
[ -e "$jit/$e_root" ] || fail "an extended grant: the record is gone"
lacks "$log" "event=jit_session_end user=erin" "an extended grant"
has "$log" "event=jit_session_extended user=erin .*pid=$e_root not_after=$until_erin_extended\$" \
	"the extension line"
all_running "a grant that runs" "$b_root" "$b_child" "$b_stubborn"
# carol's session ended with the snapshot of the extension.
wait_gone 10 "$c_root" "$c_child" "$c_stubborn" ||
	fail "a grant missing from a newer snapshot: the tree still runs"
has "$log" "event=jit_session_end user=carol .*pid=$c_root why=revoked " \
	"a grant missing from a newer snapshot"

# --- Revocation: the membership leaves the next snapshot ----------------------------

ctl request revoke "$grant_bob" --reason "jit_end test"
wait_gone 10 "$b_root" "$b_child" "$b_stubborn" ||
	fail "revocation: the tree still runs 10 s after the grant was revoked"
wait_file_gone 2 "$jit/$b_root" || fail "revocation: the record is still there"
has "$log" "iamd\[notice\]: event=jit_session_end user=bob role=ops group=ops grant=$grant_bob pid=$b_root why=revoked " \
	"the revocation line"
"$IAMD" cache-dump "$cache" >"$tmp/dump" 2>&1
lacks "$tmp/dump" '^ops:.*bob@' "the cache after the revocation"
all_running "a grant that was not revoked" "$e_root" "$e_child" "$e_stubborn"
ctl request revoke "$grant_erin" --reason "jit_end test"
wait_gone 10 "$e_root" "$e_child" "$e_stubborn" ||
	fail "revocation of an extended grant: the tree still runs"
has "$log" "event=jit_session_end user=erin .*pid=$e_root why=revoked " \
	"revocation of an extended grant"
running "$reused" || fail "the process of a record with another start time died"

# The endpoint's audit log has every end (the spool is delivered by iamd).
i=0
while [ $i -lt 150 ]; do
	"$IAMCTL" --json audit tail -n 200 >"$tmp/audit.json" 2>"$tmp/audit.err" </dev/null &&
		[ "$(jq '[.records[] | select(.type == "jit.session.end" and .source == "host:web1")]
			| length' "$tmp/audit.json")" = 4 ] && break
	sleep 0.1
	i=$((i + 1))
done
for who in "alice expired $grant_alice $a_root" "bob revoked $grant_bob $b_root" \
	"carol revoked 999 $c_root" "erin revoked $grant_erin $e_root"; do
	set -- $who
	jq -e --arg u "$1" --arg why "$2" --argjson g "$3" --argjson pid "$4" '.records[] |
		select(.type == "jit.session.end" and .source == "host:web1" and .actor == $u) |
		.data | fromjson | select(.why == $why and .grant == $g and .pid == $pid and
			.role == "ops")' "$tmp/audit.json" >/dev/null ||
		{ fail "no jit.session.end of $1 ($2) in the audit log"; show "$tmp/audit.json"; }
done
stop_iamd

# --- Off (the default): nothing is ended ------------------------------------------

: >"$tmp/off.log"
"$IAMD" --config "$tmp/off.conf" --stderr 2>>"$tmp/off.log" &
iamd_pid=$!
start_tree off
record alice 1000 "$root" $(($(date +%s) - 1))
sleep 3
all_running "jit_end_sessions = no" "$root" "$child" "$stubborn"
[ -e "$jit/$root" ] || fail "jit_end_sessions = no: the record was removed"
lacks "$tmp/off.log" 'event=jit_' "jit_end_sessions = no"
has "$tmp/off.log" 'event=start ' "the daemon runs"
stop_iamd

[ "$failures" -eq 0 ] && echo "PASS" && exit 0
echo "$failures failure(s)"
exit 1
