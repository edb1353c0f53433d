#!/bin/sh
# The module under nss_wrapper (NSS_WRAPPER_MODULE_SO_PATH): getent and id
# resolve directory users and groups through it, after the wrapper's own
# passwd and group files, as with "passwd: files iam".
set -u
. "$IAM_SRCDIR/tests/nss/lib.sh"
env_dir=$IAM_BUILDDIR/tests/nss-env-wrapper
module=$IAM_BUILDDIR/tests/nss/.libs/libnss_iamwrap.so.2
wrapper=$(ls /usr/lib/*/libnss_wrapper.so 2>/dev/null | head -n 1)
[ -n "$wrapper" ] || { echo "nss_wrapper is missing (Debian package libnss-wrapper)"; exit 99; }
mkdir -p "$env_dir"
printf 'cache_path = %s/nss.cache\nid_min = 200000\nid_max = 499999\n' "$env_dir" >"$env_dir/iam.conf"
printf 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/:/usr/sbin/nologin\n' >"$env_dir/passwd"
printf 'root:x:0:\nadm:x:4:\nsudo:x:27:\n' >"$env_dir/group"
chmod 0644 "$env_dir"/*
"$mkcache" "$env_dir/nss.cache" <"$spec" || exit 99

# A sanitizer build of the module needs the ASan runtime first.
preload="${IAM_ASAN_RUNTIME:+$IAM_ASAN_RUNTIME }$wrapper"
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
nw() {
	LD_PRELOAD=$preload NSS_WRAPPER_PASSWD=$env_dir/passwd NSS_WRAPPER_GROUP=$env_dir/group \
		NSS_WRAPPER_MODULE_SO_PATH=$module NSS_WRAPPER_MODULE_FN_PREFIX=iam "$@"
}

expect "getent passwd alice" "alice:x:200001:200001::/home/alice:/bin/sh" "$(nw getent passwd alice)"
expect "getent passwd by uid" "carol:x:200003:200003::/home/carol:/bin/sh" "$(nw getent passwd 200003)"
expect "a disabled user resolves with nologin" "bob:x:200002:200002::/home/bob:/usr/sbin/nologin" \
	"$(nw getent passwd bob)"
expect "getent group developers" "developers:x:300001:alice,bob" "$(nw getent group developers)"
expect "a JIT membership only while it lasts" "ops:x:300002:alice" "$(nw getent group ops)"
expect "id alice" "uid=200001(alice) gid=200001(alice) groups=200001(alice),300001(developers),300002(ops)" \
	"$(nw id alice)"
expect "id bob (his ops membership ended)" "uid=200002(bob) gid=200002(bob) groups=200002(bob),300001(developers)" \
	"$(nw id bob)"
expect "the local root is untouched" "root:x:0:0:root:/root:/bin/bash" "$(nw getent passwd root)"
expect "a directory 'root' never appears" "" "$(nw getent passwd 200100)"
expect "a directory 'sudo' never appears" "sudo:x:27:" "$(nw getent group sudo)"
expect "a directory group with a local gid never appears" "adm:x:4:" "$(nw getent group adm)"
expect "ids below the range never appear" "" "$(nw getent passwd lowuid)"
expect "enumeration: files first, then the directory in uid order" \
	"root daemon alice bob carol" "$(nw getent passwd | cut -d: -f1 | tr '\n' ' ' | sed 's/ $//')"
rm -f "$env_dir/nss.cache"
expect "no cache: directory users are unknown" "" "$(nw getent passwd alice)"
expect "no cache: local users still resolve" "root:x:0:0:root:/root:/bin/bash" "$(nw getent passwd root)"
finish
