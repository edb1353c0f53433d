#!/bin/sh
# shellcheck disable=SC3043 # local, as in scripts/endpoint.sh (dash and bash have it)
# Fault injection (DESIGN.md, tests layer 4; rules 3 and 4): a faulty peer
# (faultpeer.py) in front of a real iam-policyd on loopback, and a matrix of
# failures run against each client part: pam_iam auth and account, pam_jit
# account (through faults/pamcall, libpam's pam_start_confdir with private
# service files), iamd --once, iamctl status, and nss_iam through glibc in
# a private mount namespace. Every part is configured with
# connect_timeout = 1s and timeout = 2s.
#
# Each row asserts the behaviour DESIGN.md prescribes (fail closed for
# privilege, fail soft but without a usable fallback for login, the old
# cache kept byte for byte, a non-zero exit), a decision within
# connect_timeout + timeout + 2 s of slack (a bound against hangs, not a
# benchmark), no crash, and one log line that gives the cause: for iamd
# one sync_failed line; for the PAM modules, whose syslog lines are caught
# (logsink.py at /dev/log in a private mount namespace), one decision line
# and, when the call failed, one line at warning or above with the error,
# nothing else. The matrix
# is written to BUILDDIR/tests/faults/matrix.md and must equal
# doc/faults.md apart from the time column: regenerate the doc with
# tests/faults/update-doc.sh BUILDDIR.
# Run by `make check` in tests/ with IAM_BUILDDIR and IAM_SRCDIR set; root.
set -u

if [ -z "${IAM_BUILDDIR:-}" ] || [ -z "${IAM_SRCDIR:-}" ]; then echo "run me from make check"; exit 99; fi
[ "$(id -u)" -eq 0 ] || { echo "SKIP: the modules read only root-owned files; run as root"; exit 77; }
IAMD=$IAM_BUILDDIR/iamd/iamd
IAMCTL=$IAM_BUILDDIR/iamctl/iamctl
PAMCALL=$IAM_BUILDDIR/tests/faults/pamcall
PAM_IAM=$IAM_BUILDDIR/pam_iam/.libs/pam_iam.so
PAM_JIT=$IAM_BUILDDIR/pam_jit/.libs/pam_jit.so
NSS_SO=$IAM_BUILDDIR/nss_iam/.libs/libnss_iam.so.2
[ -x "$PAMCALL" ] || { echo "SKIP: faults/pamcall is built only with cmocka"; exit 77; }
for p in "$IAMD" "$IAMCTL" "$PAM_IAM" "$PAM_JIT" "$NSS_SO" \
	"$IAM_BUILDDIR/policyd/iam-policyd"; do
	[ -e "$p" ] || { echo "ERROR: build $p first"; exit 99; }
done
for t in openssl python3 unshare ldconfig; do
	command -v "$t" >/dev/null 2>&1 || { echo "ERROR: $t is needed"; exit 99; }
done
# shellcheck source=scripts/endpoint.sh
. "$IAM_SRCDIR/scripts/endpoint.sh"

umask 022
tmp=$(mktemp -d "${TMPDIR:-/tmp}/iam-faults.XXXXXX") || exit 99
peer_pid='' part_pids='' sink_pid=''
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	# the parts of a case end on their own within their timeouts: waited
	# for, never killed; each pid is killed once (endpoint_stop forgets
	# its own)
	for p in $part_pids; do wait "$p"; done
	part_pids=''
	[ -z "$peer_pid" ] || kill "$peer_pid" 2>/dev/null
	peer_pid=''
	[ -z "$sink_pid" ] || kill "$sink_pid" 2>/dev/null
	sink_pid=''
	endpoint_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "stopped by a signal"; exit 99' INT TERM

failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
show() { sed 's/^/  | /' "$@"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# --- The endpoint, its directory, and the test's CAs --------------------------

endpoint_init "$IAM_BUILDDIR" "$tmp" || exit 99
endpoint_start "$IAM_BUILDDIR" "$tmp" || exit 99
real_port=${endpoint_port:?}

ctl() {
	"$IAMCTL" "$@" >"$tmp/ctl.out" 2>&1 </dev/null && return 0
	echo "ERROR: iamctl $*"
	show "$tmp/ctl.out"
	exit 99
}
export IAMCTL_TOKEN_DIR="$tmp/tokens" XDG_CONFIG_HOME="$tmp/xdg"
printf '%s\n' 'alice-Secret-42' | "$IAMCTL" user add alice --password-stdin >/dev/null 2>&1 ||
	{ echo "ERROR: user add alice"; exit 99; }
ctl group add staff
ctl group add-member staff alice
ctl host enroll web1 --output "$tmp/web1.cred"
ctl host allow web1 --group staff
ctl role add ops --max-duration 2h
ctl role eligible ops --user alice
printf '%s\n' 'alice-Secret-42' | "$IAMCTL" --user alice --password-stdin login >/dev/null 2>&1 ||
	{ echo "ERROR: alice login"; exit 99; }
ctl --user alice elevate ops --for 2h --reason "fault matrix"

# The test's CA and the peer's certificate from it; a CA no client trusts
# and a certificate from that; a key whose pin no certificate has.
ssl() { openssl "$@" >/dev/null 2>&1 || { echo "ERROR: openssl $1"; exit 99; }; }
mkcert() { # NAME CA-NAME
	ssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$tmp/$1.key" -out "$tmp/$1.csr"
	printf 'subjectAltName = IP:127.0.0.1\n' >"$tmp/$1.ext"
	ssl x509 -req -in "$tmp/$1.csr" -CA "$tmp/$2.crt" -CAkey "$tmp/$2.key" -CAcreateserial \
		-days 7 -extfile "$tmp/$1.ext" -out "$tmp/$1.crt"
}
for ca in ca otherca; do
	ssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 \
		-subj "/CN=iam fault test $ca" -keyout "$tmp/$ca.key" -out "$tmp/$ca.crt"
done
mkcert peer ca
mkcert wrong otherca
ssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/pin.key"
pin=$(openssl pkey -in "$tmp/pin.key" -pubout -outform DER 2>/dev/null |
	openssl dgst -sha256 -binary | openssl base64 -A)
# the clients trust the test's CA, and the endpoint's own certificate for
# the passthrough modes (its TLS reaches them end to end)
cat "$tmp/ca.crt" "$tmp/state/tls.crt" >"$tmp/trust.pem"

# --- The peer -------------------------------------------------------------------

echo normal >"$tmp/mode"
python3 "$IAM_SRCDIR/tests/faults/faultpeer.py" --upstream "127.0.0.1:$real_port" \
	--upstream-ca "$tmp/state/tls.crt" --cert "$tmp/peer.crt" --key "$tmp/peer.key" \
	--wrong-cert "$tmp/wrong.crt" --wrong-key "$tmp/wrong.key" --control "$tmp/mode" \
	--ready "$tmp/peer.ready" --replay "$tmp/replay.json" 2>"$tmp/peer.log" &
peer_pid=$!
# set_mode MODE: the peer has it in force when this returns.
set_mode() {
	echo "$1" >"$tmp/mode"
	i=0
	while [ $i -lt 100 ]; do
		[ "$(cut -d' ' -f2 "$tmp/peer.ready" 2>/dev/null)" = "$1" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "ERROR: the peer did not take mode $1"
	show "$tmp/peer.log"
	exit 99
}
set_mode normal
peer_port=$(cut -d' ' -f1 "$tmp/peer.ready")

# --- The clients' configuration ------------------------------------------------------
# Two sets: "plain" trusts the CA, "pin" pins a key no certificate has.

signing=$(cat "$tmp/state/signing.pub")
for set in plain pin; do
	d=$tmp/$set
	mkdir -p "$d/pam.d"
	{
		printf 'endpoint = https://127.0.0.1:%s\nca_file = %s/trust.pem\n' "$peer_port" "$tmp"
		[ "$set" = plain ] || printf 'pinned_pubkey = sha256//%s\n' "$pin"
		printf 'host_credential_file = %s/web1.cred\nsnapshot_pubkey = %s\n' "$tmp" "$signing"
		printf 'connect_timeout = 1s\ntimeout = 2s\nid_min = 200000\nid_max = 499999\n'
		printf 'spool_dir = %s/spool\noffline_dir = %s/offline\n' "$tmp" "$tmp"
		printf 'session_dir = %s/sessions\ngrant_dir = %s/grants\n' "$tmp" "$tmp"
		printf 'jit_session_dir = %s/jit\n' "$tmp"
	} >"$d/common.conf"
	{ cat "$d/common.conf"; printf 'cache_path = %s/pam.cache\n' "$tmp"; } >"$d/iam.conf"
	{ cat "$d/common.conf"; printf 'cache_path = %s/iamd.cache\n' "$tmp"; } >"$d/iamd.conf"
	{
		printf 'endpoint = https://127.0.0.1:%s\nca_file = %s/trust.pem\n' "$peer_port" "$tmp"
		[ "$set" = plain ] || printf 'pinned_pubkey = sha256//%s\n' "$pin"
		printf 'connect_timeout = 1s\ntimeout = 2s\n'
	} >"$d/iamctl.conf"
	printf 'auth required %s config=%s/iam.conf\naccount required %s config=%s/iam.conf\n' \
		"$PAM_IAM" "$d" "$PAM_IAM" "$d" >"$d/pam.d/iam"
	printf 'account required %s config=%s/iam.conf role=ops offline=deny\n' \
		"$PAM_JIT" "$d" >"$d/pam.d/jit"
	printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$d/pam.d/other"
done

# The caches: iamd's first sync through the peer (which keeps that signed
# answer for the replay case), then a change, then a sync to the newest.
set_mode record
"$IAMD" --once --config "$tmp/plain/iamd.conf" --stderr 2>"$tmp/first.log" ||
	{ echo "ERROR: the first sync"; show "$tmp/first.log"; exit 99; }
[ -s "$tmp/replay.json" ] || { echo "ERROR: the peer kept no snapshot"; show "$tmp/peer.log"; exit 99; }
cp "$tmp/iamd.cache" "$tmp/old.cache"
ctl user add carol
set_mode normal
"$IAMD" --once --config "$tmp/plain/iamd.conf" --stderr 2>"$tmp/second.log" ||
	{ echo "ERROR: the second sync"; show "$tmp/second.log"; exit 99; }
cp "$tmp/iamd.cache" "$tmp/good.cache"
cp "$tmp/iamd.cache" "$tmp/pam.cache"

# --- The parts ------------------------------------------------------------------------
# Each writes one line to $tmp/r/CASE.PART: "RESULT|MS|NOTE" (NOTE: why it
# is wrong, or empty).

# What the PAM modules send to syslog: a socket of the test's
# (logsink.py) is /dev/log in the private mount namespace each call runs in
# (a tmpfs over /dev with the few device nodes a PAM call opens bound back;
# the host's /dev is untouched, and /dev/log need not exist there), and
# pamcall tags the lines with the case and the part (PAMCALL_IDENT).
python3 "$IAM_SRCDIR/tests/faults/logsink.py" "$tmp/syslog.sock" "$tmp/syslog.txt" \
	2>"$tmp/logsink.err" &
sink_pid=$!
i=0
while [ ! -S "$tmp/syslog.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -S "$tmp/syslog.sock" ] || { echo "ERROR: logsink.py did not start"; show "$tmp/logsink.err"; exit 99; }
mkdir -p "$tmp/devns"
# shellcheck disable=SC2016 # expanded by the inner shell
syslog_ns='d=$0/devns
mount -t tmpfs -o mode=0755,size=1m tmpfs "$d" || exit 98
for n in null zero full random urandom tty; do
	[ -e "/dev/$n" ] || continue
	: >"$d/$n" && mount --bind "/dev/$n" "$d/$n" || exit 98
done
ln -s /proc/self/fd "$d/fd"
if [ -d /dev/shm ]; then mkdir "$d/shm" && mount --rbind /dev/shm "$d/shm" || exit 98; fi
: >"$d/log" && mount --bind "$0/syslog.sock" "$d/log" || exit 98
mount --move "$d" /dev || exit 98
exec "$@"'
# syslog_lines CASE PART: what the part sent to syslog, "SEVERITY TEXT"
syslog_lines() { grep "^[a-z]* iamfault-$1\.$2\[" "$tmp/syslog.txt"; }

preload=''
skew=''
# run_pam CASE PART SET SERVICE OP [ANSWER...]
run_pam() {
	local c="$1" part="$2" set="$3" svc="$4" op="$5" out
	shift 5
	out=$(unshare -m --propagation private sh -c "$syslog_ns" "$tmp" \
		env ${preload:+LD_PRELOAD="$preload"} ${skew:+FAKETIME="$skew"} \
		FAKETIME_DONT_FAKE_MONOTONIC=1 PAMCALL_IDENT="iamfault-$c.$part" \
		"$PAMCALL" "$tmp/$set/pam.d" "$svc" alice "$op" "$@" 2>"$tmp/r/$c.$part.err")
	rc=$?
	if [ $rc -ne 0 ] || [ -z "$out" ]; then
		echo "no result (pamcall exit $rc)|0|pamcall ended with $rc (a crash, or pam_start failed)" >"$tmp/r/$c.$part"
		return
	fi
	echo "${out% *}|${out#* }|" >"$tmp/r/$c.$part"
}

# run_iamd CASE SET: --once over a copy of the newest cache, or where the
# snapshot itself is the fault (and under a skewed clock), of the cache
# before the last change, so that a signed snapshot is fetched and checked.
run_iamd() {
	local c="$1" set="$2" t0 t1 rc note='' kept n reason base=good
	case $c in bad_signature|future_serial|skew_*|snap_*) base=old ;; esac
	mkdir -p "$tmp/r/$c.iamd.d"
	sed "s|^cache_path = .*|cache_path = $tmp/r/$c.iamd.d/nss.cache|" "$tmp/$set/iamd.conf" \
		>"$tmp/r/$c.iamd.d/iam.conf"
	cp "$tmp/$base.cache" "$tmp/r/$c.iamd.d/nss.cache"
	t0=$(now_ms)
	env ${preload:+LD_PRELOAD="$preload"} ${skew:+FAKETIME="$skew"} \
		"$IAMD" --once --config "$tmp/r/$c.iamd.d/iam.conf" --stderr \
		2>"$tmp/r/$c.iamd.log" >/dev/null
	rc=$?
	t1=$(now_ms)
	if cmp -s "$tmp/$base.cache" "$tmp/r/$c.iamd.d/nss.cache"; then
		kept=kept
	elif "$IAMD" cache-check "$tmp/r/$c.iamd.d/nss.cache" >/dev/null 2>&1; then
		kept=updated
	else
		kept=broken
	fi
	n=$(grep -c 'event=sync_failed' "$tmp/r/$c.iamd.log")
	reason=$(sed -n 's/.*event=sync_failed reason=\([a-z_]*\).*/\1/p' "$tmp/r/$c.iamd.log" | head -1)
	[ $rc -lt 128 ] || note="killed by a signal"
	if [ $rc -ne 0 ] && [ "$n" -ne 1 ]; then
		note="$n sync_failed lines, expected one"
	fi
	echo "exit $rc, cache $kept${reason:+, reason=$reason}|$((t1 - t0))|$note" >"$tmp/r/$c.iamd"
}

# run_ctl CASE SET: iamctl status with only its configuration file.
run_ctl() {
	local c="$1" set="$2" t0 t1 rc note='' lines
	t0=$(now_ms)
	env -u IAM_ENDPOINT -u IAM_CA_FILE -u IAM_PINNED_PUBKEY -u IAM_ADMIN_TOKEN_FILE \
		IAMCTL_CONFIG="$tmp/$set/iamctl.conf" \
		${preload:+LD_PRELOAD="$preload"} ${skew:+FAKETIME="$skew"} \
		"$IAMCTL" status >"$tmp/r/$c.iamctl.out" 2>"$tmp/r/$c.iamctl.err" </dev/null
	rc=$?
	t1=$(now_ms)
	lines=$(wc -l <"$tmp/r/$c.iamctl.err")
	[ $rc -lt 128 ] || note="killed by a signal"
	if [ $rc -ne 0 ] && [ "$lines" -ne 1 ]; then
		note="$lines lines on stderr, expected one error line"
	fi
	echo "exit $rc|$((t1 - t0))|$note" >"$tmp/r/$c.iamctl"
}

# The nss part: glibc's getent with libnss_iam over the peer-fed cache in a
# private mount namespace (as tests/nss/glibc.sh); the module has no
# network code at all, so one check while the peer blackholes is enough.
ns=$tmp/ns
mkdir -p "$ns/etc/iam" "$ns/lib"
cp "$NSS_SO" "$ns/lib/"
sed -E 's/^(passwd|group):.*/\1: files iam/' /etc/nsswitch.conf >"$ns/etc/nsswitch.conf"
grep -q '^passwd: files iam' "$ns/etc/nsswitch.conf" ||
	printf 'passwd: files iam\ngroup: files iam\n' >>"$ns/etc/nsswitch.conf"
cp "$tmp/plain/iam.conf" "$ns/etc/iam/iam.conf"
printf 'include /etc/ld.so.conf.d/*.conf\n%s/lib\n' "$ns" >"$ns/ld.so.conf"
ldconfig -X -C "$ns/etc/ld.so.cache" -f "$ns/ld.so.conf"
[ -z "${IAM_ASAN_RUNTIME:-}" ] || echo "$IAM_ASAN_RUNTIME" >"$ns/etc/ld.so.preload"
chmod 0644 "$ns/etc/iam/iam.conf" "$ns/etc/nsswitch.conf"
run_nss() {
	local c="$1" t0 t1 out rc note=''
	t0=$(now_ms)
	# shellcheck disable=SC2016 # expanded by the inner shell
	out=$(unshare -m --propagation private sh -c '
		mount -t overlay overlay -o lowerdir="$0"/etc:/etc /etc || exit 98
		exec getent passwd alice' "$ns")
	rc=$?
	t1=$(now_ms)
	case $out in
	alice:x:2[0-9]*:*) res="found alice" ;;
	*) res="exit $rc, no entry"; note="the cache stopped answering" ;;
	esac
	echo "$res|$((t1 - t0))|$note" >"$tmp/r/$c.nss"
}

# --- The matrix --------------------------------------------------------------------------

mkdir -p "$tmp/r"
out_dir=$IAM_BUILDDIR/tests/faults
mkdir -p "$out_dir"
matrix=$out_dir/matrix.md
limit=$((1000 + 2000 + 2000))
parts_all="pam_iam_auth pam_iam_account pam_jit iamd iamctl"
cases=''

# expect PART CASE: the behaviour DESIGN.md prescribes, as an extended
# regex over the result.
expect() {
	case $2 in
	normal)
		case $1 in
		pam_*) echo '^PAM_SUCCESS$' ;;
		iamd) echo '^exit 0, cache kept$' ;;
		iamctl) echo '^exit 0$' ;;
		nss) echo '^found alice$' ;;
		esac ;;
	skew_p1d)
		# a day ahead: the endpoint decides (grant, password) with its
		# own clock, its certificate is still valid, a signed snapshot
		# carries no expiry: the online answers stand
		case $1 in
		pam_*) echo '^PAM_SUCCESS$' ;;
		iamd) echo '^exit 0, cache updated$' ;;
		iamctl) echo '^exit 0$' ;;
		esac ;;
	skew_m1d)
		# a day behind: the endpoint's certificate is not valid yet, so
		# TLS fails and every part behaves as if the endpoint were down
		case $1 in
		pam_iam_auth) echo '^PAM_AUTHINFO_UNAVAIL$' ;;
		pam_iam_account|pam_jit) echo '^PAM_PERM_DENIED$' ;;
		iamd) echo '^exit 1, cache kept, reason=tls$' ;;
		iamctl) echo '^exit 6$' ;;
		esac ;;
	bad_signature) echo '^exit 1, cache kept, reason=bad_signature$' ;;
	future_serial) echo '^exit 1, cache kept, reason=bad_payload$' ;;
	replay) echo '^exit 1, cache kept, reason=replay$' ;;
	snap_*) echo '^exit 1, cache kept, reason=[a-z_]+$' ;;
	*)
		case $1 in
		# no offline record: no fallback applies (pam_iam(8))
		pam_iam_auth) echo '^PAM_(AUTHINFO_UNAVAIL|AUTH_ERR)$' ;;
		pam_iam_account) echo '^PAM_PERM_DENIED$' ;;
		pam_jit) echo '^PAM_PERM_DENIED$' ;;
		iamd) echo '^exit 1, cache kept, reason=[a-z_]+$' ;;
		iamctl) echo '^exit 6$' ;;
		nss) echo '^found alice$' ;;
		esac ;;
	esac
}

# run_case CASE MODE SET PARTS: the parts at once against the peer in MODE.
run_case() {
	local c="$1" mode="$2" set="$3" parts="$4" p
	set_mode "$mode"
	rm -rf "$tmp/offline"  # no fallback record from an earlier row
	for p in $parts; do
		case $p in
		pam_iam_auth) run_pam "$c" "$p" "$set" iam auth alice-Secret-42 & ;;
		pam_iam_account) run_pam "$c" "$p" "$set" iam account & ;;
		pam_jit) run_pam "$c" "$p" "$set" jit account & ;;
		iamd) run_iamd "$c" "$set" & ;;
		iamctl) run_ctl "$c" "$set" & ;;
		nss) run_nss "$c" & ;;
		esac
		part_pids="$part_pids $!"
	done
	# these, not the endpoint and the peer
	for p in $part_pids; do wait "$p"; done
	part_pids=''
	cases="$cases $c:$(echo "$parts" | tr ' ' ':')"
}

start=$(now_ms)
run_case normal normal plain "$parts_all nss"
run_case refuse refuse plain "$parts_all"
run_case blackhole blackhole plain "$parts_all nss"
run_case slow slow plain "$parts_all"
for m in http500 http502 http503 truncated huge invalid_utf8 deep wrong_types dup_keys wrong_ca; do
	run_case "$m" "$m" plain "$parts_all"
done
run_case wrong_pin wrong_pin pin "$parts_all"
for m in bad_signature future_serial replay; do
	run_case "$m" "$m" plain iamd
done
# iamd meets the HTTP-level faults above at its first request (whoami):
# once more with only the snapshot answer faulty
for m in http503 truncated huge invalid_utf8 deep wrong_types dup_keys; do
	run_case "snap_$m" "$m@/v1/snapshot" plain iamd
done
set_mode normal
if [ -n "${IAM_FAKETIME_LIB:-}" ] && [ -e "$IAM_FAKETIME_LIB" ]; then
	preload=$IAM_FAKETIME_LIB
	[ -z "${IAM_ASAN_RUNTIME:-}" ] || preload="$IAM_ASAN_RUNTIME $preload"
	for skew in +1d -1d; do
		c=skew_$(echo "$skew" | tr '+-' 'pm')
		run_case "$c" normal plain "$parts_all"
	done
	preload='' skew=''
else
	echo "note: no libfaketime; the clock skew rows are left out"
fi
total=$(($(now_ms) - start))
# every line sent before this one is in the file once this one is
logger -u "$tmp/syslog.sock" -t iamfault-flush flushed 2>/dev/null
i=0
while ! grep -q 'iamfault-flush' "$tmp/syslog.txt" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
grep -q 'iamfault-flush' "$tmp/syslog.txt" || { echo "ERROR: logsink.py lost a message"; exit 99; }

# pam_log CASE PART RESULT: what a PAM part logged, summed up as
# "SEVERITY EVENT" per line; a note on stderr unless there is exactly one
# decision line and, when the call did not succeed, exactly one line at
# warning or above that gives the cause (error=...), which may be the
# decision line itself; nothing else.
decision_events='login|offline_login|account|jit_decision'
pam_log() {
	local lines n_dec n_warn n_all
	lines=$(syslog_lines "$1" "$2")
	n_all=$(printf '%s\n' "$lines" | grep -c .)
	n_dec=$(printf '%s\n' "$lines" | grep -Ec " event=($decision_events) ")
	n_warn=$(printf '%s\n' "$lines" | grep -Ec '^(emerg|alert|crit|err|warning) ')
	printf '%s\n' "$lines" | grep . | sed -E 's/^([a-z]+) .*: event=([a-z_]+) .*/\1 \2/' |
		paste -sd ';' - | sed 's/;/; /g'
	if [ "$n_dec" -ne 1 ]; then
		echo "$n_dec decision lines in syslog, expected one" >&2
	elif [ "$3" = PAM_SUCCESS ] && [ "$n_all" -ne 1 ]; then
		echo "$n_all syslog lines for a success, expected the decision only" >&2
	elif [ "$3" != PAM_SUCCESS ] && { [ "$n_warn" -ne 1 ] || [ "$n_all" -gt 2 ] ||
		! printf '%s\n' "$lines" | grep -Eq '^(emerg|alert|crit|err|warning) .* error="[^"]+"'; }; then
		echo "syslog: $n_warn lines at warning or above, $n_all in all; expected one giving the cause (error=), and the decision (the same line or one more)" >&2
	fi
}

{
	echo '| case | part | result | syslog | ms | verdict |'
	echo '| --- | --- | --- | --- | --- | --- |'
	for cp in $cases; do
		c=${cp%%:*}
		parts=$(echo "${cp#*:}" | tr ':' ' ')
		for p in $parts; do
			line=$(cat "$tmp/r/$c.$p" 2>/dev/null || echo "no result|0|the part left no result")
			res=${line%%|*}
			rest=${line#*|}
			ms=${rest%%|*}
			note=${rest#*|}
			[ -n "$note" ] || echo "$res" | grep -Eq -- "$(expect "$p" "$c")" ||
				note="expected /$(expect "$p" "$c")/"
			[ -n "$note" ] || [ "$ms" -le $limit ] || note="took ${ms} ms, more than $limit"
			logged=-
			case $p in
			pam_*)
				logged=$(pam_log "$c" "$p" "$res" 2>"$tmp/lognote")
				[ -n "$note" ] || note=$(cat "$tmp/lognote") ;;
			iamd)
				logged=$(sed -nE 's/^[^ ]* iamd\[([a-z]+)\]: event=([a-z_]+) .*/\1 \2/p' \
					"$tmp/r/$c.iamd.log" | paste -sd ';' - | sed 's/;/; /g') ;;
			esac
			if [ -z "$note" ]; then
				v=pass
			else
				v="FAIL: $note"
			fi
			echo "| $c | $p | $res | ${logged:--} | $ms | $v |"
		done
	done
} >"$matrix"
cat "$matrix"
# what the parts said: iamd's log and iamctl's error line of every row,
# anything else only when a row failed
for f in "$tmp"/r/*.iamd.log "$tmp"/r/*.iamctl.err; do
	[ -s "$f" ] && echo "--- $(basename "$f"): $(cat "$f")"
done
echo "--- what the PAM parts sent to syslog"
grep -v iamfault-flush "$tmp/syslog.txt"
grep -q '| FAIL' "$matrix" && {
	fail "$(grep -c '| FAIL' "$matrix") row(s) of the matrix"
	for f in "$tmp"/r/*.err; do
		[ -s "$f" ] || continue
		echo "--- $(basename "$f")"
		show "$f"
	done
	echo "--- peer"
	show "$tmp/peer.log"
}
echo "matrix: $total ms"

# doc/faults.md is this test's output: the same rows, times aside.
rows() { grep '^| ' "$1" | awk -F' [|] ' '{ print $1 " | " $2 " | " $3 " | " $4 " | " $6 }'; }
doc=$IAM_SRCDIR/doc/faults.md
if [ ! -e "$doc" ]; then
	fail "doc/faults.md is missing: run tests/faults/update-doc.sh $IAM_BUILDDIR"
else
	rows "$doc" >"$tmp/rows.doc"
	rows "$matrix" >"$tmp/rows.run"
	if ! cmp -s "$tmp/rows.doc" "$tmp/rows.run"; then
		fail "doc/faults.md differs from this run (tests/faults/update-doc.sh $IAM_BUILDDIR):"
		diff "$tmp/rows.doc" "$tmp/rows.run" | show
	fi
fi

[ "$failures" -eq 0 ] && echo "PASS" && exit 0
echo "$failures failure(s)"
exit 1
