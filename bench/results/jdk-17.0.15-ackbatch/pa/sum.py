import glob,re,collections,os
rows=[]
for d in sorted(glob.glob('./r*-*-s*')):
    if not os.path.isdir(d): continue
    name=os.path.basename(d)
    txt=open(d+'.txt').read()
    m=re.search(r'^SessionIngestBenchmark\.signalSliding\s+\d+\s+\S+\s+\d+\s+thrpt\s+([\d.]+)',txt,re.M)
    if not m: continue
    thr=float(m.group(1))
    f=glob.glob(d+'/*/collapsed-cpu.csv')
    if not f: continue
    c=collections.Counter()
    for line in open(f[0]):
        stack,n=line.rsplit(' ',1)
        t=stack.split(';')[0]
        g='writer' if 'jmh-worker' in t else 'commit' if 'wal-commit' in t else 'ack' if 'tidal-ack' in t else 'other'
        c[g]+=int(n)
    na=1e6/(thr*10)
    tot=sum(c.values())*na
    print('%-18s %9.0f/s  ns/signal total %5.0f  writer %4.0f commit %4.0f ack %4.0f other %4.0f'%(name,thr,tot*10,c['writer']*na*10,c['commit']*na*10,c['ack']*na*10,c['other']*na*10))
