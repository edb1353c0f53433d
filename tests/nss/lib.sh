# Shared by the NSS shell tests. Sourced.
[ -n "${IAM_SRCDIR:-}" ] && [ -n "${IAM_BUILDDIR:-}" ] || { echo "run me from make check"; exit 99; }
[ "$(id -u)" -eq 0 ] || { echo "needs root (the module trusts only root-owned files)"; exit 77; }
mkcache=$IAM_BUILDDIR/tests/nss/mkcache
spec=$IAM_SRCDIR/tests/nss/spec.txt
failures=0

# expect DESCRIPTION EXPECTED ACTUAL
expect() {
	if [ "$2" = "$3" ]; then
		echo "ok: $1"
	else
		echo "FAIL: $1"
		echo "  expected: $2"
		echo "  got:      $3"
		failures=$((failures + 1))
	fi
}

finish() {
	[ "$failures" -eq 0 ] && echo PASS && exit 0
	echo "$failures failure(s)"
	exit 1
}
