#!/bin/bash
# under.sh csv threadpat frame : children (next frame) of frame, with inclusive samples
awk -v p="$2" -v q="$3" '{n=$NF; if (index($0,p)==0) next; $NF=""; k=split($0,fr,";"); for(i=1;i<k;i++){ g=fr[i]; gsub(/ +$/,"",g); if (g==q) { c=fr[i+1]; gsub(/ +$/,"",c); a[c]+=n; break } } if (i==k) { g=fr[k]; gsub(/ +$/,"",g); if (g==q) a["<self>"]+=n } } END{for(x in a) printf "%6d %s\n", a[x], x}' $1 | sort -rn | head -${4:-15}
