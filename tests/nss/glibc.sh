#!/bin/sh
# The installed-style module under glibc itself, in a private mount
# namespace: a private nsswitch.conf ("passwd: files iam", "group: files
# iam"), /etc/iam/iam.conf and an ld.so.cache that lists the module, laid
# over /etc with a read-only overlay. The host's files are untouched.
set -u
. "$IAM_SRCDIR/tests/nss/lib.sh"
command -v unshare >/dev/null || { echo "unshare is missing"; exit 99; }
host_files=$(md5sum /etc/nsswitch.conf /etc/ld.so.cache /etc/passwd /etc/group)
T=$(mktemp -d /tmp/iam-nss-glibc.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/lib" "$T/etc/iam"
cp "$IAM_BUILDDIR/nss_iam/.libs/libnss_iam.so.2" "$T/lib/"
sed -E 's/^(passwd|group):.*/\1: files iam/' /etc/nsswitch.conf >"$T/etc/nsswitch.conf"
grep -q '^passwd: files iam' "$T/etc/nsswitch.conf" || printf 'passwd: files iam\ngroup: files iam\n' >>"$T/etc/nsswitch.conf"
printf 'cache_path = %s/nss.cache\nid_min = 200000\nid_max = 499999\n' "$T" >"$T/etc/iam/iam.conf"
printf 'include /etc/ld.so.conf.d/*.conf\n%s/lib\n' "$T" >"$T/ld.so.conf"
ldconfig -X -C "$T/etc/ld.so.cache" -f "$T/ld.so.conf"
# A sanitizer build of the module needs the ASan runtime loaded first in
# every program of the namespace (getent, id...).
[ -n "${IAM_ASAN_RUNTIME:-}" ] && echo "$IAM_ASAN_RUNTIME" >"$T/etc/ld.so.preload"
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
chmod 0644 "$T/etc/iam/iam.conf" "$T/etc/nsswitch.conf"
"$mkcache" "$T/nss.cache" <"$spec" || exit 99

# in_ns COMMAND...: runs a command with the private files in place.
in_ns() {
	unshare -m --propagation private sh -c '
		mount -t overlay overlay -o lowerdir="$0"/etc:/etc /etc || exit 98
		shift 0; exec "$@"' "$T" "$@"
}

expect "getent passwd alice" "alice:x:200001:200001::/home/alice:/bin/sh" "$(in_ns getent passwd alice)"
expect "getent passwd by uid" "carol:x:200003:200003::/home/carol:/bin/sh" "$(in_ns getent passwd 200003)"
expect "getent group by gid" "developers:x:300001:alice,bob" "$(in_ns getent group 300001)"
expect "getent group ops (bob's JIT membership ended)" "ops:x:300002:alice" "$(in_ns getent group ops)"
expect "getent initgroups alice (glibc calls initgroups_dyn)" \
	"alice                 300001 300002" "$(in_ns getent initgroups alice)"
expect "id alice" "uid=200001(alice) gid=200001(alice) groups=200001(alice),300001(developers),300002(ops)" \
	"$(in_ns id alice)"
expect "id bob" "uid=200002(bob) gid=200002(bob) groups=200002(bob),300001(developers)" "$(in_ns id bob)"
expect "root stays root" "uid=0(root) gid=0(root) groups=0(root)" "$(in_ns id root)"
expect "a directory 'root' is never answered" "" "$(in_ns getent passwd 200100)"
expect "a directory 'sudo' group changes nothing" "$(getent group sudo)" "$(in_ns getent group sudo)"
expect "ids below the range never appear" "" "$(in_ns getent passwd lowuid)"
expect "enumeration lists the directory after the files" "alice bob carol" \
	"$(in_ns getent passwd | cut -d: -f1 | grep -E '^(alice|bob|carol|root|daemon|lowuid)$' | grep -v -E '^(root|daemon)$' | tr '\n' ' ' | sed 's/ $//')"
expect "files own uid 0 in enumeration" "root" "$(in_ns getent passwd | awk -F: '$3 == 0 {print $1}')"
expect "ls -n style owner lookup" "alice" "$(in_ns sh -c 'touch '"$T"'/f && chown 200001 '"$T"'/f && stat -c %U '"$T"'/f')"
rm -f "$T/nss.cache"
expect "no cache: directory users are unknown" "" "$(in_ns getent passwd alice)"
expect "no cache: root still resolves" "root:x:0:0:root:/root:/bin/bash" "$(in_ns getent passwd root)"
expect "the host's own files were never touched" "$host_files" \
	"$(md5sum /etc/nsswitch.conf /etc/ld.so.cache /etc/passwd /etc/group)"
expect "the host itself does not know alice" "" "$(getent passwd alice)"
finish
