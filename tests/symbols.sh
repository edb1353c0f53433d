#!/bin/sh
# Symbol hygiene (DESIGN.md rule 7): each shared object exports exactly its
# entry points (nm -D against the list below), loads with dlopen(RTLD_NOW)
# (every symbol it needs resolves at load time, as in sshd and sudo), keeps
# the copies of common/, curl, json-c and OpenSSL calls it carries to
# itself, and the PAM modules are marked NODELETE (libcurl and OpenSSL must
# not be unloaded from a running sshd). The real sshd and sudo loading them
# are tests/pam/sshd.sh and tests/pam/sudo.sh.
set -u
[ -n "${IAM_BUILDDIR:-}" ] || { echo "run me from make check"; exit 99; }
B=$IAM_BUILDDIR
check=$B/tests/dlopen_check
[ -x "$check" ] || { echo "dlopen_check was not built (cmocka missing?)"; exit 77; }
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

pam_iam="pam_sm_acct_mgmt pam_sm_authenticate pam_sm_chauthtok pam_sm_close_session pam_sm_open_session pam_sm_setcred"
pam_jit="pam_sm_acct_mgmt pam_sm_authenticate pam_sm_close_session pam_sm_open_session pam_sm_setcred"
nss="_nss_iam_endgrent _nss_iam_endpwent _nss_iam_getgrent_r _nss_iam_getgrgid_r _nss_iam_getgrnam_r
 _nss_iam_getpwent_r _nss_iam_getpwnam_r _nss_iam_getpwuid_r _nss_iam_initgroups_dyn
 _nss_iam_setgrent _nss_iam_setpwent"
# names that live in common/ and pamcommon/: none may leave a module
hidden="iam_cache_map iam_cfg_load iam_host_config_load iam_api_new iam_http_request iam_json_map
 iam_sign iam_verify pi_open pi_log_kv iam_spool_put iam_login_record_find"

exports() { # the defined dynamic symbols of SO, sorted, one per line
	nm -D --defined-only "$1" | awk '$2 != "A" { print $3 }' | sort
}
words() { printf '%s\n' $1 | sort; }

for entry in "pam_iam/.libs/pam_iam.so:$pam_iam" "pam_jit/.libs/pam_jit.so:$pam_jit" \
	"nss_iam/.libs/libnss_iam.so.2:$nss"; do
	so=$B/${entry%%:*}
	want=${entry#*:}
	[ -f "$so" ] || { echo "missing $so"; exit 99; }
	got=$(exports "$so")
	[ "$got" = "$(words "$want")" ] || fail "$(basename "$so") exports $(echo $got), want $(echo $want)"
	out=$("$check" "$so" $want -- $hidden) || fail "$(basename "$so"): $out"
	echo "ok: $(basename "$so"): exports exactly $(echo "$want" | wc -w) entry points, loads with RTLD_NOW"
done
for so in pam_iam/.libs/pam_iam.so pam_jit/.libs/pam_jit.so; do
	readelf -d "$B/$so" | grep -q 'Flags:.*NODELETE' || fail "$so is not marked NODELETE"
done
[ "$failures" -eq 0 ] && echo PASS && exit 0
exit 1
