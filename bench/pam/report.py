#!/usr/bin/env python3
"""bench/pam/report.py WORKDIR: the Markdown tables and verdicts of
bench/pam/run.sh from the raw files it leaves in WORKDIR:

  logins.txt        "round series user microseconds ssh-exit" per measured login
  kdf_endpoint.txt  bench/kdf_cost's line (iam_kdf_verify at the endpoint's cost),
                    back to back after the logins
  kdf_offline.txt   pamlat -K's line (iam_kdf_hash at offline_kdf_log2n), the same
  kdf_*_rounds.txt  the same with -n 1, once before each measured round
  kdf_control.txt   kdf_cost at the control endpoint's ln=10
  pamlat_online.txt pamlat against the live endpoints (PAMLAT lines)
  pamlat_dead.txt   pamlat with the endpoint dead (PAMLAT lines)
  meta              key=value: the machine, the run

Percentiles are nearest rank: with 60 samples p99 is the largest.
Exits 1 when a check failed (failed logins, wrong PAM answers, missing
offline records or audit records...).
"""
import math
import os
import re
import sys

W = sys.argv[1]
SERIES = [("unix", "pam_unix (local user, SHA-512 crypt)"),
          ("iam", "pam_iam (password + TOTP; offline verifier made)"),
          ("iam0", "pam_iam, offline_max_age=0 (no verifier)"),
          ("ctl", "control: pam_iam, offline_max_age=0, endpoint at ln=10")]
LABEL = dict(SERIES)
problems = []


def read(name):
    with open(os.path.join(W, name)) as f:
        return f.read()


def kv(line):
    return dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line))


def pct(v, p):
    s = sorted(v)
    rank = max(1, min(len(s), math.ceil(p / 100.0 * len(s) - 1e-9)))
    return s[rank - 1]


def f1(x):
    return f"{x:.1f}"


meta = {}
for line in read("meta").splitlines():
    k, _, v = line.partition("=")
    meta[k] = v

# --- logins -------------------------------------------------------------------
ms = {s: {} for s, _ in SERIES}
failed = {s: 0 for s, _ in SERIES}
for line in read("logins.txt").splitlines():
    if not line.strip():
        continue
    rnd, series, user, us, rc = line.split()
    if rc != "0":
        failed[series] += 1
        continue
    ms[series][int(rnd)] = int(us) / 1000.0
for s, label in SERIES:
    if failed[s]:
        problems.append(f"{failed[s]} {label} logins failed (left out of the figures)")

# --- KDFs ---------------------------------------------------------------------
kdf_ep = kv(read("kdf_endpoint.txt"))
kdf_off = kv(read("kdf_offline.txt"))
kdf_ctl = kv(read("kdf_control.txt"))
ep_rounds = [kv(l) for l in read("kdf_endpoint_rounds.txt").splitlines() if l.strip()]
off_rounds = [kv(l) for l in read("kdf_offline_rounds.txt").splitlines() if l.strip()]
for k in ep_rounds + [kdf_ep]:
    if k.get("ln") != meta.get("kdf_ln"):
        problems.append("the endpoint's KDF was timed at other parameters than the run used")
for k in off_rounds + [kdf_off]:
    if k.get("ln") != meta.get("offline_ln"):
        problems.append("the offline KDF was timed at other parameters than the run used")
ep_v = [float(k["median_ms"]) for k in ep_rounds]
off_v = [float(k["median_ms"]) for k in off_rounds]
# What is subtracted: the KDFs timed alone between the measured rounds (and
# the control's ln=10 back to back: 3 ms, its spread is immaterial).
K_ep, K_ep99 = pct(ep_v, 50), pct(ep_v, 99)
K_off, K_off99 = pct(off_v, 50), pct(off_v, 99)
K_ctl, K_ctl99 = float(kdf_ctl["median_ms"]), float(kdf_ctl["p99_ms"])


def stats(v):
    return (pct(v, 50), pct(v, 90), pct(v, 99), min(v), max(v), sum(v) / len(v))


def paired(series):
    """pam_iam minus pam_unix, login by login in the same round."""
    return [ms[series][r] - ms["unix"][r] for r in sorted(ms[series]) if r in ms["unix"]]


ADDED = ("iam", "iam0", "ctl")
added = {s: paired(s) for s in ADDED}
kdf_sum = {"iam": K_ep + K_off, "iam0": K_ep, "ctl": K_ctl}
kdf_sum99 = {"iam": K_ep99 + K_off99, "iam0": K_ep99, "ctl": K_ctl99}
beyond = {s: [d - kdf_sum[s] for d in added[s]] for s in ADDED}

print(f"### SSH logins through the real sshd ({meta['logins']} per series, "
      f"after {meta['warmup']} warm-up rounds)\n")
print("Wall time of `ssh ... true` per login in ms, from the client's start to its exit (TCP, "
      "key exchange, the keyboard-interactive PAM conversation, account, session, `true`, "
      "close). \"added\" is the pam_iam login minus the pam_unix login of the same round; "
      "\"beyond the KDF(s)\" is added minus the median of the KDF(s) that login runs, timed "
      "alone (see below).\n")
print("| series | n | p50 | p90 | p99 | min | max | mean |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")


def row(label, v):
    p50, p90, p99, lo, hi, mean = stats(v)
    print(f"| {label} | {len(v)} | {f1(p50)} | {f1(p90)} | {f1(p99)} | {f1(lo)} | {f1(hi)} | "
          f"{f1(mean)} |")


for s, label in SERIES:
    row(label, list(ms[s].values()))
for s in ADDED:
    row(f"added (per round): {LABEL[s]}", added[s])
for s in ADDED:
    row(f"beyond the KDF(s) ({f1(kdf_sum[s])} ms, per round): {LABEL[s]}", beyond[s])
u = list(ms["unix"].values())
qdiff = {}
for s in ADDED:
    v = list(ms[s].values())
    qdiff[s] = tuple(pct(v, p) - pct(u, p) - kdf_sum[s] for p in (50, 90, 99))
    print(f"| beyond the KDF(s), as the difference of the series' percentiles: {LABEL[s]} | - | "
          f"{f1(qdiff[s][0])} | {f1(qdiff[s][1])} | {f1(qdiff[s][2])} | - | - | - |")
print()
print(f"The spread of pam_unix's own logins, p99 − p50: {f1(pct(u, 99) - pct(u, 50))} ms "
      f"(p90 − p50: {f1(pct(u, 90) - pct(u, 50))} ms): SSH and the machine, with no identity "
      "service involved.\n")

print("### The KDFs alone (same machine, same run)\n")
print("| KDF | parameters | when | n | median ms | p99 ms | min | max |")
print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")


def mib(k):
    return f"{int(k['mem'].rstrip('KiB')) // 1024} MiB"


ep_name = "the endpoint's password check (`kdf_cost`, iam_kdf_verify)"
ep_par = f"scrypt ln={kdf_ep['ln']} r={kdf_ep['r']} p={kdf_ep['p']}, {mib(kdf_ep)}"
off_name = "pam_iam's offline verifier (`pamlat -K`, iam_kdf_hash)"
off_par = f"scrypt ln={kdf_off['ln']} r=8 p=1, {mib(kdf_off)}"
for name, par, v in ((ep_name, ep_par, ep_v), (off_name, off_par, off_v)):
    print(f"| {name} | {par} | one before each measured round | {len(v)} | {f1(pct(v, 50))} | "
          f"{f1(pct(v, 99))} | {f1(min(v))} | {f1(max(v))} |")
for name, par, k in ((ep_name, ep_par, kdf_ep), (off_name, off_par, kdf_off),
                     ("the control endpoint's password check (`kdf_cost`)",
                      f"scrypt ln={kdf_ctl['ln']} r=8 p=1, {mib(kdf_ctl)}", kdf_ctl)):
    print(f"| {name} | {par} | back to back after the logins | {k['n']} | {k['median_ms']} | "
          f"{k['p99_ms']} | {k['min_ms']} | {k['max_ms']} |")
print()

share = pct(list(ms["iam"].values()), 50) - pct(list(ms["iam0"].values()), 50)
share_paired = pct([ms["iam"][r] - ms["iam0"][r] for r in ms["iam"] if r in ms["iam0"]], 50)
print(f"The offline verifier's share, seen from the client: p50 with it minus p50 without it = "
      f"{f1(share)} ms (median of the per-round differences: {f1(share_paired)} ms), against "
      f"{f1(K_off)} ms for the KDF alone (median, between rounds).\n")

# --- in process, live endpoints -------------------------------------------------
CFG = {"online": "benchmark endpoint, as shipped",
       "online-nooffline": "benchmark endpoint, offline_max_age=0",
       "control-nooffline": "control endpoint (ln=10), offline_max_age=0"}
online = [kv(l) for l in read("pamlat_online.txt").splitlines() if l.startswith("PAMLAT")]
print("### pam_iam in process against the live endpoints (`pamlat`, a user without TOTP, "
      "20 runs, each call on a fresh handle)\n")
print("| configuration | PAM call | p50 ms | p99 ms | max ms | first run ms | results |")
print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
ctl_calls = {}
for o in online:
    print(f"| {CFG.get(o['label'], o['label'])} | {o['phase']} | {o['p50_ms']} | {o['p99_ms']} | "
          f"{o['max_ms']} | {o['cold_ms']} | {o['results']} |")
    if o["results"].split(":")[0] != "PAM_SUCCESS" or "," in o["results"]:
        problems.append(f"in process, {o['label']}, {o['phase']}: {o['results']}")
    if o["label"] == "control-nooffline":
        ctl_calls[o["phase"]] = o
print()

# --- dead endpoint ----------------------------------------------------------------
dead = [kv(l) for l in read("pamlat_dead.txt").splitlines() if l.startswith("PAMLAT")]
T_ORDER = {"refused": 0, "blackhole": 1, "syndrop": 2}
P_ORDER = {"auth": 0, "acct": 1}


def ct_ms(o):
    return int(float(o["label"].split("=")[1].rstrip("s")) * 1000)


dead.sort(key=lambda o: (T_ORDER.get(o["target"], 9), ct_ms(o), P_ORDER.get(o["phase"], 9)))
expect = {"auth": {"PAM_AUTHINFO_UNAVAIL"}, "acct": {"PAM_PERM_DENIED", "PAM_USER_UNKNOWN"}}
names = {"refused": "connection refused", "blackhole": "blackhole (accepts, never answers)",
         "syndrop": "SYNs dropped (full accept queue)"}
dead_ok = True
worst = None
print(f"### The endpoint dead (`pamlat`, a user with no offline record, {meta['runs']} runs of "
      "each call, fresh handles)\n")
print("| endpoint | connect_timeout | PAM call | p50 ms | p99 ms | max ms | budget ms | "
      "first run ms | results | within budget |")
print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |")
for o in dead:
    ct = ct_ms(o)
    budget = ct + 50
    ok = float(o["max_ms"]) <= budget
    got = {r.split(":")[0] for r in o["results"].split(",")}
    if not got <= expect.get(o["phase"], set()):
        problems.append(f"endpoint dead ({o['target']}, {o['label']}): {o['phase']} gave "
                        f"{o['results']}")
    dead_ok = dead_ok and ok
    over = float(o["max_ms"]) - ct
    if worst is None or over > worst[0]:
        worst = (over, o["target"], ct, o["phase"])
    print(f"| {names.get(o['target'], o['target'])} | {ct / 1000:g} s | {o['phase']} | "
          f"{o['p50_ms']} | {o['p99_ms']} | {o['max_ms']} | {budget} | {o['cold_ms']} | "
          f"{o['results']} | {'yes' if ok else 'NO'} |")
print()
print("budget: connect_timeout + 50 ms per PAM call; a verdict on the max. \"first run\": the "
      "process's first call (not among the n), which also loads the module, libcurl and "
      "OpenSSL, as each login's fresh sshd process does.\n")

# --- verdicts ------------------------------------------------------------------------
print("### Verdicts\n")
b = {s: (pct(beyond[s], 50), pct(beyond[s], 99)) for s in ADDED}
loose = {s: pct(added[s], 99) - kdf_sum99[s] for s in ADDED}
print("| target | figures | verdict |")
print("| --- | --- | --- |")
met1 = b["iam"][1] < 20 and b["iam0"][1] < 20
print(f"| pam_iam adds < 20 ms at p99 beyond the KDF(s) (benchmark endpoint, default cost) | "
      f"beyond the KDF(s), p50 / p99: as shipped {f1(b['iam'][0])} / {f1(b['iam'][1])} ms "
      f"(added p99 {f1(pct(added['iam'], 99))} − KDF medians {f1(kdf_sum['iam'])}); "
      f"offline_max_age=0 {f1(b['iam0'][0])} / {f1(b['iam0'][1])} ms (added p99 "
      f"{f1(pct(added['iam0'], 99))} − {f1(kdf_sum['iam0'])}). With the KDFs' p99 subtracted "
      f"instead: {f1(loose['iam'])} and {f1(loose['iam0'])} ms; as the difference of the "
      f"series' p99s: {f1(qdiff['iam'][2])} and {f1(qdiff['iam0'][2])} ms | "
      f"{'met' if met1 else 'not met'} |")
met_c = b["ctl"][1] < 20
print(f"| the same, measured directly (control endpoint, KDF {f1(K_ctl)} ms, no verifier) | "
      f"beyond the KDF p50 / p99, per round: {f1(b['ctl'][0])} / {f1(b['ctl'][1])} ms; as the "
      f"difference of the series' percentiles: {f1(qdiff['ctl'][0])} / {f1(qdiff['ctl'][2])} ms | "
      f"{'met' if met_c else 'not met'} |")
if ctl_calls:
    parts = []
    for ph in ("auth", "acct", "open", "close"):
        if ph in ctl_calls:
            o = ctl_calls[ph]
            sub = K_ctl if ph == "auth" else 0.0
            parts.append(f"{ph} {float(o['p50_ms']) - sub:.1f} / {float(o['p99_ms']) - sub:.1f}")
    print(f"| the module's own time in process (control endpoint, KDF subtracted from auth), "
          f"p50 / p99 ms | {'; '.join(parts)} | (for reading) |")
w = worst or (0, "-", 0, "-")
print(f"| a decision within connect_timeout + 50 ms with the endpoint dead | the largest excess "
      f"over connect_timeout: {f1(w[0])} ms ({names.get(w[1], w[1])}, {w[2] / 1000:g} s, "
      f"{w[3]}) | {'met' if dead_ok else 'not met'} |")
print()

print("### Run\n")
print(f"- {meta['date']}; {meta['cpus']} CPUs ({meta['cpu']}), {meta['mem']} RAM, kernel "
      f"{meta['kernel']}; {meta['openssh']}; state and offline records on {meta['fs']}.")
print(f"- Sources at commit {meta['commit']} when the run started, {meta['dirty']} tracked "
      "files modified in the work tree.")
print(f"- Logins: {meta['login_wall_s']} s for the measured rounds ({meta['gap']} s pause "
      f"between logins, the per-round KDF timings included); the benchmark's processes used "
      f"{meta['login_bench_cpu_pct']} % of one CPU, everything else on the machine "
      f"{meta['login_other_cpu_pct']} %; the benchmark endpoint "
      f"{meta['policyd_cpu_ms_per_round']} ms of CPU per round. Load average "
      f"{meta['load_before']} before, {meta['load_after']} after.")
print(f"- sshd logged `Accepted keyboard-interactive/pam` for {meta['accepted_a']} pam_iam users "
      f"(offline records made: {meta['offline_records']}), {meta['accepted_b']} "
      f"offline_max_age=0 users (records: {meta['offline_records_b']}), {meta['accepted_c']} "
      f"control users and {meta['accepted_local']} logins of the local user (warm-up "
      "included).")
print(f"- `iamctl audit verify`: {meta['audit_verify_prod']} (benchmark endpoint), "
      f"{meta['audit_verify_ctl']} (control); lines above notice in their logs: "
      f"{meta['policyd_warnings_prod']}, {meta['policyd_warnings_ctl']}.")
print(f"- Whole run: {meta['total_s']} s.")
n_expected = int(meta["logins"]) + int(meta["warmup"])
for k in ("accepted_a", "accepted_b", "accepted_c", "accepted_local"):
    if int(meta[k]) != n_expected:
        problems.append(f"sshd logged {meta[k]} accepted PAM logins for {k}, not {n_expected}")
if int(meta["offline_records"]) != n_expected or int(meta["offline_records_b"]) != 0:
    problems.append("offline records: expected one per pam_iam user and none with "
                    "offline_max_age=0")
for e in ("prod", "ctl"):
    if meta[f"audit_verify_{e}"] != "yes":
        problems.append(f"iamctl audit verify failed ({e})")
if problems:
    print("\nPROBLEMS:\n")
    for p in problems:
        print(f"- {p}")
    sys.exit(1)
