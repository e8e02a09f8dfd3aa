#!/bin/bash
# top.sh csv threadprefix N : self frames of a thread group
f=$1; p=$2; awk -v p="$p" '{n=$NF; $NF=""; if (index($0,p)!=2 && index($0,p)!=1) next; k=split($0,fr,";"); leaf=fr[k]; gsub(/ +$/,"",leaf); tot[leaf]+=n} END{for(k in tot) printf "%8d %s\n", tot[k], k}' $f | sort -rn | head -${3:-25}
