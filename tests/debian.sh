#!/bin/sh
# shellcheck disable=SC3043 # local, as in scripts/hostns.sh (dash and bash have it)
# The Debian packages, built and used as an admin would:
#   1. the source tree as `make dist` ships it, built with
#      `dpkg-buildpackage -us -uc -b` (debian/rules runs the unit tests);
#   2. lintian over the result: no error and no warning;
#   3. in a private mount namespace where /etc, /usr and /var are overlays
#      on a tmpfs (the machine's own root is never written), `dpkg -i` of
#      all six packages: nothing in /etc/pam.d changes and no service is
#      enabled; then the host set up with the packaged programs (the
#      packaged iam-policyd on loopback, iamctl, iamd --once),
#      `pam-auth-update --enable iam`, a directory user resolved through
#      the packaged NSS module and logged in through the common-* files,
#      a local user too;
#   4. `dpkg --purge` of them all, after which every file of /etc, /usr and
#      /var is as it was: the overlays' upper layers hold no change but in
#      dpkg's own records and caches (listed below, with why).
# Run by `make check` in tests/ as root. Skipped in the sanitizer build: the
# packages are built from the same source with Debian's flags either way.
set -u
[ -n "${IAM_BUILDDIR:-}" ] && [ -n "${IAM_SRCDIR:-}" ] || { echo "run me from make check"; exit 99; }
. "$IAM_SRCDIR/tests/privns.sh"
[ -z "${IAM_ASAN_RUNTIME:-}" ] || { echo "SKIP: the packages are built without sanitizers"; exit 77; }
privns_enter dpkg-buildpackage dh lintian pam-auth-update pamtester
privns_tmp debian
cleanup() { endpoint_stop; cd /; umount -R -l "$tmp"; rmdir "$tmp"; }
trap cleanup EXIT
trap 'echo "stopped by a signal"; exit 99' INT TERM
. "$IAM_SRCDIR/tests/check.sh"
# shellcheck source=../scripts/endpoint.sh
. "$IAM_SRCDIR/scripts/endpoint.sh"
packages="iam-common libpam-iam libnss-iam iamd iam-policyd iamctl"

# --- 1. Build ----------------------------------------------------------------------
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$IAM_BUILDDIR/config.h")
[ -n "$version" ] || { echo "ERROR: no PACKAGE_VERSION in config.h"; exit 99; }
src=$tmp/pkg/iam-$version
mkdir -p "$tmp/pkg"
# automake prefixes a subdirectory's distdir with ../: give it a relative one
rel=$(realpath --relative-to="$IAM_BUILDDIR" "$src")
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$IAM_BUILDDIR" distdir distdir="$rel" \
	top_distdir="$rel" >"$tmp/distdir.log" 2>&1 ||
	{ echo "ERROR: make distdir"; tail -n 20 "$tmp/distdir.log"; exit 99; }
# not in the environment of `make check` that runs this test: its MAKEFLAGS
# (TESTS=...) would reach debian/rules' make and run this very test inside
(cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u TESTS -u IAM_PRIVNS \
	DEB_BUILD_OPTIONS="parallel=$(nproc)" timeout 900 dpkg-buildpackage -us -uc -b) \
	>"$tmp/build.log" 2>&1
rc=$?
status 0 $rc "dpkg-buildpackage -us -uc -b"
[ $rc -eq 0 ] || { tail -n 40 "$tmp/build.log"; exit 1; }
has "$tmp/build.log" '^# FAIL: +0$' "the unit tests ran in the package build"
debs=''
for p in $packages; do
	f=$(ls "$tmp/pkg/${p}_"*.deb 2>/dev/null)
	[ -f "$f" ] || { fail "no package $p"; continue; }
	debs="$debs $f"
done
[ "$failures" -eq 0 ] || exit 1
contains() { # PACKAGE PATH: the package ships PATH
	dpkg-deb -c "$tmp/pkg/${1}_"*.deb | awk '{ print $6 }' | grep -qx ".$2" ||
		fail "$1 does not ship $2"
}
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
contains libpam-iam "/lib/$multiarch/security/pam_iam.so"
contains libpam-iam "/lib/$multiarch/security/pam_jit.so"
contains libpam-iam /usr/share/pam-configs/iam
contains libnss-iam "/lib/$multiarch/libnss_iam.so.2"
contains iamd /usr/sbin/iamd
contains iamd /lib/systemd/system/iamd.service
contains iam-policyd /usr/sbin/iam-policyd
contains iam-policyd /lib/systemd/system/iam-policyd.service
contains iam-policyd /usr/lib/sysusers.d/iam-policyd.conf
contains iamctl /usr/bin/iamctl
contains iam-common /etc/iam/iam.conf

# --- 2. lintian ----------------------------------------------------------------------
# initial-upload-closes-no-bugs: these packages go to the team's own hosts,
# not to Debian's archive, so there is no ITP bug to close.
lintian --fail-on error,warning --suppress-tags initial-upload-closes-no-bugs \
	"$tmp/pkg/"*.changes >"$tmp/lintian.out" 2>&1
rc=$?
status 0 $rc "lintian: no error, no warning"
[ $rc -eq 0 ] || show "$tmp/lintian.out"

# --- 3. Install into an overlay of the root -------------------------------------------
mkdir -p "$tmp/lower"
mount --bind / "$tmp/lower" || exit 99 # the root as it is, for the end
over() { # DIR: a writable overlay of DIR, its changes in $tmp/up/DIR
	mkdir -p "$tmp/up$1" "$tmp/work$1"
	mount -t overlay overlay -o "lowerdir=$1,upperdir=$tmp/up$1,workdir=$tmp/work$1" "$1" ||
		{ echo "ERROR: overlay on $1"; exit 99; }
}
for d in /etc /usr /var; do over $d; done
mount -t tmpfs -o mode=0755 tmpfs /run || exit 99
export DEBIAN_FRONTEND=noninteractive
# what an earlier install left on this machine is hidden: the packages
# start on a host without it (and purging them takes it, as it should)
hidden=''
for d in /etc/iam /var/lib/iam; do
	[ -e "$d" ] || continue
	rm -rf "$d" && hidden="$hidden $d"
done
mkdir -p "$tmp/pam.d.before"
cp -a /etc/pam.d/. "$tmp/pam.d.before/"

# shellcheck disable=SC2086 # the list of packages
timeout 300 dpkg -i $debs >"$tmp/dpkg-i.log" 2>&1
rc=$?
status 0 $rc "dpkg -i of the packages"
[ $rc -eq 0 ] || { show "$tmp/dpkg-i.log"; exit 1; }
diff -r "$tmp/pam.d.before" /etc/pam.d >"$tmp/pamd.diff" 2>&1 ||
	{ fail "installing the packages changed /etc/pam.d"; show "$tmp/pamd.diff"; }
for u in iamd iam-policyd; do
	[ ! -e "/etc/systemd/system/multi-user.target.wants/$u.service" ] ||
		fail "$u.service was enabled at install"
done
getent passwd iam-policyd >/dev/null || fail "no system user iam-policyd after install"

# The endpoint and the host, with the packaged programs.
mkdir -p "$tmp/inst/policyd" "$tmp/inst/iamctl"
ln -s /usr/sbin/iam-policyd "$tmp/inst/policyd/iam-policyd"
ln -s /usr/bin/iamctl "$tmp/inst/iamctl/iamctl"
endpoint_init "$tmp/inst" "$tmp" || exit 99
endpoint_start "$tmp/inst" "$tmp" || exit 99
endpoint_ctl user add alice --password-stdin <<EOF
alice-Secret-42
EOF
endpoint_ctl group add pk_staff
endpoint_ctl group add-member pk_staff alice
endpoint_ctl host enroll web1 --output /etc/iam/host.credential
endpoint_ctl host allow web1 --group pk_staff
cat >/etc/iam/iam.conf <<CONF
endpoint = $IAM_ENDPOINT
ca_file = $tmp/state/tls.crt
snapshot_pubkey = $(cat "$tmp/state/signing.pub")
connect_timeout = 1s
timeout = 3s
CONF
/usr/sbin/iamd --once --stderr >"$tmp/iamd.log" 2>&1
status 0 $? "the packaged iamd --once"
[ -s /var/lib/iam/nss.cache ] || { fail "no cache in /var/lib/iam"; show "$tmp/iamd.log"; }

pam-auth-update --enable iam >"$tmp/pau.out" 2>&1
status 0 $? "pam-auth-update --enable iam"
has /etc/pam.d/common-auth '^auth[[:space:]].*pam_iam\.so' "common-auth has pam_iam"

sed -E 's/^(passwd|group):.*/\1: files iam/' /etc/nsswitch.conf >"$tmp/nsswitch.conf"
mount --bind "$tmp/nsswitch.conf" /etc/nsswitch.conf || exit 99
getent passwd alice >"$tmp/getent.out" 2>&1
status 0 $? "getent passwd alice through the packaged libnss_iam"
getent group pk_staff >"$tmp/getent.out" 2>&1
has "$tmp/getent.out" '^pk_staff:.*:alice$' "getent group pk_staff"
umount /etc/nsswitch.conf

# a local user, put back as it was before the end
for f in passwd group shadow; do cp -p "/etc/$f" "$tmp/$f.saved"; done
printf 'pklocal:x:4712:4712::/tmp:/bin/sh\n' >>/etc/passwd
printf 'pklocal:x:4712:\n' >>/etc/group
printf 'pklocal:%s:19000:0:99999:7:::\n' "$(openssl passwd -6 'local-Pa55')" >>/etc/shadow
printf '@include common-auth\n@include common-account\n@include common-session\n' \
	>/etc/pam.d/iam-pkgtest
pt() { # USER PASSWORD: pamtester's status through the common-* files
	printf '%s\n' "$2" | timeout 60 pamtester iam-pkgtest "$1" authenticate acct_mgmt \
		open_session close_session >"$tmp/pt.out" 2>&1
}
pt alice alice-Secret-42
rc=$?
status 0 $rc "a directory user logs in through the packaged pam_iam"
[ $rc -eq 0 ] || show "$tmp/pt.out"
pt alice wrong-password
[ $? -ne 0 ] || fail "a wrong password for a directory user was accepted"
pt pklocal local-Pa55
rc=$?
status 0 $rc "a local user logs in through pam_unix"
[ $rc -eq 0 ] || show "$tmp/pt.out"
"$tmp/inst/iamctl/iamctl" --json audit tail -n 50 >"$tmp/audit.json" 2>&1
has "$tmp/audit.json" '"session\.open"' "the session reached the endpoint's audit log"
rm /etc/pam.d/iam-pkgtest
for f in passwd group shadow; do cp -p "$tmp/$f.saved" "/etc/$f"; done
endpoint_stop

# --- 4. Purge ------------------------------------------------------------------------------
# shellcheck disable=SC2086
timeout 300 dpkg --purge $packages >"$tmp/purge.log" 2>&1
rc=$?
status 0 $rc "dpkg --purge of the packages"
[ $rc -eq 0 ] || show "$tmp/purge.log"
for p in $packages; do
	dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx 'not-installed' ||
		[ -z "$(dpkg-query -W "$p" 2>/dev/null)" ] || fail "$p is still known to dpkg after purge"
done
ldconfig -p | grep -q libnss_iam && fail "libnss_iam is still in ld.so.cache"

# What the packages leave: nothing. The upper layers may hold only
#   /var/lib/dpkg, /var/log        dpkg's records (checked above) and logs;
#   /var/cache/man, /var/cache/debconf   man-db's index and debconf's cache;
#   /etc/ld.so.cache, /var/cache/ldconfig   rebuilt by libc's trigger
#                                  (checked above);
#   /etc/{passwd,group,shadow,gshadow}-   the user tools' backups: the live
#                                  files themselves must be as they were;
#   /var/lib/pam                   pam-auth-update's record of what it saw;
#   /var/lib/systemd/deb-systemd-helper-*   empty directories.
allowed() {
	case $1 in
	/var/lib/dpkg/* | /var/log/* | /var/cache/man/* | /var/cache/debconf/*) return 0 ;;
	/etc/ld.so.cache | /var/cache/ldconfig/aux-cache) return 0 ;;
	/etc/passwd- | /etc/group- | /etc/shadow- | /etc/gshadow-) return 0 ;;
	/var/lib/pam/*) return 0 ;;
	esac
	return 1
}
(cd "$tmp/up" && find . -mindepth 2 | sed 's/^\.//' | sort) >"$tmp/changed"
: >"$tmp/left"
while IFS= read -r p; do
	up=$tmp/up$p
	low=$tmp/lower$p
	allowed "$p" && continue
	if [ -c "$up" ] && [ "$(stat -c %t:%T "$up")" = 0:0 ]; then
		case " $hidden " in *" $p "*) continue ;; esac
		echo "deleted: $p" >>"$tmp/left"
	elif [ -d "$up" ] && [ ! -L "$up" ]; then
		[ -d "$low" ] || case $p in
			/var/lib/systemd/deb-systemd-helper-*) [ -z "$(ls -A "$up")" ] ||
				echo "left: $p/" >>"$tmp/left" ;;
			*) echo "left: $p/" >>"$tmp/left" ;;
			esac
	elif [ ! -e "$low" ] && [ ! -L "$low" ]; then
		echo "left: $p" >>"$tmp/left"
	elif [ -L "$up" ] || [ -L "$low" ]; then
		[ "$(readlink "$up")" = "$(readlink "$low")" ] || echo "changed: $p" >>"$tmp/left"
	elif ! cmp -s "$up" "$low"; then
		echo "changed: $p" >>"$tmp/left"
	fi
done <"$tmp/changed"
[ ! -s "$tmp/left" ] || { fail "the root differs after purge:"; show "$tmp/left"; }

[ "$failures" -eq 0 ] && echo PASS && exit 0
echo "$failures failure(s)"
exit 1
