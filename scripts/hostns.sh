# A host inside a private mount namespace, for the demo and the tests: the
# real sshd with pam_iam and libnss_iam from a build tree, on a loopback
# port, with /etc overlaid by a directory that holds its own nsswitch.conf,
# ld.so.cache, pam.d/sshd, pam.d/sudo and pam.d/sudo-i (from examples/pam.d,
# with pam_iam and pam_jit from the build tree), sudoers, iam/iam.conf and
# local users. The host's own files are never written. Sourced; needs root.
#
#   hostns_setup DIR BUILDDIR SRCDIR IAM_CONF   lays out DIR/etc; pam_jit's
#                                               arguments: $HOSTNS_JIT_ARGS
#   hostns_sudoers DIR < TEXT                   DIR/etc/sudoers, checked
#   hostns_run DIR COMMAND...                   runs COMMAND in the namespace
#   hostns_run_rw DIR COMMAND...                as hostns_run, and what COMMAND
#                                               writes to /etc lands in DIR/etc
#                                               (chpasswd); not while sshd runs
#   hostns_start_sshd DIR                       sshd on a free port:
#                                               sets hostns_port, hostns_sshd_pid;
#                                               adds $HOSTNS_SSHD_EXTRA to sshd_config;
#                                               HOSTNS_IN_PLACE=1: with the caller's /etc;
#                                               HOSTNS_SSHD_PRELOAD: sshd's LD_PRELOAD
#   hostns_login DIR USER PASSWORD CODE CMD     keyboard-interactive login
#   hostns_key_login DIR USER KEYFILE CMD       public-key login

hostns_setup() {
	local dir=$1 build src=$3 conf=$4 e=$1/etc
	build=$(cd "$2" && pwd) || return 1
	mkdir -p "$e/iam" "$e/pam.d" "$dir/lib"
	cp "$conf" "$e/iam/iam.conf"
	chmod 0644 "$e/iam/iam.conf"
	cp "$build/nss_iam/.libs/libnss_iam.so.2" "$dir/lib/"
	sed -E 's/^(passwd|group):.*/\1: files iam/' /etc/nsswitch.conf >"$e/nsswitch.conf"
	printf 'include /etc/ld.so.conf.d/*.conf\n%s/lib\n' "$dir" >"$dir/ld.so.conf"
	ldconfig -X -C "$e/ld.so.cache" -f "$dir/ld.so.conf"
	# a sanitizer build's modules need the ASan runtime first in every program
	# (and libcrypt, whose crypt() ASan intercepts: pam_unix loaded later
	# by su would find no crypt() behind the interceptor)
	[ -z "${IAM_ASAN_RUNTIME:-}" ] || echo "$IAM_ASAN_RUNTIME $(ldconfig -p |
		sed -n 's/.*libcrypt\.so\.1 (libc6,x86-64) => //p' | head -n 1)" >"$e/ld.so.preload"
	cp /etc/passwd /etc/group /etc/shadow "$e/"
	chmod 0640 "$e/shadow"
	# The example's auth, account and password stacks as shipped (pam_iam
	# by its build path); of its session stack pam_unix, pam_iam and
	# pam_mkhomedir (homes on a tmpfs; pam_loginuid and the like need more
	# than a mount namespace gives).
	sed -E -e "s|pam_iam\\.so|$build/pam_iam/.libs/pam_iam.so|" \
		-e '/^session/{/pam_(unix|iam|mkhomedir)/!d}' -e '/pam_nologin/d' \
		"$src/examples/pam.d/sshd" >"$e/pam.d/sshd"
	# sudo's stacks as shipped, with this host's roles for pam_jit
	for f in sudo sudo-i; do
		sed -E -e "s|pam_iam\\.so|$build/pam_iam/.libs/pam_iam.so|" \
			-e "s|pam_jit\\.so role=dbadmin role=sysadmin|$build/pam_jit/.libs/pam_jit.so ${HOSTNS_JIT_ARGS:-role=dbadmin}|" \
			"$src/examples/pam.d/$f" >"$e/pam.d/$f"
	done
}

hostns_sudoers() {
	cat >"$1/etc/sudoers"
	chmod 0440 "$1/etc/sudoers"
	visudo -qcf "$1/etc/sudoers"
}

# hostns_add_local_user DIR NAME UID PASSWORD ('!' for a locked one)
hostns_add_local_user() {
	local e=$1/etc hash='!'
	[ "$4" = '!' ] || hash=$(openssl passwd -6 "$4")
	printf '%s:x:%s:%s::/tmp:/bin/sh\n' "$2" "$3" "$3" >>"$e/passwd"
	printf '%s:x:%s:\n' "$2" "$3" >>"$e/group"
	printf '%s:%s:19000:0:99999:7:::\n' "$2" "$hash" >>"$e/shadow"
}

hostns_run() {
	local dir=$1
	shift
	# a private /run too: sudo keeps its timestamps there
	timeout 60 unshare -m --propagation private sh -c '
		mount -t overlay overlay -o lowerdir="$0"/etc:/etc /etc || exit 98
		mount -t tmpfs -o mode=0755 tmpfs /run || exit 98
		exec "$@"' "$dir" "$@"
}

hostns_run_rw() {
	local dir=$1
	shift
	mkdir -p "$dir/etc.work"
	timeout 60 unshare -m --propagation private sh -c '
		mount -t overlay overlay -o lowerdir=/etc,upperdir="$0"/etc,workdir="$0"/etc.work /etc ||
			exit 98
		mount -t tmpfs -o mode=0755 tmpfs /run || exit 98
		exec "$@"' "$dir" "$@"
}

hostns_start_sshd() {
	local dir=$1 i
	ssh-keygen -q -t ed25519 -N '' -f "$dir/hostkey"
	hostns_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	mkdir -p "$dir/keys"
	cat >"$dir/sshd_config" <<EOS
Port $hostns_port
ListenAddress 127.0.0.1
HostKey $dir/hostkey
PidFile none
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $dir/keys/%u
StrictModes no
MaxAuthTries 4
LogLevel VERBOSE
${HOSTNS_SSHD_EXTRA:-}
EOS
	cat >"$dir/askpass" <<'EOA'
#!/bin/sh
case "$1" in
*"Verification code"*) printf '%s\n' "$ASK_CODE" ;;
*assword*) printf '%s\n' "$ASK_PW" ;;
*) exit 1 ;;
esac
EOA
	chmod 0755 "$dir/askpass"
	local setup='mount -t overlay overlay -o lowerdir="$0"/etc:/etc /etc || exit 98
		mount -t tmpfs -o mode=0755 tmpfs /run && mkdir -m 0755 /run/sshd
		mount -t tmpfs -o mode=0755 tmpfs /home || exit 98'
	# HOSTNS_IN_PLACE: the caller's namespace already has the /etc it wants
	[ -z "${HOSTNS_IN_PLACE:-}" ] || setup='mkdir -p -m 0755 /run/sshd'
	# sshd's sandboxed child cannot run LeakSanitizer
	env ${HOSTNS_SSHD_PRELOAD:+LD_PRELOAD="$HOSTNS_SSHD_PRELOAD"} \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" unshare -m --propagation private sh -c "$setup
		exec /usr/sbin/sshd -D -e -f \"\$0\"/sshd_config" "$dir" 2>"$dir/sshd.log" &
	hostns_sshd_pid=$!
	for i in $(seq 100); do
		grep -q "Server listening on 127.0.0.1 port $hostns_port" "$dir/sshd.log" 2>/dev/null &&
			return 0
		sleep 0.1
	done
	return 1
}

hostns_ssh_opts() {
	echo "-p $hostns_port -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=20"
}

hostns_login() {
	local dir=$1 user=$2
	ASK_PW=$3 ASK_CODE=$4 SSH_ASKPASS=$dir/askpass SSH_ASKPASS_REQUIRE=force \
		timeout 60 ssh $(hostns_ssh_opts) -o PreferredAuthentications=keyboard-interactive \
		-o NumberOfPasswordPrompts=1 "$user@127.0.0.1" "$5" </dev/null
}

hostns_key_login() {
	timeout 60 ssh $(hostns_ssh_opts) -o PreferredAuthentications=publickey -o IdentitiesOnly=yes \
		-o BatchMode=yes -i "$3" "$2@127.0.0.1" "$4" </dev/null
}

# hostns_key_run SOURCE USER KEYFILE CMD: a public-key login from the
# loopback address SOURCE (127.x.y.z: its own origin for sshd and pam_jit)
# that runs CMD with this function's standard input (for sudo -S).
hostns_key_run() {
	timeout 60 ssh $(hostns_ssh_opts) -b "$1" -o PreferredAuthentications=publickey \
		-o IdentitiesOnly=yes -o BatchMode=yes -i "$3" "$2@127.0.0.1" "$4"
}
