import json,re,glob,os,sys,statistics
D=sys.argv[1]
rows={}
for f in sorted(glob.glob(D+'/ingest-*.txt')):
    name=os.path.basename(f)[:-4]
    m=re.match(r'ingest-w(\d+)-r(\d+)-(\w+)-s(\w+)',name)
    w,r,jar,s=m.groups()
    txt=open(f).read()
    j=json.load(open(f[:-4]+'.json'))[0]
    sig=j['secondaryMetrics']['signals']
    score=sig['score']; raw=[x for it in sig['rawData'] for x in it]
    alloc=j['secondaryMetrics']['gc.alloc.rate.norm']['score']/int(w)
    rpf=[float(x) for x in re.findall(r'([\d.]+) records/fsync',txt)]
    cpu=re.search(r'cpu: ([\d.]+) s user, ([\d.]+) s sys',txt)
    recs=re.findall(r'WalMetrics\[batches=\d+, records=(\d+)',txt)
    load=re.search(r'\((\d\d:\d\d:\d\d), load average: ([\d.]+)',txt)
    endload=re.search(r'== end (\d\d:\d\d:\d\d), load average: ([\d.]+)',txt)
    rows[(int(w),jar,s,int(r))]=dict(score=score,mn=min(raw),mx=max(raw),alloc=alloc,rpf=statistics.mean(rpf) if rpf else 0,
        cpu=float(cpu.group(1))+float(cpu.group(2)) if cpu else 0, recs=sum(int(x) for x in recs), t=load.group(1), l0=load.group(2), l1=endload.group(2))
for k in sorted(rows, key=lambda k:(-k[0],k[3],k[1],k[2])):
    v=rows[k]
    print(k, f"{v['score']/1000:.1f}k ({v['mn']/1000:.0f}-{v['mx']/1000:.0f}) alloc {v['alloc']:.0f} B rpf {v['rpf']:.0f} cpu/rec {v['cpu']/max(v['recs'],1)*1e6:.2f}us at {v['t']} load {v['l0']}-{v['l1']}")
print()
for w in (1024,64):
    for jar in ('main','branch'):
        a={s:[rows[(w,jar,s,r)]['score'] for r in (1,2,3,4) if (w,jar,s,r) in rows] for s in ('false','true')}
        if not a['false'] or not a['true']: continue
        per=[t/f for t,f in zip(a['true'],a['false'])]
        print(w,jar,'without',[round(x/1000,1) for x in a['false']],'mean',round(statistics.mean(a['false'])/1000,1),
              'with',[round(x/1000,1) for x in a['true']],'mean',round(statistics.mean(a['true'])/1000,1),
              'ratio',round(statistics.mean(a['true'])/statistics.mean(a['false']),3),'per round',[round(x,2) for x in per],
              'alloc', [round(statistics.mean([rows[(w,jar,s,r)]['alloc'] for r in (1,2,3,4) if (w,jar,s,r) in rows])) for s in ('false','true')],
              'rpf', [round(statistics.mean([rows[(w,jar,s,r)]['rpf'] for r in (1,2,3,4) if (w,jar,s,r) in rows])) for s in ('false','true')])
