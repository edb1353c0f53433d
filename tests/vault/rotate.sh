#!/bin/sh
# shellcheck disable=SC3043 # local, as in scripts/hostns.sh (dash and bash have it)
# iamd rotate against a real iam-policyd, in a private mount namespace
# whose /etc is an overlay on a tmpfs (chpasswd changes only that copy of
# the shadow file). Which password an account has is checked through
# pam_unix (pamtester); which one the vault holds, by opening the sealed
# text of the endpoint's database with the vault key (tests/vault/
# seal_tool), as nothing else may. Checked: a rotation sets a new password
# that the vault holds (current) and the old one stops working; a wrong
# vault_pubkey or a stopped endpoint changes nothing; an account not in
# vault_accounts is refused; two rotations at once; and kill -9 at random
# points of 25 rotations: right after each, the account's password is the
# vault's current one, or a pending one a journal names, and the next run
# leaves them equal. Check-outs with approval, the rotation after check-in,
# expiry and on a schedule; and pam_iam's break-glass path taking a
# checked-out password (two holders at once) only while a check-out runs.
set -u
[ -n "${IAM_BUILDDIR:-}" ] && [ -n "${IAM_SRCDIR:-}" ] || { echo "run me from make check"; exit 99; }
. "$IAM_SRCDIR/tests/privns.sh"
[ -x "$IAM_BUILDDIR/tests/vault/seal_tool" ] || { echo "SKIP: seal_tool not built"; exit 77; }
privns_enter pamtester chpasswd sqlite3 openssl flock oathtool
privns_tmp vault
sshd_pid=
cleanup() { [ -z "$sshd_pid" ] || kill "$sshd_pid"; endpoint_stop; umount -l /etc 2>/dev/null; umount -l "$tmp"; rmdir "$tmp"; }
trap cleanup EXIT
trap 'echo "stopped by a signal"; exit 99' INT TERM
. "$IAM_SRCDIR/tests/check.sh"
# shellcheck source=../../scripts/endpoint.sh
. "$IAM_SRCDIR/scripts/endpoint.sh"
B=$IAM_BUILDDIR
iamd=$B/iamd/iamd
seal_tool=$B/tests/vault/seal_tool

mkdir -p "$tmp/up" "$tmp/work"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$tmp/up,workdir=$tmp/work" /etc || exit 99
mount -t tmpfs -o mode=0755 tmpfs /run || exit 99

endpoint_init "$B" "$tmp" || exit 99
endpoint_start "$B" "$tmp" || exit 99
endpoint_ctl host enroll web1 --output "$tmp/web1.cred"
conf() { # VAULT_PUBKEY [LINE]: iam.conf for web1, with one more line
	cat >"$tmp/iam.conf" <<EOF
endpoint = $IAM_ENDPOINT
ca_file = $tmp/state/tls.crt
host_credential_file = $tmp/web1.cred
snapshot_pubkey = $(cat "$tmp/state/signing.pub")
vault_pubkey = $1
vault_accounts = vrot,vrotbg
vault_dir = $tmp/vault
spool_dir = $tmp/spool
cache_path = $tmp/nss.cache
offline_dir = $tmp/offline
grant_dir = $tmp/grants
session_dir = $tmp/sessions
jit_session_dir = $tmp/jit
connect_timeout = 1s
timeout = 3s
${2:-}
EOF
}
conf "$(cat "$tmp/state/vault.pub")"
add_local() { # NAME PASSWORD
	printf '%s:x:%s:%s::/tmp:/bin/sh\n' "$1" "$3" "$3" >>/etc/passwd
	printf '%s:x:%s:\n' "$1" "$3" >>/etc/group
	printf '%s:%s:19000:0:99999:7:::\n' "$1" "$(openssl passwd -6 "$2")" >>/etc/shadow
}
add_local vrot 'first-Local-pw1' 4801
add_local vrotbg 'bg-Local-pw1' 4802
add_local vrotother 'other-Local-pw1' 4803
printf 'auth required pam_unix.so\naccount required pam_unix.so\n' >/etc/pam.d/iam-vaulttest

# A sanitizer build's chpasswd and pamtester run without it; iamd with it.
preload=''
if [ -n "${IAM_ASAN_RUNTIME:-}" ]; then
	libcrypt=$(ldconfig -p | sed -n 's/.*libcrypt\.so\.1 (libc6,x86-64) => //p' | head -n 1)
	preload="$IAM_ASAN_RUNTIME${libcrypt:+ $libcrypt}"
fi
works() { # ACCOUNT PASSWORD: pam_unix takes it
	printf '%s\n' "$2" | env ${preload:+LD_PRELOAD="$preload"} \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		timeout 30 pamtester iam-vaulttest "$1" authenticate >/dev/null 2>&1
}
rotate() { # ACCOUNT: iamd rotate's status; output in $tmp/rotate.out
	"$iamd" rotate "$1" --config "$tmp/iam.conf" --stderr >"$tmp/rotate.out" 2>&1
}
# The vault's version of ACCOUNT in STATE (current, pending): its plaintext,
# opened with the vault key; empty when there is none.
vault_pw() {
	local row id sealed
	row=$(sqlite3 -separator ' ' "$tmp/state/iam.db" "SELECT escrow_id, sealed FROM vault_secrets
		WHERE account = '$1' AND state = '$2' ORDER BY version DESC LIMIT 1") || return 1
	[ -n "$row" ] || return 0
	id=${row%% *}
	sealed=${row#* }
	printf '%s\n' "$sealed" | "$seal_tool" unseal "$tmp/state/vault.key" \
		"iam-vault host=web1 account=$1 escrow=$id"
}
versions() { # ACCOUNT STATE: how many
	sqlite3 "$tmp/state/iam.db" "SELECT count(*) FROM vault_secrets WHERE account = '$1' AND state = '$2'"
}

# --- A rotation ---------------------------------------------------------------------
rotate vrot
rc=$?
status 0 $rc "iamd rotate vrot"
[ $rc -eq 0 ] || show "$tmp/rotate.out"
has "$tmp/rotate.out" '^vrot: rotated, version [0-9]+ is current$' "rotate says the version"
lacks "$tmp/rotate.out" "$(vault_pw vrot current)" "the password is not printed"
pw1=$(vault_pw vrot current)
[ ${#pw1} -eq 24 ] || fail "the vault's current password has ${#pw1} characters, not 24"
works vrot "$pw1" || fail "the vault's current password does not log in"
works vrot 'first-Local-pw1' && fail "the password from before the rotation still works"
[ ! -e "$tmp/vault/vrot.rotating" ] || fail "a journal is left after a rotation"
rotate vrot
status 0 $? "a second rotation"
pw2=$(vault_pw vrot current)
[ "$pw2" != "$pw1" ] || fail "the second rotation gave the same password"
works vrot "$pw2" || fail "the second password does not log in"
works vrot "$pw1" && fail "the first password still works"
[ "$(versions vrot current)" = 1 ] || fail "more or less than one current version"
[ "$(versions vrot superseded)" = 1 ] || fail "the first version is not superseded"

# --- Failures change nothing --------------------------------------------------------
openssl genpkey -algorithm X25519 -out "$tmp/other.pem" 2>/dev/null
other=$(openssl pkey -in "$tmp/other.pem" -pubout -outform DER 2>/dev/null | tail -c 32 | base64)
conf "$other"
rotate vrot
status 1 $? "a rotation with another vault_pubkey"
has "$tmp/rotate.out" 'vault_pubkey' "the refusal names vault_pubkey"
works vrot "$pw2" || fail "a refused escrow changed the password"
[ "$(versions vrot pending)" = 0 ] || fail "a refused escrow left a pending version"
[ ! -e "$tmp/vault/vrot.rotating" ] || fail "a refused escrow left a journal"
conf "$(cat "$tmp/state/vault.pub")"

endpoint_stop
rotate vrot
status 1 $? "a rotation with the endpoint stopped"
works vrot "$pw2" || fail "the password changed while the endpoint was down"
[ ! -e "$tmp/vault/vrot.rotating" ] || fail "a journal is left with the endpoint down"
endpoint_start "$B" "$tmp" || exit 99
conf "$(cat "$tmp/state/vault.pub")"

# /etc read-only, as systemd's ProtectSystem=strict leaves it: refused
# before anything is escrowed, with the fix
unshare -m --propagation private sh -c 'mount -o remount,bind,ro /etc && exec "$@"' sh \
	"$iamd" rotate vrot --config "$tmp/iam.conf" --stderr >"$tmp/rotate.out" 2>&1
status 1 $? "a rotation with /etc read-only"
has "$tmp/rotate.out" 'ReadWritePaths=/etc' "the refusal says how to let iamd write /etc"
works vrot "$pw2" || fail "a rotation with /etc read-only changed the password"
[ "$(versions vrot pending)" = 0 ] || fail "a rotation with /etc read-only escrowed a version"

rotate vrotother
status 1 $? "an account not in vault_accounts"
has "$tmp/rotate.out" 'not in vault_accounts' "the refusal says why"
works vrotother 'other-Local-pw1' || fail "an unlisted account's password changed"

# --- Two at once ----------------------------------------------------------------------
"$iamd" rotate vrotbg --config "$tmp/iam.conf" --stderr >"$tmp/a.out" 2>&1 &
a=$!
"$iamd" rotate vrotbg --config "$tmp/iam.conf" --stderr >"$tmp/b.out" 2>&1
rb=$?
wait $a
ra=$?
[ $ra -eq 0 ] || [ $rb -eq 0 ] || { fail "neither of two rotations at once succeeded"; show "$tmp/a.out" "$tmp/b.out"; }
works vrotbg "$(vault_pw vrotbg current)" || fail "after two rotations at once the vault and the account disagree"
[ "$(versions vrotbg current)" = 1 ] || fail "two rotations at once left $(versions vrotbg current) current versions"

# --- kill -9 anywhere -------------------------------------------------------------------
killrun=$B/tests/durability/killrun
if [ -x "$killrun" ]; then
	seen_journal=0 i=0
	while [ $i -lt 25 ]; do
		i=$((i + 1))
		"$killrun" 1000 150000 "$iamd" rotate vrot --config "$tmp/iam.conf" --stderr \
			>"$tmp/kill.out" 2>/dev/null
		# an orphaned chpasswd holds the rotation lock until it is done
		[ ! -e "$tmp/vault/vrot.lock" ] || timeout 30 flock "$tmp/vault/vrot.lock" true
		cur=$(vault_pw vrot current)
		pending=$(sqlite3 "$tmp/state/iam.db" "SELECT version FROM vault_secrets
			WHERE account = 'vrot' AND state = 'pending'")
		want=abandoned # a pending version the password never took
		if works vrot "$cur"; then
			:
		elif [ -e "$tmp/vault/vrot.rotating" ] && works vrot "$(vault_pw vrot pending)"; then
			seen_journal=$((seen_journal + 1))
			want=superseded # set: recovery confirms it, the run replaces it
		else
			fail "kill $i ($(cat "$tmp/kill.out")): the account's password is neither the vault's current one nor a journalled pending one"
			break
		fi
		rotate vrot
		rc=$?
		[ $rc -eq 0 ] || { fail "the run after kill $i failed"; show "$tmp/rotate.out"; break; }
		works vrot "$(vault_pw vrot current)" || { fail "after kill $i and a run, the vault and the account disagree"; break; }
		if [ -n "$pending" ]; then
			got=$(sqlite3 "$tmp/state/iam.db" "SELECT state FROM vault_secrets WHERE version = $pending")
			[ "$got" = "$want" ] || { fail "kill $i: the interrupted version $pending is $got, not $want"; break; }
		fi
	done
	echo "kill -9 at random points: $i runs, $seen_journal interrupted between chpasswd and confirm"
fi

# --- Check-out with approval, then rotation ------------------------------------------
# vops may check out vrot on web1 under role vaultroot, approved by vboss.
printf 'vops-Secret-4242\n' | endpoint_ctl user add vops --password-stdin
printf 'vboss-Secret-4242\n' | endpoint_ctl user add vboss --password-stdin
printf 'vnobody-Secret-42\n' | endpoint_ctl user add vnobody --password-stdin
endpoint_ctl group add vmgr
endpoint_ctl group add-member vmgr vboss
endpoint_ctl role add vaultroot --max-duration 1h --approvers vmgr --secret vrot
endpoint_ctl role eligible vaultroot --user vops
as_user() { # USER PASSWORD IAMCTL-ARGS...: iamctl as that directory user
	local user=$1 pw=$2
	shift 2
	printf '%s\n' "$pw" | env -u IAM_ADMIN_TOKEN_FILE "$B/iamctl/iamctl" --user "$user" \
		--password-stdin "$@" >"$tmp/ctl.out" 2>"$tmp/ctl.err"
}
as_user vnobody vnobody-Secret-42 secret checkout web1 vrot --reason "INC-1 curious"
status 3 $? "a user no role makes eligible cannot check out"
as_user vops vops-Secret-4242 secret checkout web1 vrot --reason "INC-2 fix sshd"
status 3 $? "check-out waits for approval"
has "$tmp/ctl.err" 'waiting for approval' "it says it waits for approval"
lacks "$tmp/ctl.out" '.' "nothing revealed before approval"
req=$(sed -n 's/.*Request \([0-9]*\) for vaultroot.*/\1/p' "$tmp/ctl.err")
as_user vops vops-Secret-4242 request approve "$req" --reason "my own"
[ $? -ne 0 ] || fail "the requester approved their own check-out"
as_user vboss vboss-Secret-4242 request approve "$req" --reason "ok, INC-2"
status 0 $? "the approver approves"
as_user vops vops-Secret-4242 secret checkout web1 vrot
rc=$?
status 0 $rc "check-out once approved"
[ $rc -eq 0 ] || show "$tmp/ctl.err"
revealed=$(head -n 1 "$tmp/ctl.out")
[ "$revealed" = "$(vault_pw vrot current)" ] || fail "the check-out is not the vault's current password"
works vrot "$revealed" || fail "the checked-out password does not log in"
"$iamd" --once --config "$tmp/iam.conf" --stderr >"$tmp/once.log" 2>&1
works vrot "$revealed" || fail "the password changed while the check-out was open"
as_user vops vops-Secret-4242 secret checkin web1 vrot
status 0 $? "check-in"
"$iamd" --once --config "$tmp/iam.conf" --stderr >"$tmp/once.log" 2>&1
status 0 $? "iamd --once after the check-in"
has "$tmp/once.log" 'event=vault_rotate account=vrot result=rotated' "iamd rotated the checked-in account"
works vrot "$revealed" && fail "the checked-out password still works after check-in and a sync"
works vrot "$(vault_pw vrot current)" || fail "after the check-in rotation the vault and the account disagree"
"$B/iamctl/iamctl" secret history web1 vrot >"$tmp/history.out" 2>&1
has "$tmp/history.out" '^vrot +vops ' "the history names who checked out"

# ... and when the grant simply ends
as_user vops vops-Secret-4242 secret checkout web1 vrot --reason "INC-3" --for 3s
req=$(sed -n 's/.*Request \([0-9]*\) for vaultroot.*/\1/p' "$tmp/ctl.err")
as_user vboss vboss-Secret-4242 request approve "$req" --reason "ok, INC-3"
as_user vops vops-Secret-4242 secret checkout web1 vrot
status 0 $? "a short check-out"
revealed=$(head -n 1 "$tmp/ctl.out")
sleep 4
"$iamd" --once --config "$tmp/iam.conf" --stderr >"$tmp/once.log" 2>&1
works vrot "$revealed" && fail "the checked-out password still works after its grant ended"
works vrot "$(vault_pw vrot current)" || fail "after the expiry rotation the vault and the account disagree"

# --- On a schedule ---------------------------------------------------------------------
once() { "$iamd" --once --config "$tmp/iam.conf" --stderr >"$tmp/once.log" 2>&1; }
before=$(vault_pw vrot current)
conf "$(cat "$tmp/state/vault.pub")" 'vault_rotate_interval = 0'
sleep 2
once
[ "$(vault_pw vrot current)" = "$before" ] || fail "vault_rotate_interval = 0 rotated on a schedule"
conf "$(cat "$tmp/state/vault.pub")" 'vault_rotate_interval = 1s'
once
has "$tmp/once.log" 'event=vault_rotate account=vrot result=rotated' "the schedule rotates vrot"
[ "$(vault_pw vrot current)" != "$before" ] || fail "the schedule did not change the password"
works vrot "$(vault_pw vrot current)" || fail "after the scheduled rotation the vault and the account disagree"
# an account never rotated here is taken into the vault at the next sync
conf "$(cat "$tmp/state/vault.pub")"
before=$(vault_pw vrotbg current)
rm -f "$tmp/vault/vrotbg.rotated"
once
[ "$(vault_pw vrotbg current)" != "$before" ] || fail "an account never rotated here was not rotated"
works vrotbg "$(vault_pw vrotbg current)" || fail "vrotbg: the vault and the account disagree"
before=$(vault_pw vrotbg current)
once
[ "$(vault_pw vrotbg current)" = "$before" ] || fail "a fresh rotation was repeated within vault_rotate_interval"

# --- Break-glass with a checked-out password, through pam_iam ---------------------------
# vrotbg is a break-glass account (PIN 4321 and a TOTP secret in the
# usersfile) whose password the vault holds. While the endpoint answers,
# pam_iam takes that password only while somebody's check-out of it runs,
# and the login and its session name the holders; two people may hold it
# at once; when the endpoint is down, the PIN and a code, never the password.
bgsecret=3132333435363738393031323334353637383930
last_step=0
fresh_code() { # $code: of a time step no login took yet (liboath allows one step of drift)
	local step=$(($(date +%s) / 30 + 1))
	while [ $step -le $last_step ]; do
		sleep 5
		step=$(($(date +%s) / 30 + 1))
	done
	last_step=$step
	code=$(oathtool --totp -N "@$((step * 30))" "$bgsecret")
}
printf 'HOTP/T30/6 vrotbg 4321 %s\n' "$bgsecret" >"$tmp/breakglass.oath"
chmod 0600 "$tmp/breakglass.oath"
conf "$(cat "$tmp/state/vault.pub")" "breakglass_file = $tmp/breakglass.oath"
pam_iam=$B/pam_iam/.libs/pam_iam.so
cat >/etc/pam.d/iam-bgtest <<EOF
auth [success=done ignore=ignore default=die] $pam_iam config=$tmp/iam.conf
auth required pam_unix.so
account required pam_unix.so
session required $pam_iam config=$tmp/iam.conf
EOF
bg_login() { # PASSWORD [CODE]: pam_iam's break-glass path lets vrotbg in
	printf '%s\n%s\n' "$1" "${2:-}" | env ${preload:+LD_PRELOAD="$preload"} \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		timeout 30 pamtester iam-bgtest vrotbg authenticate open_session close_session \
		>"$tmp/bg.out" 2>&1
}
audit_has() { # TYPE PATTERN: an audit record of TYPE whose actor|data matches
	sqlite3 "$tmp/state/iam.db" "SELECT actor || '|' || data FROM audit WHERE type = '$1'" |
		grep -Eq "$2"
}
approved_checkout() { # USER PASSWORD ACCOUNT REASON: asks, vboss approves, prints it
	as_user "$1" "$2" secret checkout web1 "$3" --reason "$4"
	req=$(sed -n 's/.*Request \([0-9]*\) for.*/\1/p' "$tmp/ctl.err")
	as_user vboss vboss-Secret-4242 request approve "$req" --reason "ok: $4" || return 1
	as_user "$1" "$2" secret checkout web1 "$3" && head -n 1 "$tmp/ctl.out"
}
printf 'vops2-Secret-4242\n' | endpoint_ctl user add vops2 --password-stdin
endpoint_ctl role add vaultbg --max-duration 1h --approvers vmgr --secret vrotbg
endpoint_ctl role eligible vaultbg --user vops
endpoint_ctl role eligible vaultbg --user vops2

bgpw=$(vault_pw vrotbg current)
works vrotbg "$bgpw" || fail "vrotbg's password is not the vault's before the break-glass tests"
bg_login "$bgpw" && fail "pam_iam takes a break-glass password nobody checked out"
audit_has vault.use.deny 'not_checked_out' || fail "the refused use is not audited as not_checked_out"
r1=$(approved_checkout vops vops-Secret-4242 vrotbg "INC-5 disk full")
r2=$(approved_checkout vops2 vops2-Secret-4242 vrotbg "INC-5 second pair of hands")
[ -n "$r1" ] && [ "$r1" = "$r2" ] && [ "$r1" = "$bgpw" ] ||
	fail "two check-outs at once did not both give the vault's password"
bg_login "$r1"
rc=$?
status 0 $rc "the checked-out password logs in through pam_iam's break-glass path"
[ $rc -eq 0 ] || show "$tmp/bg.out"
bg_login "${r1}x" && fail "pam_iam's break-glass path takes a wrong password"
# the same through the real sshd (keyboard-interactive: PAM's
# authentication runs in a process of its own there)
cat >/etc/pam.d/sshd <<EOF
auth [success=done ignore=ignore default=die] $pam_iam config=$tmp/iam.conf
auth required pam_unix.so
account required pam_unix.so
session required pam_unix.so
session required $pam_iam config=$tmp/iam.conf
EOF
. "$IAM_SRCDIR/scripts/hostns.sh"
HOSTNS_IN_PLACE=1 HOSTNS_SSHD_PRELOAD=$preload
hostns_start_sshd "$tmp" ||
	{ show "$tmp/sshd.log"; exit 99; }
sshd_pid=$hostns_sshd_pid
got=$(hostns_login "$tmp" vrotbg "$r1" "" 'id -un' 2>/dev/null)
[ "$got" = vrotbg ] || { fail "sshd: the checked-out password does not log vrotbg in"; show "$tmp/sshd.log"; }
audit_has session.open '"service":"sshd".*"vault_holders":"vops2,vops"' ||
	fail "sshd: the session's audit event does not name the holders"
got=$(hostns_login "$tmp" vrotbg "${r1}x" "" 'id -un' 2>/dev/null)
[ -z "$got" ] || fail "sshd: a wrong password logs vrotbg in"
audit_has vault.use '^vops2\|.*"holders":\[\{"user":"vops2".*\{"user":"vops"' ||
	fail "the use is not audited with both holders, newest first"
audit_has session.open '"vault_holders":"vops2,vops"' ||
	fail "the break-glass session's audit event does not name the holders"
audit_has vault.use 'INC|Secret' && fail "a secret or reason leaked into vault.use"

endpoint_stop
bg_login "$r1" "$(oathtool --totp "$bgsecret")" &&
	fail "with the endpoint down, a checked-out password opens the break-glass account"
fresh_code
bg_login 4321 "$code"
status 0 $? "with the endpoint down, the PIN and a code open it"
endpoint_start "$B" "$tmp" || exit 99
conf "$(cat "$tmp/state/vault.pub")" "breakglass_file = $tmp/breakglass.oath"

# one gives it back: the other still holds it until iamd rotates it
as_user vops vops-Secret-4242 secret checkin web1 vrotbg
status 0 $? "the first holder checks in"
bg_login "$r1"
status 0 $? "the second holder's check-out still runs"
once
has "$tmp/once.log" 'event=vault_rotate account=vrotbg result=rotated' "the check-in rotates vrotbg"
bg_login "$r1" && fail "the password from before the rotation logs in"
works vrotbg "$r1" && fail "pam_unix still takes the password from before the rotation"
as_user vops2 vops2-Secret-4242 secret checkout web1 vrotbg # the grant still runs
status 0 $? "the second holder checks out again"
r3=$(head -n 1 "$tmp/ctl.out")
[ -n "$r3" ] && [ "$r3" != "$r1" ] && [ "$r3" = "$(vault_pw vrotbg current)" ] ||
	fail "checking out again does not give the new password"
bg_login "$r3"
status 0 $? "the new password logs in while checked out"
as_user vops2 vops2-Secret-4242 secret checkin web1 vrotbg
bg_login "$r3" && fail "pam_iam takes the password after its last check-out ended"
works vrotbg "$r3" || fail "the account changed before iamd's poll"
once
works vrotbg "$r3" && fail "the password still works after the last check-in and a poll"
"$B/iamctl/iamctl" secret history web1 vrotbg >"$tmp/history.out" 2>&1
has "$tmp/history.out" '^vrotbg +vops2 ' "the history names the second holder"
has "$tmp/history.out" '^vrotbg +vops ' "the history names the first holder"

# The endpoint refuses this host (its credential replaced): the account is
# not locked out with it, its PIN and a code decide
endpoint_ctl host rotate web1 --output "$tmp/web1.new" --force
bg_login "$r3" "$(oathtool --totp "$bgsecret")" &&
	fail "with this host refused, the vault password opens the break-glass account"
fresh_code
bg_login 4321 "$code"
rc=$?
status 0 $rc "with this host refused, the PIN and a code open the break-glass account"
[ $rc -eq 0 ] || show "$tmp/bg.out"

[ "$failures" -eq 0 ] && echo PASS && exit 0
echo "$failures failure(s)"
exit 1
