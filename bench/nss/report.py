#!/usr/bin/python3
"""Turns the raw lines of bench/nss/run.sh into Markdown tables and target
verdicts.  report.py RESULTS "SIZES" """
import shlex
import sys

SERVICES = ["iam", "files", "cache", "iam-only", "iam-big"]
HEAD = {
    "iam": "nss_iam (files iam)",
    "files": "nss_files",
    "cache": "libnss-cache (files cache)",
    "iam-only": "nss_iam alone",
    "iam-big": "nss_iam alone, big /etc files",
}
OPS = ["getpwnam", "getpwuid", "getgrnam", "getgrgid", "getgrouplist"]


def parse(path):
    rows = []
    with open(path) as f:
        for line in f:
            d = {}
            for tok in shlex.split(line):
                if "=" not in tok:
                    d["tag"] = tok
                    continue
                k, v = tok.split("=", 1)
                if k in d:
                    k = "samples"
                d[k] = v
            rows.append(d)
    return rows


def fmt_us(v):
    v = float(v)
    if v >= 10000:
        return "{:,.0f}".format(v)
    if v >= 100:
        return "{:.0f}".format(v)
    if v >= 10:
        return "{:.1f}".format(v)
    return "{:.2f}".format(v)


def ratio_fmt(r):
    return "{:,.0f}x".format(r) if r >= 10 else "{:.1f}x".format(r) if r >= 1 else "{:.2f}x".format(r)


def fmt_ms(v):
    v = float(v)
    return "{:,.0f}".format(v) if v >= 100 else "{:.1f}".format(v) if v >= 10 else "{:.2f}".format(v)


def n_fmt(n):
    n = int(n)
    return "{:,}".format(n)


def main():
    rows = parse(sys.argv[1])
    sizes = [int(s) for s in sys.argv[2].split()]
    ops = {}
    enum = {}
    cold = {}
    other = {}
    size = {}
    delta = {}
    nsscache = {}
    load = {}
    leak = {}
    timer = []
    for r in rows:
        tag = r.get("tag")
        if tag == "size":
            size[int(r["n"])] = r
        elif tag == "delta":
            delta[int(r["n"])] = r
        elif tag == "nsscache":
            nsscache[int(r["n"])] = r
        elif tag == "cold":
            cold[(int(r["n"]), r["service"])] = float(r["us"])
        elif tag == "load":
            load[int(r["n"])] = r["loadavg"]
        elif tag == "localname_leak":
            leak[int(r["n"])] = r["answer"]
        elif "op" in r:
            ops[(int(r["n"]), r["service"], r["op"], r["kind"])] = r
        elif "enum" in r:
            enum[(int(r["n"]), r["service"], r["enum"])] = r
        elif "other_cpu_pct" in r:
            other[(int(r["n"]), r["service"])] = r
        elif "timer_overhead_ns" in r:
            timer.append(float(r["timer_overhead_ns"]))

    out = []
    p = out.append
    if timer:
        p("clock_gettime overhead: {:.0f} ns per call (included in every sample).".format(
            sorted(timer)[len(timer) // 2]))
        p("")
    for n in sizes:
        p("### {} users, {} groups".format(n_fmt(n), n_fmt(max(n // 10, 1))))
        p("")
        p("Latency per call in µs, p50 / p99 (nearest rank); n = timed calls.")
        p("")
        p("| call | " + " | ".join(HEAD[s] for s in SERVICES) + " | files ÷ iam (p50) |")
        p("| --- |" + " ---: |" * (len(SERVICES) + 1))
        for op in OPS:
            for kind in ("hit", "miss", "big"):
                if not any((n, sv, op, kind) in ops for sv in SERVICES):
                    continue
                cells = []
                for s in SERVICES:
                    r = ops.get((n, s, op, kind))
                    if not r:
                        cells.append("-")
                        continue
                    c = "{} / {}".format(fmt_us(r["p50_us"]), fmt_us(r["p99_us"]))
                    c += " (n={})".format(n_fmt(r["samples"]))
                    if s == "iam-big" and int(r["found"]) > 0:
                        c += " found={}".format(n_fmt(r["found"]))
                    cells.append(c)
                a, b = ops.get((n, "iam", op, kind)), ops.get((n, "files", op, kind))
                ratio = ratio_fmt(float(b["p50_us"]) / float(a["p50_us"])) if a and b else "-"
                label = "{} {}".format(op, kind) if kind != "big" else \
                    "{} hit, biggest groups only (1,000+ members)".format(op)
                p("| {} | {} | {} |".format(label, " | ".join(cells), ratio))
        for e in ("getpwent", "getgrent"):
            cells = []
            for s in SERVICES:
                r = enum.get((n, s, e))
                cells.append("{} ms, {} entries".format(fmt_ms(r["median_ms"]), n_fmt(r["count"]))
                             if r else "-")
            a, b = enum.get((n, "iam", e)), enum.get((n, "files", e))
            ratio = ratio_fmt(float(b["median_ms"]) / float(a["median_ms"])) \
                if a and b and float(a["median_ms"]) > 0 else "-"
            p("| full {} enumeration (median) | {} | {} |".format(e, " | ".join(cells), ratio))
        cells = []
        for s in SERVICES:
            v = cold.get((n, s))
            cells.append("{} µs".format(fmt_us(v)) if v is not None else "-")
        a, b = cold.get((n, "iam")), cold.get((n, "files"))
        ratio = ratio_fmt(b / a) if a and b else "-"
        p("| first getpwnam in a new process (median of 5) | {} | {} |".format(" | ".join(cells), ratio))
        cells = []
        for s in SERVICES:
            r = other.get((n, s))
            cells.append("{} % / {} s".format(r["other_cpu_pct"], r["wall_s"]) if r else "-")
        p("| other CPU during the run / run time | {} | |".format(" | ".join(cells)))
        p("")
        if n in load:
            p("Load average after the {} runs: {}.".format(n_fmt(n), load[n]))
        if n in leak:
            p("With the big local files, nss_iam alone answered a local name: `{}`.".format(leak[n]))
        p("")

    p("### Cache size and build time")
    p("")
    p("| users | passwd+group text | nss_iam cache | cache ÷ text | iamd cache-build (build + install) | libnss-cache files (+ indexes) | nsscache_index.py |")
    p("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n in sizes:
        s, c = size.get(n), nsscache.get(n)
        if not s:
            continue
        p("| {} | {:,} B | {:,} B | {:.2f} | {} s | {} | {} |".format(
            n_fmt(n), int(s["text"]), int(s["cache"]), int(s["cache"]) / int(s["text"]),
            s["build_s"], "{:,} B".format(int(c["size"])) if c else "-",
            "{} s".format(c["build_s"]) if c else "-"))
    p("")
    p("Build times are the median of three runs; all runs: " + "; ".join(
        "{}: {} s".format(n_fmt(n), size[n].get("builds", size[n]["build_s"])) for n in sizes if n in size) + ".")
    for n, d in sorted(delta.items()):
        p("")
        p("Adding {} users to the {}-user directory: `iamd cache-build` of the new files took {} s "
          "(median of {} s; the full build: {} s).".format(d["added"], n_fmt(n), d["build_s"],
                                                          d.get("builds", "?"), size[n]["build_s"]))
    p("")

    # Targets.
    p("### Targets")
    p("")
    p("| target | figures | verdict |")
    p("| --- | --- | --- |")

    def have(*ns):
        return all(n in sizes for n in ns)

    if have(1000):
        worse = []
        detail = []
        for op in OPS:
            for kind in ("hit", "miss", "big"):
                a, b = ops.get((1000, "iam", op, kind)), ops.get((1000, "files", op, kind))
                if not (a and b):
                    continue
                ra = float(a["p50_us"]) / float(b["p50_us"])
                label = "{} {}".format(op, kind if kind != "big" else "biggest groups")
                detail.append("{} {}/{}".format(label, fmt_us(a["p50_us"]), fmt_us(b["p50_us"])))
                if ra > 1:
                    worse.append("{} ({:.1f}x slower)".format(label, ra))
        p("| no slower than nss_files at 1,000 users (p50, iam/files µs) | {} | {} |".format(
            "; ".join(detail), "met" if not worse else "not met: " + ", ".join(worse)))
    if have(100000):
        detail = []
        ok = True
        for op in ("getpwnam", "getpwuid"):
            for kind in ("hit", "miss"):
                a, b = ops.get((100000, "iam", op, kind)), ops.get((100000, "files", op, kind))
                if not (a and b):
                    continue
                ratio = float(b["p50_us"]) / float(a["p50_us"])
                ok = ok and ratio >= 100
                detail.append("{} {} {:,.0f}x".format(op, kind, ratio))
        p("| at least 100x faster than nss_files for getpwnam/getpwuid at 100,000 users (p50) | {} | {} |".format(
            "; ".join(detail), "met" if ok else "not met"))
    if have(1000, 1000000):
        detail = []
        bad = []
        for op in OPS:
            for kind in ("hit", "miss"):
                a, b = ops.get((1000, "iam", op, kind)), ops.get((1000000, "iam", op, kind))
                if not (a and b):
                    continue
                r50 = float(b["p50_us"]) / float(a["p50_us"])
                r99 = float(b["p99_us"]) / float(a["p99_us"])
                detail.append("{} {} {:.2f}x (p99 {:.2f}x)".format(op, kind, r50, r99))
                if r50 > 2:
                    bad.append("{} {}".format(op, kind))
        verdict = "met for every call (p50)" if not bad else "not met: " + ", ".join(bad)
        a, b = cold.get((1000, "iam")), cold.get((1000000, "iam"))
        if a and b:
            detail.append("first lookup in a new process {} µs vs {} µs, {:,.0f}x".format(
                fmt_us(b), fmt_us(a), b / a))
            if b / a > 2:
                verdict += "; not met for the first lookup of each process"
        a, b = enum.get((1000, "iam", "getpwent")), enum.get((1000000, "iam", "getpwent"))
        if a and b:
            per_a = float(a["median_ms"]) * 1000 / int(a["count"])
            per_b = float(b["median_ms"]) * 1000 / int(b["count"])
            detail.append("getpwent per entry {:.2f} µs vs {:.2f} µs".format(per_b, per_a))
        p("| at most 2x slower at 1,000,000 than at 1,000 users (nss_iam, p50) | {} | {} |".format(
            "; ".join(detail), verdict))
    if have(1000, 1000000) and any((1000000, "iam-only", op, "hit") in ops for op in OPS):
        detail = []
        bad = []
        for op in OPS:
            for kind in ("hit", "miss"):
                a, b = ops.get((1000, "iam-only", op, kind)), ops.get((1000000, "iam-only", op, kind))
                if not (a and b):
                    continue
                r50 = float(b["p50_us"]) / float(a["p50_us"])
                detail.append("{} {} {:.2f}x".format(op, kind, r50))
                if r50 > 2:
                    bad.append("{} {} ({:.2f}x)".format(op, kind, r50))
        p("| the same for the module alone (\"passwd: iam\", no files step; p50) | {} | {} |".format(
            "; ".join(detail), "met for every call" if not bad else "not met: " + ", ".join(bad)))
    detail = []
    over = []
    for n in sizes:
        s = size.get(n)
        if s:
            ratio = int(s["cache"]) / int(s["text"])
            if ratio > 2:
                over.append(n_fmt(n))
            detail.append("{}: {:.2f}x".format(n_fmt(n), ratio))
    p("| cache file at most 2x the passwd+group text | {} | {} |".format(
        "; ".join(detail), "met" if not over else "not met at " + ", ".join(over) + " users"))
    if 1000000 in size:
        t = float(size[1000000]["build_s"])
        p("| build and install a 1,000,000-user cache under 10 s | {} s (iamd cache-build, wall clock) | {} |".format(
            size[1000000]["build_s"], "met" if t < 10 else "not met"))
    for n, d in sorted(delta.items()):
        full = float(size[n]["build_s"])
        t = float(d["build_s"])
        p("| a delta of 10 users costs time proportional to the delta | +10 users to {}: {} s, "
          "{:.0f} % of a full build ({} s); proportional would be about {:.3f} ms | not met "
          "(cache-build always rebuilds everything) |".format(
              n_fmt(n), d["build_s"], 100 * t / full, size[n]["build_s"], full * 1000 * 10 / n))
    print("\n".join(out))


if __name__ == "__main__":
    main()
