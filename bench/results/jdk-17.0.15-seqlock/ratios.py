import sys,collections,statistics
rows=[l.split() for l in open(sys.argv[1]) if len(l.split())==4]
d=collections.defaultdict(dict)
for r,j,s,v in rows: d[(r,j)][s]=float(v.replace(',',''))
per=collections.defaultdict(list); f=collections.defaultdict(list); t=collections.defaultdict(list)
for (r,j),v in sorted(d.items()):
    if 'true' in v and 'false' in v:
        per[j].append(v['true']/v['false']); f[j].append(v['false']); t[j].append(v['true'])
for j in per:
    print(j,'ratios',' '.join('%.2f'%x for x in per[j]),'median %.3f mean %.3f'%(statistics.median(per[j]),statistics.mean(per[j])),
          'false med %.0fk true med %.0fk'%(statistics.median(f[j])/1e3,statistics.median(t[j])/1e3))
