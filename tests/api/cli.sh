#!/bin/sh
# End-to-end test of iamctl against a private iam-policyd on loopback:
# every command once, the exit status of each, and the audit chain.
# Run by `make check` in tests/ with IAM_BUILDDIR set by the Makefile.
set -u

IAMCTL=${IAMCTL:-$IAM_BUILDDIR/iamctl/iamctl}
POLICYD=${POLICYD:-$IAM_BUILDDIR/policyd/iam-policyd}

[ -x "$POLICYD" ] && [ -x "$IAMCTL" ] || { echo "ERROR: build iam-policyd and iamctl first"; exit 99; }
command -v oathtool >/dev/null 2>&1 || { echo "ERROR: oathtool is needed (Debian package oathtool)"; exit 99; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/iamctl-test.XXXXXX") || exit 99
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$tmp"
}
# A signal ends the run (the EXIT trap cleans up); it never carries on
# past a cleanup that already removed its files.
trap cleanup EXIT
trap 'echo "stopped by a signal"; exit 99' INT TERM

"$POLICYD" --init "$tmp/state" --kdf-log2-n 10 >"$tmp/init.log" 2>&1 ||
	{ cat "$tmp/init.log"; exit 99; }
"$POLICYD" --state "$tmp/state" --listen 127.0.0.1:0 --ready-file "$tmp/port" \
	--stderr 2>"$tmp/server.log" &
pid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$tmp/port" ] || { cat "$tmp/server.log"; exit 99; }

# A clean environment: nothing of the caller's configuration leaks in.
unset IAM_USER IAM_PINNED_PUBKEY IAM_SIGNING_PUBKEY IAMCTL_CONFIG
export IAM_ENDPOINT="https://127.0.0.1:$(cat "$tmp/port")"
export IAM_CA_FILE="$tmp/state/tls.crt"
export IAM_ADMIN_TOKEN_FILE="$tmp/state/admin.token"
export IAMCTL_TOKEN_DIR="$tmp/tokens"
export XDG_CONFIG_HOME="$tmp/xdg"

failures=0
# expect STATUS ARGS...: runs iamctl, checks its exit status.
expect() {
	want=$1
	shift
	"$IAMCTL" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: iamctl $* exited $got, expected $want"
		sed 's/^/  | /' "$tmp/out" "$tmp/err"
		failures=$((failures + 1))
	fi
}
# expect_in STATUS INPUT ARGS...: the same with INPUT on stdin.
expect_in() {
	want=$1 input=$2
	shift 2
	printf '%s\n' "$input" | "$IAMCTL" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: iamctl $* exited $got, expected $want"
		sed 's/^/  | /' "$tmp/out" "$tmp/err"
		failures=$((failures + 1))
	fi
}
output_has() {
	grep -q -- "$1" "$tmp/out" || {
		echo "FAIL: output lacks '$1'"; sed 's/^/  | /' "$tmp/out"
		failures=$((failures + 1))
	}
}
error_has() {
	grep -q -- "$1" "$tmp/err" || {
		echo "FAIL: error output lacks '$1'"; sed 's/^/  | /' "$tmp/err"
		failures=$((failures + 1))
	}
}

# Usage errors, before anything is sent.
expect 0 --help
expect 0 help user add
expect 0 role add --help
expect 2
expect 2 frobnicate
expect 2 user
expect 2 user add 'Bad Name'
expect 2 user add bob --uid x
expect 2 role add r --max-duration 31d
expect 2 role add r --max-duration 1h --from 10.8.0.1/16
expect 2 role add r --max-duration 1h --window 25:00-26:00
expect 2 role add r --max-duration 1h --window 10:00-11:00 --tz ../etc
expect 2 request deny 1
# Every decision on a request says why; extending needs a duration too.
expect 2 request approve 1
expect 2 request revoke 1
expect 2 request cancel 1
expect 2 request extend 1 --reason x
expect 2 request extend 1 --for 1h
expect 2 request extend x --for 1h --reason x
expect 2 elevate ops --done --for 1h
expect 2 elevate ops --for 1h --reason x --host 'bad host'
expect 2 --endpoint http://plain status

expect 0 status
output_has "Status:"
expect 0 whoami
output_has "admin (admin)"

# Users, keys, groups.
expect_in 0 'pw-alice-1' user add alice --gecos 'Alice Example' --password-stdin
expect_in 0 'pw-bob-1' user add bob --password-stdin
expect 5 user add alice
expect 4 user show nobody
expect 0 user show alice
output_has "Alice Example"
expect 0 user list
expect 0 user disable bob --reason test
expect 0 user enable bob
expect 0 user unlock bob
expect_in 0 'pw-bob-2' user passwd bob --password-stdin
printf 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0ylbEQbwZ5qEd1qa2gAjv5Dm0cwC8d9cgeWg3Mmnxs alice\n' \
	>"$tmp/alice.pub"
expect 0 user key add alice --key-file "$tmp/alice.pub"
expect 5 user key add alice --key-file "$tmp/alice.pub"
cat "$tmp/alice.pub" "$tmp/alice.pub" >"$tmp/two.pub"
expect 2 user key add alice --key-file "$tmp/two.pub"
expect 0 user key list alice
output_has "ssh-ed25519"
expect 0 group add developers
expect 0 group add managers
expect 0 group add-member developers alice
expect 0 group add-member managers bob
expect 4 group add-member developers nobody
expect 0 group show developers
expect 0 group list

# Hosts: the credential file is 0600 and not silently replaced.
expect 0 host enroll web1 --output "$tmp/web1.cred"
[ "$(stat -c %a "$tmp/web1.cred")" = 600 ] || { echo "FAIL: credential mode"; failures=$((failures + 1)); }
grep -q '^iamh_' "$tmp/web1.cred" || { echo "FAIL: credential content"; failures=$((failures + 1)); }
expect 2 host rotate web1 --output "$tmp/web1.cred"
expect 0 host rotate web1 --output "$tmp/web1.cred" --force
expect 0 host enroll web2
output_has '^iamh_'
expect 0 host allow web1 --group developers
expect 0 host show web1
output_has developers
expect 0 host disallow web1 --group developers
expect 0 host list

# Roles and elevation, as users logging in with --password-stdin.
expect 0 role add ops --max-duration 2h
expect 0 role add dbadmin --max-duration 2h --approvers managers \
	--window 00:00-24:00 --tz Europe/Berlin --from 10.8.0.0/16
expect 0 role eligible ops --user alice
expect 0 role eligible dbadmin --group developers
expect 0 role show dbadmin
output_has managers
expect 0 role list
expect_in 0 'pw-alice-1' --user alice --password-stdin login
expect 0 --user alice whoami
output_has "alice (user"
expect 0 --user alice elevate ops --for 1h --reason "nightly job"
output_has "holds ops"
expect 5 --user alice elevate ops --for 1h --reason again
expect 0 --user alice elevate dbadmin --for 1h --reason "INC-42" --ticket INC-42
output_has "waiting for approval"
expect 3 --user alice request approve 2 --reason mine
expect_in 0 'pw-bob-2' --user bob --password-stdin request approve 2 --reason ok
expect 0 request list --state active
output_has dbadmin
expect 0 request show 2
expect 0 request revoke 2 --reason done
expect 5 request revoke 2 --reason again

# Extending a grant: at once without approval, capped by the endpoint at
# the role's maximum; only the holder asks.
expect 0 --user alice request extend 1 --for 30m --reason "job runs late"
output_has "Grant 1 for ops now ends at"
expect 0 --json request show 1
output_has '"not_after"'
expect 1 --user alice request extend 1 --for 3h --reason "too long"
error_has "invalid_field"
expect 3 --user bob request extend 1 --for 10m --reason "not mine"
# The holder ends it early; the reason defaults to "done".
expect 0 --user alice elevate --done ops
output_has "is now revoked"
expect 0 --json request show 1
output_has '"end_reason": *"done"'
expect 4 --user alice elevate --done ops
error_has "No active grant for role ops."
# A grant for one host only.
expect 4 --user alice elevate ops --for 30m --reason scoped --host nohost
expect 0 --user alice elevate ops --for 30m --reason scoped --host web1
output_has "holds ops"
expect 0 --user alice --json request list --state active --role ops
output_has '"host": *"web1"'
expect 0 --user alice elevate --done ops --reason finished
output_has "is now revoked"
# With approval, an extension waits for an approver like a request.
expect 0 --user alice elevate dbadmin --for 1h --reason "INC-43"
rid=$(sed -n 's/^Request \([0-9]*\) .*/\1/p' "$tmp/out")
expect 0 --user bob request approve "$rid" --reason ok
expect 0 --user alice request extend "$rid" --for 30m --reason "INC-43 drags on"
output_has "to extend grant $rid for dbadmin is waiting for approval"
xid=$(sed -n 's/^Request \([0-9]*\) .*/\1/p' "$tmp/out")
expect 3 --user alice request approve "$xid" --reason mine
expect 0 --user bob request approve "$xid" --reason ok
output_has "Grant $rid for dbadmin now ends at"
expect 0 request show "$xid"
output_has "Extends: *$rid"
expect 0 --user alice request extend "$rid" --for 10m --reason "a bit more"
xid=$(sed -n 's/^Request \([0-9]*\) .*/\1/p' "$tmp/out")
expect 0 --user alice request cancel "$xid" --reason "not needed"
output_has "is now canceled"
expect 0 --user alice elevate --done dbadmin
expect 5 --user alice request extend "$rid" --for 10m --reason late
expect 0 --user alice logout
expect_in 3 'wrong' --user bob --password-stdin login

# TOTP: enrolment, and a login with a code from oathtool.
expect 0 mfa enroll alice --print-secret
secret=$(cat "$tmp/out")
expect_in 0 'pw-alice-1' --user alice --password-stdin \
	--code "$(oathtool --totp -b "$secret")" login
expect 0 mfa remove alice

# A role with MFA at activation: elevate and extend each send a fresh code
# (the second from the next 30-second step, which the endpoint accepts).
expect_in 0 'pw-dave-1' user add dave --password-stdin
expect_in 0 'pw-dave-1' --user dave --password-stdin login
expect 0 role add vault --max-duration 1h --mfa
expect 0 role eligible vault --user dave
expect 0 mfa enroll dave --print-secret
dsecret=$(cat "$tmp/out")
expect 3 --user dave elevate vault --for 10m --reason "key rotation" --code 000000
expect 0 --user dave elevate vault --for 10m --reason "key rotation" \
	--code "$(oathtool --totp -b "$dsecret")"
output_has "holds vault"
expect 0 --user dave --json request list --state active --role vault
vid=$(sed -n 's/.*"id": *\([0-9]*\).*/\1/p' "$tmp/out" | head -n 1)
expect 3 --user dave request extend "$vid" --for 10m --reason more --code 000000
error_has "auth_failed"
expect_in 0 "$(oathtool --totp -b "$dsecret" -N 'now + 30 seconds')" \
	--user dave request extend "$vid" --for 10m --reason more --code-stdin
output_has "Grant $vid for vault now ends at"
expect 0 --user dave elevate --done vault

# Self-service password change: the current password, then the new one
# (lines of stdin here); the endpoint's policy decides what is strong
# enough; a TOTP code is read only when the endpoint asks for one.
lines() { printf '%s\n' "$@"; }
expect_in 0 'pw-carol-1' user add carol --password-stdin
expect 2 passwd 'Bad Name' --password-stdin
expect_in 0 "$(lines pw-carol-1 Second-pw-22)" passwd carol --password-stdin
output_has "Changed the password of carol"
expect_in 0 'Second-pw-22' --user carol --password-stdin login
expect_in 3 'pw-carol-1' --user carol --password-stdin login
expect_in 1 "$(lines Second-pw-22 short)" passwd carol --password-stdin
error_has "weak_password: too_short"
expect_in 1 "$(lines Second-pw-22 Second-pw-22)" passwd carol --password-stdin
error_has "same_as_old"
expect_in 3 "$(lines wrong Third-pw-333)" passwd carol --password-stdin
error_has "auth_failed"
expect_in 2 "$(lines Second-pw-22)" passwd carol --password-stdin
# The user is named as for other commands when not given.
expect_in 0 "$(lines Second-pw-22 Third-pw-333)" --user carol --json passwd \
	--password-stdin
output_has '"result": *"ok"'
expect 0 mfa enroll carol --print-secret
csecret=$(cat "$tmp/out")
expect_in 2 "$(lines Third-pw-333 Fourth-pw-4444)" passwd carol --password-stdin \
	--code-stdin
expect_in 3 "$(lines Third-pw-333 Fourth-pw-4444 000000)" passwd carol \
	--password-stdin --code-stdin
expect_in 0 "$(lines Third-pw-333 Fourth-pw-4444 "$(oathtool --totp -b "$csecret")")" \
	passwd carol --password-stdin --code-stdin
expect_in 3 'Third-pw-333' --user carol --password-stdin --code 123456 login
expect 0 mfa remove carol
expect_in 0 'Fourth-pw-4444' --user carol --password-stdin login

# Audit: the chain verifies, the anchor is kept, the signature checked.
expect 0 audit tail -n 5
output_has "SEQ"
pub=$(cat "$tmp/state/signing.pub")
expect 0 audit verify --pubkey "$pub" --anchor "$tmp/anchor"
output_has "signature verified"
[ -s "$tmp/anchor" ] || { echo "FAIL: no anchor written"; failures=$((failures + 1)); }
expect 0 audit verify --anchor "$tmp/anchor"
expect 7 audit verify --pubkey "xqD1vz8Xrm1HU+3hwRciORhoIRY5KTMVCV2zHjk7cfA="
echo "1 0000000000000000000000000000000000000000000000000000000000000001" >"$tmp/bad-anchor"
expect 7 audit verify --anchor "$tmp/bad-anchor"

# Deprovisioning is final.
expect 0 user deprovision bob --reason left
expect 5 user enable bob

# The endpoint gone: unreachable is 6.
kill "$pid"
wait "$pid" 2>/dev/null
pid=
expect 6 status

[ "$failures" -eq 0 ] && echo "PASS" && exit 0
echo "$failures failure(s)"
exit 1
