#!/bin/sh
# `make install DESTDIR=...` puts every file where the system looks for it
# (the configured PAM module, NSS library, systemd unit and sysusers.d
# directories, sbin/bin, the man pages, the pam-auth-update profile, the
# example configuration) and nothing else: no libtool archive, no stray
# file. The installed units name the installed programs and pass
# systemd-analyze verify. `make uninstall DESTDIR=...` leaves no file.
set -u
[ -n "${IAM_BUILDDIR:-}" ] || { echo "run me from make check"; exit 99; }
. "$IAM_SRCDIR/tests/check.sh"
B=$IAM_BUILDDIR
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root

# make without the MAKEFLAGS of the `make check` that runs this test (its
# jobserver and -w would add lines to what make prints)
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make "$@"; }
var() { # SUBDIR VARIABLE: the value make expands it to in that directory
	printf 'print-var:\n\t@echo $(%s)\n' "$2" | mk -s --no-print-directory -C "$B/$1" -f Makefile -f - print-var
}
pammoddir=$(var pam_iam pammoddir)
nssdir=$(var nss_iam nssdir)
unitdir=$(var systemd systemdsystemunitdir)
sysusersdir=$(var systemd sysusersdir)
sbindir=$(var iamd sbindir)
bindir=$(var iamctl bindir)
mandir=$(var doc mandir)
datadir=$(var pam_iam datadir)
exampledir=$(var examples exampledir)

cat >"$tmp/want" <<EOF
$pammoddir/pam_iam.so
$pammoddir/pam_jit.so
$nssdir/libnss_iam.so.2
$sbindir/iamd
$sbindir/iam-policyd
$bindir/iamctl
$mandir/man1/iamctl.1
$mandir/man5/iam.conf.5
$mandir/man8/iam-policyd.8
$mandir/man8/iamd.8
$mandir/man8/nss_iam.8
$mandir/man8/pam_iam.8
$mandir/man8/pam_jit.8
$datadir/pam-configs/iam
$exampledir/iam.conf
$exampledir/iam-policyd.conf
$exampledir/iamctl.conf
$exampledir/pam.d/login
$exampledir/pam.d/sshd
$exampledir/pam.d/sudo
$exampledir/pam.d/sudo-i
$exampledir/sudoers.d/iam-jit
$exampledir/systemd/iamd-vault.conf
EOF
if [ "$unitdir" != no ]; then
	printf '%s\n' "$unitdir/iamd.service" "$unitdir/iam-policyd.service" \
		"$sysusersdir/iam-policyd.conf" >>"$tmp/want"
fi
# the documents beside the examples are not part of the contract
sort -o "$tmp/want" "$tmp/want"

mk -C "$B" install DESTDIR="$dest" >"$tmp/install.log" 2>&1
rc=$?
status 0 $rc "make install DESTDIR"
[ $rc -eq 0 ] || { tail -n 30 "$tmp/install.log" | show; exit 1; }
(cd "$dest" && find . ! -type d | sed 's/^\.//' | sort) |
	grep -v "^$(dirname "$exampledir")/[^/]*\.md\$" >"$tmp/got"
comm -23 "$tmp/want" "$tmp/got" >"$tmp/missing"
comm -13 "$tmp/want" "$tmp/got" >"$tmp/extra"
[ ! -s "$tmp/missing" ] || { fail "not installed:"; show "$tmp/missing"; }
[ ! -s "$tmp/extra" ] || { fail "installed but not expected:"; show "$tmp/extra"; }

for p in "$pammoddir/pam_iam.so" "$pammoddir/pam_jit.so" "$sbindir/iamd" "$bindir/iamctl"; do
	[ -x "$dest$p" ] || fail "$p is not executable"
done
if [ -e "$dest$datadir/pam-configs/iam" ]; then
	mode=$(stat -c %a "$dest$datadir/pam-configs/iam")
	[ "$mode" = 644 ] || fail "the pam-auth-update profile is mode $mode, not 644"
fi

# The units: ExecStart names the installed program; systemd-analyze verify
# (with the program found in DESTDIR) has nothing to say.
if [ "$unitdir" != no ] && command -v systemd-analyze >/dev/null; then
	for u in iamd iam-policyd; do
		f=$dest$unitdir/$u.service
		[ -f "$f" ] || continue
		has "$f" "^ExecStart=$sbindir/$u " "$u.service runs the installed $u"
		sed "s|^ExecStart=$sbindir/|ExecStart=$dest$sbindir/|" "$f" >"$tmp/$u.service"
		systemd-analyze verify --man=no "$tmp/$u.service" >"$tmp/verify.out" 2>&1
		status 0 $? "systemd-analyze verify $u.service"
		# warnings (an unknown key, a bad value) do not change the status
		lacks "$tmp/verify.out" "." "systemd-analyze verify $u.service is quiet"
	done
	# iamd's with the vault drop-in from the examples, found as systemd
	# finds it
	mkdir -p "$tmp/units/iamd.service.d"
	cp "$tmp/iamd.service" "$tmp/units/"
	cp "$dest$exampledir/systemd/iamd-vault.conf" "$tmp/units/iamd.service.d/vault.conf"
	SYSTEMD_UNIT_PATH="$tmp/units:" systemd-analyze verify --man=no "$tmp/units/iamd.service" \
		>"$tmp/verify.out" 2>&1
	status 0 $? "systemd-analyze verify iamd.service with the vault drop-in"
	lacks "$tmp/verify.out" "." "... and it is quiet"
fi

mk -C "$B" uninstall DESTDIR="$dest" >"$tmp/uninstall.log" 2>&1
status 0 $? "make uninstall DESTDIR"
(cd "$dest" && find . ! -type d) >"$tmp/left"
[ ! -s "$tmp/left" ] || { fail "left after make uninstall:"; show "$tmp/left"; }

[ "$failures" -eq 0 ] && echo PASS && exit 0
echo "$failures failure(s)"
exit 1
