#!/usr/bin/env bash
# Where one node's CPU goes: one gateway node (STORE=redis with its own redis-server, or STORE=memory) under steady
# chat, after a warm-up run; prints delivered messages, the node's and Redis's CPU per message, Redis command counts
# (redis-cli info commandstats, which counts the commands scripts call too), and optionally a JFR recording
# (JFR=1: bench-results/profile-*/node.jfr) or a syscall count of the node (STRACE=1, slows it down).
#
#   STORE=redis PAIRS=200 RATE=8 SECONDS_=30 loadtest/profile-node.sh
set -euo pipefail
cd "$(dirname "$0")/.."
STORE=${STORE:-redis}; PAIRS=${PAIRS:-200}; RATE=${RATE:-8}; SECS=${SECONDS_:-30}
OUT=${OUT:-bench-results/profile-$STORE-$(date +%Y%m%d-%H%M%S)}
REDIS_PORT=${REDIS_PORT:-16401}; PORT=${PORT:-18680}
SECRET=dev-only-secret-change-me-0123456789abcdef
mkdir -p "$OUT"
[ -f gateway/target/chat-gateway.jar ] && [ -f loadtest/target/chat-loadtest.jar ] || mvn -B -q package -DskipTests
declare -a ALL
trap 'for p in "${ALL[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no >"$OUT/redis.log" 2>&1 &
R=$!; ALL+=("$R")
for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
CHAT_GATEWAY_PORT=$PORT CHAT_GATEWAY_ADMIN_PORT=$((PORT + 1)) CHAT_GATEWAY_STORE=$STORE CHAT_GATEWAY_NODE_ID=P \
  CHAT_GATEWAY_REDIS_URI=redis://127.0.0.1:$REDIS_PORT CHAT_GATEWAY_LOG_LEVEL=WARN CHAT_GATEWAY_MAX_CONNECTS_PER_SECOND_PER_ADDRESS=0 \
  taskset -c 1 java -Xms1g -Xmx1g -XX:+UseG1GC -jar gateway/target/chat-gateway.jar >"$OUT/node.log" 2>&1 &
A=$!; ALL+=("$A")
for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.1; done
drive() { taskset -c 0 java -Xmx2g -DCHAT_GATEWAY_LOG_LEVEL=WARN -jar loadtest/target/chat-loadtest.jar run --scenario steady \
  --url "http://127.0.0.1:$PORT" --secret $SECRET --server-pid "$A,$R" --pairs "$PAIRS" --rate "$RATE" --seconds "$1" \
  --report "$OUT/report-$1"; }
drive "${WARMUP_SECONDS:-15}" >/dev/null   # warm-up, not counted (JIT: C2 still compiles for a minute or so)
redis-cli -p "$REDIS_PORT" config resetstat >/dev/null
cpu() { awk '{print $14 + $15}' /proc/"$1"/stat; }
sys_cpu() { awk '{print $15}' /proc/"$1"/stat; }
[ -n "${JFR:-}" ] && jcmd "$A" JFR.start name=p settings=profile filename="$PWD/$OUT/node.jfr" >/dev/null
[ -n "${STRACE:-}" ] && { strace -c -f -p "$A" -o "$OUT/strace.txt" & ST=$!; }
# CPU of each of the node's threads (by name, numbers folded), to see which threads a message keeps busy.
threads() { for t in /proc/"$A"/task/*; do echo "$(sed 's/[0-9]\+/N/g' "$t"/comm) $(awk '{print $14 + $15}' "$t"/stat)"; done | sort; }
threads > "$OUT/threads-before.txt"
a0=$(cpu "$A"); r0=$(cpu "$R"); k0=$(sys_cpu "$A")
received=$(drive "$SECS" | tee "$OUT/drive.txt" | sed -n 's/.*"received":\([0-9]*\).*/\1/p')
a1=$(cpu "$A"); r1=$(cpu "$R"); k1=$(sys_cpu "$A")
threads > "$OUT/threads-after.txt"
[ -n "${STRACE:-}" ] && { kill -INT "$ST"; sleep 1; }
[ -n "${JFR:-}" ] && jcmd "$A" JFR.stop name=p >/dev/null
hz=$(getconf CLK_TCK)
python3 - "$received" $((a1 - a0)) $((r1 - r0)) "$hz" $((k1 - k0)) <<'PY'
import sys
n, a, r, hz, k = int(sys.argv[1] or 0), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print(f"messages delivered: {n}; node CPU {a / hz:.1f} s ({a / hz / max(n, 1) * 1e6:.0f} us/msg, of which kernel "
      f"{k / hz / max(n, 1) * 1e6:.0f}), "
      f"redis CPU {r / hz:.1f} s ({r / hz / max(n, 1) * 1e6:.0f} us/msg)")
PY
python3 - "$OUT/threads-before.txt" "$OUT/threads-after.txt" "$received" "$hz" <<'PY'
import collections, sys
def read(f):
    c = collections.Counter()
    for line in open(f):
        name, _, ticks = line.rstrip().rpartition(' ')
        c[name] += int(ticks)
    return c
b, a, n, hz = read(sys.argv[1]), read(sys.argv[2]), max(int(sys.argv[3] or 0), 1), int(sys.argv[4])
busy = sorted(((a[k] - b.get(k, 0), k) for k in a), reverse=True)
print("node threads, us/msg: " + ", ".join(f"{k} {d / hz / n * 1e6:.0f}" for d, k in busy[:6] if d > 0))
PY
redis-cli -p "$REDIS_PORT" info commandstats | grep -E '^cmdstat_' | sort -t= -k2 -rn | head -8 | tee "$OUT/commandstats.txt"
[ -n "${STRACE:-}" ] && head -12 "$OUT/strace.txt"
echo "files in $OUT"
