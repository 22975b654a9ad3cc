#!/usr/bin/env bash
# Reproduces every figure in BENCHMARKS.md.
#
#   bench/run.sh                 # everything (about 2 hours on 2 cores)
#   bench/run.sh a d             # only some sections
#
# Sections:
#   build    release build of the server (lumitalk-examples), loadgen and stand-ins
#            (lumitalk-bench); criterion benches compiled
#   a        side by side with the Python anchor: the anchor's wrk harness (pre-signed pool,
#            16/64/256 connections) against uvicorn --workers 2 / 1 / 1 pinned and our server
#   b        our loadgen following TwiML, in-process demo providers, 256 callers (closed loop,
#            and with callers' think time; the think-time load also against the Python anchor)
#   c        the same against delayed provider stand-ins: overhead over the critical path,
#            overlap of independent calls, first greeting with a pre-warmed vs cold cache
#   d        memory per open session (the anchor's memtest.sh: 100,000 first turns)
#   e        criterion: cargo bench -p lumitalk-core, -p lumitalk-sqlite
#   profile  perf (cpu-clock sampling) of the server under the wrk load of section a,
#            call records on disk and on tmpfs
#   tables   only rebuild the markdown tables from the raw results of earlier runs
#
# Needs: a writable copy of ../shared/anchors at $ANCHORS with python-fastapi/.venv
# (see that README), wrk, curl, python3, perf (profile only).
# Environment: SRC [this checkout] the source tree built and benchmarked (use a clean clone
# of one commit on a shared machine: others' uncommitted edits must not leak in),
# REPS [3], ANCHORS [/tmp/anchors], OUT [bench/results], WORK
# [/tmp/lumitalk-bench], QUIET_MAX [600] seconds to wait for a quiet machine per run,
# A_CONFIGS ["py-w2 py-w1 rs rs-tmpfs py-w1pin rs-pin"], DURATION [25] (per wrk level),
# B_CONFIGS ["closed think think-tmpfs think-1worker think-py-w1"], B_CLOSED_SECS [20], B_THINK_SECS [40],
# C_CONFIGS ["j0 j0-tmpfs j50"], C_GREETING [1] (0: skip the first-greeting runs), C_SECS [60], C_CAL_CALLS [100], MEM_SESSIONS [100000].
# A quick dry run of the script itself:
#   REPS=1 DURATION=3 B_CLOSED_SECS=3 B_THINK_SECS=4 C_SECS=5 C_CAL_CALLS=5 MEM_SESSIONS=3000 \
#   QUIET_MAX=0 OUT=/tmp/bench-smoke bench/run.sh a b c d
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

REPS="${REPS:-3}"
ANCHORS="${ANCHORS:-/tmp/anchors}"
OUT="${OUT:-$HERE/results}"
WORK="${WORK:-/tmp/lumitalk-bench}"
QUIET_MAX="${QUIET_MAX:-600}"
A_CONFIGS="${A_CONFIGS:-py-w2 py-w1 rs rs-tmpfs py-w1pin rs-pin}"
B_CONFIGS="${B_CONFIGS:-closed think think-tmpfs think-1worker think-py-w1}"
C_CONFIGS="${C_CONFIGS:-j0 j0-tmpfs j50}" C_GREETING="${C_GREETING:-1}"
DURATION="${DURATION:-25}"
B_CLOSED_SECS="${B_CLOSED_SECS:-20}" B_THINK_SECS="${B_THINK_SECS:-40}"
C_SECS="${C_SECS:-60}" C_CAL_CALLS="${C_CAL_CALLS:-100}" MEM_SESSIONS="${MEM_SESSIONS:-100000}"
AUTH_TOKEN=12345
PY_PORT=8000 RS_PORT=9000 STANDINS_PORT=9100
SRC="${SRC:-$ROOT}"
BIN="$SRC/target/release"
DISK_DB="$WORK/db/lumitalk.db"     # on the machine's disk, as in production
SHM_DB="/dev/shm/lumitalk-bench.db"
SECTIONS="${*:-build a b c d e profile}"
[[ "$SECTIONS" == tables ]] && SECTIONS=" "
mkdir -p "$OUT" "$WORK/logs" "$WORK/db" "$WORK/turns"
trap 'stop_server; stop_standins' EXIT

want() { [[ " $SECTIONS " == *" $1 "* ]]; }

machine() {
  {
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "commit: $(git -C "$SRC" rev-parse --short HEAD)$(git -C "$SRC" diff --quiet HEAD || echo ' (with uncommitted changes)')"
    lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core|Socket|Hypervisor|L1d|L2|L3|BogoMIPS)' | sed 's/  */ /g'
    echo "kernel: $(uname -r)"
    echo "memory: $(free -g | awk '/Mem:/ {print $2 " GiB"}')"
    echo "rustc: $(rustc --version)"
    echo "python: $("$ANCHORS/python-fastapi/.venv/bin/python" --version 2>&1)"
    "$ANCHORS/python-fastapi/.venv/bin/python" -c \
      'import fastapi, uvicorn, twilio; print("fastapi", fastapi.__version__, "uvicorn", uvicorn.__version__, "twilio", twilio.__version__)' 2>/dev/null || true
    echo "wrk: $(wrk -v 2>&1 | head -1)"
  } > "$OUT/machine.txt"
}

# --- build ------------------------------------------------------------------
if want build; then
  log build "cargo build --release (server, loadgen, standins); criterion benches --no-run"
  # One invocation, so both packages share one feature resolution; every binary lands in
  # the workspace's target/release ($BIN).
  (cd "$SRC" && cargo build --release -p lumitalk-examples --bin server \
    -p lumitalk-bench --bin loadgen --bin standins)
  (cd "$SRC" && cargo bench -p lumitalk-core -p lumitalk-sqlite --no-run)
fi
[[ "$SECTIONS" == " " ]] || machine

# --- a: side by side with the Python anchor (wrk, pre-signed pool) -----------
start_config() {  # cfg -> sets SPID, TARGET, WRK_CPUS
  PIN="" WRK_CPUS=""
  case "$1" in
    py-w2) start_python "$1" 2 ;;
    py-w1) start_python "$1" 1 ;;
    py-w1pin) PIN="taskset -c 1" WRK_CPUS=0; start_python "$1" 1 ;;
    rs) start_rust "$1" "$RS_PORT" "$DISK_DB" ;;
    rs-tmpfs) start_rust "$1" "$RS_PORT" "$SHM_DB" ;;
    rs-pin) PIN="taskset -c 1" WRK_CPUS=0; start_rust "$1" "$RS_PORT" "$DISK_DB" TOKIO_WORKER_THREADS=1 ;;
    *) echo "unknown config $1"; exit 2 ;;
  esac
  PIN=""
  case "$1" in py-*) TARGET="http://127.0.0.1:$PY_PORT" ;; *) TARGET="http://127.0.0.1:$RS_PORT" ;; esac
}

if want a; then
  log a "correctness: the anchor's check.sh against both servers"
  for cfg in py-w2 rs; do
    start_config "$cfg"
    TARGET=$TARGET BASE_URL=$TARGET AUTH_TOKEN=$AUTH_TOKEN "$ANCHORS/loadgen/check.sh" \
      > "$OUT/a-check-$cfg.log" 2>&1 || log a "check.sh FAILED for $cfg (see $OUT/a-check-$cfg.log)"
    stop_server
  done
  for rep in $(seq "$REPS"); do
    for cfg in $A_CONFIGS; do
      wait_quiet "a $cfg rep$rep"
      start_config "$cfg"
      log a "$cfg rep $rep (pid $SPID)"
      SERVER_PID=$SPID LABEL=$cfg REP=$rep OUT="$OUT/a-raw.tsv" TARGET=$TARGET BASE_URL=$TARGET \
        AUTH_TOKEN=$AUTH_TOKEN WRK_CPUS=$WRK_CPUS DURATION=$DURATION "$ANCHORS/loadgen/bench.sh" \
        | tee -a "$OUT/run.log"
      stop_server
    done
  done
fi

# --- b: our loadgen, in-process demo providers, 256 callers --------------------
if want b; then
  mkdir -p "$OUT/b"
  for rep in $(seq "$REPS"); do
    for cfg in $B_CONFIGS; do
      wait_quiet "b $cfg rep$rep"
      port=$RS_PORT
      case $cfg in
        think-py-w1) start_python "b-$cfg" 1; port=$PY_PORT ;;
        think-tmpfs) start_rust "b-$cfg" "$RS_PORT" "$SHM_DB" ;;
        think-1worker) start_rust "b-$cfg" "$RS_PORT" "$DISK_DB" TOKIO_WORKER_THREADS=1 ;;
        *) start_rust "b-$cfg" "$RS_PORT" "$DISK_DB" ;;
      esac
      log b "$cfg rep $rep"
      case $cfg in
        closed) run_loadgen "$OUT/b/$cfg-$rep.json" --target "http://127.0.0.1:$port" \
                  --concurrency 256 --duration "$B_CLOSED_SECS" --seed "$rep" ;;
        think*) run_loadgen "$OUT/b/$cfg-$rep.json" --target "http://127.0.0.1:$port" \
                  --concurrency 256 --duration "$B_THINK_SECS" --think-ms 500-1500 --seed "$rep" \
                  --turn-log "$WORK/turns/b-$cfg-$rep.tsv" ;;
      esac
      stop_server
    done
  done
fi

# --- c: delayed provider stand-ins ---------------------------------------------
DELAYS=(--shopify-ms 150 --openai-ms 350 --elevenlabs-ms 250)
if want c; then
  mkdir -p "$OUT/c"
  # c1: one caller at a time, so every provider request falls inside one turn:
  # which calls each turn makes, the critical path, overlap, our overhead.
  wait_quiet "c calibrate"
  start_standins "${DELAYS[@]}" --jitter-ms 0
  # shellcheck disable=SC2046
  start_rust c-cal "$RS_PORT" "$DISK_DB" $(standin_env)
  wait_prewarm
  curl -s "http://127.0.0.1:$STANDINS_PORT/log" > /dev/null   # drop the pre-warm requests
  log c "calibration: 1 caller, $C_CAL_CALLS calls"
  run_loadgen "$OUT/c/calibrate.json" --target "http://127.0.0.1:$RS_PORT" --concurrency 1 \
    --calls "$C_CAL_CALLS" --seed 7 --turn-log "$WORK/turns/c-cal.tsv"
  curl -s "http://127.0.0.1:$STANDINS_PORT/log" > "$WORK/turns/c-cal-providers.tsv"
  stop_server; stop_standins
  cp "$WORK/turns/c-cal.tsv" "$WORK/turns/c-cal-providers.tsv" "$OUT/c/"

  # c2: 256 callers with think time. Without jitter each kind of turn has a known
  # critical path (from c1); the same with call records on tmpfs (no fsync); and with
  # ±50 ms of jitter per provider call.
  for rep in $(seq "$REPS"); do
    for cfg in $C_CONFIGS; do
      wait_quiet "c load $cfg rep$rep"
      jitter=0; [[ $cfg == j50 ]] && jitter=50
      db=$DISK_DB; [[ $cfg == *tmpfs ]] && db=$SHM_DB
      start_standins "${DELAYS[@]}" --jitter-ms "$jitter" --seed "$rep"
      # shellcheck disable=SC2046
      start_rust "c-load-$cfg" "$RS_PORT" "$db" $(standin_env)
      wait_prewarm
      log c "256 callers, $cfg, rep $rep"
      run_loadgen "$OUT/c/load-$cfg-$rep.json" --target "http://127.0.0.1:$RS_PORT" \
        --concurrency 256 --duration "$C_SECS" --think-ms 500-1500 --seed "$rep" \
        --turn-log "$WORK/turns/c-load-$cfg-$rep.tsv"
      curl -s "http://127.0.0.1:$STANDINS_PORT/stats" > "$OUT/c/load-$cfg-$rep-standins.json"
      stop_server; stop_standins
    done
  done

  # c3: first greeting. Pre-warmed: the stand-ins are up when the server starts, and
  # the first call comes once its background pre-warm has finished. Cold: they are
  # down at start (the pre-warm fails fast) and come up before the first call.
  for rep in $(seq "$REPS"); do
    [[ $C_GREETING == 1 ]] || break
    for cache in prewarmed cold; do
      wait_quiet "c greeting $cache rep$rep"
      if [[ $cache == prewarmed ]]; then
        start_standins "${DELAYS[@]}" --jitter-ms 0
        # shellcheck disable=SC2046
        start_rust "c-greet-$cache" "$RS_PORT" "$DISK_DB" $(standin_env)
        wait_prewarm
      else
        # shellcheck disable=SC2046
        start_rust "c-greet-$cache" "$RS_PORT" "$DISK_DB" $(standin_env)
        sleep 3   # the background pre-warm finds no provider and gives up
        start_standins "${DELAYS[@]}" --jitter-ms 0
      fi
      log c "first greeting, $cache cache, rep $rep"
      run_loadgen "$OUT/c/greet-$cache-$rep.json" --target "http://127.0.0.1:$RS_PORT" \
        --concurrency 1 --calls 5 --mix agent=1 --seed "$rep" \
        --turn-log "$WORK/turns/c-greet-$cache-$rep.tsv"
      stop_server; stop_standins
    done
  done
fi

# --- d: memory per open session -------------------------------------------------
if want d; then
  mkdir -p "$OUT/d"
  for rep in $(seq "$REPS"); do
    for cfg in rs py-w1; do
      wait_quiet "d $cfg rep$rep"
      start_config "$cfg"
      log d "$cfg rep $rep: $MEM_SESSIONS sessions"
      stats=""; [[ $cfg == py-* ]] && stats="$TARGET/debug/stats"
      SERVER_PID=$SPID TARGET=$TARGET BASE_URL=$TARGET AUTH_TOKEN=$AUTH_TOKEN STATS_URL=$stats SESSIONS=$MEM_SESSIONS \
        "$ANCHORS/loadgen/memtest.sh" > "$OUT/d/$cfg-$rep.log" 2>&1 || log d "memtest failed"
      grep MEMRESULT "$OUT/d/$cfg-$rep.log" | tee -a "$OUT/run.log" || true
      stop_server
    done
  done
fi

# --- e: criterion ---------------------------------------------------------------
if want e; then
  mkdir -p "$OUT/e"
  for rep in $(seq "$REPS"); do
    for crate in lumitalk-core lumitalk-sqlite; do
      wait_quiet "e $crate rep$rep"
      log e "cargo bench -p $crate (rep $rep)"
      since=$(date +%s)
      benches=(--bench records)
      [[ $crate == lumitalk-core ]] && benches=(--bench conversation_step --bench assistant_call)
      (cd "$SRC" && cargo bench -p "$crate" "${benches[@]}" -- --warm-up-time 1 --measurement-time 3) \
        > "$OUT/e/$crate-$rep.txt" 2>&1 || log e "cargo bench -p $crate failed"
      python3 "$HERE/criterion_table.py" collect "$SRC/target/criterion" "$since" > "$OUT/e/$crate-$rep.json"
    done
  done
fi

# --- profile: where the server's CPU goes under the wrk load ----------------------
if want profile; then
  for store in disk tmpfs; do
    wait_quiet "profile $store"
    db=$DISK_DB; [[ $store == tmpfs ]] && db=$SHM_DB
    start_rust "profile-$store" "$RS_PORT" "$db"
    log profile "perf record -e cpu-clock -g, 15 s of wrk c=64, call records on $store"
    ( SERVER_PID=$SPID LABEL="profile-$store" REP=1 OUT="$OUT/profile-raw.tsv" \
        TARGET="http://127.0.0.1:$RS_PORT" BASE_URL="http://127.0.0.1:$RS_PORT" AUTH_TOKEN=$AUTH_TOKEN \
        CONNS=64 DURATION=20 WARMUP=3 "$ANCHORS/loadgen/bench.sh" > "$WORK/profile-$store-wrk.txt" 2>&1 & )
    sleep 5
    perf record -e cpu-clock -F 1999 -g -p "$SPID" -o "$WORK/perf-$store.data" -- sleep 15 2> /dev/null
    sleep 6
    stop_server
    python3 "$HERE/profile_table.py" "$WORK/perf-$store.data" > "$OUT/profile-$store.md"
  done
fi

# --- tables -------------------------------------------------------------------------
# Every markdown table, rebuilt from the raw results (the turn logs stay in $WORK).
steady() { echo "whole run:"; echo; "$@"; echo; echo "steady state (turns sent 2 s or more after the start):"; echo; "$@" --skip-s 2; }
if [[ -s "$OUT/a-raw.tsv" ]]; then
  # shellcheck disable=SC2086
  python3 "$ANCHORS/loadgen/summarize.py" "$OUT/a-raw.tsv" $A_CONFIGS > "$OUT/a-summary.md"
  python3 "$HERE/ratios.py" "$OUT/a-raw.tsv" > "$OUT/a-ratios.md"
fi
if [[ -d "$OUT/b" ]]; then
  python3 "$HERE/loadgen_table.py" "$OUT/b" closed think think-tmpfs think-1worker think-py-w1 > "$OUT/b-summary.md"
  for cfg in think think-tmpfs think-1worker think-py-w1; do
    ls "$WORK"/turns/b-$cfg-[0-9]*.tsv > /dev/null 2>&1 || continue
    echo "### $cfg"; echo
    steady python3 "$HERE/turns.py" routes "$WORK"/turns/b-$cfg-[0-9]*.tsv
  done > "$OUT/b-routes.md"
fi
if [[ -s "$OUT/c/c-cal.tsv" ]]; then
  python3 "$HERE/turns.py" calibrate "$OUT/c/c-cal.tsv" "$OUT/c/c-cal-providers.tsv" \
    "$OUT/c/critical-path.json" > "$OUT/c-calibration.md"
  python3 "$HERE/loadgen_table.py" "$OUT/c" load-j0 load-j0-tmpfs load-j50 > "$OUT/c-summary.md"
  for cfg in j0 j0-tmpfs; do
    ls "$WORK"/turns/c-load-$cfg-[0-9]*.tsv > /dev/null 2>&1 || continue
    echo "### $cfg"; echo
    steady python3 "$HERE/turns.py" excess "$OUT/c/critical-path.json" "$WORK"/turns/c-load-$cfg-[0-9]*.tsv
  done > "$OUT/c-excess.md"
  for cfg in j0 j0-tmpfs j50; do
    ls "$WORK"/turns/c-load-$cfg-[0-9]*.tsv > /dev/null 2>&1 || continue
    echo "### $cfg"; echo
    steady python3 "$HERE/turns.py" routes "$WORK"/turns/c-load-$cfg-[0-9]*.tsv
  done > "$OUT/c-routes.md"
  if ls "$WORK"/turns/c-greet-*.tsv > /dev/null 2>&1; then
    python3 "$HERE/turns.py" greeting "$WORK"/turns/c-greet-*.tsv > "$OUT/c-greeting.md"
  fi
fi
[[ -d "$OUT/d" ]] && python3 "$HERE/memtable.py" "$OUT/d" rs py-w1 > "$OUT/d-summary.md"
[[ -d "$OUT/e" ]] && python3 "$HERE/criterion_table.py" table "$OUT/e" > "$OUT/e-summary.md"
log done "sections: $SECTIONS"
