#!/usr/bin/env python3
"""ratios.py DIR...: per run, the median of its five CPU ratios (plain/session) and its throughput ratio."""
import statistics, sys
for d in sys.argv[1:]:
    print("==", d)
    arms = {}
    for line in open(d + "/pairs.txt"):
        head, cpu, _ = line.split("|")
        r, arm, p, q = head.split()
        c = [float(x) for x in cpu.split()]
        arms.setdefault(arm, []).append((statistics.median(c), float(q) / float(p), min(c), max(c)))
    for arm, rows in arms.items():
        meds = [m for m, _, _, _ in rows]
        print(f"{arm:8s} cpu medians {' '.join(f'{m:.3f}' for m in meds)} | median {statistics.median(meds):.3f}"
              f" | range {min(lo for _, _, lo, _ in rows):.3f}-{max(hi for _, _, _, hi in rows):.3f}"
              f" | throughput {' '.join(f'{t:.3f}' for _, t, _, _ in rows)}")
