# Sums an engine trace (engine-trace.diff applied, -Dtidal.reconcile.trace=true; ReconcileClusterTiming
# output) per attempt: wall time handling each message type on the engine threads, summed over both
# rounds, and 'wait' = last frame queued -> its message handled. Wall time: under load it includes
# time the thread was descheduled.
import re,sys,collections
cur=collections.Counter()
for line in open(sys.argv[1]):
    if line.startswith('warm-up'):
        cur=collections.Counter(); continue
    m=re.match(r'attempt (\d+): .*?cluster reconciliation: ([\d.]+) ms',line)
    if m:
        print('attempt',m.group(1),'total',m.group(2),'ms:',{a:round(b,1) for a,b in cur.items()})
        cur=collections.Counter(); continue
    m=re.match(r'TRACE (\S+)<-(\S+) (\w+) sess \w+ bytes (\d+) arrivedToStart ([\d.]+) ms handle ([\d.]+) ms',line)
    if m:
        cur[m.group(3)]+=float(m.group(6)); cur['wait']+=float(m.group(5))
