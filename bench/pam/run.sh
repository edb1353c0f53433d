#!/bin/bash
# bench/pam/run.sh: what pam_iam.so costs a login. A benchmark, not a test:
# nothing asserts on the figures, and "make check" never runs it.
#
# HOW TO RUN
#
#   make -C BUILD/bench pam-bench          # builds pam/pamlat and kdf_cost, runs this
#   bench/pam/run.sh --build BUILD [--tools BUILD/bench] [options]
#
# BUILD is a built tree configured with --sysconfdir=/etc (libnss_iam reads
# /etc/iam/iam.conf, which here is an overlay in a private mount namespace),
# e.g. ./configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var.
# About 10 minutes on 2 cores (up to 2 more on a busy machine: it waits
# for quiet spells); prints Markdown for bench/RESULTS.md ("pam_iam logins")
# on standard output, progress on standard error. Exit status 1 when a
# check fails (a failed login, a wrong PAM answer, a missing offline or
# audit record, an offline verifier made again in the steady state).
#
# NEEDS: root (unshare -m, overlay mounts, sshd; pam_iam trusts only
# root-owned configuration), the Debian packages openssh-server and
# openssh-client (the real /usr/sbin/sshd and ssh), oathtool, python3,
# openssl, util-linux (unshare); libpam (pam_start_confdir, Linux-PAM 1.4+).
# The host's files are never written: sshd runs in private mount namespaces
# whose /etc is an overlay (scripts/hostns.sh) with its own pam.d/sshd,
# nsswitch.conf, ld.so.cache, iam/iam.conf, passwd and shadow.
#
# WHAT IT DOES
#
# 1. The benchmark's endpoint: iam-policyd --init on loopback with its
#    DEFAULT KDF cost (scrypt kdf_log2_n 15, r 8, p 1; no --kdf-log2-n), its
#    state under --dir (a disk: the audit fsyncs are real),
#    lockout_threshold = 1000 and rate_limit_threshold = 100000 added to
#    policyd.conf (the benchmark only logs in successfully; these make sure
#    no limit interferes).
#    A second, CONTROL endpoint with --kdf-log2-n 10 (about 3 ms): not the
#    benchmark's figures, but what pam_iam adds besides the KDF, measured
#    directly instead of as a difference of noisy figures.
# 2. Seeds with iamctl: a host and a group it admits on each endpoint,
#    2 x (--warmup + --logins) directory users with TOTP on the benchmark's
#    endpoint and as many again on the control (iamctl mfa enroll NAME
#    --print-secret; a TOTP code is accepted once per 30 s step per user, so
#    a user logs in once in each pass below), a user without TOTP for the
#    in-process breakdown, one that never logs in (no offline record) for
#    the dead-endpoint runs. iamd --once writes each NSS cache.
# 3. Three sshd (scripts/hostns.sh), each in its own namespace with
#    examples/pam.d/sshd and its own /etc/iam/iam.conf:
#      a  the benchmark's endpoint, pam.d as shipped (pam_iam, then
#         pam_unix), and a local user (hostns_add_local_user: /etc/passwd +
#         /etc/shadow, SHA-512 crypt) who goes through pam_unix
#      b  the benchmark's endpoint, pam_iam with offline_max_age=0 (no
#         offline verifier is made)
#      c  the control endpoint, pam_iam with offline_max_age=0
# 4. Two passes, each of --warmup rounds, then --logins measured rounds;
#    each round is four keyboard-interactive logins over loopback running
#    "true" (ssh with SSH_ASKPASS answering "Password:" and "Verification
#    code:", see hostns_login), in a rotating order:
#      pam_unix            the local user (host a)
#      pam_iam             a directory user, password + TOTP code (host a)
#      pam_iam, no offline the same with offline_max_age=0 (host b)
#      control             the same against the control endpoint (host c)
#    a. The enrolment pass: every directory user's FIRST login on its
#       host. On host a pam_iam makes the user's offline record with its
#       scrypt verifier: the "first login" figures.
#    b. A wait until the TOTP step of the last enrolment code has passed
#       (computed from the clock: at most 30 s), so that each user's second
#       code is of a later step than its first (checked for every login).
#    c. The steady state: the same users again, one login each. pam_iam
#       finds the record made under the same password stamp and keeps the
#       verifier (only the record's time moves; checked afterwards on the
#       records: the same verifier, the same stamp, a later auth_time).
#    Wall time per login from bash's $EPOCHREALTIME (the clock of
#    date +%s%N, without a fork) around ssh; the TOTP code is computed
#    before the clock starts. --gap seconds between logins let the last
#    session's close (and its audit event) finish. Before each measured
#    round, the KDFs that pass's pam_iam logins run are timed alone once
#    each (below), so that they are sampled in the same conditions as the
#    logins: the endpoint's in both passes, the offline verifier's in the
#    enrolment pass.
# 5. The KDFs alone: bench/kdf_cost at the endpoint's kdf_log2_n (the
#    verification each login costs the endpoint) and pamlat -K at
#    offline_kdf_log2n (iam_kdf_hash: the verifier pam_iam makes at a
#    user's first login): once per round as said, and --kdf-n back to back
#    after the logins; the control's ln=10 back to back. Then pamlat in
#    process against the live endpoints (user without TOTP; pam_authenticate,
#    pam_acct_mgmt, pam_open_session, pam_close_session timed alone), with
#    offline records on and off (on: the first run makes the verifier, the
#    timed runs keep it).
# 6. The endpoint dead, pamlat in process, a user with no offline record:
#    connection refused, blackhole (accepts, never answers), syndrop (SYNs
#    dropped by the kernel: full accept queue), at each --timeouts
#    connect_timeout, --runs runs each of pam_authenticate and of
#    pam_acct_mgmt (fresh handles). The slow cases (blackhole, syndrop) run
#    side by side, one process per case and call, since they only wait;
#    refused runs alone.
# 7. bench/pam/report.py writes the tables and the verdicts.
#
# OPTIONS
#   --build DIR      the build tree (default: ../../build next to this script)
#   --tools DIR      where pamlat and kdf_cost are (default: DIR/bench; built
#                    with make there when missing)
#   --logins N       measured logins per series and pass (default 60)
#   --warmup N       unmeasured logins per series first, in each pass (default 3)
#   --runs N         runs per dead-endpoint case (default 50)
#   --kdf-n N        KDF computations timed (default 20)
#   --timeouts "1s 2s"  connect_timeout values for the dead endpoint
#                    (default "1s 2s"; 2s is the default of iam.conf)
#   --gap SECONDS    pause between logins (default 0.15)
#   --dir DIR        where the working directory goes (default /var/tmp)
#   --quiet-wait S   wait up to S seconds for the machine to go quiet before
#                    each pass's measured logins (default 60; at most 30, 20 and 10 s before
#                    the later parts; 0: do not wait)
#   --keep           keep the working directory (logs, raw samples)
set -u -o pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=""
tools=""
logins=60
warmup=3
runs=50
kdf_n=20
timeouts="1s 2s"
gap=0.15
basedir=${TMPDIR_BENCH:-/var/tmp}
quiet_max=60
keep=0
password='bench-Pa55word-not-secret'
local_password='local-Pa55word-not-secret'

die() { echo "pam/run.sh: $*" >&2; exit 1; }
log() { echo "# $(date -u +%H:%M:%S) $*" >&2; }

while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--tools) tools=$2; shift 2 ;;
	--logins) logins=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--kdf-n) kdf_n=$2; shift 2 ;;
	--timeouts) timeouts=$2; shift 2 ;;
	--gap) gap=$2; shift 2 ;;
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
[ -n "$tools" ] || tools=$build/bench
B=$build
policyd=$B/policyd/iam-policyd
iamctl_bin=$B/iamctl/iamctl
iamd=$B/iamd/iamd
module=$B/pam_iam/.libs/pam_iam.so
for p in "$policyd" "$iamctl_bin" "$iamd" "$module" "$B/nss_iam/.libs/libnss_iam.so.2" /usr/sbin/sshd; do
	[ -e "$p" ] || die "missing $p (build first: make -C $B; apt-get install openssh-server)"
done
for c in ssh ssh-keygen oathtool python3 unshare openssl ldconfig; do
	command -v "$c" >/dev/null || die "missing $c"
done
if [ ! -x "$tools/pamlat" ] || [ ! -x "$tools/kdf_cost" ]; then
	make -s -C "$tools" pamlat kdf_cost >&2 || die "cannot build pamlat and kdf_cost in $tools"
fi
pamlat=$tools/pamlat
kdf_cost=$tools/kdf_cost

work=$(mktemp -d "$basedir/iam-pam-bench.XXXXXX") || die "cannot make a directory in $basedir"
chmod 0755 "$work"
declare -A pid # iam-policyd and sshd processes, by name
bg_pids=''
cleanup() {
	for p in $bg_pids "${pid[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	if [ "$keep" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
umask 022
started=$EPOCHREALTIME

# --- CPU accounting (the machine is shared) -------------------------------------
clk_tck=$(getconf CLK_TCK)
cpu_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
# jiffies a process and its reaped descendants used
tree_cpu() {
	local p s=0
	for p in "$@"; do
		[ -n "$p" ] && [ -r "/proc/$p/stat" ] &&
			s=$((s + $(sed -E 's/^.*\) //' "/proc/$p/stat" | awk '{print $12 + $13 + $14 + $15}')))
	done
	echo "$s"
}
# wait_quiet [MAX]: wait up to MAX (default $quiet_max) seconds for 3
# seconds in a row in which the rest of the machine used less than 15 % of
# one CPU.
wait_quiet() {
	local waited=0 calm=0 b0 b1 s0 s1 other max=${1:-$quiet_max}
	[ "$max" -gt "$quiet_max" ] && max=$quiet_max
	[ "$max" -gt 0 ] || return 0
	while [ "$waited" -lt "$max" ]; do
		b0=$(cpu_busy); s0=$(tree_cpu $$ "${pid[@]}")
		sleep 1
		b1=$(cpu_busy); s1=$(tree_cpu $$ "${pid[@]}")
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
	[ "$waited" -ge "$max" ] && log "the machine is busy with other work; measuring anyway"
	return 0
}

meta() { printf '%s=%s\n' "$1" "$2" >>"$work/meta"; }
# the sources as the run starts (the build tree should be built from them)
meta commit "$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)"
meta dirty "$(git -C "$src" status --porcelain 2>/dev/null | grep -c -v '^??')"

# --- 1 and 2. Endpoints and their directories ---------------------------------------
iamctl() { "$iamctl_bin" "$@"; }
# use_endpoint NAME: iamctl talks to that endpoint
use_endpoint() {
	export IAM_ENDPOINT=${url[$1]} IAM_CA_FILE=$work/$1/state/tls.crt
	export IAM_ADMIN_TOKEN_FILE=$work/$1/state/admin.token IAMCTL_TOKEN_DIR=$work/$1/sessions
	unset IAM_USER IAMCTL_CONFIG
}
add_user() { # NAME [totp]
	printf '%s\n' "$password" | iamctl -q user add "$1" --password-stdin || die "user add $1 failed"
	iamctl -q group add-member staff "$1" || die "group add-member $1 failed"
	if [ "${2:-}" = totp ]; then
		iamctl mfa enroll "$1" --print-secret >"$work/totp/$1" || die "mfa enroll $1 failed"
	fi
}
declare -A url
# endpoint NAME [iam-policyd --init options]: a fresh state in $work/NAME,
# running, with a host, a group it admits, and $work/NAME/iam.conf for it
endpoint() {
	local name=$1 d=$work/$1
	shift
	mkdir -p "$d"
	"$policyd" --init "$d/state" --listen 127.0.0.1:0 "$@" >"$d/init.out" ||
		die "iam-policyd --init failed (see $d/init.out)"
	cat >>"$d/state/policyd.conf" <<-EOF
	# bench/pam/run.sh: no lockout or rate limit may interfere
	lockout_threshold = 1000
	rate_limit_threshold = 100000
	EOF
	"$policyd" --state "$d/state" --stderr --ready-file "$d/port" 2>"$d/policyd.log" &
	pid[$name]=$!
	for _ in $(seq 100); do [ -s "$d/port" ] && break; sleep 0.1; done
	[ -s "$d/port" ] || die "iam-policyd did not start: $(tail -n 5 "$d/policyd.log")"
	url[$name]="https://127.0.0.1:$(cat "$d/port")"
	use_endpoint "$name"
	iamctl -q host enroll "pb-$name" --output "$d/host.credential" || die "host enroll failed"
	chmod 0600 "$d/host.credential"
	iamctl -q group add staff || die "group add failed"
	iamctl -q host allow "pb-$name" --group staff || die "host allow failed"
	# the host's configuration: timeouts and offline keys at their
	# defaults, written out
	cat >"$d/iam.conf" <<-EOC
	endpoint = ${url[$name]}
	ca_file = $d/state/tls.crt
	host_credential_file = $d/host.credential
	snapshot_pubkey = $(cat "$d/state/signing.pub")
	cache_path = $d/nss.cache
	offline_dir = $d/offline
	spool_dir = $d/spool
	connect_timeout = 2s
	timeout = 5s
	offline_max_age = 3d
	offline_kdf_log2n = 15
	EOC
	chmod 0644 "$d/iam.conf"
}
cache() { # NAME: iamd writes the NSS cache for the endpoint's directory
	"$iamd" --config "$work/$1/iam.conf" --once --stderr 2>"$work/$1/iamd.log" ||
		die "iamd --once failed: $(tail -n 5 "$work/$1/iamd.log")"
}
mkdir -m 0700 "$work/totp"
per=$((warmup + logins))

# The benchmark's endpoint, at its default KDF cost.
log "iam-policyd --init (default KDF cost) in $work/prod/state"
endpoint prod
kdf_ln=$(sed -nE 's/^kdf_log2_n *= *([0-9]+).*/\1/p' "$work/prod/state/policyd.conf" | tail -n 1)
[ -n "$kdf_ln" ] || kdf_ln=15 # not in the file: the default applies
offline_ln=$(sed -nE 's/^offline_kdf_log2n *= *([0-9]+).*/\1/p' "$work/prod/iam.conf")
log "seeding: 2 x $per users with TOTP (each user add costs the endpoint one scrypt)"
for s in a b; do
	for i in $(seq "$per"); do add_user "$(printf 'pb%s%03d' "$s" "$i")" totp; done
done
add_user pbplain    # no TOTP: the in-process breakdown
add_user pbidle     # never logs in: no offline record (dead endpoint)
cache prod

# A control endpoint, NOT the benchmark's: --kdf-log2-n 10 (about 3 ms), so
# that what pam_iam adds besides the KDF is seen directly, not as a
# difference of two noisy figures.
log "control: iam-policyd --init --kdf-log2-n 10 in $work/ctl/state; $per users with TOTP"
endpoint ctl --kdf-log2-n 10
for i in $(seq "$per"); do add_user "$(printf 'pbc%03d' "$i")" totp; done
add_user pbplain
cache ctl

# --- 3. Hosts: sshd in private namespaces ---------------------------------------------------
. "$src/scripts/hostns.sh"
declare -A hostdir port
# host NAME ENDPOINT [pam_iam arguments]
host() {
	local d=$work/host-$1
	mkdir -p "$d"
	chmod 0755 "$d"
	hostns_setup "$d" "$B" "$src" "$work/$2/iam.conf" || die "hostns_setup failed"
	if [ -n "${3:-}" ]; then
		sed -i -E "s|(pam_iam\\.so)|\\1 $3|" "$d/etc/pam.d/sshd"
		grep -q "pam_iam.so $3" "$d/etc/pam.d/sshd" || die "cannot add $3 to pam.d/sshd"
	fi
	[ "$1" = a ] && hostns_add_local_user "$d" pblocal 4711 "$local_password"
	hostns_start_sshd "$d" || die "sshd (host $1) did not start: $(tail -n 5 "$d/sshd.log")"
	hostdir[$1]=$d port[$1]=$hostns_port pid[sshd-$1]=$hostns_sshd_pid
}
host a prod
[ "$(hostns_run "$work/host-a" getent passwd pba001 | cut -d: -f1)" = pba001 ] ||
	die "the namespace does not resolve directory users through nss_iam"
host b prod offline_max_age=0
host c ctl offline_max_age=0
log "sshd on 127.0.0.1:${port[a]} (pam_iam as shipped; the local user), :${port[b]} (offline_max_age=0), :${port[c]} (control endpoint, offline_max_age=0)"

# --- 4. Logins -------------------------------------------------------------------------------
# Two passes of rounds, each user logging in once in each:
#   enrol   every benchmark user's first login on its host (pam_iam makes
#           the user's offline verifier on host a): the first-login figures
#   logins  the same users again, after the TOTP step of the last enrolment
#           code has passed: the steady state (pam_iam keeps the verifier)
# login PASS SERIES ROUND USER: one timed login; appends
# "round series user us rc" to $work/PASS.txt.
declare -A code_step # user: the latest TOTP step its enrolment code can be of
last_code_t=0        # when the last enrolment code was computed (after oathtool)
totp_bad=0           # steady-state codes not of a later step than the enrolment's
login() {
	local pass=$1 series=$2 round=$3 user=$4 h code='' pw=$password t0 t1 tc rc
	case $series in
	unix) h=a pw=$local_password ;;
	iam|iam1) h=a ;;
	iam0) h=b ;;
	ctl) h=c ;;
	esac
	hostns_port=${port[$h]}
	if [ "$series" != unix ]; then
		tc=$EPOCHREALTIME
		code=$(oathtool --totp -b "$(cat "$work/totp/$user")")
		if [ "$pass" = enrol ]; then
			# oathtool read the clock before this: its code is of
			# this step or an earlier one
			last_code_t=$EPOCHREALTIME
			code_step[$user]=$((${last_code_t%.*} / 30))
		elif [ -z "${code_step[$user]:-}" ] || [ $((${tc%.*} / 30)) -le "${code_step[$user]}" ]; then
			# tc is before oathtool read the clock: its code is of
			# this step or a later one
			totp_bad=$((totp_bad + 1))
			log "$user: no enrolment login, or its code may be of the same TOTP step"
		fi
	fi
	t0=$EPOCHREALTIME
	hostns_login "${hostdir[$h]}" "$user" "$pw" "$code" true >/dev/null 2>>"$work/ssh.err"
	rc=$?
	t1=$EPOCHREALTIME
	echo "$round $series $user $((${t1/./} - ${t0/./})) $rc" >>"$work/$pass.txt"
	[ "$rc" = 0 ] || log "login ($pass) $series $user failed (ssh exit $rc)"
}
series_order=(unix iam iam0 ctl)
round() { # PASS ROUND (negative: warm-up) INDEX
	local pass=$1 r=$2 i=$3 k s
	# the KDFs this pass's pam_iam logins run, alone, once per round, in
	# the same conditions as the logins: the endpoint's in both passes,
	# pam_iam's offline verifier in the enrolment pass (where it is made)
	if [ "$r" -gt 0 ]; then
		"$kdf_cost" -n 1 -l "$kdf_ln" >>"$work/kdf_endpoint_$pass.txt" || die "kdf_cost failed"
		if [ "$pass" = enrol ]; then
			"$pamlat" -K "$offline_ln" -n 1 >>"$work/kdf_offline_$pass.txt" || die "pamlat -K failed"
		fi
		sleep "$gap"
	fi
	for k in 0 1 2 3; do
		s=${series_order[$(((i + k) % 4))]}
		case $s in
		unix) login "$pass" unix "$r" pblocal ;;
		iam) login "$pass" "$([ "$pass" = enrol ] && echo iam1 || echo iam)" "$r" "$(printf 'pba%03d' "$i")" ;;
		iam0) login "$pass" iam0 "$r" "$(printf 'pbb%03d' "$i")" ;;
		ctl) login "$pass" ctl "$r" "$(printf 'pbc%03d' "$i")" ;;
		esac
		sleep "$gap"
	done
}
# CPU accounting and load around a pass's measured rounds
span_begin() {
	span_load=$(cut -d' ' -f1-3 /proc/loadavg)
	span_b=$(cpu_busy); span_s=$(tree_cpu $$ "${pid[@]}"); span_p=$(tree_cpu "${pid[prod]}")
	span_t=$EPOCHREALTIME
}
span_end() { # PASS
	local t1=$EPOCHREALTIME b1 s1 p1 wall
	b1=$(cpu_busy); s1=$(tree_cpu $$ "${pid[@]}"); p1=$(tree_cpu "${pid[prod]}")
	wall=$(awk -v a="$span_t" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
	meta "${1}_wall_s" "$wall"
	meta "${1}_other_cpu_pct" "$(awk -v o=$(((b1 - span_b) - (s1 - span_s))) -v t="$clk_tck" -v d="$wall" 'BEGIN {o = o < 0 ? 0 : o; printf "%.0f", 100 * o / t / d}')"
	meta "${1}_bench_cpu_pct" "$(awk -v o=$((s1 - span_s)) -v t="$clk_tck" -v d="$wall" 'BEGIN {printf "%.0f", 100 * o / t / d}')"
	meta "${1}_policyd_cpu_ms_per_round" "$(awk -v o=$((p1 - span_p)) -v t="$clk_tck" -v n="$logins" 'BEGIN {printf "%.1f", 1000 * o / t / n}')"
	meta "${1}_load_before" "$span_load"
	meta "${1}_load_after" "$(cut -d' ' -f1-3 /proc/loadavg)"
}
# offline_snapshot FILE: "user auth_time stamp verifier-digest" for each
# offline record of host a's directory users (the verifier itself is not
# kept, only a digest to compare)
offline_snapshot() {
	local f
	for f in "$work/prod/offline"/pba*; do
		[ -e "$f" ] || continue
		printf '%s %s %s %s\n' "${f##*/}" "$(sed -n 's/^auth_time //p' "$f")" \
			"$(sed -n 's/^stamp //p' "$f")" \
			"$(sed -n 's/^verifier //p' "$f" | sha256sum | cut -c1-16)"
	done >"$1"
}

# The enrolment pass: every user's first login (host a: pam_iam makes the
# offline verifier). Its first --warmup rounds are unmeasured.
log "enrolment pass: every user's first login; $warmup warm-up rounds"
for i in $(seq "$warmup"); do round enrol "-$i" "$i"; done
mv "$work/enrol.txt" "$work/enrol_warmup.txt"
wait_quiet
log "enrolment pass: $logins rounds of (pam_unix, pam_iam first login, pam_iam offline_max_age=0, control)"
span_begin
for i in $(seq "$logins"); do round enrol "$i" $((warmup + i)); done
span_end enrol
offline_snapshot "$work/offline_after_enrol.txt"

# A TOTP code is refused at or before the last accepted step of its user:
# wait until the step of the last enrolment code has passed, so that every
# steady-state code is of a later step than its user's enrolment code.
totp_end=$(((${last_code_t%.*} / 30 + 1) * 30))
totp_wait=$(awk -v e="$totp_end" -v n="$EPOCHREALTIME" 'BEGIN {d = e - n; printf "%.3f", (d > 0 ? d + 0.01 : 0)}')
log "waiting ${totp_wait}s: the TOTP step of the last enrolment code ends at $(date -u -d "@$totp_end" +%H:%M:%S)"
meta totp_wait_s "$totp_wait"
sleep "$totp_wait"

log "steady state: $warmup warm-up rounds"
for i in $(seq "$warmup"); do round logins "-$i" "$i"; done
mv "$work/logins.txt" "$work/warmup.txt"
wait_quiet
log "steady state: $logins rounds of (pam_unix, pam_iam, pam_iam offline_max_age=0, control)"
span_begin
for i in $(seq "$logins"); do round logins "$i" $((warmup + i)); done
span_end login
offline_snapshot "$work/offline_after_logins.txt"
meta totp_bad "$totp_bad"
# sshd's own word: every directory login passed through PAM (both passes)
meta accepted_a "$(grep -c 'Accepted keyboard-interactive/pam for pba' "${hostdir[a]}/sshd.log")"
meta accepted_b "$(grep -c 'Accepted keyboard-interactive/pam for pbb' "${hostdir[b]}/sshd.log")"
meta accepted_c "$(grep -c 'Accepted keyboard-interactive/pam for pbc' "${hostdir[c]}/sshd.log")"
meta accepted_local "$(grep -c 'Accepted keyboard-interactive/pam for pblocal' "${hostdir[a]}/sshd.log")"
meta offline_records "$(ls "$work/prod/offline" 2>/dev/null | grep -c '^pba')"
meta offline_records_b "$(ls "$work/prod/offline" 2>/dev/null | grep -c '^pbb')"
# the steady state kept each verifier: the same digest, a stamp, a later
# auth_time than after the first login
meta verifiers_kept "$(join "$work/offline_after_enrol.txt" "$work/offline_after_logins.txt" |
	awk '$3 != "" && $3 != "-" && $3 == $6 && $4 == $7 && $5 > $2' | wc -l)"

# --- 5. The KDFs alone, and pam_iam in process against the live endpoints ---------------
wait_quiet 30
log "KDF: kdf_cost -n $kdf_n -l $kdf_ln (the endpoint's verification)"
"$kdf_cost" -n "$kdf_n" -l "$kdf_ln" >"$work/kdf_endpoint.txt" || die "kdf_cost failed"
log "KDF: pamlat -K $offline_ln -n $kdf_n (pam_iam's offline verifier, iam_kdf_hash)"
"$pamlat" -K "$offline_ln" -n "$kdf_n" >"$work/kdf_offline.txt" || die "pamlat -K failed"
log "KDF: kdf_cost -n 200 -l 10 (the control endpoint's verification)"
"$kdf_cost" -n 200 -l 10 >"$work/kdf_control.txt" || die "kdf_cost failed"
wait_quiet 20
log "in process against the live endpoints: pbplain (no TOTP), auth/acct/open/close, 20 runs each"
online() { # ENDPOINT LABEL [module arguments]
	"$pamlat" -m "$module" -c "$work/$1/iam.conf" -u pbplain -p "$password" \
		-P auth,acct,open,close -n 20 -l "$2" -a "${3:-}" >>"$work/pamlat_online.txt" ||
		die "pamlat (online $2) failed"
}
online prod online
online prod online-nooffline offline_max_age=0
online ctl control-nooffline offline_max_age=0
for e in prod ctl; do
	use_endpoint "$e"
	if iamctl -q audit verify >"$work/$e/audit-verify.out" 2>&1; then
		meta "audit_verify_$e" yes
	else
		meta "audit_verify_$e" no
	fi
	meta "policyd_warnings_$e" "$(grep -v -c -E '\[(info|notice)\]' "$work/$e/policyd.log")"
done

# --- 6. The endpoint dead -----------------------------------------------------------------------
# pbidle is active in the cache and has no offline record: auth must end in
# PAM_AUTHINFO_UNAVAIL and account in PAM_PERM_DENIED. Each PAM call type
# is its own process, so that the slow cases can run side by side.
rm -f "$work/prod/offline/pbidle"
dead() { # TARGET TIMEOUT PHASE
	"$pamlat" -m "$module" -c "$work/prod/iam.conf" -u pbidle -p "$password" -T "$1" -t "$2" \
		-P "$3" -n "$runs" -w 1 -l "ct=$2" >"$work/dead-$1-$2-$3.txt" 2>&1 ||
		die "pamlat ($1, $2, $3) failed: $(cat "$work/dead-$1-$2-$3.txt")"
}
wait_quiet 10 # the slow cases only wait; a busy machine matters little
for t in $timeouts; do
	log "endpoint dead: connection refused, connect_timeout=$t, $runs runs"
	dead refused "$t" auth
	dead refused "$t" acct
done
log "endpoint dead: blackhole and syndrop at connect_timeout $timeouts, $runs runs each, side by side"
slow=()
for t in $timeouts; do
	for target in blackhole syndrop; do
		for ph in auth acct; do
			dead "$target" "$t" "$ph" &
			bg_pids="$bg_pids $!"
			slow+=("$!")
		done
	done
done
for p in "${slow[@]}"; do wait "$p" || die "a dead-endpoint run failed"; done
bg_pids=''
cat "$work"/dead-*.txt >"$work/pamlat_dead.txt"

# --- 7. The report -------------------------------------------------------------------------------
for p in "${pid[@]}"; do kill "$p" 2>/dev/null; done
wait "${pid[@]}" 2>/dev/null
pid=()
meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta cpus "$(nproc)"
meta cpu "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
meta mem "$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
meta kernel "$(uname -r)"
meta openssh "$(ssh -V 2>&1 | cut -d, -f1)"
meta fs "$(df -T "$work" | awk 'NR == 2 {print $2 " on " $1}')"
meta kdf_ln "$kdf_ln"
meta offline_ln "$offline_ln"
meta logins "$logins"
meta warmup "$warmup"
meta runs "$runs"
meta gap "$gap"
meta timeouts "$timeouts"
meta total_s "$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.0f", b - a}')"
python3 "$here/report.py" "$work"
