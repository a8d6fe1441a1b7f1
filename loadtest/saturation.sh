#!/usr/bin/env bash
# Saturation: the highest offered chat-message rate two gateway nodes on one Redis carry with 0 failures
# and p99 < 100 ms, this build and (BEFORE_JAR) an older one, side by side in one run.
#
#   loadtest/saturation.sh                                   # this build only
#   BEFORE_JAR=/path/to/old/chat-gateway.jar loadtest/saturation.sh
#
# Cross-node chat (shoppers on node A, agents on node B: every message crosses nodes through Redis),
# 4 messages a second per shopper, each answered; the pair count doubles from START_PAIRS until a step
# fails (failures, lost or doubled messages, or p99 >= 100 ms) or MAX_PAIRS. Servers (two nodes and
# their Redis) are pinned to CPU 1, the driver to CPU 0, as in bench-nodes.sh. WARMUP runs at START_PAIRS come first.
set -euo pipefail
cd "$(dirname "$0")/.."
START_PAIRS=${START_PAIRS:-100}
MAX_PAIRS=${MAX_PAIRS:-3200}
RATE=${RATE:-4}
WINDOW=${WINDOW:-15}
WARMUP=${WARMUP:-3}   # runs at START_PAIRS first, not counted (JIT warm-up)
PAIRS_LIST=${PAIRS_LIST:-}          # e.g. "800 1000 1200": these pair counts in turn instead of doubling from START_PAIRS
BEFORE_PAIRS_LIST=${BEFORE_PAIRS_LIST:-$PAIRS_LIST}  # the same for the BEFORE_JAR build
OUT=${OUT:-bench-results/saturation-$(date +%Y%m%d-%H%M%S)}
JVM_OPTS=${JVM_OPTS:-"-Xms1g -Xmx1g -XX:+UseG1GC"}
mkdir -p "$OUT"
source loadtest/bench-lib.sh

build() { # $1 label, $2 jar, $3 redis port, $4 base port, $5 pair counts (empty: doubling): prints the highest passing rate
  local label=$1 jar=$2 rport=$3 port=$4 best=0 pairs=$START_PAIRS
  local -a list=(${5:-})
  local uselist=${#list[@]}
  taskset -c 1 redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no >"$OUT/redis-$label.log" 2>&1 &
  local redis=$!; ALL+=("$redis"); wait_port "$rport"
  local pids=()
  for n in A B; do
    local p=$port; [ "$n" = B ] && p=$((port + 2))
    CHAT_GATEWAY_PORT=$p CHAT_GATEWAY_ADMIN_PORT=$((p + 1)) CHAT_GATEWAY_STORE=redis CHAT_GATEWAY_NODE_ID=$label$n \
      CHAT_GATEWAY_REDIS_URI=redis://127.0.0.1:$rport CHAT_GATEWAY_LOG_LEVEL=WARN CHAT_GATEWAY_MAX_CONNECTS_PER_SECOND_PER_ADDRESS=0 \
      taskset -c 1 java $JVM_OPTS -jar "$jar" >"$OUT/node-$label$n.log" 2>&1 &
    pids+=("$!"); ALL+=("$!"); wait_port "$p"
  done
  local warm=0
  while [ "$pairs" -le "$MAX_PAIRS" ]; do
    local line
    line=$(taskset -c 0 java -Xmx3g -DCHAT_GATEWAY_LOG_LEVEL=WARN -jar loadtest/target/chat-loadtest.jar run --scenario steady \
      --url "http://127.0.0.1:$port" --agent-url "http://127.0.0.1:$((port + 2))" --secret $SECRET \
      --server-pid "${pids[0]},${pids[1]},$redis" --pairs "$pairs" --rate "$RATE" --seconds "$WINDOW" --report "$OUT/$label-$pairs" \
      | tee "$OUT/$label-$pairs.txt" | grep '^RESULT' || true)
    local p99 fails lost doubled mps
    p99=$(sed -n 's/.*latencyMillis={[^}]*"p99":\([0-9.]*\).*/\1/p' <<<"$line")
    mps=$(sed -n 's/.*messagesPerSecond=\([0-9]*\).*/\1/p' <<<"$line")
    fails=$(sed -n 's/.*"failures":\([0-9]*\).*/\1/p' <<<"$line"); lost=$(sed -n 's/.*"lost":\([0-9]*\).*/\1/p' <<<"$line")
    doubled=$(sed -n 's/.*"doubled":\([0-9]*\).*/\1/p' <<<"$line")
    local offered=$((pairs * RATE * 2))
    if [ "$warm" -lt "$WARMUP" ]; then # cold JITs: the first runs are not counted
      warm=$((warm + 1)); echo "$label warm-up $warm: offered=$offered p99=${p99:-?}ms" | tee -a "$OUT/steps.txt"
      if [ "$warm" -eq "$WARMUP" ] && [ ${#list[@]} -gt 0 ]; then pairs=${list[0]}; list=("${list[@]:1}"); fi
      continue
    fi
    echo "$label offered=$offered delivered=${mps:-0} p99=${p99:-?}ms failures=${fails:-?} lost=${lost:-?} doubled=${doubled:-?}" | tee -a "$OUT/steps.txt"
    if [ -z "$p99" ] || [ "${fails:-1}" != 0 ] || [ "${lost:-1}" != 0 ] || [ "${doubled:-1}" != 0 ] \
        || ! python3 -c "import sys; sys.exit(0 if float('$p99') < 100 else 1)"; then
      break
    fi
    best=$offered
    if [ "$uselist" -gt 0 ]; then
      [ ${#list[@]} -gt 0 ] || break
      pairs=${list[0]}; list=("${list[@]:1}")
    else
      pairs=$((pairs * 2))
    fi
  done
  for p in "${pids[@]}" "$redis"; do kill "$p" 2>/dev/null || true; done
  echo "$label: highest offered rate with 0 failures and p99 < 100 ms: $best msgs/s" | tee -a "$OUT/summary.txt"
}

build new gateway/target/chat-gateway.jar 16420 18700 "$PAIRS_LIST"
if [ -n "${BEFORE_JAR:-}" ]; then build old "$BEFORE_JAR" 16421 18710 "$BEFORE_PAIRS_LIST"; fi
cat "$OUT/summary.txt"
