#!/bin/sh
# The NSS contract test (test_nss.c: 16 threads looking up while the cache
# is replaced 100 times, forks among running lookups) built and run under
# ThreadSanitizer: any data race or lock misuse in the module fails it.
set -eu
[ -n "${IAM_SRCDIR:-}" ] && [ -n "${IAM_BUILDDIR:-}" ] || { echo "run me from make check"; exit 99; }
[ "$(id -u)" -eq 0 ] || { echo "needs root (the module trusts only root-owned files)"; exit 77; }
s=$IAM_SRCDIR
b=$IAM_BUILDDIR
out=$b/tests/nss/tsan
env=$b/tests/nss-env-tsan
mkdir -p "$out"
cc=${IAM_CC:-cc}
flags="-fsanitize=thread -g -O1 -fPIC -I$b -I$s/common -I$s/nss_iam"
core="$s/common/cache_read.c $s/common/host_config.c $s/common/conf.c $s/common/parse.c
 $s/common/safe_file.c $s/common/secmem.c $s/common/iam_error.c $s/common/names.c"
# shellcheck disable=SC2086
$cc $flags -shared -o "$out/libnss_iamtest.so.2" "$s/nss_iam/nss_iam.c" "$s/nss_iam/nss_state.c" \
	"$s/nss_iam/nss_fill.c" $core -DIAM_SYSCONFDIR='"/etc"' -DIAM_LOCALSTATEDIR='"/var"' \
	-DIAM_NSS_CONFIG="\"$env/iam.conf\"" -DIAM_NSS_PASSWD="\"$env/passwd\"" \
	-DIAM_NSS_GROUP="\"$env/group\"" -Wl,--version-script="$s/nss_iam/nss_iam.sym" -lz -lpthread
# its own environment directory: the plain test may run at the same time
sed -e "s|IAM_TEST_BUILDDIR \"/nss/.libs/libnss_iamtest.so.2\"|\"$out/libnss_iamtest.so.2\"|" \
	-e "s|#define ENV IAM_TEST_BUILDDIR \"/nss-env\"|#define ENV \"$env\"|" \
	"$s/tests/nss/test_nss.c" >"$out/test_nss.c"
grep -q "define ENV \"$env\"" "$out/test_nss.c" || { echo "test_nss.c changed shape"; exit 99; }
# shellcheck disable=SC2086
$cc $flags -DIAM_TEST_BUILDDIR="\"$b/tests\"" -o "$out/test_nss" "$out/test_nss.c" \
	"$s/common/cache_read.c" "$s/common/cache_write.c" "$s/common/safe_file.c" \
	"$s/common/secmem.c" "$s/common/iam_error.c" "$s/common/names.c" -lcmocka -lz -ldl -lpthread
cd "$b/tests"
TSAN_OPTIONS="halt_on_error=1 exitcode=66" "$out/test_nss"
