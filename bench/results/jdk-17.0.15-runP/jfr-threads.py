import re,sys,collections
txt=open(sys.argv[1]).read()
evs=txt.split("jdk.ExecutionSample {")
incl=collections.Counter(); top=collections.Counter(); n=0
filt=sys.argv[2]
for e in evs[1:]:
    m=re.search(r'sampledThread = "([^"]+)"',e)
    if not m or filt not in m.group(1): continue
    n+=1
    frames=re.findall(r'^\s+([\w.$<>]+)\(',e,re.M)
    frames=[f for f in frames]
    if frames: top[frames[0]]+=1
    for f in set(frames): incl[f]+=1
print("samples",n)
print("--- top")
for f,c in top.most_common(25): print(f"{c:5d} {100*c/n:5.1f}% {f}")
print("--- inclusive")
for f,c in incl.most_common(60): print(f"{c:5d} {100*c/n:5.1f}% {f}")
