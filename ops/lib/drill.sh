# What the drills' wrappers (ops/drill/import, chaos, hosts, sentinel, cluster) and the checks' (ops/check/*) share. Sourced after services.sh.

# find_conveyor INVOKED_FROM BIN_DIR: sets CONVEYOR to the conveyor binary the drill runs:
# BIN_DIR/conveyor when BIN_DIR is given (--bin), else CONVEYOR_BIN, else a release build in
# .build-bench, built now; relative paths are taken from INVOKED_FROM, where the drill was started.
find_conveyor() {
  local invoked_from=$1 bin_dir=$2 output
  if [ -n "$bin_dir" ]; then
    CONVEYOR=$bin_dir/conveyor
    [[ $CONVEYOR = /* ]] || CONVEYOR=$invoked_from/$CONVEYOR
  elif [ -n "${CONVEYOR_BIN:-}" ]; then
    CONVEYOR=$CONVEYOR_BIN
    [[ $CONVEYOR = /* ]] || CONVEYOR=$invoked_from/$CONVEYOR
  else
    ensure_swift
    say "building the release binary in .build-bench"
    output=$(swift build -c release --scratch-path .build-bench --product conveyor 2>&1) || { echo "$output" >&2; die "building conveyor failed"; }
    CONVEYOR=$(swift build -c release --scratch-path .build-bench --show-bin-path)/conveyor
  fi
  [ -x "$CONVEYOR" ] || die "no conveyor binary at $CONVEYOR (--bin FOLDER or CONVEYOR_BIN)"
}

# kill_recorded PIDS_FILE: kill -9 of every pid in the file that still runs $CONVEYOR. A
# driver stops its processes itself; this is for one that could not (killed, or broken).
# A pid that runs something else now was reused, and is left alone.
kill_recorded() {
  local pid
  [ -f "$1" ] || return 0
  while read -r pid; do
    [ -n "$pid" ] || continue
    if [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$CONVEYOR")" ]; then
      kill -CONT "$pid" 2>/dev/null || true
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done <"$1"
}

# run_driver COMMAND…: runs the drill's driver in the background, so that the wrapper's traps
# fire while it runs, and exits with its status.
run_driver() {
  "$@" &
  DRIVER_PID=$!
  local status=0
  wait "$DRIVER_PID" || status=$?
  DRIVER_PID=
  exit "$status"
}

# stop_driver: for a wrapper's exit trap: SIGTERM to the driver should it still run, on which
# it stops what it started, and SIGKILL if it has not ended 30 s later.
stop_driver() {
  if [ -n "${DRIVER_PID:-}" ] && kill -0 "$DRIVER_PID" 2>/dev/null; then
    kill -TERM "$DRIVER_PID" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$DRIVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$DRIVER_PID" 2>/dev/null || true
  fi
}

# track_commit_timestamps PORT DIR: turns on the commit timestamps of the PostgreSQL on PORT
# (data in DIR) and restarts it for them to take effect. They tell a drill when each ledger
# attempt really committed, were its worker stopped between the ledger's last write and COMMIT.
track_commit_timestamps() {
  psql_admin "$1" -c "ALTER SYSTEM SET track_commit_timestamp = on" >/dev/null
  stop_postgres "$1" "$2"
  start_postgres "$1" "$2"
}

# stop_drill_redis DIR: kill -9 of the redis-server of every pid file in DIR/*/redis.pid. A
# driver stops its Redis servers itself; this is for one that could not. A pid that runs
# something else than redis-server now was reused, and is left alone.
stop_drill_redis() {
  local pidfile pid
  for pidfile in "$1"/*/redis.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$(command -v redis-server)")" ] || continue
    kill -KILL "$pid" 2>/dev/null || true
  done
}

# run_check NAME INVOKED_FROM ARGUMENTS…: what a check's wrapper (ops/check/NAME) does around
# its driver ops/check/NAME.py: takes --bin FOLDER (else CONVEYOR_BIN, else a release build, as
# find_conveyor) and -h from ARGUMENTS, installs what is missing, uses the Redis and PostgreSQL
# of CONVEYOR_REDIS_URL and CONVEYOR_DATABASE_URL or else starts the test servers (16379,
# 15432) and stops them at the end, migrates, and runs the driver with the folder
# .data/check-NAME for its logs; every process the driver recorded is stopped however it
# ends. Exits with the driver's status.
run_check() {
  local name=$1 invoked_from=$2 bin_dir=
  shift 2
  while [ $# -gt 0 ]; do
    case $1 in
      --bin) bin_dir=${2:-}; shift 2 || die "--bin needs a folder holding the conveyor binary" ;;
      -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
      *) die "unknown argument '$1' (usage: ops/check/$name [--bin FOLDER])" ;;
    esac
  done
  ensure_packages
  find_conveyor "$invoked_from" "$bin_dir"
  CHECK_DATA=$PWD/.data/check-$name
  rm -rf "$CHECK_DATA"
  mkdir -p "$CHECK_DATA/logs"
  CHECK_PIDS=$CHECK_DATA/conveyor.pids
  : >"$CHECK_PIDS"
  CHECK_OWN_SERVERS=0
  trap stop_check EXIT
  trap 'exit 130' INT TERM
  if [ -z "${CONVEYOR_REDIS_URL:-}" ] || [ -z "${CONVEYOR_DATABASE_URL:-}" ]; then
    profile_ports test
    CHECK_OWN_SERVERS=1
    start_services test
  fi
  "$CONVEYOR" migrate >"$CHECK_DATA/logs/migrate.log" 2>&1 || { cat "$CHECK_DATA/logs/migrate.log" >&2; die "the migrations failed"; }
  run_driver python3 "ops/check/$name.py" --bin "$CONVEYOR" --data "$CHECK_DATA" --pids "$CHECK_PIDS"
}

# stop_check: run_check's exit trap.
stop_check() {
  trap '' INT TERM
  stop_driver
  kill_recorded "$CHECK_PIDS"
  [ "$CHECK_OWN_SERVERS" = 0 ] || stop_services test
}
