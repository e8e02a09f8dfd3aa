#!/bin/bash
# cmp.sh plainTag sessionTag : inclusive ns/signal per thread group for frames
P=$(ls $1/*/collapsed-cpu.csv); S=$(ls $2/*/collapsed-cpu.csv)
np=$(grep -E "signalSliding:signals" $1.txt | tail -1 | awk '{print $(NF-1)}'); ns=$(grep -E "signalSliding:signals" $2.txt | tail -1 | awk '{print $(NF-1)}')
for g in "tidal-wal-commit" "jmh-worker" "tidal-ack"; do
  a=$(grep -F "$g" $P | awk -v n=$np '{s+=$NF} END{printf "%.0f", s*1e5/n}'); b=$(grep -F "$g" $S | awk -v n=$ns '{s+=$NF} END{printf "%.0f", s*1e5/n}')
  echo "$g plain $a session $b"
done
for q in "$@"; do :; done
