#!/bin/sh
# valgrind memcheck over the in-process tests of the modules: pam/test_jit
# and pam/test_pam load pam_jit.so and pam_iam.so through libpam against a
# real iam-policyd (which runs outside valgrind); nss/test_nss loads
# libnss_iam with dlopen and calls it as glibc does, threads and forks
# included. Asserted: no invalid access, no use of uninitialised memory,
# no definite or indirect leak. Reachable blocks at exit (OpenSSL's and
# libcurl's global state, libpam's dlopen handles kept by -z nodelete) are
# not leaks and are not reported. No suppressions are needed.
# --fair-sched=yes: valgrind runs one thread at a time, and its default
# hand-over lets test_nss's sixteen looping reader threads starve the
# thread that replaces the cache (the test then took 12 minutes instead
# of one). Skipped in a sanitizer build (valgrind and ASan exclude each
# other); the sanitizer run covers that build.
set -u
[ -n "${IAM_BUILDDIR:-}" ] || { echo "run me from make check"; exit 99; }
[ -z "${IAM_ASAN_RUNTIME:-}" ] || { echo "sanitizer build: valgrind cannot run it"; exit 77; }
command -v valgrind >/dev/null || { echo "valgrind is missing"; exit 99; }
cd "$IAM_BUILDDIR/tests" || exit 99
failures=0
for t in pam/test_jit pam/test_pam nss/test_nss; do
	[ -x "$t" ] || { echo "missing $t (cmocka?)"; exit 77; }
	log=$(mktemp /tmp/iam-valgrind.XXXXXX)
	if valgrind -q --fair-sched=yes --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --track-origins=yes --keep-debuginfo=yes \
		--log-file="$log" "./$t" >"$log.out" 2>&1; then
		echo "ok: $t under valgrind memcheck: no errors, no leaks"
	else
		echo "FAIL: $t under valgrind (exit $?)"
		tail -n 40 "$log.out"
		cat "$log"
		failures=$((failures + 1))
	fi
	rm -f "$log" "$log.out"
done
[ "$failures" -eq 0 ] && echo PASS && exit 0
exit 1
