#!/usr/bin/env python3
"""Tables of a run.sh output directory: per window, jar and round the durable signals/s of each arm
(JMH :signals mean), the ratio with/without per round, records per fsync (measured iterations), the
CPU of the arm's whole JVM (user + sys, /usr/bin/time) per WAL record (warm-up included), the load
at the arm's start. Usage: table.py OUT"""
import json, re, sys, glob, os, statistics
out = sys.argv[1]
arms = {}
for f in sorted(glob.glob(os.path.join(out, 'ingest-w*-r*-*-s*.txt'))):
    m = re.match(r'ingest-w(\d+)-r(\d+)-(\w+)-s(\w+)\.txt', os.path.basename(f))
    w, r, tag, s = int(m[1]), int(m[2]), m[3], m[4] == 'true'
    text = open(f).read()
    load = re.search(r'load average: ([\d.]+)', text)
    recs = [int(x) for x in re.findall(r'\[wal: (\d+) records', text)]
    meas = re.findall(r'^Iteration +\d+: +\[wal: (\d+) records, (\d+) fsyncs', text, re.M)
    cpu = re.search(r'cpu: ([\d.]+) s user, ([\d.]+) s sys', text)
    js = f[:-4] + '.json'
    sig = None
    if os.path.exists(js) and os.path.getsize(js) > 0:
        sig = json.load(open(js))[0]['secondaryMetrics']['signals']['score']
    rpf = sum(int(a) for a, b in meas) / max(1, sum(int(b) for a, b in meas)) if meas else None
    cpr = (float(cpu[1]) + float(cpu[2])) / sum(recs) * 1e6 if cpu and recs else None
    arms[(w, tag, r, s)] = dict(sig=sig, rpf=rpf, cpr=cpr, load=float(load[1]) if load else None)
for w in sorted({k[0] for k in arms}, reverse=True):
    for tag in ('base','s1','s2','s3','main'):
        rounds = sorted({k[2] for k in arms if k[0] == w and k[1] == tag})
        if not rounds:
            continue
        print(f'window {w}, {tag}:')
        ratios = []
        for r in rounds:
            a, b = arms.get((w, tag, r, False)), arms.get((w, tag, r, True))
            if not a or not b or a['sig'] is None or b['sig'] is None:
                continue
            ratio = b['sig'] / a['sig']
            ratios.append(ratio)
            print(f"  round {r}: without {a['sig']/1e3:7.1f} k (load {a['load']}), with {b['sig']/1e3:7.1f} k"
                  f" (load {b['load']}), ratio {ratio:.2f}; rec/fsync {a['rpf']:.0f} / {b['rpf']:.0f};"
                  f" CPU/record {a['cpr']:.2f} / {b['cpr']:.2f} us")
        wo = [arms[(w, tag, r, False)]['sig'] for r in rounds if arms.get((w, tag, r, False), {}).get('sig')]
        wi = [arms[(w, tag, r, True)]['sig'] for r in rounds if arms.get((w, tag, r, True), {}).get('sig')]
        co = [arms[(w, tag, r, False)]['cpr'] for r in rounds if arms.get((w, tag, r, False), {}).get('cpr')]
        ci = [arms[(w, tag, r, True)]['cpr'] for r in rounds if arms.get((w, tag, r, True), {}).get('cpr')]
        if wo and wi:
            print(f"  means: without {statistics.mean(wo)/1e3:.1f} k, with {statistics.mean(wi)/1e3:.1f} k,"
                  f" ratio of means {statistics.mean(wi)/statistics.mean(wo):.2f}, median round ratio"
                  f" {statistics.median(ratios):.2f}; CPU/record {statistics.mean(co):.2f} / {statistics.mean(ci):.2f} us")
for f in ('limits-start-disk', 'limits-start-baremap', 'limits-end-baremap'):
    p = os.path.join(out, f + '.txt')
    if os.path.exists(p):
        t = open(p).read()
        m = re.search(r'(?:smallWriteForce|openAddressing)\s.*thrpt\s+\d+\s+([\d.]+)', t)
        l = re.search(r'load average: ([\d.]+)', t)
        print(f"{f}: {m[1] if m else '?'} ops/s (load {l[1] if l else '?'})")
