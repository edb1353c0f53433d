#!/bin/sh
# shellcheck disable=SC3043 # local, as in scripts/hostns.sh (dash and bash have it)
# iamctl doctor against a healthy host and against deliberately broken
# ones. The host is scripts/hostns.sh's: /etc overlaid in a private mount
# namespace (nsswitch.conf, pam.d from examples/, iam/iam.conf, and here
# ssh/sshd_config), the endpoint a private iam-policyd on loopback, the
# cache written by iamd --once. Each broken case changes one thing, checks
# the exit status and the one finding that names it, and puts it back.
# Run by `make check` in tests/ as root.
set -u
[ -n "${IAM_BUILDDIR:-}" ] && [ -n "${IAM_SRCDIR:-}" ] || { echo "run me from make check"; exit 99; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: doctor and the overlay need root"; exit 77; }
unshare -m --propagation private true 2>/dev/null || { echo "SKIP: no private mount namespace"; exit 77; }
for t in openssl ssh-keygen python3; do
	command -v "$t" >/dev/null 2>&1 || { echo "ERROR: $t is needed"; exit 99; }
done
[ -x /usr/sbin/sshd ] || { echo "ERROR: openssh-server is needed"; exit 99; }
IAMCTL=$IAM_BUILDDIR/iamctl/iamctl
IAMD=$IAM_BUILDDIR/iamd/iamd

umask 022
tmp=$(mktemp -d "${TMPDIR:-/tmp}/iam-doctor.XXXXXX") || exit 99
chmod 0755 "$tmp"
cleanup() { endpoint_stop; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'echo "stopped by a signal"; exit 99' INT TERM
. "$IAM_SRCDIR/tests/check.sh"
# shellcheck source=../scripts/endpoint.sh
. "$IAM_SRCDIR/scripts/endpoint.sh"
# shellcheck source=../scripts/hostns.sh
. "$IAM_SRCDIR/scripts/hostns.sh"
endpoint_init "$IAM_BUILDDIR" "$tmp" || exit 99
endpoint_start "$IAM_BUILDDIR" "$tmp" || exit 99
ctl() { endpoint_ctl "$@" </dev/null; }
ctl host enroll web1 --output "$tmp/web1.cred"
ctl user add alice

# The host: its iam.conf keeps every path under $tmp.
h=$tmp/host
mkdir -p "$h"
cat >"$tmp/iam.conf" <<CONF
endpoint = $IAM_ENDPOINT
ca_file = $tmp/state/tls.crt
host_credential_file = $tmp/web1.cred
snapshot_pubkey = $(cat "$tmp/state/signing.pub")
cache_path = $tmp/nss.cache
spool_dir = $tmp/spool
offline_dir = $tmp/offline
session_dir = $tmp/sessions
grant_dir = $tmp/grants
id_min = 200000
id_max = 499999
CONF
hostns_setup "$h" "$IAM_BUILDDIR" "$IAM_SRCDIR" "$tmp/iam.conf" || exit 99
conf=$h/etc/iam/iam.conf
"$IAMD" --once --config "$conf" --stderr 2>"$tmp/iamd.log" || { show "$tmp/iamd.log"; exit 99; }
ssh-keygen -q -t ed25519 -N '' -f "$tmp/hostkey"
mkdir -p "$h/etc/ssh"
cat >"$h/etc/ssh/sshd_config" <<CONF
HostKey $tmp/hostkey
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
AuthorizedKeysCommand /usr/sbin/iamd authorized-keys %u
AuthorizedKeysCommandUser root
CONF

# sshd -T, which doctor runs, cannot pass LeakSanitizer in a sanitizer
# build (it gets the runtime through ld.so.preload, as in hostns_start_sshd)
[ -z "${IAM_ASAN_RUNTIME:-}" ] || export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
# doctor [ENV...]: runs it on the host, output in $tmp/out, status in $rc
doctor() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	hostns_run "$h" sh -c 'mkdir -p /run/sshd && exec env "$@"' sh "$@" \
		"$IAMCTL" doctor >"$tmp/out" 2>&1
	rc=$?
}
# expect_finding STATUS REGEX WHAT: doctor's exit status and one line
expect_finding() {
	doctor
	status "$1" "$rc" "$3"
	has "$tmp/out" "$2" "$3"
}
save() { cp -p "$1" "$tmp/saved"; }
restore() { cp -p "$tmp/saved" "$1"; }

# --- Healthy -------------------------------------------------------------------
doctor
status 0 "$rc" "a healthy host"
for l in '^ok +config +.*: valid, endpoint https://' '^ok +credential ' '^ok +snapshot-key ' \
	'^ok +cache +.*: valid, serial [0-9]+' '^ok +endpoint +.* answers: ok' \
	'^ok +clock ' '^ok +enrolment +the endpoint knows this host as web1$' \
	'^ok +snapshot +serial [0-9]+, signature verifies' '^ok +nsswitch +passwd: files, then iam' \
	'^ok +pam +sshd auth: pam_iam.so, then pam_unix.so' \
	'^ok +pam +sudo account: pam_jit.so' '^ok +sshd +UsePAM, keyboard-interactive' \
	'^healthy: 0 failed, 0 warnings$'; do
	has "$tmp/out" "$l" "healthy host: $l"
done
lacks "$tmp/out" '^(FAIL|WARN) ' "a healthy host has no finding"

# --- The configuration and its files --------------------------------------------
save "$conf"
echo 'connect_timeout = soon' >>"$conf"
expect_finding 1 '^FAIL +config +.*iam.conf: .*connect_timeout.* -> correct it' "a bad value"
restore "$conf"
echo 'this line has no equals sign' >>"$conf"
expect_finding 1 '^FAIL +config +.*iam.conf: .* -> correct it' "a syntax error"
restore "$conf"
echo 'frobnicate = 1' >>"$conf"
expect_finding 0 '^WARN +config +.*frobnicate.* -> correct or remove' "an unknown key"
restore "$conf"
chmod 0644 "$tmp/web1.cred"
expect_finding 1 '^FAIL +credential +.* -> it must be one token in a root-owned file of mode 0600' \
	"a credential others can read"
chmod 0600 "$tmp/web1.cred"
mv "$tmp/web1.cred" "$tmp/web1.cred.saved"
expect_finding 1 '^FAIL +credential +.*No such file.* -> enroll the host .*iamctl host enroll' \
	"no credential yet"
mv "$tmp/web1.cred.saved" "$tmp/web1.cred"
mv "$tmp/nss.cache" "$tmp/nss.cache.saved"
expect_finding 1 '^FAIL +cache +.*nss.cache: No such file.* -> start iamd' "no cache"
cp "$tmp/nss.cache.saved" "$tmp/nss.cache"
size=$(stat -c %s "$tmp/nss.cache")
printf '\377\377\377\377' | dd of="$tmp/nss.cache" bs=1 seek=$((size - 8)) conv=notrunc 2>/dev/null
expect_finding 1 '^FAIL +cache +.*not a valid cache.* -> remove it and restart iamd' "a corrupt cache"
mv "$tmp/nss.cache.saved" "$tmp/nss.cache"
chmod 0666 "$tmp/nss.cache"
expect_finding 1 '^FAIL +cache +.*mode 0666.* -> chown root:root and chmod 0644' "a writable cache"
chmod 0644 "$tmp/nss.cache"
ctl user add bob
expect_finding 0 '^WARN +cache +the cache \(serial [0-9]+\) is behind the endpoint' "a cache behind"
"$IAMD" --once --config "$conf" --stderr 2>"$tmp/iamd.log" || { show "$tmp/iamd.log"; exit 99; }

# --- The endpoint ---------------------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i "s|^endpoint = .*|endpoint = https://127.0.0.1:$port|" "$conf"
expect_finding 1 '^FAIL +endpoint +.*cannot connect.* -> check that iam-policyd runs there' \
	"the endpoint down"
restore "$conf"
pin=sha256//$(openssl rand -base64 32)
echo "pinned_pubkey = $pin" >>"$conf"
expect_finding 1 '^FAIL +endpoint +.*pinned.* -> pinned_pubkey must be the hash' "a wrong pin"
restore "$conf"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=other \
	-keyout "$tmp/other.key" -out "$tmp/other.crt" >/dev/null 2>&1
sed -i "s|^ca_file = .*|ca_file = $tmp/other.crt|" "$conf"
expect_finding 1 '^FAIL +endpoint +.*TLS.* -> ca_file must hold the CA' "a CA the endpoint is not from"
restore "$conf"
"$IAM_BUILDDIR/policyd/iam-policyd" --init "$tmp/other" --kdf-log2-n 10 >/dev/null 2>&1 ||
	{ echo "ERROR: a second state for another signing key"; exit 99; }
sed -i "s|^snapshot_pubkey = .*|snapshot_pubkey = $(cat "$tmp/other/signing.pub")|" "$conf"
expect_finding 1 '^FAIL +snapshot +serial [0-9]+ does not verify.* -> snapshot_pubkey must be' \
	"another signing key"
restore "$conf"
ctl host rotate web1 --output "$tmp/web1.new"
expect_finding 1 '^FAIL +enrolment +the endpoint refuses the host credential.* -> re-enroll' \
	"a credential rotated away"
cp "$tmp/web1.new" "$tmp/web1.cred"
# (not in a sanitizer build: there the preloaded libfaketime, inherited by
# sshd -T, made the run hang until hostns_run's timeout)
if [ -n "${IAM_ASAN_RUNTIME:-}" ]; then
	echo "note: sanitizer build; the clock case is left out"
elif [ -n "${IAM_FAKETIME_LIB:-}" ] && [ -e "$IAM_FAKETIME_LIB" ]; then
	doctor LD_PRELOAD="$IAM_FAKETIME_LIB" FAKETIME=-10m FAKETIME_DONT_FAKE_MONOTONIC=1
	status 1 "$rc" "a clock 10 minutes behind"
	has "$tmp/out" '^FAIL +clock +the endpoint is 10m.* ahead of this host.* -> set this host' \
		"a clock 10 minutes behind"
else
	echo "note: no libfaketime; the clock case is left out"
fi

# --- nsswitch.conf, PAM and sshd --------------------------------------------------
ns=$h/etc/nsswitch.conf
save "$ns"
sed -i -E 's/^passwd:.*/passwd: iam files/' "$ns"
expect_finding 1 "^FAIL +nsswitch +passwd: iam before files.* -> make the line 'passwd: files iam'" \
	"iam before files"
sed -i -E 's/^group:.*/group: files systemd/' "$ns"
expect_finding 1 '^FAIL +nsswitch +group: no iam' "no iam for groups"
restore "$ns"
pam=$h/etc/pam.d/sshd
save "$pam"
sed -i -E '/^auth +required pam_unix.so/d' "$pam"
expect_finding 1 '^FAIL +pam +sshd auth: pam_iam.so without pam_unix.so.* -> keep pam_unix.so' \
	"no pam_unix after pam_iam"
restore "$pam"
{ echo 'auth required pam_unix.so'; cat "$tmp/saved"; } >"$pam"
expect_finding 1 '^FAIL +pam +sshd auth: pam_unix.so comes before pam_iam.so' "pam_unix first"
# through an @include, as Debian's common-auth is used
grep -v '^auth' "$tmp/saved" >"$pam"
echo '@include iam-common-auth' >>"$pam"
grep '^auth' "$tmp/saved" >"$h/etc/pam.d/iam-common-auth"
expect_finding 0 '^ok +pam +sshd auth: pam_iam.so, then pam_unix.so' "an @include followed"
restore "$pam"
sc=$h/etc/ssh/sshd_config
save "$sc"
sed -i '/AuthorizedKeysCommand/d' "$sc"
expect_finding 0 '^WARN +sshd +AuthorizedKeysCommand is none.* -> AuthorizedKeysCommand /usr/sbin/iamd' \
	"no AuthorizedKeysCommand"
sed -i 's/^UsePAM yes/UsePAM no/' "$sc"
expect_finding 1 '^FAIL +sshd +UsePAM no.* -> set UsePAM yes' "UsePAM no"
restore "$sc"

doctor
status 0 "$rc" "healthy again after the cases"
lacks "$tmp/out" '^(FAIL|WARN) ' "healthy again: no finding"
[ "$failures" -eq 0 ] && echo PASS && exit 0
echo "$failures failure(s)"
exit 1
