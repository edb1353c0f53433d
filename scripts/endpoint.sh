# A private iam-policyd on loopback for the tests, the benchmarks and their
# hosts: state, log and port file in one directory, and the environment
# iamctl reads to talk to it as the administrator. Sourced.
#
#   endpoint_init BUILD DIR [--init options]   iam-policyd --init DIR/state
#                                               (cheap KDF unless given)
#   endpoint_start BUILD DIR                    starts it, DIR/policyd.log;
#                                               sets endpoint_pid and
#                                               endpoint_port, exports IAM_*
#   endpoint_stop                               stops it (once)
#   endpoint_ctl ARGS...                        iamctl ARGS as the administrator;
#                                               on failure says what it printed
#                                               and exits 99 (a set-up step)

endpoint_init() {
	local build=$1 dir=$2
	shift 2
	[ $# -gt 0 ] || set -- --kdf-log2-n 10
	"$build/policyd/iam-policyd" --init "$dir/state" --listen 127.0.0.1:0 "$@" >/dev/null
}

endpoint_start() {
	local build=$1 dir=$2
	rm -f "$dir/port"
	"$build/policyd/iam-policyd" --state "$dir/state" --stderr --ready-file "$dir/port" \
		2>>"$dir/policyd.log" &
	endpoint_pid=$!
	for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.1; done
	[ -s "$dir/port" ] || { cat "$dir/policyd.log"; return 1; }
	endpoint_port=$(cat "$dir/port")
	endpoint_build=$build
	export IAM_ENDPOINT="https://127.0.0.1:$endpoint_port" IAM_CA_FILE=$dir/state/tls.crt
	export IAM_ADMIN_TOKEN_FILE=$dir/state/admin.token IAMCTL_TOKEN_DIR=$dir/sessions
	unset IAM_USER IAMCTL_CONFIG
}

# pid_max is small: a pid is killed once and then forgotten.
endpoint_stop() {
	[ -n "${endpoint_pid:-}" ] || return 0
	kill "$endpoint_pid" 2>/dev/null
	wait "$endpoint_pid" 2>/dev/null
	endpoint_pid=''
}

endpoint_ctl() {
	local out
	out=$("$endpoint_build/iamctl/iamctl" "$@" 2>&1) && return 0
	echo "ERROR: iamctl $*"
	printf '%s\n' "$out" | sed 's/^/  | /'
	exit 99
}
