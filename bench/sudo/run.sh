#!/bin/bash
# bench/sudo/run.sh: what pam_jit.so adds to a sudo call. A benchmark, not a
# test: nothing asserts on the figures, and "make check" never runs it.
#
#   make -C BUILD/bench sudo-bench        # builds sudo/sudolat, runs this
#   bench/sudo/run.sh --build BUILD --tools BUILD/bench [--calls N] [--rounds R]
#
# NEEDS root (private mount namespaces, setuid sudo), sudo, the build's
# iam-policyd, iamctl, iamd, pam_iam.so and pam_jit.so. The host's files are
# never written: each variant is a host in its own mount namespace
# (scripts/hostns.sh) with its own pam.d/sudo, sudoers and nsswitch.conf.
#
# WHAT IT DOES: iam-policyd on loopback (state on disk, audit fsyncs real),
# a directory user "bench" with an active 8-hour grant for role "ops" (no
# approval, no window, no networks: the check passes every time), iamd
# --once for the NSS cache. Three hosts, same sudoers (the user's group
# NOPASSWD, so no authentication: the account and session stacks are what
# differs):
#   base      examples/pam.d/sudo without its pam_jit lines
#   account   pam_jit in the account stack only (the online grant check)
#   full      as shipped: account, and session (jit.session.open/close audit
#             events, spooled, fsync'd and sent at once)
# R rounds; in each, the three variants in a rotating order, N calls each of
# "sudo -n true" by bench/sudo/sudolat (fork, drop to the user, exec sudo,
# wait; wall time per call). Prints Markdown for bench/RESULTS.md: p50, p90,
# p99 per variant, and what account and full add to base at p50 and p99.
set -euo pipefail
build='' tools='' calls=100 rounds=5
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$(cd "$2" && pwd); shift ;;
	--tools) tools=$(cd "$2" && pwd); shift ;;
	--calls) calls=$2; shift ;;
	--rounds) rounds=$2; shift ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$build" ] && [ -n "$tools" ] || { echo "usage: $0 --build BUILD --tools BUILD/bench" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "needs root" >&2; exit 2; }
src=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/iam-bench-sudo.XXXXXX)
chmod 0755 "$T"
. "$src/scripts/endpoint.sh"
cleanup() { endpoint_stop; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
trap 'echo "stopped by a signal" >&2; exit 99' INT TERM
log() { echo "[$(date +%T)] $*" >&2; }

log "endpoint"
endpoint_init "$build" "$T"
printf 'rate_limit_threshold = 100000\n' >>"$T/state/policyd.conf"
endpoint_start "$build" "$T"
iamctl() { "$build/iamctl/iamctl" "$@"; }
iamctl host enroll benchhost --output "$T/host.credential" >/dev/null
iamctl group add benchers >/dev/null
iamctl host allow benchhost --group benchers >/dev/null
echo 'bench-Secret-42' | iamctl user add bench --password-stdin >/dev/null
iamctl group add-member benchers bench >/dev/null
iamctl role add ops --max-duration 8h >/dev/null
iamctl role eligible ops --user bench >/dev/null
echo 'bench-Secret-42' | iamctl --user bench --password-stdin elevate ops --for 8h --reason benchmark >/dev/null
cat >"$T/iam.conf" <<EOC
endpoint = $IAM_ENDPOINT
ca_file = $T/state/tls.crt
host_credential_file = $T/host.credential
snapshot_pubkey = $(cat "$T/state/signing.pub")
cache_path = $T/nss.cache
spool_dir = $T/spool
session_dir = $T/run/sessions
jit_session_dir = $T/run/jit
grant_dir = $T/grants
EOC
"$build/iamd/iamd" --config "$T/iam.conf" --once

. "$src/scripts/hostns.sh"
for v in base account full; do
	HOSTNS_JIT_ARGS=role=ops hostns_setup "$T/$v" "$build" "$src" "$T/iam.conf"
	hostns_sudoers "$T/$v" <<'EOS'
Defaults env_reset, !lecture
%benchers ALL=(ALL:ALL) NOPASSWD: ALL
EOS
	cp "$tools/sudo/sudolat" "$T/sudolat"
done
sed -i '/pam_jit/d' "$T/base/etc/pam.d/sudo"
sed -i '/^session.*pam_jit/d' "$T/account/etc/pam.d/sudo"

for v in base account full; do # warm up: caches, the endpoint's first TLS sessions
	hostns_run "$T/$v" "$T/sudolat" -u bench -n 5 >/dev/null
done
order=(base account full)
for r in $(seq "$rounds"); do
	log "round $r/$rounds: ${order[*]}"
	for v in "${order[@]}"; do
		hostns_run "$T/$v" "$T/sudolat" -u bench -n "$calls" >>"$T/$v.ms"
	done
	order=("${order[1]}" "${order[2]}" "${order[0]}")
done
grep -c . "$T/base.ms" >/dev/null

python3 - "$T" "$calls" "$rounds" <<'PYEOF_R'
import sys
t, calls, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def load(v):
    return sorted(float(x) for x in open(f"{t}/{v}.ms"))
def pct(s, p):
    k = max(0, min(len(s) - 1, -(-len(s) * p // 100) - 1))
    return s[int(k)]
d = {v: load(v) for v in ("base", "account", "full")}
print(f"{rounds} rounds x {calls} calls per variant ({len(d['base'])} each), `sudo -n true` by sudolat:\n")
print("| variant | p50 ms | p90 ms | p99 ms | added p50 | added p99 |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for v, label in (("base", "sudo without pam_jit"), ("account", "pam_jit, account (online check)"),
                 ("full", "pam_jit, account + session events")):
    s = d[v]
    a50 = pct(s, 50) - pct(d["base"], 50)
    a99 = pct(s, 99) - pct(d["base"], 99)
    extra = ("-", "-") if v == "base" else (f"{a50:+.2f}", f"{a99:+.2f}")
    print(f"| {label} | {pct(s,50):.2f} | {pct(s,90):.2f} | {pct(s,99):.2f} | {extra[0]} | {extra[1]} |")
PYEOF_R
