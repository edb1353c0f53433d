# A test that needs root and a private mount namespace (overlays of /etc,
# a tmpfs /run) so that the machine's own files are never written. Sourced.
#
#   privns_enter TOOL...   runs the calling test again, as it is, in a private
#                          mount namespace; SKIP (77) without root, one of
#                          the tools, or namespaces. Returns in the namespace.
#   privns_tmp NAME        $tmp: a scratch directory on a tmpfs of its own

privns_enter() {
	[ -z "${IAM_PRIVNS:-}" ] || return 0
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
	for t in unshare "$@"; do
		command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is missing"; exit 77; }
	done
	unshare -m --propagation private true 2>/dev/null || { echo "SKIP: no private mount namespace"; exit 77; }
	IAM_PRIVNS=1 exec unshare -m --propagation private sh "$0"
	exit 99
}

privns_tmp() {
	umask 022
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/iam-$1.XXXXXX") || exit 99
	mount -t tmpfs -o mode=0755 tmpfs "$tmp" || exit 99
}
