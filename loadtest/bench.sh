#!/usr/bin/env bash
# Side-by-side benchmark: the gateway against baselines, in one run, A/B/A/B.
#
#   loadtest/bench.sh                 # defaults below; override with env, e.g. ROUNDS=5 PAIRS=1000 loadtest/bench.sh
#
# Systems: gateway (this project, memory store), b0 (plain Netty WebSocket relay, loadtest module),
# node (Node `ws` relay, loadtest/baselines/node-relay; skipped when node/npm are missing).
# Per round and system: start the server pinned to CPU 1 (the driver runs on CPU 0), run the steady
# chat scenario (server CPU time measured over the steady window from /proc), then the idle soak
# (heap after a full GC and RSS, before and while holding IDLE sessions), stop the server.
# Round 0 is a warm-up and is not counted. Prints per system the median over rounds of: routed
# messages per server CPU-second, p50/p99/p99.9, heap and RSS per idle session, and the ratio to b0.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
PAIRS=${PAIRS:-500}
RATE=${RATE:-4}
WINDOW=${WINDOW:-15}
IDLE=${IDLE:-5000}
SYSTEMS=${SYSTEMS:-"gateway b0 node"}
OUT=${OUT:-bench-results/$(date +%Y%m%d-%H%M%S)}
JVM_OPTS=${JVM_OPTS:-"-Xms1g -Xmx1g -XX:+UseG1GC"}
SERVER_CPU=${SERVER_CPU:-1}
DRIVER_CPU=${DRIVER_CPU:-0}
mkdir -p "$OUT"

[ -f gateway/target/chat-gateway.jar ] && [ -f loadtest/target/chat-loadtest.jar ] || mvn -B -q package -DskipTests
if [[ " $SYSTEMS " == *" node "* ]]; then
  if command -v node >/dev/null && command -v npm >/dev/null; then
    [ -d loadtest/baselines/node-relay/node_modules ] || (cd loadtest/baselines/node-relay && npm install --no-audit --no-fund >/dev/null)
  else
    echo "node/npm not found: skipping the node baseline"; SYSTEMS=${SYSTEMS/node/}
  fi
fi

PORT=18480
start_server() { # $1 = system; sets PID and URL
  case "$1" in
    gateway)
      CHAT_GATEWAY_PORT=$PORT CHAT_GATEWAY_ADMIN_PORT=$((PORT+1)) CHAT_GATEWAY_LOG_LEVEL=WARN \
        taskset -c "$SERVER_CPU" java $JVM_OPTS -jar gateway/target/chat-gateway.jar >"$OUT/$1.log" 2>&1 &
      PID=$!; URL=http://127.0.0.1:$PORT; SECRET=dev-only-secret-change-me-0123456789abcdef ;;
    b0)
      taskset -c "$SERVER_CPU" java $JVM_OPTS -DCHAT_GATEWAY_LOG_LEVEL=WARN -jar loadtest/target/chat-loadtest.jar relay --port $PORT >"$OUT/$1.log" 2>&1 &
      PID=$!; URL=http://127.0.0.1:$PORT; SECRET=none ;;
    node)
      taskset -c "$SERVER_CPU" node loadtest/baselines/node-relay/relay.js $PORT >"$OUT/$1.log" 2>&1 &
      PID=$!; URL=http://127.0.0.1:$PORT; SECRET=none ;;
  esac
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$1 did not start; see $OUT/$1.log"; exit 1
}

rss_kb() { awk '/VmRSS/ {print $2}' /proc/"$1"/status; }
heap_kb() { # used heap after a full GC (JVMs only)
  if jcmd "$1" GC.run >/dev/null 2>&1; then
    jcmd "$1" GC.heap_info 2>/dev/null | awk '/used/ {for (i=1;i<=NF;i++) if ($i=="used") {v=$(i+1); sub("K,?","",v); print v; exit}}'
  else echo 0; fi
}

driver() { taskset -c "$DRIVER_CPU" java -Xmx2g -DCHAT_GATEWAY_LOG_LEVEL=WARN -jar loadtest/target/chat-loadtest.jar run "$@"; }

echo "system,round,routed_per_cpu_s,p50_ms,p99_ms,p999_ms,heap_b_per_idle,rss_b_per_idle,failures" > "$OUT/rounds.csv"
for round in $(seq 0 "$ROUNDS"); do
  for sys in $SYSTEMS; do
    start_server "$sys"
    line=$(driver --scenario steady --url "$URL" --secret "$SECRET" --pairs "$PAIRS" --rate "$RATE" --seconds "$WINDOW" \
      --server-pid "$PID" --report "$OUT/$sys-r$round" | tee "$OUT/$sys-r$round.txt" | grep '^RESULT' || true)
    routed=$(sed -n 's/.*routedPerServerCpuSecond=\([0-9]*\).*/\1/p' <<<"$line")
    p50=$(sed -n 's/.*latencyMillis={[^}]*"p50":\([0-9.]*\).*/\1/p' <<<"$line")
    p99=$(sed -n 's/.*latencyMillis={[^}]*"p99":\([0-9.]*\).*/\1/p' <<<"$line")
    p999=$(sed -n 's/.*latencyMillis={[^}]*"p999":\([0-9.]*\).*/\1/p' <<<"$line")
    fails=$(sed -n 's/.*"failures":\([0-9]*\).*/\1/p' <<<"$line")
    # idle soak: memory before and while holding IDLE sessions
    h0=$(heap_kb "$PID"); r0=$(rss_kb "$PID")
    driver --scenario idle --url "$URL" --secret "$SECRET" --sessions "$IDLE" --seconds 8 >"$OUT/$sys-r$round-idle.txt" 2>&1 &
    DPID=$!
    for _ in $(seq 1 600); do grep -q 'holding' "$OUT/$sys-r$round-idle.txt" 2>/dev/null && break; sleep 0.1; done
    h1=$(heap_kb "$PID"); r1=$(rss_kb "$PID")
    wait $DPID || true
    heap_per=$(( (h1 - h0) * 1024 / IDLE )); rss_per=$(( (r1 - r0) * 1024 / IDLE ))
    kill "$PID"; wait "$PID" 2>/dev/null || true
    echo "$sys,$round,${routed:-0},${p50:-0},${p99:-0},${p999:-0},$heap_per,$rss_per,${fails:-0}" | tee -a "$OUT/rounds.csv"
    PORT=$((PORT+2))
  done
done

python3 - "$OUT/rounds.csv" <<'PY'
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["round"] != "0"]
systems = []
for r in rows:
    if r["system"] not in systems: systems.append(r["system"])
med = {s: {k: statistics.median(float(r[k]) for r in rows if r["system"] == s)
           for k in ["routed_per_cpu_s", "p50_ms", "p99_ms", "p999_ms", "heap_b_per_idle", "rss_b_per_idle", "failures"]} for s in systems}
b0 = med.get("b0")
print()
print("median of %d rounds (round 0 = warm-up, not counted)" % len({r['round'] for r in rows}))
print("%-8s %16s %8s %8s %8s %8s %14s %14s %8s" % ("system", "routed/cpu-s", "ratio", "p50 ms", "p99 ms", "p99.9", "heap B/idle", "RSS B/idle", "fails"))
for s in systems:
    m = med[s]
    ratio = m["routed_per_cpu_s"] / b0["routed_per_cpu_s"] if b0 and b0["routed_per_cpu_s"] else float("nan")
    print("%-8s %16.0f %8.2f %8.2f %8.2f %8.2f %14.0f %14.0f %8.0f" % (s, m["routed_per_cpu_s"], ratio, m["p50_ms"], m["p99_ms"], m["p999_ms"],
          m["heap_b_per_idle"], m["rss_b_per_idle"], m["failures"]))
PY
echo "raw rounds: $OUT/rounds.csv; per-run reports: $OUT/*/report.html"
