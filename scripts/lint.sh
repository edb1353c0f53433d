#!/bin/sh
# Static analysis the project keeps quiet: cppcheck and clang-tidy (with
# .clang-tidy) over every C file of ours. Needs a configured build for
# config.h: scripts/lint.sh BUILDDIR. Exits non-zero on any finding.
set -eu
. "$(dirname "$0")/lib.sh"
build=${1:-$iam_top/build}
[ -f "$build/config.h" ] || die "configure $build first (it provides config.h)"
cd "$iam_top"
files=$(ls common/*.c nss_iam/*.c pamcommon/*.c pam_iam/*.c pam_jit/*.c iamd/*.c policyd/*.c iamctl/*.c tests/api/*.c \
	tests/*.c tests/nss/*.c tests/pam/*.c tests/faults/*.c tests/durability/*.c bench/sudo/*.c)
incs="-I$build -Icommon -Inss_iam -Ipamcommon -Ipam_iam -Ipam_jit -Iiamd -Ipolicyd -Iiamctl -Itests/api -Itests/pam"

out=$(cppcheck --enable=warning,style,performance,portability --std=c11 --quiet \
	--inline-suppr --suppress=missingIncludeSystem --suppress=variableScope \
	--library=scripts/cppcheck-jsonc.cfg $incs $files 2>&1) || true
[ -z "$out" ] || { echo "$out"; die "cppcheck has findings"; }

out=$(clang-tidy --quiet $files -- $incs $(pkg-config --cflags json-c libcurl) \
	-DIAM_SYSCONFDIR='"/etc"' -DIAM_LOCALSTATEDIR='"/var"' -DIAM_EXAMPLEDIR='"/usr/share/doc/iam/examples"' \
	-DIAM_TEST_BUILDDIR='""' -DIAM_TEST_TOP_BUILDDIR='""' -DIAM_FAKETIME_LIB='""' 2>&1 | grep -E 'warning:|error:') || true
[ -z "$out" ] || { echo "$out"; die "clang-tidy has findings"; }
echo "cppcheck and clang-tidy: no findings"
