#!/usr/bin/env bash
# JFR of one arm: jar tag window sessions
JAR=$1; TAG=$2; W=$3; S=$4
java -jar $JAR SessionIngestBenchmark -t 1 -p sessions=$S -p window=$W -wi 2 -w 2 -i 4 -r 3 -f 1 \
  -jvmArgsAppend "-XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints -XX:StartFlightRecording=filename=/tmp/perf3/$TAG-w$W-s$S.jfr,settings=profile,jdk.ExecutionSample#period=1ms" 2>&1 | grep -E ":signals|Error|error" 
