#!/bin/sh
# shellcheck disable=SC3043 # local, as in scripts/hostns.sh (dash and bash have it)
# The pam-auth-update profile (pam_iam/pam-configs/iam) through Debian's
# own pam-auth-update, in a private mount namespace where /etc and
# /var/lib/pam are writable overlays on a tmpfs (the host's files are never
# written), the profile sits in /usr/share/pam-configs and the build's
# pam_iam.so in the PAM module directory. Checked: `--enable iam` puts
# pam_iam before pam_unix in common-auth, -account and -password and adds
# it to common-session; through those files (pamtester, a service made of
# @include lines) a directory user logs in against the real endpoint and a
# wrong password fails, a local user logs in with the endpoint up and down
# (local accounts never depend on it); iamctl doctor sees the order; and
# `--remove iam` gives back exactly the files there were before.
# Run by `make check` in tests/ as root.
set -u
[ -n "${IAM_BUILDDIR:-}" ] && [ -n "${IAM_SRCDIR:-}" ] || { echo "run me from make check"; exit 99; }
. "$IAM_SRCDIR/tests/privns.sh"
privns_enter pam-auth-update pamtester openssl
privns_tmp authupdate
cleanup() { endpoint_stop; umount -l "$tmp"; rmdir "$tmp"; }
trap cleanup EXIT
trap 'echo "stopped by a signal"; exit 99' INT TERM
. "$IAM_SRCDIR/tests/check.sh"
# shellcheck source=../../scripts/endpoint.sh
. "$IAM_SRCDIR/scripts/endpoint.sh"

# --- The namespace: writable /etc and /var/lib/pam, the profile, the module
secdir=$(dirname "$(find /lib /usr/lib -path '*/security/pam_unix.so' 2>/dev/null | head -n 1)")
[ -d "$secdir" ] || { echo "ERROR: no PAM module directory"; exit 99; }
over() { # DIR: a writable overlay of DIR, its changes on the tmpfs
	local n
	n=$(echo "$1" | tr / _)
	mkdir -p "$tmp/up$n" "$tmp/work$n"
	mount -t overlay overlay -o "lowerdir=$1,upperdir=$tmp/up$n,workdir=$tmp/work$n" "$1" ||
		{ echo "ERROR: overlay on $1"; exit 99; }
}
over /etc
mkdir -p /var/lib/pam
over /var/lib/pam
mkdir -p "$tmp/profiles" "$tmp/mods"
cp "$IAM_SRCDIR/pam_iam/pam-configs/iam" "$tmp/profiles/iam"
mount -t overlay overlay -o "lowerdir=$tmp/profiles:/usr/share/pam-configs" /usr/share/pam-configs || exit 99
cp "$IAM_BUILDDIR/pam_iam/.libs/pam_iam.so" "$tmp/mods/"
mount -t overlay overlay -o "lowerdir=$tmp/mods:$secdir" "$secdir" || exit 99
mount -t tmpfs -o mode=0755 tmpfs /run || exit 99

# --- The endpoint and the host ---------------------------------------------------
endpoint_init "$IAM_BUILDDIR" "$tmp" || exit 99
endpoint_start "$IAM_BUILDDIR" "$tmp" || exit 99
ctl() { endpoint_ctl "$@"; }
printf 'alice-Secret-42\n' | ctl user add alice --password-stdin
ctl group add au_staff
ctl group add-member au_staff alice
ctl host enroll web1 --output "$tmp/web1.cred"
ctl host allow web1 --group au_staff
mkdir -p /etc/iam
cat >/etc/iam/iam.conf <<CONF
endpoint = $IAM_ENDPOINT
ca_file = $tmp/state/tls.crt
host_credential_file = $tmp/web1.cred
snapshot_pubkey = $(cat "$tmp/state/signing.pub")
cache_path = $tmp/nss.cache
spool_dir = $tmp/spool
offline_dir = $tmp/offline
session_dir = $tmp/sessions
grant_dir = $tmp/grants
connect_timeout = 1s
timeout = 3s
CONF
# a local user with a password
printf 'aulocal:x:4711:4711::/tmp:/bin/sh\n' >>/etc/passwd
printf 'aulocal:x:4711:\n' >>/etc/group
printf 'aulocal:%s:19000:0:99999:7:::\n' "$(openssl passwd -6 'local-Pa55')" >>/etc/shadow
printf '@include common-auth\n@include common-account\n' >/etc/pam.d/iam-authupdate

# --- Enable --------------------------------------------------------------------
export DEBIAN_FRONTEND=noninteractive
pam-auth-update --force >"$tmp/pau.out" 2>&1 || { show "$tmp/pau.out"; exit 99; }
mkdir -p "$tmp/before"
cp /etc/pam.d/common-* "$tmp/before/"
[ -e /etc/pam.d/sshd ] || printf '@include common-auth\n@include common-account\n' >/etc/pam.d/sshd
run_doctor() { "$IAM_BUILDDIR/iamctl/iamctl" doctor >"$tmp/doctor.out" 2>&1; }
run_doctor
has "$tmp/doctor.out" '^ok +pam-auth-update +profile iam installed, not enabled' \
	"doctor sees the profile installed, not enabled"
pam-auth-update --enable iam >"$tmp/pau.out" 2>&1
status 0 $? "pam-auth-update --enable iam"
order() { # FILE: the modules of its non-comment lines, in order
	sed -n 's/^[a-z-]*[[:space:]]\{1,\}\(\[[^]]*\]\|[a-z]*\)[[:space:]]\{1,\}\([a-z_]*\.so\).*/\2/p' "$1" |
		tr '\n' ' '
}
for t in auth account password; do
	case $(order "/etc/pam.d/common-$t") in
	*pam_iam.so*pam_unix.so*) ;;
	*) fail "common-$t: pam_iam.so is not before pam_unix.so"; show "/etc/pam.d/common-$t" ;;
	esac
done
has /etc/pam.d/common-auth '^auth[[:space:]]+\[success=2 ignore=ignore default=die\][[:space:]]+pam_iam.so' \
	"common-auth: pam_iam jumps over pam_unix on success, dies on failure"
has /etc/pam.d/common-auth '^auth[[:space:]]+\[success=1 default=ignore\][[:space:]]+pam_unix.so' \
	"common-auth: pam_unix as before"
has /etc/pam.d/common-session '^session[[:space:]]+required[[:space:]]+pam_iam.so' "common-session"

# --- Logins through the generated files -------------------------------------------
# A sanitizer build's module needs the ASan runtime first in pamtester, and
# libcrypt loaded at start: ASan's crypt() interceptor, resolved before
# pam_unix brings libcrypt in, would call a null pointer.
preload=''
if [ -n "${IAM_ASAN_RUNTIME:-}" ]; then
	preload=$IAM_ASAN_RUNTIME
	libcrypt=$(ldconfig -p | sed -n 's/.*libcrypt\.so\.1 (libc6,x86-64) => //p' | head -n 1)
	[ -z "$libcrypt" ] || preload="$preload $libcrypt"
fi
pt() { # USER PASSWORD: pamtester's status
	printf '%s\n' "$2" | env ${preload:+LD_PRELOAD="$preload"} \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		pamtester iam-authupdate "$1" authenticate acct_mgmt >"$tmp/pt.out" 2>&1
}
pt alice alice-Secret-42
status 0 $? "a directory user through common-auth and common-account"
pt alice wrong-password
[ $? -ne 0 ] || fail "a wrong password for a directory user was accepted"
pt aulocal local-Pa55
rc=$?
status 0 $rc "a local user with the endpoint up"
[ $rc -eq 0 ] || show "$tmp/pt.out"
pt aulocal wrong-password
[ $? -ne 0 ] || fail "a wrong password for a local user was accepted"
run_doctor
has "$tmp/doctor.out" '^ok +pam +sshd auth: pam_iam.so, then pam_unix.so' "doctor sees the order"
has "$tmp/doctor.out" '^ok +pam-auth-update +profile iam enabled' "doctor sees the profile enabled"
# common-auth edited by hand: pam_iam's line gone though the profile is on
cp /etc/pam.d/common-auth "$tmp/common-auth.enabled"
sed -i '/pam_iam\.so/d' /etc/pam.d/common-auth
run_doctor
has "$tmp/doctor.out" '^WARN +pam-auth-update +profile iam is enabled, but common-auth has no pam_iam.so.*-> pam-auth-update --force' \
	"doctor sees common-auth edited by hand"
# ... or rewritten without pam-auth-update's markers
grep -v '^# here are the per-package modules' "$tmp/common-auth.enabled" >/etc/pam.d/common-auth
run_doctor
has "$tmp/doctor.out" '^WARN +pam-auth-update +.*common-auth has no pam-auth-update markers' \
	"doctor sees common-auth pam-auth-update cannot manage"
cp "$tmp/common-auth.enabled" /etc/pam.d/common-auth
endpoint_stop
pt aulocal local-Pa55
rc=$?
status 0 $rc "a local user with the endpoint down"
[ $rc -eq 0 ] || show "$tmp/pt.out"

# A broken iam.conf (the day an admin mistypes it) must not lock out the
# host's own users: they pass on to pam_unix; directory users cannot log in.
cp /etc/iam/iam.conf "$tmp/iam.conf.good"
printf 'endpoint = ftp://nowhere\nno such line\n' >>/etc/iam/iam.conf
pt aulocal local-Pa55
rc=$?
status 0 $rc "a local user with a broken iam.conf"
[ $rc -eq 0 ] || show "$tmp/pt.out"
pt aulocal wrong-password
[ $? -ne 0 ] || fail "a wrong local password was accepted with a broken iam.conf"
pt alice alice-Secret-42
[ $? -ne 0 ] || fail "a directory user logged in with a broken iam.conf"
rm /etc/iam/iam.conf
pt aulocal local-Pa55
rc=$?
status 0 $rc "a local user without iam.conf"
[ $rc -eq 0 ] || show "$tmp/pt.out"
cp "$tmp/iam.conf.good" /etc/iam/iam.conf

# --- Remove ----------------------------------------------------------------------
pam-auth-update --remove iam >"$tmp/pau.out" 2>&1
status 0 $? "pam-auth-update --remove iam"
for f in "$tmp"/before/common-*; do
	cmp -s "$f" "/etc/pam.d/$(basename "$f")" ||
		{ fail "$(basename "$f") differs after --remove"; diff "$f" "/etc/pam.d/$(basename "$f")" | show; }
done
grep -l pam_iam /etc/pam.d/common-* >"$tmp/left" 2>/dev/null
[ ! -s "$tmp/left" ] || fail "pam_iam left in $(cat "$tmp/left")"

[ "$failures" -eq 0 ] && echo PASS && exit 0
echo "$failures failure(s)"
exit 1
