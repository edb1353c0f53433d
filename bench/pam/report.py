#!/usr/bin/env python3
"""bench/pam/report.py WORKDIR: the Markdown tables and verdicts of
bench/pam/run.sh from the raw files it leaves in WORKDIR:

  enrol.txt         "round series user microseconds ssh-exit" per measured login
                    of the enrolment pass (every user's first login on its host;
                    series unix, iam1, iam0, ctl)
  logins.txt        the same for the steady state (the same users' second login;
                    series unix, iam, iam0, ctl)
  kdf_endpoint_PASS.txt  bench/kdf_cost's line (iam_kdf_verify at the endpoint's
                    cost), -n 1 once before each measured round of PASS
  kdf_offline_enrol.txt  pamlat -K's line (iam_kdf_hash at offline_kdf_log2n), the
                    same in the enrolment pass
  kdf_endpoint.txt, kdf_offline.txt  the same, back to back after the logins
  kdf_control.txt   kdf_cost at the control endpoint's ln=10
  pamlat_online.txt pamlat against the live endpoints (PAMLAT lines)
  pamlat_dead.txt   pamlat with the endpoint dead (PAMLAT lines)
  meta              key=value: the machine, the run, the checks

Percentiles are nearest rank: with 60 samples p99 is the largest.
Exits 1 when a check failed (failed logins, wrong PAM answers, missing
offline records, a verifier made again in the steady state, audit...).
"""
import math
import os
import re
import sys

W = sys.argv[1]
PASS_NAME = {"enrol": "enrolment", "logins": "steady state"}
PASS_COL = {"enrol": "enrolment (first logins)", "logins": "steady state (second logins)"}
# (pass, series): label
LABEL = {
    ("logins", "unix"): "pam_unix (local user, SHA-512 crypt)",
    ("enrol", "iam1"): "pam_iam, first login on this host (makes the offline verifier)",
    ("logins", "iam"): "pam_iam, steady state (keeps the verifier)",
    ("logins", "iam0"): "pam_iam, offline_max_age=0 (no verifier)",
    ("logins", "ctl"): "control: pam_iam, offline_max_age=0, endpoint at ln=10",
    ("enrol", "unix"): "pam_unix (local user), in the enrolment pass",
    ("enrol", "iam0"): "pam_iam, offline_max_age=0, the users' first login",
    ("enrol", "ctl"): "control, the users' first login",
}
# the table's order: the five series, then the enrolment pass's others
ROWS = [("logins", "unix"), ("enrol", "iam1"), ("logins", "iam"), ("logins", "iam0"),
        ("logins", "ctl"), ("enrol", "unix"), ("enrol", "iam0"), ("enrol", "ctl")]
# the pam_iam series compared with pam_unix of the same round of their pass
ADDED = [("enrol", "iam1"), ("logins", "iam"), ("logins", "iam0"), ("logins", "ctl")]
SHORT = {("enrol", "iam1"): "first login", ("logins", "iam"): "steady state",
         ("logins", "iam0"): "offline_max_age=0", ("logins", "ctl"): "control"}
problems = []


def read(name):
    with open(os.path.join(W, name)) as f:
        return f.read()


def kv(line):
    return dict(re.findall(r'(\w+)=("[^"]*"|\S+)', line))


def pct(v, p):
    if not v:
        return float("nan")
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
ms = {}    # (pass, series): {round: ms}
failed = {}
for ps in ("enrol", "logins"):
    for line in read(f"{ps}.txt").splitlines():
        if not line.strip():
            continue
        rnd, series, user, us, rc = line.split()
        key = (ps, series)
        ms.setdefault(key, {})
        if rc != "0":
            failed[key] = failed.get(key, 0) + 1
            continue
        ms[key][int(rnd)] = int(us) / 1000.0
for key, n in failed.items():
    problems.append(f"{n} logins of \"{LABEL.get(key, key)}\" failed (left out of the figures)")
for key in ROWS:
    if not ms.get(key):
        problems.append(f"no successful login of \"{LABEL[key]}\"")
        ms[key] = {0: float("nan")}

# --- KDFs ---------------------------------------------------------------------
kdf_ep = kv(read("kdf_endpoint.txt"))
kdf_off = kv(read("kdf_offline.txt"))
kdf_ctl = kv(read("kdf_control.txt"))


def lines(name):
    return [kv(l) for l in read(name).splitlines() if l.strip()]


ep_rounds = {ps: lines(f"kdf_endpoint_{ps}.txt") for ps in ("enrol", "logins")}
off_rounds = lines("kdf_offline_enrol.txt")
for k in ep_rounds["enrol"] + ep_rounds["logins"] + [kdf_ep]:
    if k.get("ln") != meta.get("kdf_ln"):
        problems.append("the endpoint's KDF was timed at other parameters than the run used")
for k in off_rounds + [kdf_off]:
    if k.get("ln") != meta.get("offline_ln"):
        problems.append("the offline KDF was timed at other parameters than the run used")
ep_v = {ps: [float(k["median_ms"]) for k in ep_rounds[ps]] for ps in ep_rounds}
off_v = [float(k["median_ms"]) for k in off_rounds]
# What is subtracted: the KDFs a login runs, timed alone between the
# measured rounds of its pass (and the control's ln=10 back to back: 3 to
# 5 ms, its spread is immaterial).
K_ep = {ps: pct(ep_v[ps], 50) for ps in ep_v}
K_ep99 = {ps: pct(ep_v[ps], 99) for ps in ep_v}
K_off, K_off99 = pct(off_v, 50), pct(off_v, 99)
K_ctl, K_ctl99 = float(kdf_ctl["median_ms"]), float(kdf_ctl["p99_ms"])
kdf_sum = {("enrol", "iam1"): K_ep["enrol"] + K_off, ("logins", "iam"): K_ep["logins"],
           ("logins", "iam0"): K_ep["logins"], ("logins", "ctl"): K_ctl}
kdf_sum99 = {("enrol", "iam1"): K_ep99["enrol"] + K_off99, ("logins", "iam"): K_ep99["logins"],
             ("logins", "iam0"): K_ep99["logins"], ("logins", "ctl"): K_ctl99}
kdf_what = {("enrol", "iam1"): f"{f1(K_ep['enrol'])} + {f1(K_off)}",
            ("logins", "iam"): f1(K_ep["logins"]), ("logins", "iam0"): f1(K_ep["logins"]),
            ("logins", "ctl"): f1(K_ctl)}


def stats(v):
    return (pct(v, 50), pct(v, 90), pct(v, 99), min(v), max(v), sum(v) / len(v))


def paired(key, base=None):
    """KEY's login minus BASE's (default: pam_unix of the same pass), round by round."""
    a, b = ms[key], ms[base or (key[0], "unix")]
    return [a[r] - b[r] for r in sorted(a) if r in b]


added = {k: paired(k) for k in ADDED}
beyond = {k: [d - kdf_sum[k] for d in added[k]] for k in ADDED}

print(f"### SSH logins through the real sshd ({meta['logins']} per series, "
      f"after {meta['warmup']} warm-up rounds, in each pass)\n")
print("Wall time of `ssh ... true` per login in ms, from the client's start to its exit (TCP, "
      "key exchange, the keyboard-interactive PAM conversation, account, session, `true`, "
      "close). Enrolment pass: every user's first login on its host; steady state: the same "
      "users' second login, after the TOTP step of the last enrolment code had passed "
      f"(a wait of {meta['totp_wait_s']} s). "
      "\"added\" is the pam_iam login minus the pam_unix login of the same round of the same "
      "pass; \"beyond the KDF(s)\" is added minus the median of the KDF(s) that login runs, "
      "timed alone between the rounds of its pass (see below).\n")
print("| series | pass | n | p50 | p90 | p99 | min | max | mean |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")


def row(label, ps, v):
    p50, p90, p99, lo, hi, mean = stats(v)
    print(f"| {label} | {ps} | {len(v)} | {f1(p50)} | {f1(p90)} | {f1(p99)} | {f1(lo)} | "
          f"{f1(hi)} | {f1(mean)} |")


for key in ROWS:
    row(LABEL[key], PASS_COL[key[0]], list(ms[key].values()))
print()
print("| pam_iam series | KDF(s) subtracted, ms | added p50 | p90 | p99 | beyond the KDF(s) p50 | "
      "p90 | p99 | beyond, as the difference of the series' p50 / p90 / p99 |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
qdiff = {}
for k in ADDED:
    u = list(ms[(k[0], "unix")].values())
    v = list(ms[k].values())
    qdiff[k] = tuple(pct(v, p) - pct(u, p) - kdf_sum[k] for p in (50, 90, 99))
    a50, a90, a99 = (pct(added[k], p) for p in (50, 90, 99))
    b50, b90, b99 = (pct(beyond[k], p) for p in (50, 90, 99))
    print(f"| {LABEL[k]} | {kdf_what[k]} | {f1(a50)} | {f1(a90)} | {f1(a99)} | {f1(b50)} | "
          f"{f1(b90)} | {f1(b99)} | {' / '.join(f1(x) for x in qdiff[k])} |")
print()
for ps in ("logins", "enrol"):
    u = list(ms[(ps, "unix")].values())
    print(f"The spread of pam_unix's own logins ({PASS_NAME[ps]} pass), p99 − p50: "
          f"{f1(pct(u, 99) - pct(u, 50))} ms (p90 − p50: {f1(pct(u, 90) - pct(u, 50))} ms): SSH "
          "and the machine, with no identity service involved.\n")

print("### The KDFs alone (same machine, same run)\n")
print("| KDF | parameters | when | n | median ms | p99 ms | min | max |")
print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")


def mib(k):
    return f"{int(k['mem'].rstrip('KiB')) // 1024} MiB"


ep_name = "the endpoint's password check (`kdf_cost`, iam_kdf_verify)"
ep_par = f"scrypt ln={kdf_ep['ln']} r={kdf_ep['r']} p={kdf_ep['p']}, {mib(kdf_ep)}"
off_name = "pam_iam's offline verifier (`pamlat -K`, iam_kdf_hash)"
off_par = f"scrypt ln={kdf_off['ln']} r=8 p=1, {mib(kdf_off)}"
for name, par, when, v in ((ep_name, ep_par, "one before each steady-state round", ep_v["logins"]),
                           (ep_name, ep_par, "one before each enrolment round", ep_v["enrol"]),
                           (off_name, off_par, "one before each enrolment round", off_v)):
    print(f"| {name} | {par} | {when} | {len(v)} | {f1(pct(v, 50))} | "
          f"{f1(pct(v, 99))} | {f1(min(v))} | {f1(max(v))} |")
for name, par, k in ((ep_name, ep_par, kdf_ep), (off_name, off_par, kdf_off),
                     ("the control endpoint's password check (`kdf_cost`)",
                      f"scrypt ln={kdf_ctl['ln']} r=8 p=1, {mib(kdf_ctl)}", kdf_ctl)):
    print(f"| {name} | {par} | back to back after the logins | {k['n']} | {k['median_ms']} | "
          f"{k['p99_ms']} | {k['min_ms']} | {k['max_ms']} |")
print()


def share(a, b):
    """p50(a) − p50(b), and the median of the per-round differences."""
    return (pct(list(ms[a].values()), 50) - pct(list(ms[b].values()), 50),
            pct(paired(a, b), 50))


s_first = share(("enrol", "iam1"), ("enrol", "iam0"))
s_steady = share(("logins", "iam"), ("logins", "iam0"))
print(f"The offline verifier's share, seen from the client: at the first login (enrolment pass), "
      f"p50 with it minus p50 of offline_max_age=0 = {f1(s_first[0])} ms (median of the "
      f"per-round differences: {f1(s_first[1])} ms), against {f1(K_off)} ms for the KDF alone "
      f"(median, between the enrolment rounds). In the steady state (the record read, the "
      f"verifier kept, the record written again): {f1(s_steady[0])} ms (per round: "
      f"{f1(s_steady[1])} ms).\n")

# --- in process, live endpoints -------------------------------------------------
CFG = {"online": "benchmark endpoint, as shipped (the verifier kept; made in the first run)",
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
print("The target: pam_iam adds under 20 ms at p99 beyond the KDF. In the steady state the only "
      "KDF of a pam_iam login is the endpoint's password check; at a user's first login on a "
      "host pam_iam's offline verifier is a second one. \"beyond\" per round: (pam_iam login − "
      "pam_unix login of the same round) − the median(s) of the KDF(s) timed alone; the verdict "
      f"is on its p99 (nearest rank over {meta['logins']} rounds).\n")
IAM1, IAM, IAM0, CTL = ADDED
b = {k: (pct(beyond[k], 50), pct(beyond[k], 99)) for k in ADDED}
loose = {k: pct(added[k], 99) - kdf_sum99[k] for k in ADDED}
verdict = {}
print("| target | figures | verdict |")
print("| --- | --- | --- |")


def target_row(k, what):
    verdict[k] = b[k][1] < 20
    print(f"| {what} | beyond the KDF(s), p50 / p99: {f1(b[k][0])} / {f1(b[k][1])} ms (added "
          f"p99 {f1(pct(added[k], 99))} − KDF median(s) {kdf_what[k]}). Lenient readings: with "
          f"the KDF(s)' p99 subtracted instead, {f1(loose[k])} ms; as the difference of the "
          f"series' p99s, {f1(qdiff[k][2])} ms | {'met' if verdict[k] else 'not met'} |")


target_row(IAM, "**steady state**: pam_iam as shipped adds < 20 ms at p99 beyond the KDF "
           "(benchmark endpoint, default cost; the endpoint's KDF only)")
target_row(IAM0, "the same with offline_max_age=0 (no offline record at all)")
target_row(IAM1, "first login on the host: < 20 ms at p99 beyond the two KDFs (the endpoint's "
           "and the offline verifier's)")
verdict[CTL] = b[CTL][1] < 20
print(f"| the same, measured directly (control endpoint, KDF {f1(K_ctl)} ms, no verifier) | "
      f"beyond the KDF p50 / p99, per round: {f1(b[CTL][0])} / {f1(b[CTL][1])} ms; as the "
      f"difference of the series' percentiles: {f1(qdiff[CTL][0])} / {f1(qdiff[CTL][2])} ms | "
      f"{'met' if verdict[CTL] else 'not met'} |")
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
for ps, name in (("enrol", "Enrolment pass"), ("login", "Steady state")):
    print(f"- {name}: {meta[ps + '_wall_s']} s for the measured rounds ({meta['gap']} s pause "
          f"between logins, the per-round KDF timings included); the benchmark's processes "
          f"used {meta[ps + '_bench_cpu_pct']} % of one CPU, everything else on the machine "
          f"{meta[ps + '_other_cpu_pct']} %; the benchmark endpoint "
          f"{meta[ps + '_policyd_cpu_ms_per_round']} ms of CPU per round. Load average "
          f"{meta[ps + '_load_before']} before, {meta[ps + '_load_after']} after.")
n_expected = int(meta["logins"]) + int(meta["warmup"])
print(f"- sshd logged `Accepted keyboard-interactive/pam` {meta['accepted_a']} times for the "
      f"pam_iam users (offline records made: {meta['offline_records']}; the steady state kept "
      f"the verifier, under the same password stamp, with a later auth_time, for "
      f"{meta['verifiers_kept']} of them), {meta['accepted_b']} for the offline_max_age=0 users "
      f"(records: {meta['offline_records_b']}), {meta['accepted_c']} for the control users and "
      f"{meta['accepted_local']} for the local user (both passes, warm-up included: "
      f"{2 * n_expected} expected each). Steady-state TOTP codes not of a later step than their "
      f"user's enrolment code: {meta['totp_bad']}.")
print(f"- `iamctl audit verify`: {meta['audit_verify_prod']} (benchmark endpoint), "
      f"{meta['audit_verify_ctl']} (control); lines above notice in their logs: "
      f"{meta['policyd_warnings_prod']}, {meta['policyd_warnings_ctl']}.")
print(f"- Whole run: {meta['total_s']} s.")
for k in ("accepted_a", "accepted_b", "accepted_c", "accepted_local"):
    if int(meta[k]) != 2 * n_expected:
        problems.append(f"sshd logged {meta[k]} accepted PAM logins for {k}, not {2 * n_expected}")
if int(meta["offline_records"]) != n_expected or int(meta["offline_records_b"]) != 0:
    problems.append("offline records: expected one per pam_iam user and none with "
                    "offline_max_age=0")
if int(meta["verifiers_kept"]) != n_expected:
    problems.append(f"the steady state kept the verifier of {meta['verifiers_kept']} users, not "
                    f"{n_expected}: it measured other than the steady state")
if int(meta["totp_bad"]) != 0:
    problems.append(f"{meta['totp_bad']} steady-state TOTP codes were perhaps of their user's "
                    "enrolment step")
for e in ("prod", "ctl"):
    if meta[f"audit_verify_{e}"] != "yes":
        problems.append(f"iamctl audit verify failed ({e})")
if problems:
    print("\nPROBLEMS:\n")
    for p in problems:
        print(f"- {p}")
    sys.exit(1)
