#!/bin/sh
# pam_iam.so end to end with Debian's real OpenSSH sshd: iam-policyd on
# loopback, iamd's cache resolving the users through libnss_iam.so.2, and
# sshd on a loopback port in a private mount namespace whose /etc is an
# overlay with its own pam.d/sshd, nsswitch.conf, ld.so.cache, iam.conf and
# a local test user. The host's files are untouched.
#
# Proves: password + TOTP logins run a command; wrong password or code
# fails; disabled, deprovisioned and not-allowed users fail, a disabled
# user's SSH key too (account phase); a local user logs in through
# pam_unix; with the endpoint stopped a recent user logs in offline, an
# aged one and an MFA user do not, break-glass works only then; with an
# endpoint that accepts and never answers, the login falls back within the
# timeouts.
set -u
. "$IAM_SRCDIR/tests/nss/lib.sh"
B=$IAM_BUILDDIR
MODULE=$B/pam_iam/.libs/pam_iam.so
for p in "$B/policyd/iam-policyd" "$B/iamctl/iamctl" "$B/iamd/iamd" "$MODULE" /usr/sbin/sshd; do
	[ -x "$p" ] || [ -f "$p" ] || { echo "missing $p"; exit 99; }
done
for c in ssh ssh-keygen oathtool jq python3 unshare; do
	command -v "$c" >/dev/null || { echo "missing $c"; exit 99; }
done
T=$(mktemp -d /tmp/iam-pam-sshd.XXXXXX)
chmod 0755 "$T"
sshd_pid='' hole_pid=''
. "$IAM_SRCDIR/scripts/endpoint.sh"
cleanup() {
	for p in $sshd_pid $hole_pid; do kill "$p" 2>/dev/null; done
	endpoint_stop
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
# A signal ends the run (the EXIT trap cleans up); it never carries on
# past a cleanup that already removed its files.
trap cleanup EXIT
trap 'echo "stopped by a signal"; exit 99' INT TERM
umask 022
show_logs() {
	echo "--- sshd log"; tail -n 40 "$T/sshd.log"
	echo "--- policyd log"; tail -n 20 "$T/policyd.log"
}

# --- The endpoint and its directory ----------------------------------------------
endpoint_init "$B" "$T" || exit 99
endpoint_start "$B" "$T" || exit 99
iamctl() { "$B/iamctl/iamctl" "$@"; }
iamctl host enroll sshhost --output "$T/host.credential" >/dev/null || exit 99
iamctl group add staff >/dev/null
iamctl host allow sshhost --group staff >/dev/null
for u in alice bob carol dave gone nora; do
	echo "$u-Secret-42" | iamctl user add "$u" --password-stdin >/dev/null || exit 99
	[ "$u" = nora ] || iamctl group add-member staff "$u" >/dev/null
done
iamctl mfa enroll alice --print-secret >"$T/alice.totp" || exit 99
ssh-keygen -q -t ed25519 -N '' -f "$T/dave_key" -C dave
ssh-keygen -q -t ed25519 -N '' -f "$T/bob_key" -C bob
iamctl user disable dave --reason "sshd test" >/dev/null
iamctl user deprovision gone --reason "sshd test" >/dev/null

cat >"$T/iam.conf" <<EOC
endpoint = $IAM_ENDPOINT
ca_file = $T/state/tls.crt
host_credential_file = $T/host.credential
snapshot_pubkey = $(cat "$T/state/signing.pub")
cache_path = $T/nss.cache
offline_dir = $T/offline
spool_dir = $T/spool
breakglass_file = $T/breakglass.oath
connect_timeout = 1s
timeout = 3s
offline_max_age = 1h
offline_kdf_log2n = 14
EOC
# bg: a local emergency account with a locked password, PIN 4321
printf 'HOTP/T30/6 bg 4321 3132333435363738393031323334353637383930\n' >"$T/breakglass.oath"
chmod 0600 "$T/breakglass.oath"
"$B/iamd/iamd" --config "$T/iam.conf" --once --stderr 2>"$T/iamd.log" || { cat "$T/iamd.log"; exit 99; }

# --- The host: sshd in a namespace (scripts/hostns.sh) ---------------------------
. "$IAM_SRCDIR/scripts/hostns.sh"
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
hostns_setup "$T" "$B" "$IAM_SRCDIR" "$T/iam.conf"
# local users: localtest (through pam_unix) and bg (break-glass, locked)
hostns_add_local_user "$T" localtest 4242 local-pw-1
hostns_add_local_user "$T" bg 4243 '!'
expect "the namespace resolves directory users through nss_iam" "bob" \
	"$(hostns_run "$T" getent passwd bob | cut -d: -f1)"
hostns_start_sshd "$T" || { cat "$T/sshd.log"; exit 99; }
sshd_pid=$hostns_sshd_pid
cp "$T/dave_key.pub" "$T/keys/dave"
cp "$T/bob_key.pub" "$T/keys/bob"
login() { hostns_login "$T" "$1" "$2" "$3" 'id -un' 2>/dev/null; }
key_login() { hostns_key_login "$T" "$1" "$2" 'id -un' 2>/dev/null; }
code_for() { oathtool --totp -b "$(cat "$1")"; }

# --- Online ----------------------------------------------------------------------------
expect "alice: password and TOTP code, a command runs" "alice" \
	"$(login alice alice-Secret-42 "$(code_for "$T/alice.totp")")"
expect "alice: a wrong password fails" "" "$(login alice wrong 000000)"
code=$(code_for "$T/alice.totp")
wrong=$(printf '%06d' $(((1${code} - 1000000 + 1) % 1000000)))
expect "alice: a wrong code fails" "" "$(login alice alice-Secret-42 "$wrong")"
expect "bob: password only (no TOTP enrolled)" "bob" "$(login bob bob-Secret-42 '')"
expect "carol logs in (online, so later offline)" "carol" "$(login carol carol-Secret-42 '')"
expect "dave (disabled) cannot log in with his password" "" "$(login dave dave-Secret-42 '')"
expect "bob's SSH key logs him in (the key path works)" "bob" "$(key_login bob "$T/bob_key")"
expect "dave's SSH key does not: the account phase denies" "" "$(key_login dave "$T/dave_key")"
grep -q "Accepted key ED25519 .* found at $T/keys/dave" "$T/sshd.log" &&
	grep -q "Access denied for user dave by PAM account configuration" "$T/sshd.log"
expect "... sshd accepted the key and the account phase refused dave" "0" "$?"
expect "nora (not allowed on this host) cannot log in" "" "$(login nora nora-Secret-42 '')"
expect "gone (deprovisioned) cannot log in" "" "$(login gone gone-Secret-42 '')"
expect "a local user logs in through pam_unix" "localtest" "$(login localtest local-pw-1 '')"
expect "break-glass is refused while the endpoint answers" "" \
	"$(login bg 4321 "$(oathtool --totp 3132333435363738393031323334353637383930)")"
expect "the sessions reached the audit log" "yes" \
	"$(iamctl --json audit tail -n 1000 2>/dev/null | jq -r '[.records[] | select(.type == "session.open" and .actor == "bob")] | if length > 0 then "yes" else "no" end')"

# --- Offline: the endpoint is stopped ---------------------------------------------------
# carol's record is aged past offline_max_age (1h), keeping its verifier
old=$(($(date +%s) - 7200))
sed -i -E "s/^(auth_time|account_time) .*/\1 $old/" "$T/offline/carol"
endpoint_stop
expect "endpoint down: bob (recent online login) logs in offline" "bob" "$(login bob bob-Secret-42 '')"
expect "endpoint down: a wrong password still fails" "" "$(login bob wrong '')"
expect "endpoint down: carol (last online login 2 h ago) cannot" "" "$(login carol carol-Secret-42 '')"
expect "endpoint down: alice (MFA, offline_mfa = deny) cannot" "" \
	"$(login alice alice-Secret-42 "$(code_for "$T/alice.totp")")"
expect "endpoint down: dave (disabled in the cache) cannot" "" "$(login dave dave-Secret-42 '')"
expect "endpoint down: break-glass admits bg" "bg" \
	"$(login bg 4321 "$(oathtool --totp 3132333435363738393031323334353637383930)")"
expect "endpoint down: the local user is unaffected" "localtest" "$(login localtest local-pw-1 '')"
spooled=$(ls "$T/spool" 2>/dev/null | grep -c '\.json$')
[ "$spooled" -gt 0 ]
expect "endpoint down: session and break-glass events wait in the spool" "0" "$?"

# --- An endpoint that accepts and never answers -----------------------------------------
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); time.sleep(600)' "$endpoint_port" &
hole_pid=$!
sleep 0.5
start=$(date +%s%N)
got=$(login bob bob-Secret-42 '')
took=$((($(date +%s%N) - start) / 1000000))
expect "blackholed endpoint: bob falls back to offline" "bob" "$got"
# auth and account each wait at most connect_timeout (1 s; it covers the
# TLS handshake), the session event one more: bounded, not hung
[ "$took" -lt 15000 ]
expect "blackholed endpoint: decided within the timeouts ($took ms)" "0" "$?"

[ "$failures" -eq 0 ] || show_logs
finish
