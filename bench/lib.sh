# Helpers for bench/run.sh (sourced, not run).
# shellcheck shell=bash

log() {  # section message...  -> stdout and $OUT/run.log
  local s=$1; shift
  printf '%s [%s] %s\n' "$(date -u +%H:%M:%S)" "$s" "$*" | tee -a "$OUT/run.log"
}

# Waits until the shared machine is quiet: no rustc/cargo process for 30 s and a
# 1-minute load average under 1. Gives up after QUIET_MAX seconds and says so in
# $OUT/quiet.log (the report quotes that file).
wait_quiet() {  # label
  local start now since="" load
  start=$(date +%s)
  while :; do
    now=$(date +%s)
    if pgrep -x rustc >/dev/null || pgrep -x cargo >/dev/null; then since=""; else since=${since:-$now}; fi
    load=$(cut -d' ' -f1 /proc/loadavg)
    if [[ -n "$since" ]] && (( now - since >= 30 )) && awk -v l="$load" 'BEGIN { exit !(l < 1) }'; then
      printf '%s\tquiet\twaited=%ss\tload=%s\n' "$1" "$((now - start))" "$load" >> "$OUT/quiet.log"
      return 0
    fi
    if (( now - start >= QUIET_MAX )); then
      printf '%s\tNOT-QUIET\twaited=%ss\tload=%s\trustc=%s\n' "$1" "$((now - start))" "$load" \
        "$(pgrep -xc rustc || true)" >> "$OUT/quiet.log"
      log quiet "$1: machine not quiet after ${QUIET_MAX}s (load $load); measuring anyway"
      return 0
    fi
    sleep 5
  done
}

# Machine CPU ticks (user nice system idle iowait irq softirq steal), for "other load".
stat_ticks() { head -1 /proc/stat | cut -d' ' -f3-10; }

wait_http() {  # url seconds
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "timed out waiting for $1" >&2
  return 1
}

SPID=""      # the server under test
STANDINS_PID=""

stop_server() {
  if [[ -n "$SPID" ]] && kill -0 "$SPID" 2>/dev/null; then
    kill -TERM "$SPID" 2>/dev/null || true
    wait "$SPID" 2>/dev/null || true
  fi
  SPID=""
}

stop_standins() {
  if [[ -n "$STANDINS_PID" ]] && kill -0 "$STANDINS_PID" 2>/dev/null; then
    kill -TERM "$STANDINS_PID" 2>/dev/null || true
    wait "$STANDINS_PID" 2>/dev/null || true
  fi
  STANDINS_PID=""
}

# The Rust server with a clean environment. Extra VAR=value pairs are passed on.
#   start_rust NAME PORT DB [VAR=value ...]   (PIN="taskset -c 1" to pin)
start_rust() {
  local name=$1 port=$2 db=$3; shift 3
  rm -f "$db" "$db-wal" "$db-shm"
  # shellcheck disable=SC2086
  env -i PATH="$PATH" HOME="$HOME" \
    LUMITALK_ADDR="127.0.0.1:$port" LUMITALK_PUBLIC_URL="http://127.0.0.1:$port" \
    TWILIO_AUTH_TOKEN="$AUTH_TOKEN" TWILIO_ACCOUNT_SID=AC0123456789abcdef0123456789abcdef \
    LUMITALK_ESCALATION_NUMBER=+15005550006 LUMITALK_DATABASE="$db" LUMITALK_LOG=warn "$@" \
    ${PIN:-} "$BIN/server" > "$WORK/logs/$name.log" 2>&1 &
  SPID=$!
  wait_http "http://127.0.0.1:$port/healthz" 120
}

# The Python anchor, as its run_matrix.sh starts it.
#   start_python NAME WORKERS   (PIN="taskset -c 1" to pin)
start_python() {
  local name=$1 workers=$2
  (
    cd "$ANCHORS/python-fastapi"
    # shellcheck disable=SC2086
    TWILIO_AUTH_TOKEN="$AUTH_TOKEN" PUBLIC_BASE_URL="http://127.0.0.1:$PY_PORT" \
      exec ${PIN:-} .venv/bin/uvicorn app:app --host 127.0.0.1 --port "$PY_PORT" \
      --workers "$workers" --no-access-log --log-level warning
  ) > "$WORK/logs/$name.log" 2>&1 &
  SPID=$!
  wait_http "http://127.0.0.1:$PY_PORT/debug/stats" 60
  sleep 2  # let every worker finish starting (as run_matrix.sh does)
}

# Provider stand-ins (lumitalk-bench) on $STANDINS_PORT.   start_standins [standins options...]
start_standins() {
  "$BIN/standins" --addr "127.0.0.1:$STANDINS_PORT" "$@" > "$WORK/logs/standins.log" 2>&1 &
  STANDINS_PID=$!
  wait_http "http://127.0.0.1:$STANDINS_PORT/stats" 20
}

# Waits until the server's background pre-warm is over: the stand-ins have served
# speech requests and none arrived or was open for a second.
wait_prewarm() {
  local prev="" cur i
  for ((i = 0; i < 120; i++)); do
    cur=$(curl -s "http://127.0.0.1:$STANDINS_PORT/stats" | python3 -c \
      'import json,sys; e=json.load(sys.stdin)["elevenlabs"]; print(e["requests"], e["in_flight"])')
    if [[ "$cur" == "$prev" && "${cur% *}" != 0 && "${cur#* }" == 0 ]]; then
      return 0
    fi
    prev=$cur
    sleep 1
  done
  echo "pre-warm did not settle" >&2
}

# Environment that points the Rust server at the stand-ins.
standin_env() {
  local b="http://127.0.0.1:$STANDINS_PORT"
  echo SHOPIFY_SHOP=standin SHOPIFY_ACCESS_TOKEN=shpat_standin "SHOPIFY_API_BASE_URL=$b" \
    OPENAI_API_KEY=sk-standin "OPENAI_BASE_URL=$b/v1" \
    ELEVENLABS_API_KEY=xi-standin ELEVENLABS_VOICE_ID=standinvoice "ELEVENLABS_BASE_URL=$b"
}

# Runs our loadgen (lumitalk-bench) against the server in $SPID and writes its JSON
# report, with the machine's other load added:   run_loadgen OUTFILE [loadgen options...]
run_loadgen() {
  local out=$1; shift
  local s1 s2
  s1=$(stat_ticks)
  "$BIN/loadgen" --auth-token "$AUTH_TOKEN" --server-pid "$SPID" --json "$@" > "$out.tmp" || true
  s2=$(stat_ticks)
  python3 - "$out.tmp" "$s1" "$s2" "$(nproc)" > "$out" <<'EOF'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except ValueError:
    print(json.dumps({"error": "loadgen produced no report"}))
    sys.exit(0)
a, b = [list(map(int, s.split())) for s in sys.argv[2:4]]
d = [y - x for x, y in zip(a, b)]
busy = 1 - d[3] / (sum(d) or 1)
wall = r["wall_seconds"]
other = int(sys.argv[4]) * busy - (r.get("server_cpu_seconds") or 0) / wall - r["loadgen_cpu_seconds"] / wall
r["machine_busy_cores"] = round(int(sys.argv[4]) * busy, 3)
r["other_load_cores"] = round(max(0.0, other), 3)
r["steal_pct"] = round(100 * d[7] / (sum(d) or 1), 2)
print(json.dumps(r, indent=1))
EOF
  rm -f "$out.tmp"
}
