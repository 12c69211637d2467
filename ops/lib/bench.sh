# shellcheck shell=bash
# What the benchmarks (ops/bench/*) do before they measure: their arguments and --help, the
# bench profile's servers (stopped on exit only if the run started them), the release build,
# the schema, and a `conveyor api` with a producer key of its own. Sourced after
# services.sh; nothing here runs while a figure is being taken.

# bench_help: the calling script's header comment, which is its documentation (-h, --help).
bench_help() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

# bench_no_arguments USAGE [ARGUMENT]: for a bench that takes none; -h or --help prints the header.
bench_no_arguments() {
  case ${2:-} in
    "") ;;
    -h | --help) bench_help; exit 0 ;;
    *) die "unknown argument '$2' (usage: $1)" ;;
  esac
}

# bench_rows_and_rounds USAGE ARGUMENT...: --rows N and --rounds R into ROWS and ROUNDS, bounded
# (N by ROWS_MAX, default 3,000,000); other options go to bench_option NAME VALUE, which the
# caller may define, and which answers whether it took the option.
bench_rows_and_rounds() {
  local usage=$1 rows_max=${ROWS_MAX:-3000000}
  shift
  ROWS=1000000
  ROUNDS=3
  while [ $# -gt 0 ]; do
    case $1 in
      --rows) ROWS=${2:-}; shift 2 || die "--rows needs a number" ;;
      --rounds) ROUNDS=${2:-}; shift 2 || die "--rounds needs a number" ;;
      -h | --help) bench_help; exit 0 ;;
      *)
        declare -F bench_option >/dev/null && bench_option "$1" "${2:-}" || die "unknown argument '$1' (usage: $usage)"
        shift 2
        ;;
    esac
  done
  [[ $ROWS =~ ^[0-9]+$ ]] && [ "$ROWS" -ge 1000 ] && [ "$ROWS" -le "$rows_max" ] \
    || die "--rows must be a whole number from 1000 to $rows_max, not '$ROWS'"
  [[ $ROUNDS =~ ^[0-9]+$ ]] && [ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 20 ] || die "--rounds must be a whole number from 1 to 20, not '$ROUNDS'"
}

# use_bench_profile: the bench profile, not servers the environment names; *_was_running: already up.
use_bench_profile() {
  unset CONVEYOR_REDIS_URL CONVEYOR_DATABASE_URL
  profile_ports bench
  redis_was_running=0 postgres_was_running=0
  if redis_running "$DATA_DIR/redis"; then redis_was_running=1; fi
  if postgres_running "$DATA_DIR/postgres"; then postgres_was_running=1; fi
}

# check_bench_ports: a taken port dies naming CONVEYOR_BENCH_*_PORT, not the URLs benches ignore.
check_bench_ports() {
  local server name port ours
  for server in redis:$REDIS_PORT:$redis_was_running postgres:$PG_PORT:$postgres_was_running; do
    IFS=: read -r name port ours <<<"$server"
    [ "$ours" = 1 ] || port_is_free "$port" || die "port $port, for the bench $name, is taken by another program: stop it, or move the bench's servers with CONVEYOR_BENCH_REDIS_PORT and CONVEYOR_BENCH_POSTGRES_PORT"
  done
}

# stop_bench_servers: on exit, stops only the bench servers that use_bench_profile found stopped.
stop_bench_servers() {
  STARTED_REDIS=$((1 - redis_was_running)) STARTED_POSTGRES=$((1 - postgres_was_running)) stop_services bench
}

# build_release PRODUCT...: release builds in .build-bench, a scratch folder kept out of .build's way.
# CONVEYOR_BENCH_BIN names a folder of release binaries to measure instead, built from
# another revision, so that one sitting can alternate two builds.
build_release() {
  local product output
  if [ -n "${CONVEYOR_BENCH_BIN:-}" ]; then
    for product in "$@"; do
      [ -x "$CONVEYOR_BENCH_BIN/$product" ] || die "CONVEYOR_BENCH_BIN=$CONVEYOR_BENCH_BIN has no $product"
    done
    say "measuring the binaries in $CONVEYOR_BENCH_BIN"
    return
  fi
  if [ $# = 1 ]; then say "building the release binary in .build-bench"; else say "building release binaries in .build-bench"; fi
  for product in "$@"; do
    output=$(swift build -c release --scratch-path .build-bench --product "$product" 2>&1) || { echo "$output" >&2; die "building $product failed"; }
  done
}

# release_bin: the folder holding what build_release built, or CONVEYOR_BENCH_BIN.
release_bin() {
  if [ -n "${CONVEYOR_BENCH_BIN:-}" ]; then echo "$CONVEYOR_BENCH_BIN"; else swift build -c release --scratch-path .build-bench --show-bin-path; fi
}

# migrate_schema CONVEYOR LOG: the tables up to date before anything is measured; LOG on failure.
migrate_schema() {
  "$1" migrate >"$2" 2>&1 || { cat "$2" >&2; die "the migrations failed"; }
}

# start_bench_servers CONVEYOR LOG: servers up, Redis emptied of earlier runs' jobs, schema migrated.
start_bench_servers() {
  start_services bench
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" flushdb >/dev/null
  migrate_schema "$1" "$2"
}

# start_bench_api CONVEYOR DIR TENANT [OPTION...]: an API, a new key of TENANT (API_KEY), DIR/api.log.
start_bench_api() {
  local conveyor=$1 dir=$2 tenant=$3
  shift 3
  API_KEY=bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  echo "bench producer $tenant $API_KEY" >"$dir/keys"
  "$conveyor" api --port 0 --api-keys-file "$dir/keys" --producer-rate-limit 100000000/1h "$@" >"$dir/api.log" 2>&1 &
  API_PID=$!
}

# start_otlp_sink PORT LOG: an OTLP/HTTP receiver on loopback that counts what it takes and
# keeps nothing (ops/bench/otlp_sink.py), for the runs with tracing on; its pid in SINK_PID.
start_otlp_sink() {
  port_is_free "$1" || die "port $1, the OTLP sink's, is taken"
  python3 ops/bench/otlp_sink.py "$1" >"$2" 2>&1 &
  SINK_PID=$!
}

# await_api_url LOG: API_URL, once the API of start_bench_api logs it (at most 20 s).
await_api_url() {
  API_URL=
  for _ in $(seq 1 200); do
    API_URL=$(grep -o '"url":"http://[^"]*"' "$1" | head -n 1 | cut -d'"' -f4 || true)
    [ -n "$API_URL" ] && break
    kill -0 "$API_PID" 2>/dev/null || { cat "$1" >&2; die "conveyor api did not start"; }
    sleep 0.1
  done
  [ -n "$API_URL" ] || die "conveyor api did not say where it listens; see $1"
}

# field KEY LINE: the value of KEY in a conveyor-bench result line of key=value pairs.
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }

# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# start_bench_replica PORT DIR MASTER_PORT: a Redis on PORT (data in DIR) replicating the one on
# MASTER_PORT, once the master sees it online (at most 20 s).
start_bench_replica() {
  local port=$1 dir=$2 master=$3
  start_redis "$port" "$dir"
  redis-cli -h 127.0.0.1 -p "$port" config set auto-aof-rewrite-percentage 0 >/dev/null
  redis-cli -h 127.0.0.1 -p "$port" replicaof 127.0.0.1 "$master" >/dev/null
  for _ in $(seq 1 200); do
    redis-cli -h 127.0.0.1 -p "$master" info replication | grep -q '^slave0:.*state=online' && return 0
    sleep 0.1
  done
  die "the replica on port $port did not come online"
}
