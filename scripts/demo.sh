#!/bin/bash
# The main job, end to end on one machine: the central endpoint on loopback
# with SQLite, a directory, a privileged role with a time window, a network
# condition and an approval, an elevation request approved by someone else,
# sudo on a host gated by it, automatic expiry, early revocation, the
# host's root password vaulted, checked out with approval and rotated
# after use, and the audit chain verified.
#
# The host is real too: Debian's sshd and sudo with pam_iam, pam_jit and
# nss_iam in a private mount namespace (scripts/hostns.sh).
#
# Usage: scripts/demo.sh [--no-install] [--builddir DIR] [--keep] [--quiet]
# As root on a fresh Debian 12 machine it installs what it needs first.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

install=1 keep=0 quiet=0 builddir="$iam_top/build"
while [ $# -gt 0 ]; do
	case $1 in
	--no-install) install=0 ;;
	--builddir) builddir=$2; shift ;;
	--keep) keep=1 ;;
	--quiet) quiet=1 ;;
	*) die "unknown option $1 (see the top of $0)" ;;
	esac
	shift
done

[ $install -eq 1 ] && iam_install_packages
if [ ! -x "$builddir/policyd/iam-policyd" ] || [ ! -x "$builddir/iamctl/iamctl" ] || [ $install -eq 1 ]; then
	say "Building the suite in $builddir"
	iam_build "$builddir"
fi
policyd=$builddir/policyd/iam-policyd
iamctl_bin=$builddir/iamctl/iamctl
faketime_lib=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -n 1)
[ -n "$faketime_lib" ] || die "libfaketime is missing (Debian package faketime)"

demo=$(mktemp -d /tmp/iam-demo.XXXXXX)
chmod 0755 "$demo"
server= hostns_sshd_pid=
cleanup() {
	[ -z "$hostns_sshd_pid" ] || kill "$hostns_sshd_pid" 2>/dev/null || true
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	if [ $keep -eq 1 ]; then echo "Kept $demo"; else rm -rf "$demo"; fi
}
trap cleanup EXIT

# A command line as a person would type it: short names, quotes where needed.
shown() {
	local a out=""
	for a in "$@"; do
		case $a in
		"$iamctl_bin") a=iamctl ;;
		"$policyd") a=iam-policyd ;;
		"${iamd_bin:-/no/iamd}") a=iamd ;;
		*[!A-Za-z0-9_./:=@%+,-]*) a="'$a'" ;;
		esac
		out="$out $a"
	done
	printf '%s' "${out# }" | sed "s#$demo#\$DEMO#g"
}
# Shows a command, then runs it.
run() {
	[ $quiet -eq 1 ] || printf '\n  \033[36m$ %s\033[0m\n' "$(shown "$@")"
	if [ $quiet -eq 1 ]; then "$@" >/dev/null; else "$@" 2>&1 | sed 's/^/    /'; fi
}
# Runs a command that must fail, and shows its refusal.
refused() {
	[ $quiet -eq 1 ] || printf '\n  \033[36m$ %s\033[0m   \033[33m(refused, as it should be)\033[0m\n' \
		"$(shown "$@")"
	if "$@" >"$demo/out" 2>&1; then cat "$demo/out"; die "this should have been refused"; fi
	[ $quiet -eq 1 ] || sed 's/^/    /' "$demo/out"
}
# Runs a command that must wait for an approval (exit 3), and shows it.
waits() {
	[ $quiet -eq 1 ] || printf '\n  \033[36m$ %s\033[0m\n' "$(shown "$@")"
	local rc=0
	"$@" >"$demo/out" 2>&1 || rc=$?
	[ $quiet -eq 1 ] || sed 's/^/    /' "$demo/out"
	[ $rc -eq 3 ] && grep -q 'waiting for approval' "$demo/out" ||
		{ cat "$demo/out"; die "this should wait for an approval (exit 3), not exit $rc"; }
}
# run_to FILE COMMAND...: as run, and keeps the output in FILE.
run_to() {
	local f=$1
	shift
	[ $quiet -eq 1 ] || printf '\n  \033[36m$ %s\033[0m\n' "$(shown "$@")"
	"$@" >"$f" 2>"$demo/out" || { cat "$demo/out"; die "$(shown "$@") failed"; }
	[ $quiet -eq 1 ] || sed 's/^/    /' "$f" "$demo/out"
}
note() { [ $quiet -eq 1 ] || { echo; echo "$*" | fold -s -w 76 | sed 's/^/  /'; }; }
iamctl() { "$iamctl_bin" "$@"; }
berlin() { TZ=Europe/Berlin date -d "@$1" '+%a %H:%M'; }

# --- The endpoint's clock ---------------------------------------------------
# The seed's role may only be used 14:00-16:00 Berlin time. So that the demo
# shows the window opening and closing whatever the hour, the endpoint runs
# under libfaketime with a clock we set; the rest of the machine keeps the
# real time. Everything else is real: TLS, SQLite, scrypt, TOTP, signatures.
clock_file=$demo/clock
offset=0
set_clock() { # set_clock "today 14:05" - the endpoint's time, in Berlin
	local target
	target=$(TZ=Europe/Berlin date -d "$1" +%s)
	offset=$((target - $(date +%s)))
	printf '%+d\n' "$offset" >"$clock_file"
}
endpoint_now() { echo $(($(date +%s) + offset)); }
code_for() { # a TOTP code as the user's phone would show it at the endpoint's time
	oathtool --totp -b --now "$(date -u -d "@$(endpoint_now)" '+%Y-%m-%d %H:%M:%S UTC')" "$1"
}

say "1. The central endpoint: iam-policyd on loopback, SQLite, HTTPS only"
note "iam-policyd --init creates its state directory: a self-signed TLS certificate, an Ed25519 key that signs directory snapshots and the audit head, the first admin token (0600) and the database."
run "$policyd" --init "$demo/state" --listen 127.0.0.1:0
# The demo's day: today if 14:00 Berlin is still ahead, else tomorrow, so
# the endpoint's clock is never behind the machine's (the host's NSS cache
# ends JIT memberships by the machine's clock).
if [ "$(TZ=Europe/Berlin date +%H%M | sed 's/^0*//')" -lt 1400 ] 2>/dev/null; then
	day=$(TZ=Europe/Berlin date +%F)
else
	day=$(TZ=Europe/Berlin date -d tomorrow +%F)
fi
next_day=$(date -d "$day +1 day" +%F)
set_clock "$day 14:05"
# Under a sanitizer build the ASan runtime must be loaded first.
LD_PRELOAD="${IAM_ASAN_RUNTIME:+$IAM_ASAN_RUNTIME }$faketime_lib" FAKETIME_TIMESTAMP_FILE=$clock_file FAKETIME_NO_CACHE=1 \
	FAKETIME_DONT_FAKE_MONOTONIC=1 \
	"$policyd" --state "$demo/state" --stderr --ready-file "$demo/port" 2>"$demo/policyd.log" &
server=$!
for _ in $(seq 100); do [ -s "$demo/port" ] && break; sleep 0.1; done
[ -s "$demo/port" ] || { cat "$demo/policyd.log"; die "iam-policyd did not start"; }
export IAM_ENDPOINT="https://127.0.0.1:$(cat "$demo/port")"
export IAM_CA_FILE=$demo/state/tls.crt
export IAM_ADMIN_TOKEN_FILE=$demo/state/admin.token
export IAM_SIGNING_PUBKEY=$(cat "$demo/state/signing.pub")
export IAMCTL_TOKEN_DIR=$demo/sessions
unset IAM_USER IAMCTL_CONFIG
note "Listening on $IAM_ENDPOINT. For the demo its clock reads $(berlin "$(endpoint_now)") in Berlin (libfaketime; the machine's clock is untouched)."
run iamctl status

say "2. A directory: people, groups, MFA and a host"
echo 'alice-Secret-1' >"$demo/alice.pw"
echo 'bob-Secret-2' >"$demo/bob.pw"
run iamctl user add alice --gecos "Alice Developer" --password-stdin <"$demo/alice.pw"
run iamctl user add bob --gecos "Bob Manager" --password-stdin <"$demo/bob.pw"
run iamctl group add developers
run iamctl group add managers
run iamctl group add-member developers alice
run iamctl group add-member managers bob
note "Alice enrols TOTP. An admin would show her the QR code (iamctl mfa enroll alice); the demo keeps the secret to play her phone with oathtool."
iamctl mfa enroll alice --print-secret >"$demo/alice.totp"
run iamctl user show alice
run iamctl host enroll web1 --output "$demo/web1.credential"
run ls -l "$demo/web1.credential"
run iamctl host allow web1 --group developers

say "3. The seed's role: developers may become dbadmin 14:00-16:00 Berlin time, from the VPN, after a manager approves"
note "On this one-machine demo the corporate VPN is 127.8.0.0/16: an SSH connection from 127.8.1.2 comes from the VPN, one from 127.9.0.1 does not (both are this machine's loopback)."
run iamctl role add dbadmin --max-duration 2h --approval required --approvers managers \
	--window 14:00-16:00 --tz Europe/Berlin --from 127.8.0.0/16
run iamctl role eligible dbadmin --group developers

say "4. The host web1: Debian's sshd and sudo with pam_iam, pam_jit and nss_iam"
note "web1 runs in a private mount namespace on this machine: the real sshd on a loopback port and the real sudo, /etc/pam.d/sshd, sudo and sudo-i from examples/pam.d (pam_jit role=dbadmin in sudo's account stack), nsswitch.conf with 'passwd: files iam', and iamd filling the directory cache from a signed snapshot. The machine's own /etc is untouched."
mkdir -p "$demo/web1"
cat >"$demo/web1/iam.conf" <<EOC
endpoint = $IAM_ENDPOINT
ca_file = $IAM_CA_FILE
host_credential_file = $demo/web1.credential
snapshot_pubkey = $IAM_SIGNING_PUBKEY
cache_path = $demo/web1/nss.cache
offline_dir = $demo/web1/offline
spool_dir = $demo/web1/spool
session_dir = $demo/web1/run/sessions
jit_session_dir = $demo/web1/run/jit
grant_dir = $demo/web1/grants
EOC
iamd_bin=$builddir/iamd/iamd
iamd() { "$iamd_bin" --config "$demo/web1/iam.conf" "$@"; }
. "$iam_top/scripts/hostns.sh"
HOSTNS_JIT_ARGS="role=dbadmin" hostns_setup "$demo/web1" "$builddir" "$iam_top" "$demo/web1/iam.conf"
note "web1's sudoers: developers reach sudo's PAM stack, where pam_jit is the gate; what the holders of dbadmin run is recorded by sudo itself. (No password prompt here, so the demo shows the gate itself; in production sudo's auth stack asks through pam_iam.)"
hostns_sudoers "$demo/web1" <<EOS
Defaults env_reset, !lecture, !compress_io
Defaults:%dbadmin log_output, iolog_dir=$demo/web1/sudo-io/%{user}
%developers ALL=(ALL:ALL) NOPASSWD: ALL
EOS
run sed -n '/^[^#]/p' "$demo/web1/etc/sudoers"
run iamd --once
note "The directory's users now exist on web1 (the NSS module reads only the cache):"
on_web1() { hostns_run "$demo/web1" "$@"; }
run on_web1 id alice
hostns_start_sshd "$demo/web1" || { cat "$demo/web1/sshd.log"; die "sshd did not start"; }
ssh_login() { # ssh_login USER PASSWORD CODE: as a person at a terminal would
	[ $quiet -eq 1 ] || printf '\n  \033[36m$ ssh -p %s %s@127.0.0.1 %s\033[0m   \033[2m(Password: ****  Verification code: %s)\033[0m\n' \
		"$hostns_port" "$1" "'id; echo session \$IAM_SESSION_ID'" "${3:-none}"
	hostns_login "$demo/web1" "$1" "$2" "$3" 'id; echo session $IAM_SESSION_ID' >"$demo/out" 2>&1
}
note "Alice logs in over SSH: the password, then a TOTP code from her phone, both checked by the endpoint; then the account phase asks whether she may use web1 now:"
ssh_login alice "$(cat "$demo/alice.pw")" "$(code_for "$(cat "$demo/alice.totp")")" ||
	{ cat "$demo/out" "$demo/web1/sshd.log"; die "alice's SSH login failed"; }
[ $quiet -eq 1 ] || sed 's/^/    /' "$demo/out"
note "For the rest she uses an SSH key (the account phase still runs for every key login)."
ssh-keygen -q -t ed25519 -N '' -f "$demo/alice.key" -C alice
cp "$demo/alice.key.pub" "$demo/web1/keys/alice"
# web1_sudo FROM COMMAND: alice connects from FROM and runs sudo there
web1_sudo() {
	[ $quiet -eq 1 ] || printf '\n  \033[36m$ ssh -b %s alice@web1 sudo %s\033[0m\n' "$1" "$2"
	# (a sanitizer build runs sudo itself under ASan: its leaks are not ours)
	hostns_key_run "$1" alice "$demo/alice.key" "ASAN_OPTIONS=detect_leaks=0 sudo -S $2" \
		</dev/null >"$demo/out" 2>&1 || true
	[ $quiet -eq 1 ] || sed 's/^/    /' "$demo/out"
}
vpn=127.8.1.2 outside=127.9.0.1

say "5. Alice tries sudo on web1 without a grant"
web1_sudo $vpn "id -un"
grep -q "No active grant for role dbadmin" "$demo/out" || die "sudo without a grant was not refused with the reason"

say "6. Alice asks for elevation (password, then a TOTP code)"
set_clock "$day 14:07"
note "Two minutes later ($(berlin "$(endpoint_now)")), with a fresh code:"
printf '%s\n%s\n' "$(cat "$demo/alice.pw")" "$(code_for "$(cat "$demo/alice.totp")")" >"$demo/alice.login"
run iamctl --user alice --password-stdin --code-stdin elevate dbadmin --for 2h \
	--reason "INC-4711: replica lag, need to rebuild an index" --ticket INC-4711 <"$demo/alice.login"
request=$(iamctl --json --user alice request list --role dbadmin --state pending | jq -r '.requests[0].id')
note "Request $request is pending, and sudo says so:"
web1_sudo $vpn "id -un"
grep -q "waiting for approval" "$demo/out" || die "a pending request elevated"
note "A requester can never approve their own request:"
refused iamctl --user alice request approve "$request" --reason "urgent"

say "7. Bob, a manager, approves; the grant's clock starts now"
printf '%s\n' "$(cat "$demo/bob.pw")" >"$demo/bob.login"
run iamctl --user bob --password-stdin request approve "$request" --reason "checked INC-4711" <"$demo/bob.login"
run iamd --once
note "It is $(berlin "$(endpoint_now)") in Berlin. Alice is in the dbadmin group on web1 while the grant lasts, and sudo works from the VPN:"
run on_web1 getent group dbadmin
web1_sudo $vpn "sh -c 'id -un; cat /etc/shadow | wc -l'"
grep -qx root "$demo/out" || die "sudo inside the grant failed"
note "sudo recorded the session (log_output for %dbadmin); sudoreplay lists it, and the audit log says which grant it used:"
run sudoreplay -d "$demo/web1/sudo-io/alice" -l
note "From an address outside the VPN, the same grant does not count:"
web1_sudo $outside "id -un"
grep -q "your session comes from $outside" "$demo/out" || die "sudo from outside the VPN was not refused"
set_clock "$day 16:01"
note "The clock moves to $(berlin "$(endpoint_now)"): the grant still runs until 16:07, but the role's window has closed:"
web1_sudo $vpn "id -un"
grep -q "may only be used 14:00-16:00" "$demo/out" || die "sudo outside the window was not refused"
set_clock "$day 16:08"
note "At $(berlin "$(endpoint_now)") the two hours are over; the grant ended by itself:"
web1_sudo $vpn "id -un"
grep -q "ended at" "$demo/out" || die "sudo after the grant's end was not refused"

say "8. Who may log into web1 at all (pam_iam's account phase)"
note "Dora, a developer, can log in, until she leaves the company and is deprovisioned:"
echo 'dora-Secret-3' >"$demo/dora.pw"
run iamctl user add dora --password-stdin <"$demo/dora.pw"
run iamctl group add-member developers dora
run iamd --once
ssh_login dora "$(cat "$demo/dora.pw")" "" || { cat "$demo/out"; die "dora's SSH login failed"; }
[ $quiet -eq 1 ] || sed 's/^/    /' "$demo/out"
run iamctl user deprovision dora --reason "left the company"
run iamd --once
if ssh_login dora "$(cat "$demo/dora.pw")" ""; then die "a deprovisioned user got in"; fi
[ $quiet -eq 1 ] || { echo "    refused, as it should be; sshd says:"; grep -E "dora" "$demo/web1/sshd.log" | tail -n 3 | sed 's/^/    /'; }

say "9. Early revocation"
set_clock "$next_day 14:20"
note "Next day, $(berlin "$(endpoint_now)") in Berlin. Alice needs the role again and Bob approves:"
printf '%s\n%s\n' "$(cat "$demo/alice.pw")" "$(code_for "$(cat "$demo/alice.totp")")" >"$demo/alice.login"
rm -rf "$IAMCTL_TOKEN_DIR"
run iamctl --user alice --password-stdin --code-stdin elevate dbadmin --for 1h --reason "INC-4712" <"$demo/alice.login"
request=$(iamctl --json request list --role dbadmin --state pending | jq -r '.requests[0].id')
run iamctl --user bob --password-stdin request approve "$request" --reason ok <"$demo/bob.login"
web1_sudo $vpn "id -un"
grep -qx root "$demo/out" || die "sudo inside the second grant failed"
note "The incident is closed early; Alice gives the role back herself:"
run iamctl --user alice elevate --done dbadmin --reason "INC-4712 closed"
note "The very next sudo is refused, before web1's cache has even changed:"
web1_sudo $vpn "id -un"
grep -q "was revoked" "$demo/out" || die "sudo after the revocation was not refused"
kill "$hostns_sshd_pid" 2>/dev/null; wait "$hostns_sshd_pid" 2>/dev/null || true
hostns_sshd_pid= # its pid may soon be another program's: never kill it twice

say "10. web1's root password: in the vault, checked out with approval, rotated after use"
note "iamd gives root on web1 a random password nobody knows. It seals it to the endpoint's vault key (iam-policyd --init made the key pair; the endpoint stores only sealed texts), escrows it, and only then sets it with chpasswd:"
cat >>"$demo/web1/iam.conf" <<EOC
vault_pubkey = $(cat "$demo/state/vault.pub")
vault_accounts = root
vault_dir = $demo/web1/vault
EOC
# web1's /etc, writable for chpasswd (its sshd is stopped by now)
on_web1_rw() { hostns_run_rw "$demo/web1" "$@"; }
run on_web1_rw "$iamd_bin" rotate root --config "$demo/web1/iam.conf"
run iamctl role add rootpw --max-duration 1h --approval required --approvers managers --mfa --secret root
run iamctl role eligible rootpw --group developers
set_clock "$next_day 14:40"
note "At $(berlin "$(endpoint_now)") Alice needs root on web1's console. A check-out is a request like sudo's: eligibility, someone else's approval, and MFA twice (her session, and the request itself). She logs in with a code:"
printf '%s\n%s\n' "$(cat "$demo/alice.pw")" "$(code_for "$(cat "$demo/alice.totp")")" >"$demo/alice.login"
rm -rf "$IAMCTL_TOKEN_DIR"
run iamctl --user alice --password-stdin --code-stdin login <"$demo/alice.login"
set_clock "$next_day 14:41"
note "A minute later she asks, with the next code from her phone:"
waits iamctl --user alice secret checkout web1 root --for 30m \
	--reason "INC-4713: single-user fix of /etc/fstab" --code "$(code_for "$(cat "$demo/alice.totp")")"
request=$(iamctl --json request list --role rootpw --state pending | jq -r '.requests[0].id')
run iamctl --user bob --password-stdin request approve "$request" --reason "INC-4713 ok" <"$demo/bob.login"
note "Now the vault gives her the password, and the endpoint records that it did before it does:"
run_to "$demo/root.pw" iamctl --user alice secret checkout web1 root
# su_root PASSWORD: alice, on web1, becomes root with su and that password
su_root() {
	[ $quiet -eq 1 ] || printf '\n  \033[36m$ su -c "id -un" root\033[0m   \033[2m(as alice on web1; Password: ****)\033[0m\n'
	printf '%s\n' "$1" | ASAN_OPTIONS=detect_leaks=0 hostns_run "$demo/web1" \
		setpriv --reuid=alice --regid=alice --clear-groups su -c 'id -un' root >"$demo/out" 2>&1
	local rc=$?
	[ $quiet -eq 1 ] || sed 's/^/    /' "$demo/out"
	return $rc
}
su_root "$(head -n 1 "$demo/root.pw")" || die "su with the checked-out password failed"
note "She is done and checks it in. The grant ends, and iamd rotates the password at its next poll:"
run iamctl --user alice secret checkin web1 root
run on_web1_rw "$iamd_bin" --config "$demo/web1/iam.conf" --once
if su_root "$(head -n 1 "$demo/root.pw")"; then die "the checked-out password still works after the rotation"; fi
[ $quiet -eq 1 ] || echo "    refused, as it should be: that password is gone"
note "Who had root's password, and when (never the password itself):"
run iamctl secret history web1 root

say "11. The audit trail: every decision and change, hash-chained and signed"
note "web1's sessions were reported as they happened; anything still in its spool goes now:"
run "$iamd_bin" flush-spool --config "$demo/web1/iam.conf"
note "Which grant each sudo session on web1 used:"
iamctl --json audit tail -n 1000 | jq -r '.records[] | select(.type == "jit.session.open") | "    \(.actor) on \(.source): grant \(.data | fromjson | .grant), role \(.data | fromjson | .role), runs as \(.data | fromjson | .runas)"' | sed 's/^/  /'
run iamctl audit tail -n 8
run iamctl audit verify --anchor "$demo/audit.anchor"
note "The database itself refuses to rewrite history:"
refused sqlite3 "$demo/state/iam.db" "UPDATE audit SET actor = 'nobody' WHERE seq = 1"

say "Done"
note "Everything above ran for real on this machine (the endpoint's state in $demo is removed now; --keep keeps it). Run the tests with: scripts/test.sh"
