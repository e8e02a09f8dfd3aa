#!/usr/bin/env python3
"""Summarises an out-dir of bench/ab-replication.sh as markdown (python3, stdlib only).

Usage: bench/ab-summary.py <out-dir>

Prints, per benchmark and per jar, the mean and the min-max over the rounds, and the after/base
ratio of the means: throughput to full convergence (signals/s, the JMH ":signals" counter, one
trial mean per round), bytes per signal (-prof gc on the 1M runs), ReplicationLatency's p50, p99
and p99.9 per level, ClusterIdleCost's idle %, and the limits of the window (64 B append fsyncs/s,
1 MiB appends MiB/s, bare map updates/s) at the start and at the end. Then it checks each criterion
of docs/design/replication-threading.md §6 "Acceptance per gated step" and prints pass, FAIL or
n/a (not measured) with the rule applied. Exits 0 when every criterion passes, 1 otherwise.
"""

import glob
import json
import os
import re
import statistics
import sys

JARS = ("base", "after")
LAT_SERIES = (
    ("LOCAL", "ack", "LOCAL ack"),
    ("LOCAL", "applied", "LOCAL call → applied on every other region"),
    ("QUORUM", "ack", "QUORUM ack"),
    ("QUORUM", "applied", "QUORUM call → applied on all regions"),
)
LAT_ROW = re.compile(
    r"^\| (LOCAL|QUORUM) \| (ack|call start)[^|]*\| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|"
)
IDLE = re.compile(r"idle three-region cluster ([\d.]+) % of one core")
COUNTERS = re.compile(r"^replication counters: (.*)$")
DROP_LOG = re.compile(r"dropped a frame from \S+: ([A-Z_]+):")
START = re.compile(r"replication of \S+ started:")
STEP_LINE = re.compile(r"^(start|end  ) (\d\d:\d\d:\d\d) .*load average: ([\d.]+)")
P50_SLACK_MS = 0.050
SETS = {"tp1m": "1M", "tp25k": "25k"}


def step_files(out, kind):
    """Returns {jar: {round: path}} of the step files <kind>-<jar>-<round>.txt."""
    found = {j: {} for j in JARS}
    for path in glob.glob(os.path.join(out, kind + "-*-*.txt")):
        m = re.match(re.escape(kind) + r"-(base|after)-(\d+)\.txt$", os.path.basename(path))
        if m:
            found[m.group(1)][int(m.group(2))] = path
    return found


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return []


def metric(entry, name):
    """Returns a secondary metric's score, matching JMH's name with or without a leading dot."""
    for key, value in entry.get("secondaryMetrics", {}).items():
        if key.lstrip("·:") == name:
            return value["score"]
    return None


def throughput(out):
    """Returns {(kind, count, writers): {jar: [signals/s per round]}} and the same for B/signal."""
    signals, alloc = {}, {}
    for kind in ("tp1m", "tp25k"):
        for jar, rounds in step_files(out, kind).items():
            for r in sorted(rounds):
                for e in load_json(rounds[r][: -len(".txt")] + ".json"):
                    count = int(e["params"]["count"])
                    key = (kind, count, int(e["params"]["writers"]))
                    s = metric(e, "signals")
                    if s is not None:
                        signals.setdefault(key, {j: [] for j in JARS})[jar].append(s)
                    norm = metric(e, "gc.alloc.rate.norm")
                    if norm is not None:
                        alloc.setdefault(key, {j: [] for j in JARS})[jar].append(norm / count)
    return signals, alloc


def latency(out):
    """Returns {(level, kind, pct): {jar: [ms per round]}}, pct in p50/p99/p99.9."""
    series = {}
    for jar, rounds in step_files(out, "latency").items():
        for r in sorted(rounds):
            for line in read(rounds[r]).splitlines():
                m = LAT_ROW.match(line)
                if not m:
                    continue
                kind = "ack" if m.group(2) == "ack" else "applied"
                for pct, value in (("p50", m.group(3)), ("p99", m.group(5)), ("p99.9", m.group(6))):
                    key = (m.group(1), kind, pct)
                    series.setdefault(key, {j: [] for j in JARS})[jar].append(float(value))
    return series


def idle(out):
    series = {j: [] for j in JARS}
    for jar, rounds in step_files(out, "idle").items():
        for r in sorted(rounds):
            m = IDLE.search(read(rounds[r]))
            if m:
                series[jar].append(float(m.group(1)))
    return series


def health(out):
    """Per jar: lease-lost lines, summed counters, drop causes seen in the log, request drops."""
    result = {}
    for jar in JARS:
        h = {"lease": 0, "leaseAtClose": 0, "steps": 0, "counted": 0, "pauses": 0, "dropped": {}, "logged": set(),
             "requestDrop": 0, "failed": []}
        for kind in ("tp1m", "tp25k", "latency", "idle"):
            for r, path in sorted(step_files(out, kind)[jar].items()):
                text = read(path)
                h["steps"] += 1
                running = True
                for line in text.splitlines():
                    if START.search(line):
                        running = True  # a cluster starts (the next fork, or the next trial)
                    elif COUNTERS.match(line):
                        running = False  # printed just before the cluster closes
                    elif "lease lost" in line:
                        h["lease" if running else "leaseAtClose"] += 1
                h["requestDrop"] += text.count("replication wait queue full")
                h["logged"].update(DROP_LOG.findall(text))
                rc = re.findall(r" rc=(\d+)", text)
                if not rc or rc[-1] != "0":
                    h["failed"].append(os.path.basename(path))
                for line in text.splitlines():
                    c = COUNTERS.match(line)
                    if not c:
                        continue
                    h["counted"] += 1
                    fields = dict(re.findall(r"(\w+)=(\{[^}]*\}|\[[^\]]*\]|\S+)", c.group(1)))
                    h["pauses"] += int(fields.get("pausesForgiven", 0))
                    for cause, n in re.findall(r"([A-Z_]+)=(\d+)", fields.get("dropped", "")):
                        h["dropped"][cause] = h["dropped"].get(cause, 0) + int(n)
        result[jar] = h
    return result


def limits(out):
    """Returns [(label, start, end)] of the window's limits."""
    rows = []

    def score(name, bench, params):
        for e in load_json(os.path.join(out, name + ".json")):
            if e["benchmark"].endswith(bench) and all(
                e.get("params", {}).get(k) == v for k, v in params.items()
            ):
                return e["primaryMetric"]["score"]
        return None

    for label, name, bench, params, fmt in (
        ("64 B append + fsync, fsyncs/s", "disk", "smallWriteForce",
         {"mode": "append", "writeBytes": "64"}, "{:,.0f}"),
        ("1 MiB append + fsync, MiB/s", "disk", "sequentialWrite1MiBForce", {}, "{:,.0f}"),
        ("bare map, 1M keys, updates/s", "baremap", "openAddressing",
         {"keyCount": "1000000"}, "{}"),
        ("bare map, 1,000 keys, updates/s", "baremap", "openAddressing",
         {"keyCount": "1000"}, "{}"),
    ):
        values = [score(name + "-" + when, bench, params) for when in ("start", "end")]
        rows.append((label, *[
            "n/a" if v is None else (si(v) if fmt == "{}" else fmt.format(v)) for v in values
        ]))
    return rows


def set_order(key):
    """Orders throughput keys (set, count, writers): the 1M set first, then by writers."""
    return (list(SETS).index(key[0]), key[2])


def si(v):
    for div, suffix in ((1e6, " M"), (1e3, " k")):
        if abs(v) >= div:
            return "{:.3g}{}".format(v / div, suffix)
    return "{:.3g}".format(v)


def spread(values, fmt):
    if not values:
        return "n/a"
    text = fmt(statistics.mean(values))
    if len(values) > 1:
        text += " ({}–{})".format(fmt(min(values)), fmt(max(values)))
    return text + " ×{}".format(len(values))


def ratio(by_jar):
    b, a = by_jar["base"], by_jar["after"]
    if not b or not a or statistics.mean(b) == 0:
        return "n/a"
    return "{:.3f}".format(statistics.mean(a) / statistics.mean(b))


def ms(v):
    return "{:.3f}".format(v)


def window(out):
    """Returns the first start, the last end and the load range over every step."""
    times, loads = [], []
    for path in glob.glob(os.path.join(out, "*.txt")):
        for line in read(path).splitlines()[:2] + read(path).splitlines()[-1:]:
            m = STEP_LINE.match(line)
            if m:
                times.append(m.group(2))
                loads.append(float(m.group(3)))
    if not times:
        return "n/a"
    return "{}–{} UTC, load average {:.2f}–{:.2f}".format(min(times), max(times), min(loads),
                                                         max(loads))


class Gate:
    def __init__(self):
        self.rows = []

    def check(self, criterion, rule, ok, detail):
        verdict = "n/a" if ok is None else ("pass" if ok else "**FAIL**")
        self.rows.append((criterion, rule, detail, verdict))

    def passed(self):
        return all(r[3] == "pass" for r in self.rows)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    out = sys.argv[1]
    signals, alloc = throughput(out)
    lat = latency(out)
    idl = idle(out)
    hl = health(out)
    jars = {}
    if os.path.exists(os.path.join(out, "jars.txt")):
        for line in read(os.path.join(out, "jars.txt")).splitlines():
            parts = line.split()
            if len(parts) >= 3:
                jars[parts[0]] = "{} (sha256 {})".format(os.path.basename(parts[2]), parts[1][:12])

    print("## Replication A/B: {}".format(os.path.basename(os.path.normpath(out))))
    print()
    print("base = {}, after = {}; {}. Each cell: mean over rounds (min–max) ×rounds.".format(
        jars.get("base", "?"), jars.get("after", "?"), window(out)))
    if os.path.exists(os.path.join(out, "settings.txt")):
        print()
        print("Settings: " + "; ".join(
            l for l in read(os.path.join(out, "settings.txt")).splitlines()[1:]))
    print()
    print("| benchmark | figure | base | after | after/base |")
    print("|---|---|---|---|---|")
    for key in sorted(signals, key=set_order):
        kind, count, writers = key
        name = "ReplicationThroughputBenchmark, {} set: count={:,} writers={}".format(
            SETS[kind], count, writers)
        print("| {} | signals/s to convergence | {} | {} | {} |".format(
            name, spread(signals[key]["base"], si), spread(signals[key]["after"], si),
            ratio(signals[key])))
        if key in alloc:
            b = lambda v: "{:.1f}".format(v)
            print("| {} | B/signal (-prof gc) | {} | {} | {} |".format(
                name, spread(alloc[key]["base"], b), spread(alloc[key]["after"], b),
                ratio(alloc[key])))
    for level, kind, label in LAT_SERIES:
        for pct in ("p50", "p99", "p99.9"):
            key = (level, kind, pct)
            if key in lat:
                print("| ReplicationLatency | {} {}, ms | {} | {} | {} |".format(
                    label, pct, spread(lat[key]["base"], ms), spread(lat[key]["after"], ms),
                    ratio(lat[key])))
    print("| ClusterIdleCost | idle, % of one core | {} | {} | {} |".format(
        spread(idl["base"], lambda v: "{:.1f}".format(v)),
        spread(idl["after"], lambda v: "{:.1f}".format(v)), ratio(idl)))
    for what, f in (("\"lease lost\" lines while the cluster ran", lambda h: str(h["lease"])),
                    ("\"lease lost\" lines while it closed (ignored)",
                     lambda h: str(h["leaseAtClose"])),
                    ("replication counters: forgiven pauses", lambda h: str(h["pauses"])),
                    ("replication counters: dropped frames",
                     lambda h: ", ".join("{} {}".format(k, v) for k, v in
                                         sorted(h["dropped"].items())) or "none"),
                    ("failed steps (rc ≠ 0)", lambda h: ", ".join(h["failed"]) or "none")):
        print("| all replication steps | {} | {} | {} | |".format(what, f(hl["base"]),
                                                                 f(hl["after"])))
    print()
    print("Limits of the window (after jar):")
    print()
    print("| limit | start | end |")
    print("|---|---|---|")
    for row in limits(out):
        print("| {} | {} | {} |".format(*row))

    gate = Gate()
    for key in sorted(signals, key=set_order):
        b, a = signals[key]["base"], signals[key]["after"]
        ok = None if not a or not b else statistics.mean(a) >= min(b)
        gate.check("Throughput: the mean of the after jar is within the before jar's range",
                   "{} set, count={:,} writers={}: after mean ≥ base min".format(
                       SETS[key[0]], key[1], key[2]), ok,
                   "{} vs {}".format(si(statistics.mean(a)) if a else "n/a",
                                     si(min(b)) if b else "n/a"))
    for level, kind, label in (LAT_SERIES[2], LAT_SERIES[1]):
        key = (level, kind, "p50")
        b, a = lat.get(key, {}).get("base", []), lat.get(key, {}).get("after", [])
        ok = None if not a or not b else statistics.mean(a) - statistics.mean(b) <= P50_SLACK_MS
        gate.check("QUORUM and LOCAL-applied p50: at most 50 µs above the before jar",
                   "{} p50: after mean − base mean ≤ 0.050 ms".format(label), ok,
                   "{:+.3f} ms".format(statistics.mean(a) - statistics.mean(b)) if a and b
                   else "n/a")
    for level, kind, label in LAT_SERIES:
        key = (level, kind, "p99")
        b, a = lat.get(key, {}).get("base", []), lat.get(key, {}).get("after", [])
        ok = None if not a or not b else statistics.mean(a) <= max(b)
        gate.check("p99: inside the spread of the before runs",
                   "{} p99: after mean ≤ base max".format(label), ok,
                   "{} vs {} ms".format(ms(statistics.mean(a)), ms(max(b))) if a and b
                   else "n/a")
    b, a = idl["base"], idl["after"]
    gate.check("Idle cost: not higher", "after mean ≤ base max (the spread of base)",
               None if not a or not b else statistics.mean(a) <= max(b),
               "{:.1f} vs {:.1f} %".format(statistics.mean(a), max(b)) if a and b else "n/a")
    after = hl["after"]
    gate.check("Zero lease losses",
               "no \"lease lost\" line in any after step while its cluster ran",
               None if after["steps"] == 0 else after["lease"] == 0,
               "{} (base {})".format(after["lease"], hl["base"]["lease"]))
    for cause in ("INBOX_FULL", "FOLLOWER_QUEUE_FULL"):
        if after["counted"]:
            ok, detail = after["dropped"].get(cause, 0) == 0, "{} in {} counter lines".format(
                after["dropped"].get(cause, 0), after["counted"])
        else:
            ok, detail = None, "no counter line in the after output"
        if cause in after["logged"]:
            ok, detail = False, detail + "; logged"
        gate.check("Zero INBOX_FULL, FOLLOWER_QUEUE_FULL and RequestDrop",
                   "NodeDrop.{} = 0 in the after runs' counters".format(cause), ok, detail)
    gate.check("Zero INBOX_FULL, FOLLOWER_QUEUE_FULL and RequestDrop",
               "RequestDrop: no \"replication wait queue full\" log line in the after runs"
               " (no counter printed yet)",
               None if after["steps"] == 0 else after["requestDrop"] == 0,
               str(after["requestDrop"]))
    for key in sorted(alloc, key=set_order):
        b, a = alloc[key]["base"], alloc[key]["after"]
        gate.check("Allocation per signal: not higher",
                   "{} set, count={:,} writers={}: after mean ≤ base max (B/signal)".format(
                       SETS[key[0]], key[1], key[2]),
                   None if not a or not b else statistics.mean(a) <= max(b),
                   "{:.1f} vs {:.1f}".format(statistics.mean(a), max(b)) if a and b else "n/a")
    if not alloc:
        gate.check("Allocation per signal: not higher", "needs -prof gc on the 1M runs", None,
                   "n/a")

    rounds = None
    m = re.search(r"^rounds=(\d+)$", read(os.path.join(out, "settings.txt")), re.M) if \
        os.path.exists(os.path.join(out, "settings.txt")) else None
    if m:
        rounds = int(m.group(1))
    figures = [("{} set writers={}".format(SETS[k[0]], k[2]), v) for k, v in signals.items()]
    figures += [("latency", v) for v in lat.values()] + [("idle", idl)]
    short = sorted({name for name, by_jar in figures
                    if any(len(by_jar[j]) != rounds for j in JARS)})
    if not lat:
        short.append("latency")
    failed = hl["base"]["failed"] + hl["after"]["failed"]
    gate.check("(script) every step ran and gave its figures",
               "rc = 0 everywhere; every figure has one value per round of each jar",
               None if rounds is None else not failed and not short,
               "; ".join(filter(None, ["failed: " + ", ".join(failed) if failed else "",
                                       "missing rounds: " + ", ".join(short) if short else ""]))
               or "{} rounds complete".format(rounds))

    print()
    print("Gate (docs/design/replication-threading.md §6, \"Acceptance per gated step\"):")
    print()
    print("| criterion | rule applied | after vs base | result |")
    print("|---|---|---|---|")
    for row in gate.rows:
        print("| {} | {} | {} | {} |".format(*row))
    print()
    print("**Gate: {}**".format("PASS" if gate.passed() else "FAIL (or not fully measured)"))
    return 0 if gate.passed() else 1


if __name__ == "__main__":
    sys.exit(main())
