#!/bin/bash
# bench/run.sh: login decisions and grant checks per second of iam-policyd on
# loopback, with wrk, at 1 and 64 keep-alive connections, plus the cost of
# the KDF one login pays. Prints a Markdown table for bench/RESULTS.md.
#
#   bench/run.sh [--build DIR] [--duration SECONDS] [--warmup SECONDS]
#                [--conns "1 64"] [--dir DIR] [--keep]
#
# --build     the build tree holding policyd/iam-policyd, iamctl/iamctl and
#             bench/ (default: ../build next to this script if it has the
#             programs, else the source tree itself)
# --duration  seconds per measured wrk run (default 12)
# --long-duration  seconds for logins with the production KDF at more than
#             one connection, where a round of 64 logins takes seconds
#             (default 30)
# --warmup    seconds of an unrecorded wrk run before each (default 3)
# --conns     connection counts to measure (default "1 64"); 1 uses one wrk
#             thread, more use two (the machine has two cores)
# --dir       where the temporary state directories go (default /var/tmp,
#             a disk: the audit fsyncs must hit a real file system, not tmpfs)
# --keep      keep the state directories and server logs
# --quiet-wait  seconds to wait, before each run, for other programs on the
#             machine to go quiet (default 120; 0 does not wait)
#
# Every run makes a fresh state with iam-policyd --init (scrypt ln=15, the
# production default; then again with --kdf-log2-n 10 for the endpoint's
# cost without the KDF), seeds it with iamctl, and drives
#   POST /v1/auth/login    as the enrolled host, body {"user","password","service"}
#   POST /v1/decide/grant  as the enrolled host, body {"user","role","origin"}
#   GET  /v1/whoami        as the enrolled host (reference: TLS, HTTP and the
#                          token check without an audit write)
# Every answer is checked: non-2xx, socket errors, timeouts and 2xx answers
# that are not "result":"ok" / "decision":"allow" are counted and shown; the
# server log is searched for warnings; the audit chain is verified and every
# login and decision the server logged must have its audit record. The exit
# status is 1 when any of that found a problem.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=""
duration=12
warmup=3
conns="1 64"
basedir=${TMPDIR_BENCH:-/var/tmp}
keep=0
quiet_max=120
long_duration=30

die() { echo "run.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--long-duration) long_duration=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--conns) conns=$2; shift 2 ;;
	--dir) basedir=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	--quiet-wait) quiet_max=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -u/{/^#/p}' "$0"; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done

if [ -z "$build" ]; then
	if [ -x "$src/build/policyd/iam-policyd" ]; then build=$src/build; else build=$src; fi
fi
build=$(cd "$build" && pwd) || die "no build tree $build"
policyd=$build/policyd/iam-policyd
iamctl=$build/iamctl/iamctl
kdf_cost=$build/bench/kdf_cost
[ -x "$policyd" ] || die "$policyd is missing; build first (make -C $build)"
[ -x "$iamctl" ] || die "$iamctl is missing; build first (make -C $build)"
command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
if [ ! -x "$kdf_cost" ] || [ "$kdf_cost" -ot "$here/kdf_cost.c" ]; then
	make -s -C "$build/bench" kdf_cost >&2 || die "cannot build $kdf_cost"
fi

work=$(mktemp -d "$basedir/iam-bench.XXXXXX") || die "cannot make a directory in $basedir"
server_pid=""
cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
	if [ "$keep" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

password='bench-Pa55word-not-secret'
rows=()      # table rows
wrk_probes=0 # warnings the server logged for wrk's probe connections
problems=()  # server problems seen

log() { echo "# $(date -u +%H:%M:%S) $*" >&2; }

clk_tck=$(getconf CLK_TCK)

# cpu_busy: jiffies all CPUs spent busy (user, nice, system, irq, softirq,
# steal) since boot.
cpu_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
# proc_cpu PID: jiffies (user + system) the process has used.
proc_cpu() {
	if [ -n "$1" ] && [ -r "/proc/$1/stat" ]; then
		awk '{print $14 + $15}' "/proc/$1/stat"
	else
		echo 0
	fi
}

# wait_quiet: the machine may be shared (builds, tests, fuzzers of other
# people). Wait up to $quiet_max seconds for 3 seconds in a row in which
# everything else used less than 15% of one CPU; go ahead anyway after that
# (the "other CPU" column then shows how loud it was).
wait_quiet() {
	local waited=0 calm=0 b0 b1 s0 s1 other
	[ "$quiet_max" -gt 0 ] || return 0
	while [ "$waited" -lt "$quiet_max" ]; do
		b0=$(cpu_busy); s0=$(proc_cpu "$server_pid")
		sleep 1
		b1=$(cpu_busy); s1=$(proc_cpu "$server_pid")
		other=$(( (b1 - b0) - (s1 - s0) ))
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
}

# wait_idle: let the server finish what a stopped wrk left in flight (wrk
# closes its connections at the end of a run, but a login already in scrypt
# runs to the end and would steal the CPU from the next run). The endpoint
# runs a thread per connection, so it is idle when its thread count is back
# to what it was after the seeding.
wait_idle() {
	local i n
	for i in $(seq 600); do
		n=$(awk '/^Threads:/ {print $2}' "/proc/$server_pid/status" 2>/dev/null) || return
		[ -z "$n" ] && return
		[ "$n" -le "$idle_threads" ] && return
		sleep 0.2
	done
	log "the server still has $n threads (idle: $idle_threads) after 120 s"
}

# start_server NAME [--kdf-log2-n N]: a fresh state in $work/NAME, running.
start_server() {
	local name=$1; shift
	local dir=$work/$name
	mkdir -p "$dir"
	"$policyd" --init "$dir/state" --listen 127.0.0.1:0 "$@" >"$dir/init.out" ||
		die "iam-policyd --init failed (see $dir/init.out)"
	# Keep lockout and per-origin rate limits out of the way. The benchmark
	# only logs in successfully (which resets the per-user count) and sends
	# no origin on logins (host logins without one are not rate limited),
	# so the defaults would hold too; these make sure.
	cat >>"$dir/state/policyd.conf" <<-EOF
	lockout_threshold = 1000
	rate_limit_threshold = 100000
	EOF
	rm -f "$dir/ready"
	"$policyd" --state "$dir/state" --ready-file "$dir/ready" --stderr 2>"$dir/server.log" &
	server_pid=$!
	local i
	for i in $(seq 100); do
		[ -s "$dir/ready" ] && break
		kill -0 "$server_pid" 2>/dev/null || die "iam-policyd exited at start: $(cat "$dir/server.log")"
		sleep 0.1
	done
	[ -s "$dir/ready" ] || die "iam-policyd did not become ready"
	port=$(cat "$dir/ready")
	server_log=$dir/server.log
	export IAM_ENDPOINT=https://127.0.0.1:$port
	export IAM_CA_FILE=$dir/state/tls.crt
	export IAM_ADMIN_TOKEN_FILE=$dir/state/admin.token
	# Seed: a user without TOTP, an enrolled host, a role and an active grant.
	printf '%s\n' "$password" | "$iamctl" -q user add alice --password-stdin ||
		die "iamctl user add failed"
	"$iamctl" -q host enroll bench1 --output "$dir/host.cred" || die "iamctl host enroll failed"
	"$iamctl" -q role add oncall --max-duration 8h || die "iamctl role add failed"
	"$iamctl" -q role eligible oncall --user alice || die "iamctl role eligible failed"
	printf '%s\n' "$password" |
		"$iamctl" -q --user alice --password-stdin elevate oncall --for 8h --reason bench ||
		die "iamctl elevate failed"
	host_token=$(tr -d '\n' <"$dir/host.cred")
	sleep 0.5
	idle_threads=$(awk '/^Threads:/ {print $2}' "/proc/$server_pid/status")
	log "$name: iam-policyd pid $server_pid on port $port, state $dir/state"
}

stop_server() {
	local dir=$(dirname "$server_log")
	if kill -0 "$server_pid" 2>/dev/null; then
		# The hash chain must still verify after concurrent writers.
		if "$iamctl" -q audit verify >"$dir/verify.out" 2>&1; then
			log "iamctl audit verify: ok"
		else
			problems+=("iamctl audit verify failed on $dir/state: $(cat "$dir/verify.out")")
		fi
		hwm=$(awk '/^VmHWM/ {print $2 " " $3}' "/proc/$server_pid/status" 2>/dev/null)
		log "server peak RSS (VmHWM): ${hwm:-unknown}"
		kill "$server_pid"
		wait "$server_pid" 2>/dev/null
	else
		problems+=("iam-policyd (pid $server_pid) died during the run; log $server_log:"$'\n'"$(tail -n 20 "$server_log")")
	fi
	server_pid=""
	# Every login and decision the server logged must have its audit record.
	if command -v sqlite3 >/dev/null; then
		local db=$dir/state/iam.db log_login log_grant db_login db_grant
		log_login=$(grep -c 'event=login result=ok .*caller=host:bench1' "$server_log")
		log_grant=$(grep -c 'event=decide.grant ' "$server_log")
		db_login=$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE type = 'login' AND source = 'host:bench1' AND json_extract(data, '$.result') = 'ok'")
		db_grant=$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE type = 'decide.grant'")
		log "answered (server log) vs audited (database): host logins $log_login vs $db_login, grant decisions $log_grant vs $db_grant"
		if [ "$log_login" != "$db_login" ] || [ "$log_grant" != "$db_grant" ]; then
			problems+=("audit records missing in $db: the server logged $log_login host logins and $log_grant grant decisions, the audit table holds $db_login and $db_grant")
		fi
	fi
}

# measure LABEL METHOD PATH BODY EXPECT CONNS [DURATION]
measure() {
	local label=$1 method=$2 path=$3 body=$4 expect=$5 c=$6 duration=${7:-$duration}
	local t=1 out line
	[ "$c" -gt 1 ] && t=2
	export BENCH_TOKEN=$host_token BENCH_METHOD=$method BENCH_BODY=$body BENCH_EXPECT=$expect
	local url=$IAM_ENDPOINT$path
	local lines_before
	lines_before=$(wc -l <"$server_log")
	if [ "$warmup" -gt 0 ]; then
		wrk -t"$t" -c"$c" -d"${warmup}s" --timeout 60s -s "$here/bench.lua" "$url" >/dev/null 2>&1
		wait_idle
	fi
	wait_quiet
	log "$label c=$c: wrk -t$t -c$c -d${duration}s --latency --timeout 60s $path"
	local b0 b1 s0 s1 wrk_cpu
	b0=$(cpu_busy); s0=$(proc_cpu "$server_pid")
	out=$( { TIMEFORMAT='WRKCPU %U %S'; time wrk -t"$t" -c"$c" -d"${duration}s" --latency \
		--timeout 60s -s "$here/bench.lua" "$url"; } 2>&1)
	b1=$(cpu_busy); s1=$(proc_cpu "$server_pid")
	echo "$out" | sed 's/^/#   /' >&2
	wait_idle
	# CPU seconds of the server, of wrk, and of everything else, in the run.
	wrk_cpu=$(awk '/^WRKCPU/ {print $2 + $3}' <<<"$out")
	local srv_s oth_s
	srv_s=$(awk -v a="$s0" -v b="$s1" -v t="$clk_tck" 'BEGIN {printf "%.2f", (b - a) / t}')
	oth_s=$(awk -v a="$b0" -v b="$b1" -v s="$srv_s" -v w="${wrk_cpu:-0}" -v t="$clk_tck" \
		'BEGIN {o = (b - a) / t - s - w; printf "%.2f", o < 0 ? 0 : o}')
	line=$(echo "$out" | grep '^BENCH rps=' | tail -n 1)
	if [ -z "$line" ]; then
		problems+=("$label c=$c: wrk gave no result")
		rows+=("| $label | $c | - | - | - | - | - | - | - | - | - |")
		return
	fi
	local rps p50 p99 n non2xx bad sock tmo
	rps=$(sed -E 's/.* rps=([^ ]+).*/\1/' <<<"$line")
	p50=$(sed -E 's/.* p50_ms=([^ ]+).*/\1/' <<<"$line")
	p99=$(sed -E 's/.* p99_ms=([^ ]+).*/\1/' <<<"$line")
	n=$(sed -E 's/.* requests=([^ ]+).*/\1/' <<<"$line")
	non2xx=$(sed -E 's/.* non2xx=([^ ]+).*/\1/' <<<"$line")
	bad=$(sed -E 's/.* bad_body=([^ ]+).*/\1/' <<<"$line")
	sock=$(sed -E 's/.* socket_errors=([^ ]+).*/\1/' <<<"$line")
	tmo=$(sed -E 's/.* timeouts=([^ ]+).*/\1/' <<<"$line")
	local cpu_req wrk_pct oth_pct
	cpu_req=$(awk -v s="$srv_s" -v n="$n" 'BEGIN {printf "%.2f", n ? s * 1000 / n : 0}')
	wrk_pct=$(awk -v w="${wrk_cpu:-0}" -v d="$duration" 'BEGIN {printf "%.0f", 100 * w / d}')
	oth_pct=$(awk -v o="$oth_s" -v d="$duration" 'BEGIN {printf "%.0f", 100 * o / d}')
	log "$label c=$c: server CPU ${srv_s}s (${cpu_req} ms/request), wrk CPU ${wrk_cpu}s, everything else ${oth_s}s"
	rows+=("| $label | $c | $rps | $p50 | $p99 | $n | $non2xx | $((bad + sock + tmo)) | $cpu_req | $wrk_pct% | $oth_pct% |")
	if [ "$n" = 0 ]; then
		problems+=("$label c=$c: no request completed in ${duration}s; give it a longer duration")
	fi
	if [ "$non2xx" != 0 ] || [ "$bad" != 0 ] || [ "$sock" != 0 ] || [ "$tmo" != 0 ]; then
		problems+=("$label c=$c: non-2xx=$non2xx wrong-2xx=$bad socket-errors=$sock timeouts=$tmo $(echo "$out" | grep first_bad_body)")
	fi
	# Anything above info the server logged during this run (warm-up and
	# drain included), counted, without the times.
	# wrk starts by probing the address with a bare TCP connect and close
	# (wrk.resolve); the server logs each as a TLS "handshake message out of
	# context" warning. One per wrk start is that probe, not an error.
	local odd probes expected=1
	[ "$warmup" -gt 0 ] && expected=2
	probes=$(tail -n +"$((lines_before + 1))" "$server_log" | grep -c 'received handshake message out of context')
	if [ "$probes" = "$expected" ]; then
		wrk_probes=$((wrk_probes + probes))
	fi
	odd=$(tail -n +"$((lines_before + 1))" "$server_log" | grep -v -E '\[(info|notice)\]' |
		{ if [ "$probes" = "$expected" ]; then grep -v 'received handshake message out of context'; else cat; fi; } |
		sed -E 's/^[^ ]+ //' | sort | uniq -c | sort -rn | head -n 15)
	if [ -n "$odd" ]; then
		problems+=("$label c=$c: server log $server_log during this run (count, line):"$'\n'"$odd")
	fi
	kill -0 "$server_pid" 2>/dev/null || problems+=("$label c=$c: iam-policyd is gone after the run")
}

login_body="{\"user\":\"alice\",\"password\":\"$password\",\"service\":\"sshd\"}"
grant_body='{"user":"alice","role":"oncall","origin":"10.8.1.2"}'

# --- the machine ------------------------------------------------------------
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
fs=$(df -T "$work" | awk 'NR == 2 {print $2 " on " $1}')
# What one synchronous 4 KiB write costs on the state's file system: the
# floor under every audited request (SQLite synchronous=FULL fsyncs the WAL
# at each commit).
dsync=$(dd if=/dev/zero of="$work/dsync.test" bs=4k count=500 oflag=dsync 2>&1 |
	awk '/copied/ {for (i = 1; i <= NF; i++) if ($i ~ /^s,?$/) t = $(i - 1); printf "%.3f", t * 1000 / 500}')
rm -f "$work/dsync.test"
log "machine: $(nproc) CPUs ($cpu), $mem RAM, kernel $(uname -r); state on $fs; 4 KiB O_DSYNC write ${dsync:-?} ms"

# --- KDF cost, without the endpoint -----------------------------------------
wait_quiet
kdf15=$("$kdf_cost" -n 20 -l 15) || die "kdf_cost failed"
wait_quiet
kdf15j=$("$kdf_cost" -n 20 -l 15 -j 2) || die "kdf_cost failed"
wait_quiet
kdf10=$("$kdf_cost" -n 200 -l 10) || die "kdf_cost failed"
for k in "$kdf15" "$kdf15j" "$kdf10"; do log "$k"; done
kdf_row() { # LINE LABEL
	local l=$1
	local med p99 n ps
	med=$(sed -E 's/.* median_ms=([^ ]+).*/\1/' <<<"$l")
	p99=$(sed -E 's/.* p99_ms=([^ ]+).*/\1/' <<<"$l")
	n=$(sed -E 's/.* n=([^ ]+).*/\1/' <<<"$l")
	ps=$(sed -E 's/.* per_s=([^ ]+).*/\1/' <<<"$l")
	rows+=("| $2 | - | $ps | $med | $p99 | $n | - | - | - | - | - |")
}

# --- login with the production KDF cost, and grant checks -------------------
start_server ln15
# With 64 logins of ~0.1 s CPU each sharing 2 cores, one round takes ~4 s;
# 12 s would hold fewer than 3 rounds and the count would depend on where
# the last round ends. Measure that one longer.
for c in $conns; do
	d=$duration
	[ "$c" -gt 1 ] && [ "$long_duration" -gt "$duration" ] && d=$long_duration
	measure "login, scrypt ln=15" POST /v1/auth/login "$login_body" '"result":"ok"' "$c" "$d"
done
for c in $conns; do
	measure "grant check" POST /v1/decide/grant "$grant_body" '"decision":"allow"' "$c"
done
# Reference: the same TLS, HTTP and host-token check with no audit write.
for c in $conns; do
	measure "reference: GET /v1/whoami (no audit)" GET /v1/whoami "" '"kind":"host"' "$c"
done
audit_records=$("$iamctl" --json audit tail -n 1 2>/dev/null | sed -nE 's/.*"seq": ?([0-9]+).*/\1/p' | head -n 1)
log "audit records written in the ln=15 state: ${audit_records:-unknown}"
stop_server

# --- login without the KDF's weight (ln=10: 1 MiB, ~1/32 the work) ----------
start_server ln10 --kdf-log2-n 10
for c in $conns; do
	measure "login, scrypt ln=10" POST /v1/auth/login "$login_body" '"result":"ok"' "$c"
done
stop_server

kdf_row "$kdf15" "KDF alone, scrypt ln=15, 1 thread"
kdf_row "$kdf15j" "KDF alone, scrypt ln=15, 2 threads"
kdf_row "$kdf10" "KDF alone, scrypt ln=10, 1 thread"

# --- the table --------------------------------------------------------------
echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs ($cpu), $mem RAM, kernel $(uname -r); state on $fs (4 KiB O_DSYNC write: ${dsync:-?} ms)"
echo "wrk ${duration}s per row (${long_duration}s for login ln=15 above 1 connection) after a ${warmup}s warm-up and with the server idle in between;"
echo "c=1 is wrk -t1 -c1, larger c is wrk -t2; wrk runs on the same $(nproc) cores as the server."
echo
echo "| benchmark | connections | requests/s | p50 ms | p99 ms | requests | non-2xx | other errors | server CPU ms/req | wrk CPU | other CPU |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
echo
echo "KDF rows: requests/s is verifications per second (all threads), p50/p99 are per verification; from bench/kdf_cost."
echo "other errors: socket errors + timeouts + 2xx answers that were not result ok / decision allow."
echo "server CPU ms/req: the server's user+system CPU time in the run over the requests wrk completed (where requests take seconds,"
echo "  this includes work on those still in flight when wrk stops, so it reads high)."
echo "wrk CPU, other CPU: CPU used by wrk and by everything else on the machine, in % of one CPU over the run (200% = both cores)."
if [ "$wrk_probes" -gt 0 ]; then
	echo "The server logged $wrk_probes warnings 'received handshake message out of context', one per wrk start:"
	echo "wrk probes the address with a bare TCP connect and close before it starts (not counted as errors)."
fi
if [ ${#problems[@]} -gt 0 ]; then
	echo
	echo "PROBLEMS:"
	printf -- '- %s\n' "${problems[@]}"
	exit 1
fi
echo
echo "No non-2xx answers, wrong answers, socket errors, timeouts, missing audit records or other server warnings."
