# What the drills' wrappers (ops/drill/import, chaos, hosts, sentinel, cluster) share. Sourced after services.sh.

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
