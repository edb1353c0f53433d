#!/bin/sh
# The whole test suite, as CI runs it on a fresh Debian 12 machine:
#   1. build and `make check` (unit tests, API tests against a real
#      iam-policyd, the iamctl script, the docs check, the demo);
#   2. the same suite built with AddressSanitizer and UBSan;
#   3. `make distcheck` (the release tarball builds, installs and passes
#      its quick tests);
#   4. cppcheck and clang-tidy over every C file (scripts/lint.sh);
#   5. every libFuzzer target for 30 s (clang, fuzz/run-fuzzers.sh).
# Each step says how long it took.
# Logs of failed tests are printed; the exit status is non-zero on failure.
set -eu
. "$(dirname "$0")/lib.sh"

jobs=$(nproc)
t0=$(date +%s)
step() { # step TITLE: the previous step's time, then this one's title
	say "$1 (at $(($(date +%s) - t0)) s)"
}
check_timeout=${IAM_CHECK_TIMEOUT:-1800}
check() {
	dir=$1
	shift
	iam_build "$dir" "$@"
	# A hung test must fail the run with its log, not eat CI's whole budget.
	if ! timeout --kill-after=30 "$check_timeout" \
		make -C "$dir" -j"$jobs" check >"$dir/check.log" 2>&1; then
		grep -E '^(PASS|FAIL|XFAIL|XPASS|ERROR|SKIP):' "$dir/check.log" || true
		for log in $(find "$dir/tests" -name '*.log' ! -name test-suite.log); do
			if [ ! -e "${log%.log}.trs" ]; then
				echo "--- $log (did not finish within ${check_timeout}s)"
				tail -n 60 "$log"
			elif grep -qE '^:test-result: (FAIL|ERROR)' "${log%.log}.trs"; then
				echo "--- $log"
				tail -n 60 "$log"
			fi
		done
		die "make check failed in $dir"
	fi
	grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' "$dir/tests/test-suite.log" || true
}

iam_install_packages

step "1/5 Build and run the test suite"
check "$iam_top/build"

step "2/5 The same suite under AddressSanitizer and UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	check "$iam_top/build-asan" --enable-sanitizers

step "3/5 make distcheck"
# the tarball builds, installs, uninstalls and passes the quick tests
# (tests/Makefile.am DISTCHECK_TESTS); the whole suite ran twice above
timeout --kill-after=30 1500 make -C "$iam_top/build" -j"$jobs" distcheck \
	TESTS='$(DISTCHECK_TESTS)' >"$iam_top/build/distcheck.log" 2>&1 ||
	{ tail -n 60 "$iam_top/build/distcheck.log"; die "make distcheck failed"; }
grep -E 'archives ready|is ready for distribution' "$iam_top/build/distcheck.log" || true

step "4/5 Static analysis"
"$iam_top/scripts/lint.sh" "$iam_top/build"

step "5/5 Fuzzing: each libFuzzer target for 30 s"
mkdir -p "$iam_top/build-fuzz"
(cd "$iam_top/build-fuzz" && "$iam_top/configure" CC=clang --enable-fuzzing --prefix=/usr \
	--sysconfdir=/etc --localstatedir=/var) >"$iam_top/build-fuzz/configure.log" 2>&1 ||
	{ tail -n 30 "$iam_top/build-fuzz/configure.log"; die "configure for fuzzing failed"; }
# `make fuzz` builds what the targets need (common/ with coverage), not the tree
make -C "$iam_top/build-fuzz/fuzz" fuzz FUZZ_SECONDS=30 FUZZ_JOBS="$jobs" >"$iam_top/build-fuzz/fuzz.log" 2>&1 ||
	{ tail -n 40 "$iam_top/build-fuzz/fuzz.log"; die "a fuzzer found a crash, a leak or a hang"; }
tail -n 1 "$iam_top/build-fuzz/fuzz.log"

step "All tests passed"
