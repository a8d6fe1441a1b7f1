#!/usr/bin/env bash
# Side-by-side benchmark: the gateway against baselines, in one run, A/B/A/B.
#
#   loadtest/bench.sh                 # defaults below; override with env, e.g. ROUNDS=5 PAIRS=1000 loadtest/bench.sh
#
# Systems: gateway (this project, memory store), gateway-z (the same with CHAT_GATEWAY_COMPRESSION=on, its
# driver offering permessage-deflate: what compression costs; not in the default set), b0 (plain Netty WebSocket relay, loadtest module),
# node (Node `ws` relay, loadtest/baselines/node-relay; skipped when node/npm are missing),
# webflux (Spring WebFlux relay, loadtest/baselines/webflux-relay, built here on first use).
# All servers run at once, pinned to CPU 1 (the driver runs on CPU 0; an idle server costs nothing).
# Round 0 runs the steady chat scenario once against each to warm the JITs and is not counted; then
# rounds 1..ROUNDS alternate the systems (A/B/A/B) against the same processes, server CPU time
# measured over each steady window from /proc. Last, per system, the idle soak: heap after a full GC
# and RSS, before and while holding IDLE sessions. Prints per system the median over rounds of: routed
# messages per server CPU-second, p50/p99/p99.9, heap and RSS per idle session, and the ratio to b0.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
PAIRS=${PAIRS:-500}
RATE=${RATE:-4}
WINDOW=${WINDOW:-15}
IDLE=${IDLE:-5000}
SYSTEMS=${SYSTEMS:-"gateway b0 node webflux"}
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

declare -A PIDS URLS SECRETS FLAGS
if [[ " $SYSTEMS " == *" webflux "* ]] && [ ! -f loadtest/baselines/webflux-relay/target/webflux-relay.jar ]; then
  mvn -B -q -f loadtest/baselines/webflux-relay/pom.xml package -DskipTests \
    || { echo "the WebFlux baseline did not build: skipping it"; SYSTEMS=${SYSTEMS/webflux/}; }
fi

PORT=18480
start_server() { # $1 = system
  case "$1" in
    gateway|gateway-z)
      local z=off; [ "$1" = gateway-z ] && z=on && FLAGS[$1]="--compress on"
      CHAT_GATEWAY_PORT=$PORT CHAT_GATEWAY_ADMIN_PORT=$((PORT+1)) CHAT_GATEWAY_LOG_LEVEL=WARN CHAT_GATEWAY_MAX_CONNECTS_PER_SECOND_PER_ADDRESS=0 \
        CHAT_GATEWAY_COMPRESSION=$z taskset -c "$SERVER_CPU" java $JVM_OPTS -jar gateway/target/chat-gateway.jar >"$OUT/$1.log" 2>&1 &
      SECRETS[$1]=dev-only-secret-change-me-0123456789abcdef ;;
    b0)
      taskset -c "$SERVER_CPU" java $JVM_OPTS -DCHAT_GATEWAY_LOG_LEVEL=WARN -jar loadtest/target/chat-loadtest.jar relay --port $PORT >"$OUT/$1.log" 2>&1 &
      SECRETS[$1]=none ;;
    node)
      taskset -c "$SERVER_CPU" node loadtest/baselines/node-relay/relay.js $PORT >"$OUT/$1.log" 2>&1 &
      SECRETS[$1]=none ;;
    webflux)
      taskset -c "$SERVER_CPU" java $JVM_OPTS -jar loadtest/baselines/webflux-relay/target/webflux-relay.jar \
        --server.port=$PORT --logging.level.root=WARN >"$OUT/$1.log" 2>&1 &
      SECRETS[$1]=none ;;
  esac
  PIDS[$1]=$!; URLS[$1]=http://127.0.0.1:$PORT
  for _ in $(seq 1 300); do
    (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && { PORT=$((PORT+2)); return 0; }
    sleep 0.1
  done
  echo "$1 did not start; see $OUT/$1.log"; exit 1
}
stop_all() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap stop_all EXIT

rss_kb() { awk '/VmRSS/ {print $2}' /proc/"$1"/status; }
is_jvm() { jcmd -l 2>/dev/null | grep -q "^$1 "; }
heap_kb() { # used heap after a full GC; 0 for processes that are not JVMs (jcmd would kill them)
  if is_jvm "$1" && jcmd "$1" GC.run >/dev/null 2>&1; then
    jcmd "$1" GC.heap_info 2>/dev/null | awk '/used/ {for (i=1;i<=NF;i++) if ($i=="used") {v=$(i+1); sub("K,?","",v); print v; exit}}'
  else echo 0; fi
}

driver() { taskset -c "$DRIVER_CPU" java -Xmx2g -DCHAT_GATEWAY_LOG_LEVEL=WARN -jar loadtest/target/chat-loadtest.jar run "$@"; }

steady() { # $1 = system, $2 = round; appends a csv row
  local sys=$1 round=$2 line
  line=$(driver --scenario steady --url "${URLS[$sys]}" --secret "${SECRETS[$sys]}" ${FLAGS[$sys]:-} --pairs "$PAIRS" --rate "$RATE" \
    --seconds "$WINDOW" --server-pid "${PIDS[$sys]}" --report "$OUT/$sys-r$round" | tee "$OUT/$sys-r$round.txt" | grep '^RESULT' || true)
  local routed p50 p99 p999 fails
  routed=$(sed -n 's/.*routedPerServerCpuSecond=\([0-9]*\).*/\1/p' <<<"$line")
  p50=$(sed -n 's/.*latencyMillis={[^}]*"p50":\([0-9.]*\).*/\1/p' <<<"$line")
  p99=$(sed -n 's/.*latencyMillis={[^}]*"p99":\([0-9.]*\).*/\1/p' <<<"$line")
  p999=$(sed -n 's/.*latencyMillis={[^}]*"p999":\([0-9.]*\).*/\1/p' <<<"$line")
  fails=$(sed -n 's/.*"failures":\([0-9]*\).*/\1/p' <<<"$line")
  echo "$sys,$round,${routed:-0},${p50:-0},${p99:-0},${p999:-0},${fails:-0}" | tee -a "$OUT/rounds.csv"
}

for sys in $SYSTEMS; do start_server "$sys"; done
echo "system,round,routed_per_cpu_s,p50_ms,p99_ms,p999_ms,failures" > "$OUT/rounds.csv"
# Round 0 warms every server up (JIT) and is not counted; then A/B/A/B against the same processes.
for round in $(seq 0 "$ROUNDS"); do
  for sys in $SYSTEMS; do steady "$sys" "$round"; done
done

echo "system,heap_b_per_idle,rss_b_per_idle,sessions" > "$OUT/idle.csv"
for sys in $SYSTEMS; do
  pid=${PIDS[$sys]}
  h0=$(heap_kb "$pid"); r0=$(rss_kb "$pid")
  driver --scenario idle --url "${URLS[$sys]}" --secret "${SECRETS[$sys]}" ${FLAGS[$sys]:-} --sessions "$IDLE" --seconds 8 >"$OUT/$sys-idle.txt" 2>&1 &
  dpid=$!
  for _ in $(seq 1 900); do grep -q 'holding' "$OUT/$sys-idle.txt" 2>/dev/null && break; sleep 0.1; done
  sleep 1
  h1=$(heap_kb "$pid"); r1=$(rss_kb "$pid")
  wait $dpid || true
  echo "$sys,$(( (h1 - h0) * 1024 / IDLE )),$(( (r1 - r0) * 1024 / IDLE )),$IDLE" | tee -a "$OUT/idle.csv"
done

python3 - "$OUT/rounds.csv" "$OUT/idle.csv" <<'PY'
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["round"] != "0"]
idle = {r["system"]: r for r in csv.DictReader(open(sys.argv[2]))}
systems = []
for r in rows:
    if r["system"] not in systems: systems.append(r["system"])
med = {s: {k: statistics.median(float(r[k]) for r in rows if r["system"] == s)
           for k in ["routed_per_cpu_s", "p50_ms", "p99_ms", "p999_ms", "failures"]} for s in systems}
for s in systems:
    med[s]["heap_b_per_idle"] = float(idle.get(s, {}).get("heap_b_per_idle", "nan"))
    med[s]["rss_b_per_idle"] = float(idle.get(s, {}).get("rss_b_per_idle", "nan"))
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
