#!/bin/sh
# End-to-end test of iamd: the daemon against a private iam-policyd on
# loopback (changes reach the cache, the old cache survives every failure),
# --once against a forged and a hostile endpoint (openssl s_server serving
# snapshots signed here), authorized-keys, and the cache tools.
# Run by `make check` in tests/ with IAM_BUILDDIR set by the Makefile; as
# root, because iamd reads only root-owned configuration and credentials.
set -u

IAMD=${IAMD:-$IAM_BUILDDIR/iamd/iamd}
IAMCTL=${IAMCTL:-$IAM_BUILDDIR/iamctl/iamctl}
POLICYD=${POLICYD:-$IAM_BUILDDIR/policyd/iam-policyd}

[ "$(id -u)" -eq 0 ] || { echo "SKIP: iamd needs root-owned configuration; run as root"; exit 77; }
for p in "$IAMD" "$IAMCTL" "$POLICYD"; do
	[ -x "$p" ] || { echo "ERROR: build $p first"; exit 99; }
done
for t in openssl jq unshare base64; do
	command -v "$t" >/dev/null 2>&1 || { echo "ERROR: $t is needed"; exit 99; }
done

umask 022
tmp=$(mktemp -d "${TMPDIR:-/tmp}/iamd-test.XXXXXX") || exit 99
policyd_pid='' iamd_pid='' fake_pid=''
# Only the script's shell cleans up, and says so when another one tries
# (a subshell killed right after its fork may run the parent's traps; see
# stop_iamd).
main_shell=${BASHPID:-$$}
cleanup() {
	if [ "${BASHPID:-$$}" != "$main_shell" ]; then
		echo "cleanup called in process ${BASHPID:-?}, not the test's shell: ignored" >&2
		return 0
	fi
	for p in $iamd_pid $fake_pid $policyd_pid; do kill "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
# A signal ends the run (the EXIT trap cleans up); it never carries on
# past a cleanup that already removed its files.
trap cleanup EXIT
trap 'echo "stopped by a signal"; exit 99' INT TERM

. "$IAM_SRCDIR/tests/check.sh"

same_file() {
	cmp -s "$1" "$2" || fail "$3: $1 changed"
}

# --- Usage ----------------------------------------------------------------

"$IAMD" --help >"$tmp/out" 2>&1
status 0 $? "--help"
has "$tmp/out" '^  authorized-keys +print' "--help lists the commands"
for c in cache-build cache-check cache-dump authorized-keys; do
	"$IAMD" "$c" --help >"$tmp/out" 2>&1
	status 0 $? "$c --help"
	has "$tmp/out" "^Usage: iamd $c " "$c --help"
done
"$IAMD" frobnicate >"$tmp/out" 2>&1
status 2 $? "an unknown command"
has "$tmp/out" "unknown command 'frobnicate'" "an unknown command"
"$IAMD" cache-build --passwd x >"$tmp/out" 2>&1
status 2 $? "cache-build without --group and --output"

# --- The cache tools -----------------------------------------------------

cb="$tmp/cb"
mkdir "$cb"
cat >"$cb/passwd" <<'EOF'
alice:x:200001:200001:Alice Example:/home/alice:/bin/bash
bob:*:200002:200002::/home/bob:/bin/sh
EOF
cat >"$cb/group" <<'EOF'
alice:x:200001:
devs:x:200010:alice,bob
EOF
"$IAMD" cache-build --passwd "$cb/passwd" --group "$cb/group" --output "$cb/cache" \
	--serial 5 --id-min 200000 --id-max 499999 >"$cb/out" 2>&1
status 0 $? "cache-build"
has "$cb/out" '^wrote .*/cache: 2 users, 2 groups, serial 5, [0-9]+ bytes$' "cache-build"
"$IAMD" cache-dump "$cb/cache" >"$cb/dump" 2>&1
printf '%s\n' 'alice:x:200001:200001:Alice Example:/home/alice:/bin/bash' \
	'bob:x:200002:200002::/home/bob:/bin/sh' 'alice:x:200001:' 'devs:x:200010:alice,bob' \
	>"$cb/want"
cmp -s "$cb/dump" "$cb/want" || { fail "cache-dump of a built cache"; show "$cb/dump"; }
"$IAMD" cache-check "$cb/cache" >"$cb/check" 2>&1
status 0 $? "cache-check"
has "$cb/check" '^serial: 5$' "cache-check"
has "$cb/check" '^users: 2 \(0 disabled\)$' "cache-check"
has "$cb/check" '^memberships: 2 ' "cache-check"
"$IAMD" cache-check "$cb/passwd" >"$cb/check" 2>&1
status 1 $? "cache-check of a text file"
has "$cb/check" 'not a valid cache' "cache-check of a text file"

# build_error NAME PASSWD-LINES GROUP-LINES EXPECTED-MESSAGE
build_error() {
	printf '%s\n' "$2" >"$cb/p-$1"
	printf '%s\n' "$3" >"$cb/g-$1"
	"$IAMD" cache-build --passwd "$cb/p-$1" --group "$cb/g-$1" --output "$cb/out-$1" \
		--id-min 200000 --id-max 499999 >"$cb/err" 2>&1
	status 1 $? "cache-build $1"
	has "$cb/err" "$4" "cache-build $1"
	[ ! -e "$cb/out-$1" ] || fail "cache-build $1 wrote $cb/out-$1"
}
ok='alice:x:200001:200001::/home/alice:/bin/bash'
build_error range "$ok
root:x:0:0:root:/root:/bin/bash" 'g:x:200010:' \
	"p-range:2: uid 0 is outside the directory's range 200000-499999"
build_error gid "$ok
sudoer:x:200003:27::/home/s:/bin/sh" 'g:x:200010:' "p-gid:2: gid 27 is outside"
build_error name "$ok
Bad:x:200003:200003::/home/b:/bin/sh" 'g:x:200010:' "p-name:2: invalid user name 'Bad'"
build_error fields "al:ice:x:200001:200001::/home/alice:/bin/bash" 'g:x:200010:' \
	"p-fields:1: expected 7 fields"
build_error dupname "$ok
alice:x:200003:200003::/home/a2:/bin/sh" 'g:x:200010:' "p-dupname:2: duplicate user name 'alice'"
build_error dupuid "$ok
carol:x:200001:200001::/home/c:/bin/sh" 'g:x:200010:' "p-dupuid:2: duplicate uid 200001"
build_error dupgroup "$ok" 'g:x:200010:
g:x:200011:' "g-dupgroup:2: duplicate group"
build_error member "$ok" 'g:x:200010:alice
h:x:200011:alice,nobody' "g-member:2: member 'nobody' is not a user of"
build_error grange "$ok" 'g:x:600000:' "g-grange:1: gid 600000 is outside"

# --- A private endpoint, and iamd against it ---------------------------------

"$POLICYD" --init "$tmp/state" --kdf-log2-n 10 >"$tmp/init.log" 2>&1 ||
	{ show "$tmp/init.log"; exit 99; }
"$POLICYD" --state "$tmp/state" --listen 127.0.0.1:0 --ready-file "$tmp/port" \
	--stderr 2>>"$tmp/server.log" &
policyd_pid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$tmp/port" ] || { show "$tmp/server.log"; exit 99; }
port=$(cat "$tmp/port")

unset IAM_USER IAM_PINNED_PUBKEY IAM_SIGNING_PUBKEY IAMCTL_CONFIG
export IAM_ENDPOINT="https://127.0.0.1:$port"
export IAM_CA_FILE="$tmp/state/tls.crt"
export IAM_ADMIN_TOKEN_FILE="$tmp/state/admin.token"
export IAMCTL_TOKEN_DIR="$tmp/tokens"
export XDG_CONFIG_HOME="$tmp/xdg"

ctl() {
	"$IAMCTL" "$@" >"$tmp/ctl.out" 2>&1 </dev/null && return 0
	echo "ERROR: iamctl $*"
	show "$tmp/ctl.out"
	exit 99
}
ctl host enroll web1 --output "$tmp/web1.cred"

# write_conf FILE ENDPOINT CACHE [SNAPSHOT_PUBKEY]
write_conf() {
	cat >"$1" <<EOF
endpoint = $2
ca_file = $tmp/state/tls.crt
host_credential_file = $tmp/web1.cred
snapshot_pubkey = ${4:-$(cat "$tmp/state/signing.pub")}
cache_path = $3
spool_dir = $tmp/spool
id_min = 200000
id_max = 499999
EOF
}
conf="$tmp/iam.conf"
cache="$tmp/var/nss.cache"
write_conf "$conf" "$IAM_ENDPOINT" "$cache"

key='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0ylbEQbwZ5qEd1qa2gAjv5Dm0cwC8d9cgeWg3Mmnxs'
printf '%s\n' 'pw-alice-1' | "$IAMCTL" user add alice --gecos 'Alice Example' \
	--password-stdin >/dev/null 2>&1 || { echo "ERROR: user add alice"; exit 99; }
ctl user add bob
ctl user add daemon  # a name this host has locally: never in the cache
printf '%s alice@laptop\n' "$key" >"$tmp/alice.pub"
printf '%s daemon@laptop\n' "$key" >"$tmp/daemon.pub"
ctl user key add alice --key-file "$tmp/alice.pub"
ctl user key add daemon --key-file "$tmp/daemon.pub"

# What the daemon needs before it starts: a snapshot key, a safe credential.
grep -v '^snapshot_pubkey' "$conf" >"$tmp/nokey.conf"
"$IAMD" --config "$tmp/nokey.conf" --stderr >"$tmp/out" 2>&1
status 1 $? "the daemon without snapshot_pubkey"
has "$tmp/out" 'event=fatal error="snapshot_pubkey is not set in .*nokey.conf' "without snapshot_pubkey"
cp "$tmp/web1.cred" "$tmp/open.cred"
chmod 644 "$tmp/open.cred"
sed "s|^host_credential_file = .*|host_credential_file = $tmp/open.cred|" "$conf" >"$tmp/open.conf"
"$IAMD" --config "$tmp/open.conf" --stderr >"$tmp/out" 2>&1
status 1 $? "the daemon with a readable credential"
has "$tmp/out" "event=fatal error=\".*open.cred" "a readable credential"
[ ! -e "$cache" ] || fail "the daemon wrote a cache although it could not start"

"$IAMD" --config "$conf" --stderr --debug 2>>"$tmp/iamd.log" &
iamd_pid=$!

dump() { "$IAMD" cache-dump "$cache" >"$tmp/dump" 2>&1; }
# wait_line REGEX WHAT: a dump line matches (whole line) within 5 s.
wait_line() {
	i=0
	while [ $i -lt 50 ]; do
		dump && grep -Eqx -- "$1" "$tmp/dump" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "$2: no cache line '$1' within 5 s"
	show "$tmp/dump"
}
wait_no_line() {
	i=0
	while [ $i -lt 50 ]; do
		dump && ! grep -Eq -- "$1" "$tmp/dump" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "$2: cache line '$1' still there after 5 s"
	show "$tmp/dump"
}

wait_line 'alice:x:[0-9]+:[0-9]+:Alice Example:/home/alice:/bin/bash' "first sync"
[ "$(stat -c %a "$cache")" = 644 ] || fail "cache mode $(stat -c %a "$cache"), expected 644"
[ "$(stat -c %a "$tmp/var")" = 755 ] || fail "cache directory mode $(stat -c %a "$tmp/var")"
lacks "$tmp/dump" '^daemon:' "a directory user with a local name"
# user daemon and its private group daemon
has "$tmp/iamd.log" 'event=cache_updated .* skipped=2 skipped_local_name=2$' "skip count"
has "$tmp/iamd.log" 'event=snapshot_skip kind=user name=daemon reason=local_name' "skip debug line"

ctl user add carol
wait_line 'carol:x:[0-9]+:[0-9]+::/home/carol:/bin/bash' "user added"
ctl group add developers
ctl group add-member developers alice
wait_line 'developers:x:[0-9]+:alice' "membership added"
ctl group remove-member developers alice
wait_line 'developers:x:[0-9]+:' "membership removed"
ctl user deprovision bob --reason test
wait_no_line '^bob:[^:]*:[0-9]+:[0-9]+:' "user deprovisioned"
ctl user key add carol --key-file "$tmp/alice.pub"
ctl user disable carol --reason test
wait_line 'carol:!:[0-9]+:[0-9]+::/home/carol:/bin/bash' "user disabled"

# A JIT grant: a membership of the role's group with its end time.
ctl group add managers
ctl role add dbadmin --max-duration 2h --approvers managers
ctl role eligible dbadmin --user alice
printf '%s\n' 'pw-alice-1' | "$IAMCTL" --user alice --password-stdin login >/dev/null 2>&1 ||
	{ echo "ERROR: alice login"; exit 99; }
ctl --user alice elevate dbadmin --for 1h --reason "iamd test"
ctl --json request list --state pending
rid=$(jq -r '.requests[0].id' "$tmp/ctl.out")
before=$(date +%s)
ctl request approve "$rid" --reason ok
wait_line 'dbadmin:x:[0-9]+:alice@[0-9]+' "grant approved"
until=$(sed -n 's/^dbadmin:x:[0-9]*:alice@\([0-9]*\)$/\1/p' "$tmp/dump")
if [ -z "$until" ] || [ "$until" -lt $((before + 3500)) ] || [ "$until" -gt $((before + 3700)) ]
then
	fail "grant membership ends at '$until', expected about $((before + 3600))"
fi

# A rotated credential: refused once, read again, and syncing goes on.
ctl host rotate web1 --output "$tmp/web1.cred" --force
ctl user add frank
wait_line 'frank:x:[0-9]+:[0-9]+::/home/frank:/bin/bash' "user added after a rotation"
ctl user add grace
wait_line 'grace:x:[0-9]+:[0-9]+::/home/grace:/bin/bash' "the rotated credential"
has "$tmp/iamd.log" 'event=sync_failed reason=unauthenticated ' "the rotated credential"
has "$tmp/iamd.log" 'event=sync_resumed ' "the rotated credential"

# authorized-keys
keys() {
	"$IAMD" authorized-keys "$1" --config "$conf" --stderr >"$tmp/keys.out" 2>"$tmp/keys.log"
}
keys alice
status 0 $? "authorized-keys alice"
[ "$(cat "$tmp/keys.out")" = "$key alice@laptop" ] ||
	{ fail "authorized-keys alice"; show "$tmp/keys.out"; }
has "$tmp/keys.log" 'event=authorized_keys user=alice result=keys keys=1' "authorized-keys log"
for u in carol nosuchuser daemon 'Bad:Name'; do
	keys "$u"
	status 0 $? "authorized-keys $u"
	[ ! -s "$tmp/keys.out" ] ||
		{ fail "authorized-keys $u printed keys"; show "$tmp/keys.out"; }
done
has "$tmp/keys.log" 'result=invalid_name' "authorized-keys of an invalid name"
keys daemon
has "$tmp/keys.log" 'user=daemon result=local_user' "authorized-keys of a local name"
keys nosuchuser
has "$tmp/keys.log" 'user=nosuchuser result=unknown_user' "authorized-keys of an unknown user"

# stop_iamd WHAT: SIGTERM ends it with status 0 within 2 s. (Polled: a
# watchdog subshell killed right after its fork can run this script's
# traps, bash's EXIT trap included, before it has reset them; that removed
# the test's files mid-run twice in CI.)
stop_iamd() {
	kill "$iamd_pid"
	i=0
	while kill -0 "$iamd_pid" 2>/dev/null && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
	kill -0 "$iamd_pid" 2>/dev/null && kill -KILL "$iamd_pid"
	wait "$iamd_pid"
	got=$?
	iamd_pid=
	status 0 "$got" "SIGTERM $1 (137: not stopped within 2 s)"
}
sleep 0.5
stop_iamd "during a long-poll"
has "$tmp/iamd.log" 'event=stop signal=15' "stop"
[ "$(grep -c 'event=sync_failed' "$tmp/iamd.log")" -eq 1 ] ||
	{ fail "failures other than the rotated credential"; show "$tmp/iamd.log"; }

# --- --once: forged signature, replay, disk full -------------------------

# once CONF LOG: one sync.
once() {
	"$IAMD" --once --config "$1" --stderr 2>"$2"
}
# A cache at an older serial, so that iamd must fetch and verify.
mkcache() {
	"$IAMD" cache-build --passwd "$cb/passwd" --group "$cb/group" --output "$1" \
		--serial "$2" --id-min 200000 --id-max 499999 >/dev/null 2>&1 ||
		{ echo "ERROR: cache-build $1"; exit 99; }
	cp "$1" "$1.orig"
}

mkcache "$tmp/forged.cache" 1
write_conf "$tmp/forged.conf" "$IAM_ENDPOINT" "$tmp/forged.cache" \
	'xqD1vz8Xrm1HU+3hwRciORhoIRY5KTMVCV2zHjk7cfA='
once "$tmp/forged.conf" "$tmp/forged.log"
status 1 $? "--once with another snapshot_pubkey"
has "$tmp/forged.log" 'event=sync_failed reason=bad_signature error=".*signature' "another key"
same_file "$tmp/forged.cache" "$tmp/forged.cache.orig" "another key"

mkcache "$tmp/replay.cache" 1000000
write_conf "$tmp/replay.conf" "$IAM_ENDPOINT" "$tmp/replay.cache"
once "$tmp/replay.conf" "$tmp/replay.log"
status 1 $? "--once against a cache of a later serial"
has "$tmp/replay.log" 'event=sync_failed reason=replay .*older than the cache.s 1000000' "replay"
same_file "$tmp/replay.cache" "$tmp/replay.cache.orig" "replay"

printf 'not a cache\n' >"$tmp/corrupt.cache"
write_conf "$tmp/corrupt.conf" "$IAM_ENDPOINT" "$tmp/corrupt.cache"
once "$tmp/corrupt.conf" "$tmp/corrupt.log"
status 0 $? "--once over a corrupt cache"
has "$tmp/corrupt.log" 'event=cache_invalid .*action=replace' "corrupt cache"
"$IAMD" cache-check "$tmp/corrupt.cache" >"$tmp/check" 2>&1
status 0 $? "cache-check of the replaced corrupt cache"
once "$tmp/corrupt.conf" "$tmp/corrupt.log"
status 0 $? "--once with nothing new"
has "$tmp/corrupt.log" '^[^ ]+ iamd\[info\]: event=unchanged serial=[1-9]' "--once with nothing new"

# A certificate the endpoint's does not chain to.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=other \
	-keyout "$tmp/other.key" -out "$tmp/other.crt" >/dev/null 2>&1 || exit 99
mkcache "$tmp/tls.cache" 1
write_conf "$tmp/tls.conf" "$IAM_ENDPOINT" "$tmp/tls.cache"
sed -i "s|^ca_file = .*|ca_file = $tmp/other.crt|" "$tmp/tls.conf"
once "$tmp/tls.conf" "$tmp/tls.log"
status 1 $? "--once with another CA"
has "$tmp/tls.log" 'event=sync_failed reason=tls ' "another CA"
same_file "$tmp/tls.cache" "$tmp/tls.cache.orig" "another CA"

# Disk full: a 16 KiB tmpfs in a private mount namespace, filled up.
mkdir "$tmp/full"
write_conf "$tmp/full.conf" "$IAM_ENDPOINT" "$tmp/full/nss.cache"
# shellcheck disable=SC2016 # expanded by the inner shell
unshare -m sh -c '
	mount -t tmpfs -o size=16k tmpfs "$1" || exit 99
	"$2" cache-build --passwd "$3/passwd" --group "$3/group" --output "$1/nss.cache" \
		--serial 1 --id-min 200000 --id-max 499999 >/dev/null || exit 99
	cp "$1/nss.cache" "$4/full.orig"
	dd if=/dev/zero of="$1/filler" bs=1k 2>/dev/null
	"$2" --once --config "$5" --stderr 2>"$4/full.log"
	rc=$?
	cmp -s "$1/nss.cache" "$4/full.orig" || echo changed >"$4/full.changed"
	ls "$1" >"$4/full.ls"
	exit $rc' sh "$tmp/full" "$IAMD" "$cb" "$tmp" "$tmp/full.conf"
status 1 $? "--once on a full disk"
has "$tmp/full.log" 'event=sync_failed reason=write_failed .*No space left' "disk full"
[ ! -e "$tmp/full.changed" ] || fail "disk full: the cache changed"
[ "$(cat "$tmp/full.ls")" = "filler
nss.cache" ] || { fail "disk full: files left behind"; show "$tmp/full.ls"; }

# --- The endpoint goes away: the cache stays -----------------------------

"$IAMD" --config "$conf" --stderr 2>>"$tmp/iamd2.log" &
iamd_pid=$!
wait_line 'alice:x:.*' "restart"
sleep 0.5
cp "$cache" "$tmp/kept.cache"
inode=$(stat -c %i "$cache")
kill "$policyd_pid"
wait "$policyd_pid" 2>/dev/null
policyd_pid=
i=0
while [ $i -lt 50 ] && ! grep -q 'reason=unreachable' "$tmp/iamd2.log"; do
	sleep 0.1
	i=$((i + 1))
done
has "$tmp/iamd2.log" \
	'event=sync_failed reason=unreachable .*cache_serial=[1-9][0-9]* retry_in=[0-9.]+s' \
	"endpoint down"
kill -0 "$iamd_pid" 2>/dev/null || fail "iamd exited when the endpoint went away"
same_file "$cache" "$tmp/kept.cache" "endpoint down"
[ "$(stat -c %i "$cache")" = "$inode" ] || fail "endpoint down: the cache was replaced"
"$IAMD" cache-check "$cache" >"$tmp/check" 2>&1
status 0 $? "cache-check with the endpoint down"
keys alice
status 1 $? "authorized-keys with the endpoint down"
[ ! -s "$tmp/keys.out" ] || fail "authorized-keys printed keys with the endpoint down"
has "$tmp/keys.log" 'user=alice result=error' "authorized-keys with the endpoint down"
stop_iamd "while backing off"

# --- A forged endpoint: hostile entries, tampering, serial and host ------
# openssl s_server -HTTP serves files named by the request path, each a
# complete HTTP response. Snapshots are signed with the real signing key.

fake="$tmp/fake"
mkdir -p "$fake/v1"
reply() { # FILE BODY
	printf 'HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
		"$(printf '%s' "$2" | wc -c)" "$2" >"$fake/$1"
}
# snapshot SINCE ENVELOPE-SERIAL PAYLOAD [SIGNED-PAYLOAD]
snapshot() {
	printf '%s' "${4:-$3}" >"$tmp/payload"
	sig=$(openssl pkeyutl -sign -inkey "$tmp/state/signing.key" -rawin -in "$tmp/payload" |
	      base64 -w0)
	reply "v1/snapshot?since=$1&wait=0" "$(jq -cn --arg p "$3" --arg s "$sig" --argjson n "$2" \
		'{changed: true, serial: $n, payload: $p, signature: $s, key_id: "0"}')"
}
reply v1/whoami '{"kind": "host", "name": "web1"}'
(cd "$fake" && exec openssl s_server -accept 127.0.0.1:0 -cert "$tmp/state/tls.crt" \
	-key "$tmp/state/tls.key" -HTTP >"$tmp/fake.log" 2>&1) &
fake_pid=$!
i=0
while [ $i -lt 50 ] && ! grep -qs '^ACCEPT' "$tmp/fake.log"; do sleep 0.1; i=$((i + 1)); done
fport=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$tmp/fake.log")
[ -n "$fport" ] || { show "$tmp/fake.log"; exit 99; }
hcache="$tmp/hostile.cache"
write_conf "$tmp/hostile.conf" "https://127.0.0.1:$fport" "$hcache"

u() { # NAME UID GID STATE [GECOS]
	printf '{"name":"%s","uid":%s,"gid":%s,"gecos":"%s",' "$1" "$2" "$3" "${5:-}"
	printf '"home":"/home/x","shell":"/bin/sh","state":"%s"}' "$4"
}
users="[$(u root 0 0 active),$(u toor 0 200110 active),$(u sudoer 200100 27 active),\
$(u 'ev:il' 200101 200101 active),$(u 'ev\nil' 200102 200102 active),\
$(u daemon 200103 200103 active),$(u carol 200104 200104 active Carol),\
$(u dave 200105 200105 disabled Dave),$(u eve 200106 200106 superuser),\
$(u mallory 200107 200107 active 'a:b'),$(u carol2 200104 200104 active)]"
groups='[{"name":"sudo","gid":27,"members":[{"user":"carol","until":null}]},
{"name":"root","gid":0,"members":[]},{"name":"root","gid":200201,"members":[]},
{"name":"ops","gid":200300,"members":[{"user":"carol","until":null},
{"user":"dave","until":1999999999},{"user":"ghost","until":null},{"user":"dave","until":0}]}]'
payload() { # SERIAL HOST USERS
	printf '{"format":1,"serial":%s,"host":"%s","generated_at":1764403200,' "$1" "$2"
	printf '"users":%s,"groups":%s}' "$3" "$groups"
}
snapshot 0 7 "$(payload 7 web1 "$users")"
once "$tmp/hostile.conf" "$tmp/hostile.log"
status 0 $? "--once with hostile entries"
"$IAMD" cache-dump "$hcache" >"$tmp/dump" 2>&1
printf '%s\n' 'carol:x:200104:200104:Carol:/home/x:/bin/sh' \
	'dave:!:200105:200105:Dave:/home/x:/bin/sh' 'ops:x:200300:carol,dave@1999999999' \
	>"$tmp/want"
cmp -s "$tmp/dump" "$tmp/want" || { fail "hostile entries reached the cache"; show "$tmp/dump"; }
counts='serial=7 previous=0 users=2 groups=1 members=2 skipped=14 skipped_bad_name=2'
counts="$counts skipped_id_range=5 skipped_local_name=2 skipped_bad_state=1"
counts="$counts skipped_bad_field=1 skipped_duplicate=1 skipped_member=2"
has "$tmp/hostile.log" "event=cache_updated .* $counts\$" "hostile entries"
cp "$hcache" "$tmp/hostile.orig"

# Tampered: one user more than what was signed.
signed=$(payload 8 web1 "$users")
tampered=$(payload 8 web1 "[$(u carol 200104 200104 active Carol),\
$(u mallory 200999 200999 active)]")
snapshot 7 8 "$tampered" "$signed"
once "$tmp/hostile.conf" "$tmp/tamper.log"
status 1 $? "--once with a tampered snapshot"
has "$tmp/tamper.log" 'event=sync_failed reason=bad_signature .*signature does not match' "tampered"
same_file "$hcache" "$tmp/hostile.orig" "tampered"

snapshot 7 9 "$(payload 8 web1 "$users")"
once "$tmp/hostile.conf" "$tmp/serial.log"
status 1 $? "--once with a payload of another serial"
has "$tmp/serial.log" "reason=bad_payload .*serial 8 differs from the answer's 9" "serial mismatch"
same_file "$hcache" "$tmp/hostile.orig" "serial mismatch"

snapshot 7 8 "$(payload 8 web2 "$users")"
once "$tmp/hostile.conf" "$tmp/host.log"
status 1 $? "--once with another host's snapshot"
has "$tmp/host.log" "reason=wrong_host .*made for host 'web2', this host is 'web1'" "wrong host"
same_file "$hcache" "$tmp/hostile.orig" "wrong host"

snapshot 7 8 '{"format":2,"serial":8}'
once "$tmp/hostile.conf" "$tmp/format.log"
status 1 $? "--once with an unknown format"
has "$tmp/format.log" "reason=bad_payload .*'format' must be between 1 and 1" "format"
same_file "$hcache" "$tmp/hostile.orig" "format"

[ "$failures" -eq 0 ] && echo "PASS" && exit 0
echo "$failures failure(s)"
exit 1
