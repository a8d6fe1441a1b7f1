# Shared by the benchmark scripts (source it from the repository root): the dev JWT secret, the jars
# built once, processes stopped on exit, and waiting for a port.
# The driver opens every connection from 127.0.0.1, so the gateways run with
# CHAT_GATEWAY_MAX_CONNECTS_PER_SECOND_PER_ADDRESS=0 (no per-address connection limit).
SECRET=dev-only-secret-change-me-0123456789abcdef
[ -f gateway/target/chat-gateway.jar ] && [ -f loadtest/target/chat-loadtest.jar ] || mvn -B -q package -DskipTests
declare -a ALL
# Stops every process and waits until each is gone, so a benchmark run right after finds its ports free.
stop_all() {
  for p in "${ALL[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${ALL[@]}"; do for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; done
}
trap stop_all EXIT
wait_port() { for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 did not open"; exit 1; }
# Fields of the driver's RESULT line: count_of greeted "$line"; millis_of greetingMillis p99 "$line".
count_of() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" <<<"$2"; }
millis_of() { sed -n "s/.*$1={[^}]*\"$2\":\([0-9.]*\).*/\1/p" <<<"$3"; }
