#!/usr/bin/env bash
# Scale-out benchmark: two gateway nodes on one Redis, side by side in one run.
#
#   loadtest/bench-nodes.sh            # defaults below; e.g. ROUNDS=5 PAIRS=300 IDLE_PER_NODE=19000 loadtest/bench-nodes.sh
#
# Systems (all started once, alternated A/B/A/B after WARMUP rounds that are not counted):
#   same    shoppers and agents on node A (Redis store; node B idle)
#   cross   shoppers on node A, agents on node B: every chat message crosses nodes through Redis pub/sub
#   memory  one node with the in-memory store (what one process does without Redis)
#   b0      the plain Netty relay baseline (loadtest module)
# Servers (both nodes, Redis, memory node, b0) are pinned to CPU 1, the driver to CPU 0. For same/cross,
# server CPU is A + B + redis-server, read from /proc over the steady window.
# BEFORE_JAR=path/to/an/older/chat-gateway.jar adds that build's same/cross/memory systems (old-same, old-cross,
# old-memory, on a Redis of their own) to the same rotation, so a change is compared before/after in one run.
# Then (PHASES="steady idle" by default) the session count: IDLE_PER_NODE idle shoppers on each node at once (one driver process per node,
# each from its own source address; this machine allows 20,000 open files per process), counted in Redis.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-1}   # rounds 0..WARMUP-1 warm the JITs up and are not counted
# Before any round, each system is driven this long, not counted: a gateway node's JIT (C2) needs 60-90 s of this
# load before it stops compiling (measured: in the first 20 s the compiler threads take as much CPU as the node's
# work, still 10 % in the third 20 s); B0's small relay is warm in seconds, so short warm-ups flatter B0.
WARMUP_SECONDS=${WARMUP_SECONDS:-90}
# WARMUP_PAIRS (default PAIRS): the warm-up's load; e.g. PAIRS=1 RATE=1 WARMUP_PAIRS=100 measures idle latency on warm servers.
PAIRS=${PAIRS:-200}
RATE=${RATE:-4}
WINDOW=${WINDOW:-15}
IDLE_PER_NODE=${IDLE_PER_NODE:-19000}
PHASES=${PHASES:-"steady idle"}
OUT=${OUT:-bench-results/nodes-$(date +%Y%m%d-%H%M%S)}
JVM_OPTS=${JVM_OPTS:-"-Xms1g -Xmx1g -XX:+UseG1GC"}
REDIS_PORT=${REDIS_PORT:-16390}
mkdir -p "$OUT"
source loadtest/bench-lib.sh

taskset -c 1 redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly yes --appendfsync everysec \
  --dir "$OUT" >"$OUT/redis.log" 2>&1 &
REDIS=$!; ALL+=("$REDIS"); wait_port "$REDIS_PORT"
node() { # $1 id, $2 port, $3 store, $4 jar (default: this build), $5 Redis port (default REDIS_PORT)
  CHAT_GATEWAY_PORT=$2 CHAT_GATEWAY_ADMIN_PORT=$(($2+1)) CHAT_GATEWAY_STORE=$3 CHAT_GATEWAY_NODE_ID=$1 \
    CHAT_GATEWAY_REDIS_URI=redis://127.0.0.1:${5:-$REDIS_PORT} CHAT_GATEWAY_LOG_LEVEL=WARN CHAT_GATEWAY_MAX_CONNECTS_PER_SECOND_PER_ADDRESS=0 \
    taskset -c 1 java $JVM_OPTS -jar "${4:-gateway/target/chat-gateway.jar}" >"$OUT/node-$1.log" 2>&1 &
  ALL+=("$!"); wait_port "$2"
}
node A 18580 redis; A=${ALL[-1]}
node B 18582 redis; B=${ALL[-1]}
node M 18584 memory; M=${ALL[-1]}
SYSTEMS="same cross memory b0"
if [ -n "${BEFORE_JAR:-}" ]; then
  taskset -c 1 redis-server --port $((REDIS_PORT + 1)) --bind 127.0.0.1 --save "" --appendonly yes --appendfsync everysec \
    --dir "$OUT" --appendfilename old.aof >"$OUT/redis-old.log" 2>&1 &
  OLD_REDIS=$!; ALL+=("$OLD_REDIS"); wait_port $((REDIS_PORT + 1))
  node OA 18590 redis "$BEFORE_JAR" $((REDIS_PORT + 1)); OA=${ALL[-1]}
  node OB 18592 redis "$BEFORE_JAR" $((REDIS_PORT + 1)); OB=${ALL[-1]}
  node OM 18594 memory "$BEFORE_JAR"; OM=${ALL[-1]}
  SYSTEMS="same old-same cross old-cross memory old-memory b0"
fi
taskset -c 1 java $JVM_OPTS -jar loadtest/target/chat-loadtest.jar relay --port 18586 >"$OUT/b0.log" 2>&1 &
B0=$!; ALL+=("$B0"); wait_port 18586

driver() { taskset -c 0 java -Xmx2g -DCHAT_GATEWAY_LOG_LEVEL=WARN -jar loadtest/target/chat-loadtest.jar run "$@"; }
steady() { # $1 system, $2 round
  local args
  case "$1" in
    same)   args=(--url http://127.0.0.1:18580 --secret $SECRET --server-pid "$A,$B,$REDIS") ;;
    cross)  args=(--url http://127.0.0.1:18580 --agent-url http://127.0.0.1:18582 --secret $SECRET --server-pid "$A,$B,$REDIS") ;;
    memory) args=(--url http://127.0.0.1:18584 --secret $SECRET --server-pid "$M") ;;
    b0)     args=(--url http://127.0.0.1:18586 --secret none --server-pid "$B0") ;;
    old-same)   args=(--url http://127.0.0.1:18590 --secret $SECRET --server-pid "$OA,$OB,$OLD_REDIS") ;;
    old-cross)  args=(--url http://127.0.0.1:18590 --agent-url http://127.0.0.1:18592 --secret $SECRET --server-pid "$OA,$OB,$OLD_REDIS") ;;
    old-memory) args=(--url http://127.0.0.1:18594 --secret $SECRET --server-pid "$OM") ;;
  esac
  local line
  line=$(driver --scenario steady "${args[@]}" --pairs "$PAIRS" --rate "$RATE" --seconds "$WINDOW" --report "$OUT/$1-r$2" \
    | tee "$OUT/$1-r$2.txt" | grep '^RESULT' || true)
  local routed p50 p99 p999 fails lost doubled mps
  routed=$(sed -n 's/.*routedPerServerCpuSecond=\([0-9]*\).*/\1/p' <<<"$line")
  mps=$(sed -n 's/.*messagesPerSecond=\([0-9]*\).*/\1/p' <<<"$line")
  p50=$(sed -n 's/.*latencyMillis={[^}]*"p50":\([0-9.]*\).*/\1/p' <<<"$line")
  p99=$(sed -n 's/.*latencyMillis={[^}]*"p99":\([0-9.]*\).*/\1/p' <<<"$line")
  p999=$(sed -n 's/.*latencyMillis={[^}]*"p999":\([0-9.]*\).*/\1/p' <<<"$line")
  fails=$(sed -n 's/.*"failures":\([0-9]*\).*/\1/p' <<<"$line")
  lost=$(sed -n 's/.*"lost":\([0-9]*\).*/\1/p' <<<"$line")
  doubled=$(sed -n 's/.*"doubled":\([0-9]*\).*/\1/p' <<<"$line")
  echo "$1,$2,${mps:-0},${routed:-0},${p50:-0},${p99:-0},${p999:-0},${fails:-0},${lost:-0},${doubled:-0}" | tee -a "$OUT/rounds.csv"
}

if [[ " $PHASES " == *" steady "* ]]; then
echo "system,round,msgs_per_s,routed_per_cpu_s,p50_ms,p99_ms,p999_ms,failures,lost,doubled" > "$OUT/rounds.csv"
for sys in $SYSTEMS; do
  [ "$WARMUP_SECONDS" -gt 0 ] || break
  echo "warming $sys up for $WARMUP_SECONDS s (not counted)"
  PAIRS=${WARMUP_PAIRS:-$PAIRS} WINDOW=$WARMUP_SECONDS steady "$sys" warm >/dev/null
done
sed -i '/,warm,/d' "$OUT/rounds.csv"
for round in $(seq 0 "$ROUNDS"); do
  for sys in $SYSTEMS; do steady "$sys" "$round"; done
done

python3 - "$OUT/rounds.csv" "$WARMUP" "$SYSTEMS" <<'PY'
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if int(r["round"]) >= int(sys.argv[2])]
med = lambda s, k: statistics.median(float(r[k]) for r in rows if r["system"] == s)
b0 = med("b0", "routed_per_cpu_s") or 1
print(f"\nmedian over rounds {sys.argv[2]}.. (earlier rounds warm up and are not counted)")
print(f"{'system':10} {'msgs/s':>8} {'routed/CPU-s':>13} {'x b0':>6} {'p50 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9} {'fail/lost/dup':>14}")
for s in sys.argv[3].split():
    bad = "/".join(str(int(sum(float(r[k]) for r in rows if r["system"] == s))) for k in ("failures", "lost", "doubled"))
    print(f"{s:10} {med(s,'msgs_per_s'):8.0f} {med(s,'routed_per_cpu_s'):13.0f} {med(s,'routed_per_cpu_s')/b0:6.2f} "
          f"{med(s,'p50_ms'):8.2f} {med(s,'p99_ms'):8.2f} {med(s,'p999_ms'):9.2f} {bad:>14}")
PY
fi

[[ " $PHASES " == *" idle "* ]] || exit 0
# Two nodes holding together more sessions than one process can (20,000 open files per process).
# Only the count matters here, not CPU per message: let the servers use both cores to get there sooner.
for p in "$A" "$B" "$REDIS"; do taskset -apc 0,1 "$p" >/dev/null; done
echo; echo "idle: $IDLE_PER_NODE shoppers on each node"
idle_driver() { exec java -Xmx2g -DCHAT_GATEWAY_LOG_LEVEL=WARN -jar loadtest/target/chat-loadtest.jar run "$@"; }
idle_driver --scenario idle --url http://127.0.0.1:18580 --secret $SECRET --bind 127.0.0.2 --sessions "$IDLE_PER_NODE" --seconds 900 \
  >"$OUT/idle-A.txt" 2>&1 & DA=$!; ALL+=("$DA")
idle_driver --scenario idle --url http://127.0.0.1:18582 --secret $SECRET --bind 127.0.0.3 --sessions "$IDLE_PER_NODE" --seconds 900 \
  >"$OUT/idle-B.txt" 2>&1 & DB=$!; ALL+=("$DB")
for _ in $(seq 1 6000); do
  grep -q holding "$OUT/idle-A.txt" 2>/dev/null && grep -q holding "$OUT/idle-B.txt" 2>/dev/null && break; sleep 0.2
done
sleep 2
heldA=$(redis-cli -p "$REDIS_PORT" scard '{cg}:held:A'); heldB=$(redis-cli -p "$REDIS_PORT" scard '{cg}:held:B')
fdA=$(ls /proc/"$A"/fd | wc -l); fdB=$(ls /proc/"$B"/fd | wc -l)
echo "held in Redis presence: node A $heldA, node B $heldB, together $((heldA + heldB)) (open files: A $fdA, B $fdB; limit $(ulimit -n) each)" \
  | tee "$OUT/idle.txt"
grep -h '^# ' "$OUT/idle-A.txt" "$OUT/idle-B.txt" | tee -a "$OUT/idle.txt"
kill $DA $DB 2>/dev/null || true
