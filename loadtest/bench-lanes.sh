#!/usr/bin/env bash
# Router lanes, side by side in one run: the same surge of new chats against one gateway node per
# lane count (CHAT_GATEWAY_ROUTER_WORKERS), alternated A/B/A/B after a warm-up round that is not counted.
#
#   loadtest/bench-lanes.sh                   # defaults below; e.g. STORE=memory SERVER_CPUS=0,1 loadtest/bench-lanes.sh
#
# STORE=redis (default): every node on its own Redis (started here); a routing decision waits for several
# Redis replies, so lanes let decisions of different shoppers overlap those waits. STORE=memory: one process.
# The nodes run on SERVER_CPUS (default CPU 1 only, as the other benchmarks pin servers), the driver on CPU 0.
# BEFORE_JAR=path/to/an/older/chat-gateway.jar adds that build (its own lane setting, if any) as system "old".
# REDIS_DELAY_US=250 puts a delay proxy (on the driver's CPU) between each node and its Redis: that many µs each way,
# as if Redis ran on another host (this machine's loopback answers in tens of µs; across hosts a round trip is 0.2-1 ms).
# Prints per lane count and round: greeting p50/p99/p99.9 (from each arrival's due time: coordinated omission
# corrected), failures, and the node's CPU per greeted chat; with Redis also Redis's CPU, its commands and its
# chat-record reads (HGETALL) per greeted chat (commands that scripts run count too, as in INFO commandstats).
set -euo pipefail
cd "$(dirname "$0")/.."

WORKERS_LIST=${WORKERS_LIST:-"1 4"}
ROUNDS=${ROUNDS:-2}
STORE=${STORE:-redis}
START=${START:-100}
END=${END:-600}
RAMP=${RAMP:-15}
SECONDS_=${SECONDS_:-30}
AGENTS=${AGENTS:-300}
SERVER_CPUS=${SERVER_CPUS:-1}
OUT=${OUT:-bench-results/lanes-$(date +%Y%m%d-%H%M%S)}
JVM_OPTS=${JVM_OPTS:-"-Xms1g -Xmx1g -XX:+UseG1GC"}
mkdir -p "$OUT"
source loadtest/bench-lib.sh

declare -A PORT PID JAR
port=18700
SYSTEMS=$WORKERS_LIST
for w in $WORKERS_LIST; do JAR[$w]=gateway/target/chat-gateway.jar; done
if [ -n "${BEFORE_JAR:-}" ]; then SYSTEMS="$SYSTEMS old"; JAR[old]=$BEFORE_JAR; fi
for w in $SYSTEMS; do
  env=()
  if [ "$STORE" = redis ]; then
    taskset -c "$SERVER_CPUS" redis-server --port $((port + 100)) --bind 127.0.0.1 --save "" --appendonly no \
      >"$OUT/redis-$w.log" 2>&1 &
    ALL+=("$!"); wait_port $((port + 100))
    env=(CHAT_GATEWAY_REDIS_URI=redis://127.0.0.1:$((port + 100)))
    if [ "${REDIS_DELAY_US:-0}" -gt 0 ]; then
      taskset -c 0 java -Xmx256m -jar loadtest/target/chat-loadtest.jar delay --port $((port + 200)) \
        --to 127.0.0.1:$((port + 100)) --delay-us "$REDIS_DELAY_US" >"$OUT/delay-$w.log" 2>&1 &
      ALL+=("$!"); wait_port $((port + 200))
      env=(CHAT_GATEWAY_REDIS_URI=redis://127.0.0.1:$((port + 200)))
    fi
  fi
  env "${env[@]}" CHAT_GATEWAY_PORT=$port CHAT_GATEWAY_ADMIN_PORT=$((port + 1)) CHAT_GATEWAY_STORE=$STORE \
    CHAT_GATEWAY_ROUTER_WORKERS=${w/old/1} CHAT_GATEWAY_LOG_LEVEL=WARN CHAT_GATEWAY_MAX_CONNECTS_PER_SECOND_PER_ADDRESS=0 \
    taskset -c "$SERVER_CPUS" java $JVM_OPTS -jar "${JAR[$w]}" >"$OUT/node-$w.log" 2>&1 &
  PID[$w]=$!; ALL+=("$!"); PORT[$w]=$port; wait_port $port
  port=$((port + 10))
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Redis CPU (µs) and commands served (scripts' inner commands included), for the Redis columns.
redis_cpu_us() { redis-cli -p "$1" info cpu | tr -d '\r' | awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {printf "%d", s * 1e6}'; }
redis_calls() { redis-cli -p "$1" info commandstats | tr -d '\r' | awk -F'[:=,]' -v c="cmdstat_$2" '$1 == c || c == "cmdstat_" {s += $3} END {printf "%d", s}'; }
surge() { # $1 workers, $2 round
  local w=$1 before after line
  before=$(cpu_ticks "${PID[$w]}")
  local rport=$((PORT[$w] + 100)) rcpu0=0 hget0=0 cmds0=0
  if [ "$STORE" = redis ]; then rcpu0=$(redis_cpu_us $rport); hget0=$(redis_calls $rport hgetall); cmds0=$(redis_calls $rport ""); fi
  line=$(taskset -c 0 java -Xmx3g -DCHAT_GATEWAY_LOG_LEVEL=WARN -jar loadtest/target/chat-loadtest.jar run --scenario surge \
    --url "http://127.0.0.1:${PORT[$w]}" --admin "http://127.0.0.1:$((PORT[$w] + 1))" --surge-start "$START" --surge-end "$END" \
    --ramp "$RAMP" --seconds "$SECONDS_" --agents "$AGENTS" --stay 5 --report "$OUT/w$w-r$2" \
    | tee "$OUT/w$w-r$2.txt" | grep '^RESULT' || true)
  after=$(cpu_ticks "${PID[$w]}")
  local greeted p50 p99 p999 fails
  greeted=$(count_of greeted "$line"); fails=$(count_of failures "$line")
  p50=$(millis_of greetingMillis p50 "$line"); p99=$(millis_of greetingMillis p99 "$line"); p999=$(millis_of greetingMillis p999 "$line")
  local us=$(( greeted > 0 ? (after - before) * 10000 / greeted : 0 )) redis=""
  if [ "$STORE" = redis ] && [ "${greeted:-0}" -gt 0 ]; then
    redis=$(printf '  Redis CPU µs/chat %s  commands/chat %s  chat reads (HGETALL)/chat %s' $(( ($(redis_cpu_us $rport) - rcpu0) / greeted )) \
      "$(awk -v a="$(redis_calls $rport "")" -v b="$cmds0" -v g="$greeted" 'BEGIN {printf "%.1f", (a - b) / g}')" \
      "$(awk -v a="$(redis_calls $rport hgetall)" -v b="$hget0" -v g="$greeted" 'BEGIN {printf "%.1f", (a - b) / g}')")
  fi
  printf '%-8s round %s  greeted %-7s failures %-5s greeting p50 %-7s p99 %-8s p99.9 %-8s node CPU µs/chat %s%s\n' \
    "$w" "$2" "${greeted:-?}" "${fails:-?}" "${p50:-?}" "${p99:-?}" "${p999:-?}" "$us" "$redis" | tee -a "$OUT/summary.txt"
}
for r in $(seq 0 "$ROUNDS"); do
  for w in $SYSTEMS; do surge "$w" "$r"; done
done
echo "round 0 warms up (not counted); results in $OUT/summary.txt"
