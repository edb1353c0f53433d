#!/bin/sh
# Copies the fault matrix of the last `make check TESTS=faults/faults.sh`
# in BUILDDIR into doc/faults.md, under a header that says so.
#   tests/faults/update-doc.sh BUILDDIR
set -u
[ $# -eq 1 ] || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
src=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
matrix=$1/tests/faults/matrix.md
[ -s "$matrix" ] || { echo "$0: no $matrix; run make -C $1/tests check TESTS=faults/faults.sh" >&2; exit 1; }
out=$src/doc/faults.md
{
	cat "$src/tests/faults/doc-header.md"
	echo
	cat "$matrix"
} >"$out.tmp" && mv "$out.tmp" "$out" || exit 1
echo "wrote $out"
