#!/bin/sh
# The sealed-secret format against its documentation: common/seal.h
# describes iam-seal-v1; seal_check.py implements that description alone
# with python3-cryptography. A secret sealed by the code opens there and
# one sealed there opens with the code, under the same context only.
set -u
[ -n "${IAM_BUILDDIR:-}" ] || { echo "run me from make check"; exit 99; }
. "$IAM_SRCDIR/tests/check.sh"
tool=$IAM_BUILDDIR/tests/vault/seal_tool
py=$IAM_SRCDIR/tests/vault/seal_check.py
[ -x "$tool" ] || { echo "SKIP: seal_tool was not built (cmocka missing?)"; exit 77; }
/usr/bin/python3 -c 'import cryptography' 2>/dev/null ||
	{ echo "SKIP: python3-cryptography is missing"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
ctx='host=web1 account=root version=7'
secret='Zq8!xT4#pW2@vN6$ kL0%'

pub=$("$tool" keygen "$tmp/vault.key") || { echo "ERROR: keygen"; exit 99; }
printf '%s\n' "$secret" | "$tool" seal "$pub" "$ctx" >"$tmp/c-sealed" || { echo "ERROR: seal"; exit 99; }
out=$(/usr/bin/python3 "$py" unseal "$tmp/vault.key" "$ctx" <"$tmp/c-sealed" 2>"$tmp/py.err")
[ "$out" = "$secret" ] || { fail "sealed by the code, not opened by the description"; show "$tmp/py.err"; }
/usr/bin/python3 "$py" unseal "$tmp/vault.key" "$ctx-x" <"$tmp/c-sealed" >/dev/null 2>&1 &&
	fail "the description opened it under another context"

printf '%s\n' "$secret" | /usr/bin/python3 "$py" seal "$pub" "$ctx" >"$tmp/py-sealed" ||
	{ echo "ERROR: python seal"; exit 99; }
out=$("$tool" unseal "$tmp/vault.key" "$ctx" <"$tmp/py-sealed" 2>"$tmp/c.err")
[ "$out" = "$secret" ] || { fail "sealed by the description, not opened by the code"; show "$tmp/c.err"; }
"$tool" unseal "$tmp/vault.key" "$ctx-x" <"$tmp/py-sealed" >/dev/null 2>"$tmp/c.err" &&
	fail "the code opened it under another context"
has "$tmp/c.err" 'does not open' "the refusal says why"

[ "$failures" -eq 0 ] && echo PASS && exit 0
echo "$failures failure(s)"
exit 1
