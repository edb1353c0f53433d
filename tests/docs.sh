#!/bin/sh
# The documentation matches the code: every configuration key of
# iam-policyd (policyd/pconfig.c) and of the host side (common/host_config.c)
# is documented in its man page and listed in its example file, every long
# option of iam-policyd (policyd/main.c) is in the OPTIONS of iam-policyd(8),
# every argument of pam_iam and pam_jit is in the OPTIONS of its page, and
# nothing is documented that the code does not have.
# Run by `make check` in tests/ with IAM_SRCDIR pointing at the source tree.
# Exit 0: all match; 1: mismatches (each one named); 99: cannot check.
set -u
LC_ALL=C
export LC_ALL

if [ -z "${IAM_SRCDIR:-}" ]; then
	echo "ERROR: IAM_SRCDIR is not set (run this through make check)"
	exit 99
fi
src=$IAM_SRCDIR
failures=0

need_file() {
	[ -f "$1" ] || { echo "ERROR: $1 is missing"; exit 99; }
}

# Names of a struct iam_cfg_key array: the lines between "NAME[] = {" and
# "};" that start with KEY("key", or { "key", (the hand-written entries).
schema_keys() { # FILE ARRAY
	sed -n "/$2\[\] = {/,/^};/p" "$1" |
		sed -n -e 's/^[[:space:]]*[A-Z]*("\([a-z0-9_]*\)".*/\1/p' \
			-e 's/^[[:space:]]*{[[:space:]]*"\([a-z0-9_]*\)".*/\1/p' |
		sort -u
}

# Long options of a getopt_long table: { "name", ... } up to the NULL entry.
long_options() { # FILE
	sed -n '/longopts\[\] = {/,/^[[:space:]]*};/p' "$1" |
		sed -n 's/^[[:space:]]*{[[:space:]]*"\([a-z0-9-]*\)".*/\1/p' |
		sort -u
}

# The tags (the line after .TP or .TQ) of one .SH section of a man page,
# with roff's escaped hyphens \- turned into plain ones.
section_tags() { # PAGE SECTION
	awk -v want="$2" '
		/^\.SH/ {
			name = $0
			sub(/^\.SH[ \t]*/, "", name)
			gsub(/"/, "", name)
			in_section = (name == want)
			tag_next = 0
			next
		}
		!in_section { next }
		tag_next { gsub(/\\-/, "-"); print; tag_next = 0; next }
		/^\.T[PQ]([ \t]|$)/ { tag_next = 1 }
	' "$1"
}

# The key a tag names: its first word, written as .B key, .BI "key = " X,
# .BR key ... or \fBkey\fR.
tag_keys() {
	sed -e 's/^\.[BIR]*[[:space:]]*//' -e 's/^"//' -e 's/^\\f[BIR]//' |
		sed -n 's/^\([a-z][a-z0-9_]*\).*/\1/p' | sort -u
}

# Every --option a tag names.
tag_options() {
	awk '{
		while (match($0, /--[a-z0-9][a-z0-9-]*/)) {
			print substr($0, RSTART + 2, RLENGTH - 2)
			$0 = substr($0, RSTART + RLENGTH)
		}
	}' | sort -u
}

# Keys that an example file lists, set or commented out: "#key = ...".
example_keys() { # FILE
	sed -n 's/^#\{0,1\}\([a-z][a-z0-9_]*\)[[:space:]]*=.*/\1/p' "$1" | sort -u
}

# Reports every line of $2 missing from $3 (both sorted), as "$1: NAME".
report_missing() { # MESSAGE EXPECTED ACTUAL
	missing=$(printf '%s\n' "$2" | comm -23 - "$3")
	for name in $missing; do
		echo "FAIL: $1: $name"
		failures=$((failures + 1))
	done
}

# Both directions between the names the code has and those a document has.
compare() { # WHAT CODE_NAMES DOC_NAMES DOCUMENT
	if [ -z "$2" ]; then
		echo "ERROR: found no $1 in the code; did its layout change?"
		exit 99
	fi
	printf '%s\n' "$3" >"$tmp/doc"
	printf '%s\n' "$2" >"$tmp/code"
	report_missing "$1 not documented in $4" "$2" "$tmp/doc"
	report_missing "$1 documented in $4 but not in the code" "$3" "$tmp/code"
}

pconfig=$src/policyd/pconfig.c
host_config=$src/common/host_config.c
main_c=$src/policyd/main.c
policyd_man=$src/doc/man/iam-policyd.8
conf_man=$src/doc/man/iam.conf.5
policyd_example=$src/examples/iam-policyd.conf
conf_example=$src/examples/iam.conf
for f in "$pconfig" "$host_config" "$main_c" "$policyd_man" "$conf_man" \
	"$policyd_example" "$conf_example"; do
	need_file "$f"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/iam-docs.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 99' INT TERM

policyd_keys=$(schema_keys "$pconfig" pconfig_schema)
host_keys=$(schema_keys "$host_config" iam_host_config_schema)
options=$(long_options "$main_c")

compare "iam-policyd key" "$policyd_keys" \
	"$(section_tags "$policyd_man" CONFIGURATION | tag_keys)" \
	"the CONFIGURATION of doc/man/iam-policyd.8"
compare "iam-policyd key" "$policyd_keys" "$(example_keys "$policyd_example")" \
	"examples/iam-policyd.conf"
compare "iam.conf key" "$host_keys" \
	"$(section_tags "$conf_man" KEYS | tag_keys)" \
	"the KEYS of doc/man/iam.conf.5"
compare "iam.conf key" "$host_keys" "$(example_keys "$conf_example")" \
	"examples/iam.conf"
compare "iam-policyd long option" "$options" \
	"$(section_tags "$policyd_man" OPTIONS | tag_options)" \
	"the OPTIONS of doc/man/iam-policyd.8"

# The PAM modules' own arguments (their schemas, config= of every module,
# pam_jit's role=) against the OPTIONS of their pages, both ways; the pages
# also list iam.conf keys (debug) and the generic "key=value", which are
# not module arguments.
common_args=$(schema_keys "$src/pamcommon/pi.c" config_arg)
module_args() { # PAGE
	section_tags "$1" OPTIONS | tag_keys | grep -vx key |
		comm -23 - "$tmp/host_keys"
}
printf '%s\n' "$host_keys" >"$tmp/host_keys"
iam_args=$(printf '%s\n' "$common_args" "$(schema_keys "$src/pam_iam/pam_iam.c" iam_args)" | sort -u)
jit_args=$(printf '%s\n' "$common_args" role "$(schema_keys "$src/pam_jit/pam_jit.c" pj_args_schema)" |
	sort -u)
grep -q '"role="' "$src/pam_jit/pam_jit.c" || { echo "ERROR: pam_jit's role= moved"; exit 99; }
compare "pam_iam argument" "$iam_args" "$(module_args "$src/doc/man/pam_iam.8")" \
	"the OPTIONS of doc/man/pam_iam.8"
compare "pam_jit argument" "$jit_args" "$(module_args "$src/doc/man/pam_jit.8")" \
	"the OPTIONS of doc/man/pam_jit.8"

if [ "$failures" -ne 0 ]; then
	echo "$failures mismatch(es) between code and documentation"
	exit 1
fi
echo "ok: $(printf '%s\n' "$policyd_keys" | wc -l) iam-policyd keys," \
	"$(printf '%s\n' "$host_keys" | wc -l) iam.conf keys," \
	"$(printf '%s\n' "$options" | wc -l) options," \
	"$(printf '%s\n' "$iam_args" | wc -l) pam_iam and $(printf '%s\n' "$jit_args" | wc -l) pam_jit arguments documented"
exit 0
