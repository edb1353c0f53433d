#!/bin/sh
# pam_jit.so end to end with Debian's real sudo: iam-policyd on loopback,
# iamd filling the NSS cache (JIT group memberships included) and ending
# sessions whose grant ended, and hosts in private mount namespaces whose
# /etc overlay holds their own pam.d/sudo and sudo-i (examples/pam.d),
# sudoers, nsswitch.conf and ld.so.cache. Directory users log in over SSH
# with a key (sshd records where they came from: 127.8.x.x stands for the
# VPN, 127.9.x.x for elsewhere) and run sudo in that session. The host's own
# files are untouched.
#
# Proves: no grant -> denied with the way to get one; a request needing
# approval -> pending -> approved by another user -> sudo works (its output
# in sudo's I/O log, the grant in the audit log) -> a seconds-long window
# ends -> denied; self-approval refused; revoke -> denied at the very next
# sudo; outside the role's time of day -> denied; from outside its networks
# -> denied; sudo -i gated too; mode=activate with and without approval and
# with a TOTP code for an MFA role; iamd ends a sudo session when its grant
# ends (jit_end_sessions); endpoint down -> denied with offline=deny,
# allowed until not_after with a signed grant under
# offline=grant-until-expiry, and never after.
set -u
. "$IAM_SRCDIR/tests/nss/lib.sh"
B=$IAM_BUILDDIR
for p in "$B/policyd/iam-policyd" "$B/iamctl/iamctl" "$B/iamd/iamd" \
	"$B/pam_jit/.libs/pam_jit.so" /usr/sbin/sshd /usr/bin/sudo; do
	[ -x "$p" ] || [ -f "$p" ] || { echo "missing $p"; exit 99; }
done
for c in ssh ssh-keygen oathtool jq unshare visudo; do
	command -v "$c" >/dev/null || { echo "missing $c"; exit 99; }
done
T=$(mktemp -d /tmp/iam-pam-sudo.XXXXXX)
chmod 0755 "$T"
iamd_pid='' sshd_pids=''
. "$IAM_SRCDIR/scripts/endpoint.sh"
cleanup() {
	for p in $sshd_pids $iamd_pid; do kill "$p" 2>/dev/null; done
	endpoint_stop
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'echo "stopped by a signal"; exit 99' INT TERM
umask 022
show_logs() {
	for h in check act keep; do echo "--- sshd log ($h)"; tail -n 30 "$T/$h/sshd.log"; done
	echo "--- iamd log"; tail -n 30 "$T/iamd.log"
	echo "--- policyd log"; tail -n 20 "$T/policyd.log"
}

# --- The endpoint and its directory ----------------------------------------------
endpoint_init "$B" "$T" || exit 99
endpoint_start "$B" "$T" || exit 99
iamctl() { "$B/iamctl/iamctl" "$@"; }
# as USER (password login)
iamctl_as() { u=$1; shift; echo "$u-Secret-42" | iamctl --user "$u" --password-stdin "$@"; }
iamctl host enroll web1 --output "$T/host.credential" >/dev/null || exit 99
iamctl group add devteam >/dev/null
iamctl group add managers >/dev/null
iamctl host allow web1 --group devteam >/dev/null
for u in alice bob carl dora erin mia gina; do
	echo "$u-Secret-42" | iamctl user add "$u" --password-stdin >/dev/null || exit 99
	iamctl group add-member devteam "$u" >/dev/null
	ssh-keygen -q -t ed25519 -N '' -f "$T/$u.key" -C "$u"
done
iamctl group add-member managers bob >/dev/null
iamctl mfa enroll mia --print-secret >"$T/mia.totp" || exit 99
# The seed's role (approval by a manager, the VPN only) and one whose
# time-of-day window is never now: it opens two hours from now (UTC).
iamctl role add dbadmin --max-duration 1h --approvers managers --from 127.8.0.0/16 >/dev/null || exit 99
h=$((($(date -u +%H | sed 's/^0//') + 2) % 24))
iamctl role add nightly --max-duration 1h --window "$(printf '%02d:00-%02d:00' "$h" $(((h + 1) % 24)))" \
	--tz UTC >/dev/null || exit 99
iamctl role add ops --max-duration 2h >/dev/null || exit 99
iamctl role add secops --max-duration 1h --mfa >/dev/null || exit 99
iamctl role add audit --max-duration 1h --approvers managers >/dev/null || exit 99
for r in dbadmin nightly ops; do iamctl role eligible "$r" --user alice >/dev/null; done
iamctl role eligible nightly --user carl >/dev/null
iamctl role eligible ops --user dora >/dev/null
iamctl role eligible ops --user gina >/dev/null
iamctl role eligible audit --user erin >/dev/null
iamctl role eligible secops --user mia >/dev/null

cat >"$T/iam.conf" <<EOC
endpoint = $IAM_ENDPOINT
ca_file = $T/state/tls.crt
host_credential_file = $T/host.credential
snapshot_pubkey = $(cat "$T/state/signing.pub")
cache_path = $T/nss.cache
spool_dir = $T/spool
offline_dir = $T/offline
session_dir = $T/run/sessions
jit_session_dir = $T/run/jit
grant_dir = $T/grants
jit_end_sessions = yes
jit_end_grace = 2s
connect_timeout = 1s
timeout = 3s
EOC
"$B/iamd/iamd" --config "$T/iam.conf" --stderr 2>"$T/iamd.log" &
iamd_pid=$!
for _ in $(seq 100); do [ -s "$T/nss.cache" ] && break; sleep 0.1; done
[ -s "$T/nss.cache" ] || { cat "$T/iamd.log"; exit 99; }
# iamd long-polls: a change reaches the cache within a moment
wait_member() { # wait_member GROUP USER yes|no
	for _ in $(seq 100); do
		got=$(hostns_run "$T/check" getent group "$1" | cut -d: -f4 | tr ',' '\n' | grep -cx "$2")
		{ [ "$3" = yes ] && [ "$got" -gt 0 ]; } || { [ "$3" = no ] && [ "$got" -eq 0 ]; } && return 0
		sleep 0.1
	done
	return 1
}

# --- Hosts: one sshd per pam_jit configuration (scripts/hostns.sh) ---------------
. "$IAM_SRCDIR/scripts/hostns.sh"
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
# Under a sanitizer build every program in the namespace runs with ASan;
# sudo -i's login shell must keep ASAN_OPTIONS (no leak report of the shell
# itself, which would otherwise hang at exit under sudo's pty monitor).
asan_keep=''
[ -z "${IAM_ASAN_RUNTIME:-}" ] || asan_keep='Defaults env_keep += "ASAN_OPTIONS"'
host() { # host NAME PAM_JIT_ARGS: sets ${NAME}_port
	HOSTNS_JIT_ARGS=$2 hostns_setup "$T/$1" "$B" "$IAM_SRCDIR" "$T/iam.conf"
	hostns_sudoers "$T/$1" <<EOS || exit 99
Defaults env_reset, !lecture, timestamp_timeout=0, !compress_io
Defaults iolog_dir=$T/iolog/%{user}
Defaults:%dbadmin log_output
root ALL=(ALL:ALL) ALL
%devteam ALL=(ALL:ALL) NOPASSWD: ALL
$asan_keep
EOS
	hostns_start_sshd "$T/$1" || { cat "$T/$1/sshd.log"; exit 99; }
	sshd_pids="$sshd_pids $hostns_sshd_pid"
	for u in alice bob carl dora erin mia gina; do cp "$T/$u.key.pub" "$T/$1/keys/$u"; done
	eval "${1}_port=$hostns_port"
}
host check "role=dbadmin role=nightly role=ops"
host act "role=ops role=audit role=secops mode=activate"
host keep "role=ops offline=grant-until-expiry"
# sudo_on HOST SOURCE USER CMD...: USER logs in from SOURCE with a key and
# runs sudo there; sudo -S reads any answers from this function's stdin.
# (Under a sanitizer build sudo itself runs with ASan, whose leak report of
# sudo's own allocations at exit is not ours to judge.)
sudo_on() {
	h=$1 src=$2 u=$3
	shift 3
	hostns_port=$(eval echo "\$${h}_port") hostns_key_run "$src" "$u" "$T/$u.key" \
		"ASAN_OPTIONS=detect_leaks=0 sudo -S $*" 2>&1
}
vpn=127.8.1.2 outside=127.9.0.1
pending_id() { iamctl --json request list --role "$1" --state pending | jq -r '.requests[0].id'; }
active_id() { iamctl --json request list --role "$1" --state active | jq -r '.requests[0].id'; }

# --- Check mode ---------------------------------------------------------------------------
out=$(sudo_on check $vpn alice id -un </dev/null)
expect "alice without a grant is refused" "" "$(echo "$out" | grep -x root)"
expect "... and told how to get one" "yes" \
	"$(echo "$out" | grep -q "No active grant for role dbadmin on this host. Request one: iamctl elevate dbadmin --for 1h --reason" && echo yes)"
iamctl_as alice elevate dbadmin --for 1h --reason "INC-1 rebuild the index" >/dev/null || exit 1
id=$(pending_id dbadmin)
out=$(sudo_on check $vpn alice id -un </dev/null)
expect "a pending request does not elevate" "yes" \
	"$(echo "$out" | grep -q "waiting for approval by a member of managers" && echo yes)"
expect "sudo -i (service sudo-i) is gated too" "yes" \
	"$(sudo_on check $vpn alice "-i id -un" </dev/null | grep -q "waiting for approval" && echo yes)"
iamctl_as alice request approve "$id" --reason "mine" >"$T/out" 2>&1
expect "alice may not approve her own request" "yes" "$(grep -qi "own request" "$T/out" && echo yes)"
iamctl_as bob request approve "$id" --reason "checked INC-1" >/dev/null || exit 1
wait_member dbadmin alice yes
expect "the grant puts alice into the dbadmin group (NSS)" "0" "$?"
expect "approved: sudo works from the VPN" "root" \
	"$(sudo_on check $vpn alice 'sh -c "id -un; echo iolog-marker-42"' </dev/null | head -n 1)"
expect "... and works once approved" "root" \
	"$(sudo_on check $vpn alice "-i id -un" </dev/null | grep -x root)"
expect "from outside the VPN range: refused" "yes" \
	"$(sudo_on check $outside alice id -un </dev/null | grep -q "may only be used from 127.8.0.0/16; your session comes from $outside" && echo yes)"
expect "sudo's I/O log holds the session's output (log_output for %dbadmin)" "yes" \
	"$(grep -rqs iolog-marker-42 "$T/iolog/alice" && echo yes)"
expect "the audit log names the grant of the sudo session" "yes" \
	"$(iamctl --json audit tail -n 1000 | jq -r --arg g "\"grant\":$id" \
		'[.records[] | select(.type == "jit.session.open" and .actor == "alice" and (.data | contains($g)))] | if length > 0 then "yes" else "no" end')"
iamctl request revoke "$id" --reason "INC-1 closed" >/dev/null || exit 1
out=$(sudo_on check $vpn alice id -un </dev/null)
expect "revoked: refused at the very next sudo" "yes" \
	"$(echo "$out" | grep -q "was revoked" && ! echo "$out" | grep -qx root && echo yes)"
# a window of seconds
iamctl_as alice elevate dbadmin --for 4s --reason "INC-2 quick look" >/dev/null || exit 1
iamctl_as bob request approve "$(pending_id dbadmin)" --reason ok >/dev/null || exit 1
expect "a 4-second grant: sudo works inside it" "root" "$(sudo_on check $vpn alice id -un </dev/null)"
sleep 5
out=$(sudo_on check $vpn alice id -un </dev/null)
expect "... and not after it ended" "yes" \
	"$(echo "$out" | grep -q "ended at" && ! echo "$out" | grep -qx root && echo yes)"
# the time of day
iamctl_as carl elevate nightly --for 1h --reason "batch rerun" >/dev/null || exit 1
expect "carl's nightly grant is active" "active" \
	"$(iamctl --json request list --role nightly | jq -r '.requests[0].state')"
out=$(sudo_on check $vpn carl id -un </dev/null)
expect "outside the role's time of day: refused" "yes" \
	"$(echo "$out" | grep -q "may only be used" && ! echo "$out" | grep -qx root && echo yes)"
expect "root (a host user) is left to sudoers: sudo -n works" "root" \
	"$(hostns_run "$T/check" sudo -n id -un 2>&1)"

# --- iamd ends a sudo session when its grant is revoked ---------------------------
iamctl_as gina elevate ops --for 1h --reason "long job" >/dev/null || exit 1
sudo_on check $vpn gina 'sh -c "echo started; exec sleep 3071"' </dev/null >"$T/gina.out" &
ssh_pid=$!
for _ in $(seq 100); do grep -q started "$T/gina.out" && break; sleep 0.1; done
sleeper=$(pgrep -u 0 -f "^sleep 3071$" | head -n 1)
expect "gina's sudo session runs (as root)" "yes" "$([ -n "$sleeper" ] && echo yes)"
# iamd counts a revocation from a snapshot made after the session began
# (snapshots carry whole seconds)
sleep 1.1
iamctl request revoke "$(active_id ops)" --reason "job killed" >/dev/null
for _ in $(seq 150); do kill -0 "$sleeper" 2>/dev/null || break; sleep 0.1; done
expect "revoked: iamd ended the sudo session (jit_end_sessions)" "gone" \
	"$(kill -0 "$sleeper" 2>/dev/null && echo running || echo gone)"
wait "$ssh_pid" 2>/dev/null
expect "... and logged it" "yes" "$(grep -q 'user=gina' "$T/iamd.log" && grep -q 'revoked' "$T/iamd.log" && echo yes)"

# --- Activate mode --------------------------------------------------------------------------
out=$(printf 'INC-9 restart the queue\n30m\n' | sudo_on act $vpn dora id -un)
expect "activate, no approval needed: sudo proceeds at once" "yes" \
	"$(echo "$out" | tail -n 1 | grep -q 'root$' && echo yes)"
expect "... after asking for a reason and a duration" "yes" \
	"$(echo "$out" | grep -q "Reason for using role ops" && echo "$out" | grep -q "Duration \[1h, at most 2h\]" && echo yes)"
out=$(printf 'quarterly audit\n\n' | sudo_on act $vpn erin id -un)
expect "activate, approval needed: a request id and who may approve" "yes" \
	"$(echo "$out" | grep -q "is waiting for approval by a member of managers" && ! echo "$out" | grep -qx root && echo yes)"
iamctl_as bob request approve "$(pending_id audit)" --reason ok >/dev/null || exit 1
expect "... and once approved, sudo works" "root" "$(sudo_on act $vpn erin id -un </dev/null)"
code=$(oathtool --totp -b "$(cat "$T/mia.totp")")
wrong=$(printf '%06d' $(((1${code} - 1000000 + 1) % 1000000)))
out=$(printf 'db migration\n\n%s\n' "$wrong" | sudo_on act $vpn mia id -un)
expect "activate an MFA role: asks for a code, refuses a wrong one" "yes" \
	"$(echo "$out" | grep -q "Wrong verification code" && ! echo "$out" | grep -qx root && echo yes)"
expect "... and accepts the right one" "yes" \
	"$(printf 'db migration\n\n%s\n' "$code" | sudo_on act $vpn mia id -un | tail -n 1 | grep -q 'root$' && echo yes)"

# --- The endpoint goes away -------------------------------------------------------------
iamctl_as alice elevate ops --for 8s --reason "INC-3 before the outage" >/dev/null || exit 1
expect "keep host, online: sudo works (and keeps the signed grant)" "root" \
	"$(sudo_on keep $vpn alice id -un </dev/null)"
endpoint_stop
out=$(sudo_on check $vpn alice id -un </dev/null)
expect "endpoint down, offline=deny: refused, and told why" "yes" \
	"$(echo "$out" | grep -q "cannot be reached" && ! echo "$out" | grep -qx root && echo yes)"
expect "endpoint down, offline=grant-until-expiry: the signed grant holds" "root" \
	"$(sudo_on keep $vpn alice id -un </dev/null)"
sleep 9
expect "... but never after its end" "" "$(sudo_on keep $vpn alice id -un </dev/null | grep -x root)"
expect "endpoint down: root (a host user) still uses sudo" "root" \
	"$(hostns_run "$T/keep" sudo -n id -un 2>&1)"

[ "$failures" -eq 0 ] || show_logs
finish
