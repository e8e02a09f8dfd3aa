import sys,glob,re,collections,os
for d in sys.argv[1:]:
    f=glob.glob(d+'/*/collapsed-cpu.csv') or glob.glob(d+'/*/collapsed-itimer.csv') or glob.glob(d+'/*/*.csv')
    jmh=open(d+'/jmh.txt').read()
    sig=float(re.search(r':signals\s+\d+\s+\w+\s+\d+\s+thrpt\s+\d+\s+([\d.]+)',jmh)[1])
    n=sig*10  # 5 x 2 s measured
    thr=collections.Counter(); frames=collections.Counter(); tot=0
    for line in open(f[0]):
        st,c=line.rsplit(' ',1); c=int(c); tot+=c
        fr=st.split(';'); t=fr[0]
        name=re.sub(r'\s*tid=\d+','',t)
        name=re.sub(r'-\d+\]$',']',name)
        if 'Benchmark' in st and 'signalWindowAndAwait' in st: key='writer'
        elif 'CommitLoop' in st: key='commit'
        elif 'DurabilityTracker' in st or 'ack' in name.lower(): key='ack/other:'+name[:30]
        else: key='other:'+name[:30]
        thr[key]+=c
        for x in set(fr):
            if any(k in x for k in ('SessionWrites','ShardSessions','SessionTable','InFlightWrites','SessionPayload','QueuedFeeds','BatchHandoff.append','StampedLock','RecordDescriptor','BatchCursor')):
                frames[x.split('(')[0]]+=c
    print(f"== {d}: {sig/1e3:.0f} k signals/s, {tot} samples")
    for k,v in sorted(thr.items(), key=lambda kv:-kv[1])[:6]: print(f"   {k:45s} {v:6d}  {v/n*1e3:.3f} per 1k signals")
    for k,v in frames.most_common(12): print(f"     {k:70s} {v:6d} {v/n*1e3:.3f}")
