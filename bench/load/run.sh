#!/bin/bash
# bench/load/run.sh: one iam-policyd on loopback under a burst of concurrent
# SSH logins and under concurrent grant checks (issue 6, "Load"). A
# benchmark, not a test: nothing asserts on the figures, and "make check"
# never runs it; the exit status is 1 when a login fails, a request gets
# an error, or an audit record is missing.
#
# HOW TO RUN
#
#   make -C BUILD/bench load-bench
#   bench/load/run.sh --build BUILD [options]
#
# BUILD is a built tree configured with --sysconfdir=/etc (libnss_iam reads
# /etc/iam/iam.conf, here an overlay in a private mount namespace), e.g.
# ./configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var.
# About 3 minutes on 2 cores (up to 30 s of it waiting for a new TOTP step
# between bursts, more on a busy machine: it waits for quiet spells).
# Prints Markdown for bench/RESULTS.md ("Load: concurrent SSH logins and
# grant checks") on standard output, progress on standard error.
#
# NEEDS: root (unshare -m, overlay mounts, sshd; pam_iam trusts only
# root-owned configuration), openssh-server and openssh-client, oathtool,
# wrk, jq, python3 (hostns.sh picks a free port with it), openssl,
# util-linux. The host's files are never written (scripts/hostns.sh).
#
# WHAT IT DOES
#
# 1. The endpoint (scripts/endpoint.sh): iam-policyd --init on loopback,
#    state on disk under --dir, with --kdf-log2-n 12 by default (scrypt
#    N=2^12 r=8, 4 MiB: 1/8 of the production cost, so that 50 logins at
#    once fit 2 cores; --kdf-log2-n 15 gives the production default) and
#    lockout_threshold = 1000, rate_limit_threshold = 100000 in
#    policyd.conf (every login here succeeds; no limit may interfere).
# 2. The directory (iamctl): a host and a group it admits, --logins users
#    with password and TOTP (iamctl mfa enroll NAME --print-secret), one
#    user without TOTP with an active 8-hour grant of a role (role add,
#    role eligible, elevate as the user). iamd --once writes the NSS cache.
#    The host's iam.conf spells out the defaults (connect_timeout 2s,
#    timeout 5s, offline_max_age 3d, offline_kdf_log2n 15).
# 3. One sshd (scripts/hostns.sh) in a private mount namespace with
#    examples/pam.d/sshd (pam_iam, then pam_unix; session: pam_unix and
#    pam_iam) and "MaxStartups 200" (the default 10:30:100 starts dropping
#    unauthenticated connections beyond 10).
# 4. Bursts of --logins concurrent SSH logins, one per user: the TOTP codes
#    are computed first, then all logins start at the same instant (each
#    waits for a common start time, 1 s ahead); each is
#    hostns_login (keyboard-interactive, SSH_ASKPASS answering "Password:"
#    and "Verification code:") running "true", timed with bash's
#    $EPOCHREALTIME around ssh. After a burst: wait until sshd has no child
#    left (every session closed), count the events left in pam_iam's spool
#    and deliver them with iamd flush-spool, then count the burst's audit
#    records (iamctl --json audit tail): each user must have exactly one
#    successful login (the endpoint's "login.mfa" with result ok: the
#    password step is "login" mfa_required), one session.open and one
#    session.close, with
#    the same session id.
#      first   every user's first login on the host (pam_iam also makes
#              the user's offline verifier, a local scrypt at ln=15)
#      steady  the same users again once the TOTP step of the first burst's
#              codes has passed (the endpoint takes a code once per step
#              and user): pam_iam keeps the verifier
# 5. Grant checks: wrk -t2 -c--conns for --duration s (after a --warmup s
#    run) posting /v1/decide/grant {"user","role","origin"} with the host
#    credential (bench/bench.lua: every 2xx answer must say
#    "decision":"allow"); --timeout 60s, so that a slow answer shows in the
#    latency, not as an error. Requests/s, p50 and p99 (wrk --latency),
#    wrk's "Non-2xx or 3xx responses", socket errors and timeouts. Then the
#    decide.grant audit records written during the run are counted and
#    compared with the decisions the server logged (must be equal) and
#    with the requests wrk completed: wrk stops at --duration with up to
#    one request in flight per connection, which the server still decides,
#    audits and answers to a closed socket, so audited - completed must lie
#    between 0 and --conns.
# 6. Both at once (--no-mixed: skipped): the same wrk run, and 5 s into it
#    a burst of the same users' logins (after their previous step passed),
#    with the same checks on both.
# 7. iamctl audit verify (the hash chain after concurrent writers), and
#    the server log is searched for anything above info (wrk's bare-TCP
#    address probe, one per wrk start, is expected and not counted).
#
# OPTIONS
#   --build DIR       the build tree (default: ../../build next to this script)
#   --logins N        concurrent SSH logins per burst (default 50)
#   --conns N         wrk connections (default 200)
#   --duration S      seconds of each measured wrk run (default 20)
#   --warmup S        seconds of an unmeasured wrk run before (default 2)
#   --kdf-log2-n N    the endpoint's scrypt cost (default 12)
#   --no-mixed        skip part 6
#   --dir DIR         where the working directory goes (default /var/tmp)
#   --quiet-wait S    wait up to S seconds for a quiet machine before each
#                     part (default 60; 0: do not wait)
#   --keep            keep the working directory (logs, raw samples)
set -u -o pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=""
nlogins=50
conns=200
duration=20
warmup=2
kdf_ln=12
mixed=1
basedir=${TMPDIR_BENCH:-/var/tmp}
quiet_max=60
keep=0
password='load-Pa55word-not-secret'

die() { echo "load/run.sh: $*" >&2; exit 1; }
log() { echo "# $(date -u +%H:%M:%S) $*" >&2; }

while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--logins) nlogins=$2; shift 2 ;;
	--conns) conns=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--kdf-log2-n) kdf_ln=$2; shift 2 ;;
	--no-mixed) mixed=0; shift ;;
	--dir) basedir=$2; shift 2 ;;
	--quiet-wait) quiet_max=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
done

[ "$(id -u)" -eq 0 ] || die "needs root (unshare, mounts, sshd; pam_iam trusts only root-owned files)"
[ -n "$build" ] || build=$src/build
build=$(cd "$build" && pwd) || die "no build tree $build"
for p in policyd/iam-policyd iamctl/iamctl iamd/iamd pam_iam/.libs/pam_iam.so nss_iam/.libs/libnss_iam.so.2; do
	[ -e "$build/$p" ] || die "missing $build/$p (build first: make -C $build)"
done
for c in /usr/sbin/sshd ssh ssh-keygen oathtool wrk jq python3 unshare openssl ldconfig; do
	command -v "$c" >/dev/null || die "missing $c"
done
[ "$duration" -gt 5 ] || die "--duration must be above 5 (the mixed burst starts 5 s in)"

work=$(mktemp -d "$basedir/iam-load-bench.XXXXXX") || die "cannot make a directory in $basedir"
chmod 0755 "$work"
. "$src/scripts/endpoint.sh"
. "$src/scripts/hostns.sh"
sshd_pid=''
wrk_pid=''
cleanup() {
	[ -n "$wrk_pid" ] && kill "$wrk_pid" 2>/dev/null
	[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null
	endpoint_stop
	wait 2>/dev/null
	if [ "$keep" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
umask 022
started=$EPOCHREALTIME
problems=()
problem() { problems+=("$*"); log "PROBLEM: $*"; }

# --- CPU accounting (the machine is shared) ------------------------------------
clk_tck=$(getconf CLK_TCK)
cpu_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
# jiffies processes and their reaped descendants used
tree_cpu() {
	local p s=0
	for p in "$@"; do
		[ -n "$p" ] && [ -r "/proc/$p/stat" ] &&
			s=$((s + $(sed -E 's/^.*\) //' "/proc/$p/stat" | awk '{print $12 + $13 + $14 + $15}')))
	done
	echo "$s"
}
# wait up to $quiet_max s for 3 s in a row in which the rest of the machine
# used less than 15 % of one CPU
wait_quiet() {
	local waited=0 calm=0 b0 b1 s0 s1 other
	[ "$quiet_max" -gt 0 ] || return 0
	while [ "$waited" -lt "$quiet_max" ]; do
		b0=$(cpu_busy); s0=$(tree_cpu $$ "$endpoint_pid" "$sshd_pid")
		sleep 1
		b1=$(cpu_busy); s1=$(tree_cpu $$ "$endpoint_pid" "$sshd_pid")
		other=$(((b1 - b0) - (s1 - s0)))
		if [ $((other * 100)) -lt $((15 * clk_tck)) ]; then
			calm=$((calm + 1))
			[ "$calm" -ge 3 ] && break
		else
			calm=0
		fi
		waited=$((waited + 1))
	done
	[ "$waited" -gt 3 ] && log "waited ${waited}s for a quiet machine"
	[ "$waited" -ge "$quiet_max" ] && log "the machine is busy with other work; measuring anyway"
	return 0
}
# span_begin / span_end NAME: wall time, the endpoint's CPU, everything
# else's CPU (not this script, sshd, ssh, wrk or the endpoint) over a part
span_begin() {
	span_t=$EPOCHREALTIME span_b=$(cpu_busy) span_p=$(tree_cpu "$endpoint_pid")
	span_s=$(tree_cpu $$ "$endpoint_pid" "$sshd_pid")
}
declare -A span_wall span_policyd span_other span_load
span_end() {
	local b1 p1 s1 wall
	b1=$(cpu_busy); p1=$(tree_cpu "$endpoint_pid"); s1=$(tree_cpu $$ "$endpoint_pid" "$sshd_pid")
	wall=$(awk -v a="$span_t" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.2f", b - a}')
	span_wall[$1]=$wall
	span_policyd[$1]=$(awk -v c=$((p1 - span_p)) -v t="$clk_tck" 'BEGIN {printf "%.2f", c / t}')
	span_other[$1]=$(awk -v o=$(((b1 - span_b) - (s1 - span_s))) -v t="$clk_tck" -v d="$wall" \
		'BEGIN {o = o < 0 ? 0 : o; printf "%.0f", 100 * o / t / d}')
	span_load[$1]=$(cut -d' ' -f1 /proc/loadavg)
}

# --- 1. The endpoint -------------------------------------------------------------
log "iam-policyd --init --kdf-log2-n $kdf_ln in $work/state"
endpoint_init "$build" "$work" --kdf-log2-n "$kdf_ln" || die "iam-policyd --init failed"
cat >>"$work/state/policyd.conf" <<-CONF
# bench/load/run.sh: every login succeeds; no lockout or rate limit may interfere
lockout_threshold = 1000
rate_limit_threshold = 100000
CONF
endpoint_start "$build" "$work" || die "iam-policyd did not start"
policyd_log=$work/policyd.log

# --- 2. The directory -------------------------------------------------------------
iamctl() { "$build/iamctl/iamctl" "$@"; }
iamctl -q host enroll loadhost --output "$work/host.credential" || die "host enroll failed"
chmod 0600 "$work/host.credential"
iamctl -q group add staff || die "group add failed"
iamctl -q host allow loadhost --group staff || die "host allow failed"
mkdir -m 0700 "$work/totp"
users=()
log "seeding $nlogins users with TOTP"
for i in $(seq "$nlogins"); do
	u=$(printf 'ld%03d' "$i")
	users+=("$u")
	printf '%s\n' "$password" | iamctl -q user add "$u" --password-stdin || die "user add $u failed"
	iamctl -q group add-member staff "$u" || die "group add-member $u failed"
	iamctl mfa enroll "$u" --print-secret >"$work/totp/$u" || die "mfa enroll $u failed"
done
printf '%s\n' "$password" | iamctl -q user add ldgrant --password-stdin || die "user add ldgrant failed"
iamctl -q role add loadops --max-duration 8h || die "role add failed"
iamctl -q role eligible loadops --user ldgrant || die "role eligible failed"
printf '%s\n' "$password" |
	iamctl -q --user ldgrant --password-stdin elevate loadops --for 8h --reason load-bench ||
	die "elevate failed"
cat >"$work/iam.conf" <<-CONF
endpoint = $IAM_ENDPOINT
ca_file = $IAM_CA_FILE
host_credential_file = $work/host.credential
snapshot_pubkey = $(cat "$work/state/signing.pub")
cache_path = $work/nss.cache
offline_dir = $work/offline
spool_dir = $work/spool
connect_timeout = 2s
timeout = 5s
offline_max_age = 3d
offline_kdf_log2n = 15
CONF
chmod 0644 "$work/iam.conf"
"$build/iamd/iamd" --config "$work/iam.conf" --once --stderr 2>"$work/iamd.log" ||
	die "iamd --once failed: $(tail -n 5 "$work/iamd.log")"

# --- 3. sshd ---------------------------------------------------------------------------
hostdir=$work/host
mkdir -p "$hostdir"
chmod 0755 "$hostdir"
hostns_setup "$hostdir" "$build" "$src" "$work/iam.conf" || die "hostns_setup failed"
HOSTNS_SSHD_EXTRA='MaxStartups 200' hostns_start_sshd "$hostdir" ||
	die "sshd did not start: $(tail -n 5 "$hostdir/sshd.log")"
sshd_pid=$hostns_sshd_pid
grep -q '^MaxStartups 200$' "$hostdir/sshd_config" || die "sshd_config has no MaxStartups 200"
[ "$(hostns_run "$hostdir" getent passwd ld001 | cut -d: -f1)" = ld001 ] ||
	die "the namespace does not resolve directory users through nss_iam"
log "sshd pid $sshd_pid on 127.0.0.1:$hostns_port, iam-policyd pid $endpoint_pid on $IAM_ENDPOINT"
idle_threads=$(awk '/^Threads:/ {print $2}' "/proc/$endpoint_pid/status")

audit_head() { iamctl --json audit tail -n 1 | jq -r '.records[0].seq'; }
# audit_since SEQ FILE: the records after SEQ as "seq type actor
# result-or-decision session_id", through the API (iamctl); iamctl audit tail gives at most
# 100000 records, so a longer window is read from the database with sqlite3
audit_since() {
	local head n
	head=$(audit_head) || return 1
	n=$((head - $1))
	if [ "$n" -le 0 ]; then : >"$2"; return 0; fi
	if [ "$n" -gt 100000 ]; then
		log "$n audit records to read: more than iamctl audit tail gives; reading $work/state/iam.db"
		sqlite3 -readonly -separator $'\t' "$work/state/iam.db" \
			"SELECT seq, type, actor, coalesce(json_extract(data, '\$.result'), json_extract(data, '\$.decision'), '-'),
			 coalesce(json_extract(data, '\$.session_id'), '-') FROM audit WHERE seq > $1 AND seq <= $head
			 ORDER BY seq" >"$2"
		return
	fi
	iamctl --json audit tail -n "$n" | jq -r '.records[] |
		(.data | (try fromjson catch {}) // {}) as $d |
		[.seq, .type, .actor, ($d.result // $d.decision // "-"), ($d.session_id // "-")] | @tsv' >"$2"
}
# wait until the endpoint has no connection thread left beyond the idle ones
wait_idle() {
	local i n
	for i in $(seq 600); do
		n=$(awk '/^Threads:/ {print $2}' "/proc/$endpoint_pid/status" 2>/dev/null)
		[ -z "$n" ] && return
		[ "$n" -le "$idle_threads" ] && return
		sleep 0.1
	done
	log "the endpoint still has $n threads (idle: $idle_threads) after 60 s"
}

# --- 4. Bursts of logins ------------------------------------------------------------------------
declare -A code_step  # user: the latest TOTP step its last code can be of
one_login() { # USER CODE START_US OUT
	local now d t0 t1 rc
	now=${EPOCHREALTIME/./}
	d=$(($3 - now))
	[ "$d" -gt 0 ] && sleep "$(printf '%d.%06d' $((d / 1000000)) $((d % 1000000)))"
	t0=$EPOCHREALTIME
	hostns_login "$hostdir" "$1" "$password" "$2" true >/dev/null 2>>"$work/ssh.err"
	rc=$?
	t1=$EPOCHREALTIME
	echo "$1 $((${t1/./} - ${t0/./})) $rc ${t0/./} ${t1/./}" >>"$4"
}
# wait until every user's next code is of a later TOTP step than its last one
wait_totp_step() {
	local u max=0 end w
	for u in "${users[@]}"; do
		[ "${code_step[$u]:-0}" -gt "$max" ] && max=${code_step[$u]}
	done
	[ "$max" -gt 0 ] || return 0
	end=$(((max + 1) * 30))
	w=$(awk -v e="$end" -v n="$EPOCHREALTIME" 'BEGIN {d = e - n; printf "%.3f", (d > 0 ? d + 0.05 : 0)}')
	log "waiting ${w}s for the next TOTP step ($(date -u -d "@$end" +%H:%M:%S))"
	sleep "$w"
}
declare -A burst_n burst_fail burst_p50 burst_p90 burst_p99 burst_max burst_min burst_span
declare -A audit_login audit_open audit_close audit_paired audit_spooled audit_types
# burst NAME: all users log in at once; times to $work/NAME.txt
burst() {
	local name=$1 out=$work/$1.txt u start_us t pids=() tc
	: >"$out"
	declare -A code
	for u in "${users[@]}"; do
		code[$u]=$(oathtool --totp -b "$(cat "$work/totp/$u")") || die "oathtool failed"
		t=$EPOCHREALTIME
		code_step[$u]=$((${t%.*} / 30))
	done
	burst_seq[$name]=$(audit_head)
	start_us=$((${EPOCHREALTIME/./} + 1000000))
	log "burst $name: ${#users[@]} logins at once, starting $(date -u -d "@$((start_us / 1000000))" +%H:%M:%S)"
	for u in "${users[@]}"; do
		one_login "$u" "${code[$u]}" "$start_us" "$out" &
		pids+=($!)
	done
	for u in "${pids[@]}"; do wait "$u"; done
	burst_end_us[$name]=${EPOCHREALTIME/./}
	burst_start_us[$name]=$start_us
}
declare -A burst_seq burst_end_us burst_start_us
# burst_check NAME: sessions closed, spool flushed, figures and audit counts
burst_check() {
	local name=$1 out=$work/$1.txt i n spooled bad
	for i in $(seq 600); do
		[ -z "$(pgrep -P "$sshd_pid")" ] && break
		sleep 0.1
	done
	[ -n "$(pgrep -P "$sshd_pid")" ] && problem "burst $name: sshd still has children 60 s after the last ssh exited"
	spooled=$(find "$work/spool" -maxdepth 1 -type f 2>/dev/null | wc -l)
	bad=$(find "$work/spool/bad" -type f 2>/dev/null | wc -l)
	if [ "$spooled" -gt 0 ]; then
		"$build/iamd/iamd" flush-spool --config "$work/iam.conf" --stderr 2>>"$work/iamd.log" ||
			problem "burst $name: iamd flush-spool failed: $(tail -n 3 "$work/iamd.log")"
	fi
	[ "$bad" -gt 0 ] && problem "burst $name: $bad events quarantined in $work/spool/bad"
	audit_spooled[$name]=$spooled
	# figures
	n=$(wc -l <"$out")
	burst_n[$name]=$n
	burst_fail[$name]=$(awk '$3 != 0' "$out" | wc -l)
	[ "$n" = "${#users[@]}" ] || problem "burst $name: $n of ${#users[@]} logins reported"
	[ "${burst_fail[$name]}" = 0 ] && [ "$n" -gt 0 ] ||
		problem "burst $name: ${burst_fail[$name]} logins failed: $(awk '$3 != 0 {print $1 " (ssh exit " $3 ")"}' "$out" | head -n 10 | tr '\n' ' ')"
	read -r burst_p50[$name] burst_p90[$name] burst_p99[$name] burst_min[$name] burst_max[$name] < <(
		awk '{print $2 / 1000}' "$out" | sort -n | awk '{v[NR] = $1}
		function p(q,  k) { k = int((NR * q + 99) / 100); if (k < 1) k = 1; return v[k] }
		END {printf "%.0f %.0f %.0f %.0f %.0f\n", p(50), p(90), p(99), v[1], v[NR]}')
	burst_span[$name]=$(awk -v s="${burst_start_us[$name]}" 'BEGIN {m = s} $5 > m {m = $5}
		END {printf "%.2f", (m - s) / 1e6}' "$out")
	# audit: one login ok (login.mfa ok; login ok for a user without TOTP), one
	# session.open, one session.close per user, same session id
	audit_since "${burst_seq[$name]}" "$work/$name.audit" || { problem "burst $name: cannot read the audit log"; return; }
	local u lo op cl ok_users=0 paired=0
	for u in "${users[@]}"; do
		lo=$(awk -v u="$u" '$2 ~ /^login(\.mfa)?$/ && $3 == u && $4 == "ok"' "$work/$name.audit" | wc -l)
		op=$(awk -v u="$u" '$2 == "session.open" && $3 == u {print $5}' "$work/$name.audit")
		cl=$(awk -v u="$u" '$2 == "session.close" && $3 == u {print $5}' "$work/$name.audit")
		[ "$lo" = 1 ] && [ "$(grep -c . <<<"$op")" = 1 ] && [ "$(grep -c . <<<"$cl")" = 1 ] &&
			ok_users=$((ok_users + 1))
		[ -n "$op" ] && [ "$op" = "$cl" ] && [ "$op" != - ] && paired=$((paired + 1))
	done
	audit_login[$name]=$(awk '$2 ~ /^login(\.mfa)?$/ && $4 == "ok"' "$work/$name.audit" | wc -l)
	audit_open[$name]=$(awk '$2 == "session.open"' "$work/$name.audit" | wc -l)
	audit_close[$name]=$(awk '$2 == "session.close"' "$work/$name.audit" | wc -l)
	audit_paired[$name]=$paired
	audit_types[$name]=$(awk '$2 ~ /^(login|session\.|decide\.account)/ {print $2 ($2 == "login" ? " " $4 : "")}' \
		"$work/$name.audit" | sort | uniq -c | awk '{c = $1; $1 = ""; sub(/^ /, ""); printf "%s%s %d", (NR > 1 ? ", " : ""), $0, c}')
	if [ "$ok_users" != "${#users[@]}" ] || [ "$paired" != "${#users[@]}" ]; then
		problem "burst $name: audit: $ok_users of ${#users[@]} users with exactly one login ok, session.open and session.close; $paired with matching session ids (login ok ${audit_login[$name]}, open ${audit_open[$name]}, close ${audit_close[$name]})"
	fi
	log "burst $name: ${burst_n[$name]} logins, ${burst_fail[$name]} failed, p50 ${burst_p50[$name]} ms p99 ${burst_p99[$name]} ms max ${burst_max[$name]} ms, all done in ${burst_span[$name]} s; audit: ${audit_types[$name]}; $spooled events were spooled"
}

wait_quiet
span_begin
burst first
span_end first
burst_check first
accepted_first=$(grep -c 'Accepted keyboard-interactive/pam for ld' "$hostdir/sshd.log")
wait_totp_step
wait_quiet
span_begin
burst steady
span_end steady
burst_check steady

# --- 5. Grant checks ---------------------------------------------------------------------------
export BENCH_TOKEN BENCH_METHOD=POST BENCH_EXPECT='"decision":"allow"'
BENCH_TOKEN=$(tr -d '\n' <"$work/host.credential")
export BENCH_BODY='{"user":"ldgrant","role":"loadops","origin":"10.8.1.2"}'
grant_url=$IAM_ENDPOINT/v1/decide/grant
declare -A g_allow g_rps g_p50 g_p99 g_max g_n g_non2xx g_wrk_non2xx g_err g_audited g_logged
# wrk_run NAME: the measured run, output in $work/NAME.wrk
wrk_run() {
	wrk -t2 -c"$conns" -d"${duration}s" --latency --timeout 60s -s "$src/bench/bench.lua" \
		"$grant_url" >"$work/$1.wrk" 2>&1
}
grant_begin() { # NAME
	g_seq=$(audit_head)
	g_lines=$(wc -l <"$policyd_log")
}
grant_check() { # NAME
	local name=$1 line
	wait_idle
	sed 's/^/#   /' "$work/$name.wrk" >&2
	line=$(grep '^BENCH rps=' "$work/$name.wrk" | tail -n 1)
	if [ -z "$line" ]; then
		problem "grant $name: wrk gave no result"
		return
	fi
	field() { sed -E "s/.* $1=([^ ]+).*/\\1/" <<<"$line"; }
	g_rps[$name]=$(field rps) g_p50[$name]=$(field p50_ms) g_p99[$name]=$(field p99_ms)
	g_n[$name]=$(field requests) g_non2xx[$name]=$(field non2xx)
	g_err[$name]=$(($(field bad_body) + $(field socket_errors) + $(field timeouts)))
	# wrk's own line, printed only when there are any
	g_wrk_non2xx[$name]=$(sed -nE 's/^ *Non-2xx or 3xx responses: *([0-9]+).*/\1/p' "$work/$name.wrk")
	g_wrk_non2xx[$name]=${g_wrk_non2xx[$name]:-0}
	g_max[$name]=$(awk '$1 == "Latency" {print $4; exit}' "$work/$name.wrk")
	audit_since "$g_seq" "$work/$name.audit" || { problem "grant $name: cannot read the audit log"; return; }
	g_audited[$name]=$(awk '$2 == "decide.grant"' "$work/$name.audit" | wc -l)
	g_allow[$name]=$(awk '$2 == "decide.grant" && $4 == "allow"' "$work/$name.audit" | wc -l)
	[ "${g_allow[$name]}" = "${g_audited[$name]}" ] ||
		problem "grant $name: $((g_audited[$name] - g_allow[$name])) audited grant decisions are not allow"
	g_logged[$name]=$(tail -n +"$((g_lines + 1))" "$policyd_log" | grep -c 'event=decide.grant ')
	if [ "${g_non2xx[$name]}" != 0 ] || [ "${g_wrk_non2xx[$name]}" != 0 ] || [ "${g_err[$name]}" != 0 ]; then
		problem "grant $name: non-2xx ${g_non2xx[$name]} (wrk's line: ${g_wrk_non2xx[$name]}), other errors ${g_err[$name]} $(grep first_bad_body "$work/$name.wrk")"
	fi
	if [ "${g_audited[$name]}" != "${g_logged[$name]}" ]; then
		problem "grant $name: the server logged ${g_logged[$name]} grant decisions, the audit log holds ${g_audited[$name]}"
	fi
	local d=$((g_audited[$name] - g_n[$name]))
	if [ "$d" -lt 0 ] || [ "$d" -gt "$conns" ]; then
		problem "grant $name: ${g_audited[$name]} decide.grant records for ${g_n[$name]} requests wrk completed (difference $d, expected 0 to $conns)"
	fi
	log "grant $name: ${g_rps[$name]}/s p50 ${g_p50[$name]} ms p99 ${g_p99[$name]} ms; ${g_n[$name]} completed, ${g_audited[$name]} audited, ${g_logged[$name]} logged by the server"
}

wait_quiet
if [ "$warmup" -gt 0 ]; then
	wrk -t2 -c"$conns" -d"${warmup}s" --timeout 60s -s "$src/bench/bench.lua" "$grant_url" >/dev/null 2>&1
	wait_idle
fi
log "grant checks: wrk -t2 -c$conns -d${duration}s --latency --timeout 60s POST /v1/decide/grant"
grant_begin grants
span_begin
wrk_run grants
span_end grants
grant_check grants

# --- 6. Both at once ------------------------------------------------------------------------------
if [ "$mixed" = 1 ]; then
	wait_totp_step
	wait_quiet
	log "both at once: wrk as above, and ${#users[@]} logins at once 5 s into it"
	grant_begin mixed
	span_begin
	wrk_run mixed &
	wrk_pid=$!
	sleep 4 # the burst starts 1 s after its codes are computed
	burst mixed
	wait "$wrk_pid"
	wrk_pid=''
	span_end mixed
	grant_check mixed
	burst_check mixed
fi

# --- 7. The audit chain and the server log ---------------------------------------------------------
if iamctl -q audit verify >"$work/audit-verify.out" 2>&1; then
	audit_verify=yes
else
	audit_verify=no
	problem "iamctl audit verify failed: $(head -n 3 "$work/audit-verify.out")"
fi
wrk_starts=$((1 + mixed + (warmup > 0 ? 1 : 0)))
probes=$(grep -c 'received handshake message out of context' "$policyd_log")
odd=$(grep -v -E '\[(info|notice)\]' "$policyd_log" |
	{ if [ "$probes" -le "$wrk_starts" ]; then grep -v 'received handshake message out of context'; else cat; fi; } |
	sed -E 's/^[^ ]+ //' | sort | uniq -c | sort -rn | head -n 10)
[ -n "$odd" ] && problem "the server log has lines above info:"$'\n'"$odd"
hwm=$(awk '/^VmHWM/ {print $2 " " $3}' "/proc/$endpoint_pid/status" 2>/dev/null)
accepted=$(grep -c 'Accepted keyboard-interactive/pam for ld' "$hostdir/sshd.log")
sshd_drops=$(grep -c -i -E 'drop connection|beginning MaxStartups|exceeded MaxStartups' "$hostdir/sshd.log")
[ "$sshd_drops" = 0 ] || problem "sshd dropped connections (MaxStartups): $sshd_drops lines in its log"
ssh_errs=$(grep -c . "$work/ssh.err" 2>/dev/null)

# --- The report ----------------------------------------------------------------------------------
total_s=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.0f", b - a}')
label() {
	case $1 in
	first) echo "first login of each user on the host (pam_iam makes the offline verifier)" ;;
	steady) echo "steady state (the same users again; verifier kept)" ;;
	mixed) echo "steady state, during the $conns-connection grant run" ;;
	grants) echo "grant checks alone" ;;
	gmixed) echo "grant checks, with the $nlogins-login burst 5 s in" ;;
	esac
}
bursts="first steady"
[ "$mixed" = 1 ] && bursts="$bursts mixed"
grants="grants"
[ "$mixed" = 1 ] && grants="$grants mixed"
echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), $total_s s in all; commit $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
	"($(git -C "$src" status --porcelain 2>/dev/null | grep -c -v '^??') files modified in the work tree);" \
	"$(nproc) CPUs, $(uname -r), $(ssh -V 2>&1 | cut -d, -f1), state on $(df -T "$work" | awk 'NR == 2 {print $2}');" \
	"endpoint scrypt ln=$kdf_ln, one sshd with MaxStartups 200."
echo
echo "### $nlogins concurrent SSH logins (password + TOTP, keyboard-interactive, \`true\`)"
echo
echo "Wall time per login in ms (ssh start to exit); all started at the same instant."
echo "\"all done\" is from that instant to the last exit. Endpoint CPU and other CPU (everything but"
echo "the benchmark, sshd, ssh, wrk and the endpoint; % of one CPU) over the burst; for the last row, over the whole wrk run."
echo
echo "| burst | logins | failed | p50 | p90 | p99 | min | max | all done s | endpoint CPU s | other CPU |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for b in $bursts; do
	echo "| $(label "$b") | ${burst_n[$b]:-0} | ${burst_fail[$b]:--} | ${burst_p50[$b]:--} | ${burst_p90[$b]:--} | ${burst_p99[$b]:--} | ${burst_min[$b]:--} | ${burst_max[$b]:--} | ${burst_span[$b]:--} | ${span_policyd[$b]:--} | ${span_other[$b]:--}% |"
done
echo
echo "Audit records of each burst (iamctl --json audit tail), after every session closed and iamd flush-spool:"
echo
echo "| burst | login ok | session.open | session.close | users with exactly one of each, same session id | events left in the spool | records by type |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
for b in $bursts; do
	echo "| $b | ${audit_login[$b]:--} | ${audit_open[$b]:--} | ${audit_close[$b]:--} | ${audit_paired[$b]:--} of ${#users[@]} | ${audit_spooled[$b]:--} | ${audit_types[$b]:--} |"
done
echo
echo "### $conns concurrent grant checks (wrk -t2 -c$conns -d${duration}s, POST /v1/decide/grant, keep-alive)"
echo
echo "| run | requests/s | p50 ms | p99 ms | max | completed | non-2xx | other errors | decide.grant audited | logged by the server | audited - completed | endpoint CPU s | other CPU |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for g in $grants; do
	echo "| $(label "$([ "$g" = mixed ] && echo gmixed || echo "$g")") | ${g_rps[$g]:--} | ${g_p50[$g]:--} | ${g_p99[$g]:--} | ${g_max[$g]:--} | ${g_n[$g]:--} | ${g_non2xx[$g]:--} | ${g_err[$g]:--} | ${g_audited[$g]:--} | ${g_logged[$g]:--} | $((${g_audited[$g]:-0} - ${g_n[$g]:-0})) | ${span_policyd[$g]:--} | ${span_other[$g]:--}% |"
done
echo
echo "- sshd accepted $accepted keyboard-interactive logins of directory users (first burst: $accepted_first);" \
	"MaxStartups drops in its log: $sshd_drops; lines ssh wrote to standard error: ${ssh_errs:-0}."
echo "- iamctl audit verify: $audit_verify. Endpoint peak RSS (VmHWM): ${hwm:-unknown}." \
	"Server log lines above info: $( [ -n "$odd" ] && echo "see problems" || echo none ) (wrk address probes: $probes)."
echo
if [ ${#problems[@]} -eq 0 ]; then
	echo "No problem found: every login succeeded, every request got a 2xx allow, no audit record is missing."
	exit 0
fi
echo "Problems:"
echo
for p in "${problems[@]}"; do echo "- ${p//$'\n'/ / }"; done
exit 1
