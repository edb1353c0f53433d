# What the shell tests assert with. Sourced; counts failures in $failures.
#   fail WHAT                    a failure, said and counted
#   show FILE...                 FILE indented, after a failure
#   has FILE REGEX WHAT          FILE has a line matching the extended regex
#   lacks FILE REGEX WHAT        ... and no line matching it
#   status WANT GOT WHAT         an exit status
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
show() { sed 's/^/  | /' "$@"; }
has() {
	grep -Eq -- "$2" "$1" && return 0
	fail "$3: no line matching '$2' in $(basename "$1")"
	show "$1"
}
lacks() {
	grep -Eq -- "$2" "$1" || return 0
	fail "$3: a line matches '$2' in $(basename "$1")"
	show "$1"
}
status() {
	[ "$2" -eq "$1" ] || fail "$3: exit status $2, expected $1"
}
