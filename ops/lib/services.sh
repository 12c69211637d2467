# Private Redis and PostgreSQL servers on loopback, with their data under .data/ in
# the checkout. Sourced by ops/up, ops/test, ops/services and the drills; every
# function is safe to call again while the servers already run.

CONVEYOR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Bold and red only when the messages go to a terminal, not into a log or a pipe.
if [ -t 2 ]; then BOLD=$'\033[1m' RED=$'\033[31m' PLAIN=$'\033[0m'; else BOLD='' RED='' PLAIN=''; fi
say() { printf '%s[conveyor]%s %s\n' "$BOLD" "$PLAIN" "$*" >&2; }
die() { printf '%s[conveyor] error:%s %s\n' "$RED" "$PLAIN" "$*" >&2; exit 1; }
# grouped N: N rounded to a whole number, with thousands separated by commas.
grouped() { printf '%.0f' "$1" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta'; }

# Installs the Debian packages that are missing, and only those: a second run is quick.
ensure_packages() {
  local wanted=(redis-server redis-tools postgresql postgresql-contrib libhiredis-dev libpq-dev libssl-dev openssl pkg-config curl procps iproute2 jq prometheus tmux)
  local missing=()
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

# ensure_pip_package VENV PACKAGE VERSION: PACKAGE at VERSION in the virtualenv VENV (made,
# with python3-venv, if missing); a second run with the version in place is quick.
ensure_pip_package() {
  local venv=$1 package=$2 version=$3
  [ -x "$venv/bin/pip" ] && [ "$("$venv/bin/pip" show "$package" 2>/dev/null | sed -n 's/^Version: //p')" = "$version" ] && return
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    apt_install python3 python3-venv
  fi
  say "installing $package $version into $venv"
  { [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"; } && "$venv/bin/pip" install -q "$package==$version" \
    || die "pip install $package==$version failed"
}

# Installs Debian packages (as root) without letting their postinst scripts start
# system-wide servers: ours are private. The policy-rc.d that holds them back is removed
# again, unless it was there before.
apt_install() {
  [ "$(id -u)" = 0 ] || die "missing packages ($*); run as root or install them with apt-get"
  say "installing $*"
  local policy=/usr/sbin/policy-rc.d wrote_policy=0 status=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && wrote_policy=1
  fi
  { DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; } || status=$?
  [ "$wrote_policy" = 0 ] || rm -f "$policy"
  [ "$status" = 0 ] || die "apt-get install $* failed"
}

ensure_swift() {
  command -v swift >/dev/null || [ -x /opt/swift/usr/bin/swift ] || die "Swift 6.3 is not installed (expected swift on PATH or /opt/swift)"
  command -v swift >/dev/null || export PATH=/opt/swift/usr/bin:$PATH
}

postgres_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -x "$dir/initdb" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql (package postgresql)"
  echo "$dir"
}

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# redis_running DIR: whether the Redis with its data in DIR runs (its pid file names a live process).
redis_running() { [ -f "$1/redis.pid" ] && kill -0 "$(cat "$1/redis.pid")" 2>/dev/null; }

# postgres_running DIR: whether the PostgreSQL cluster in DIR/pgdata runs.
postgres_running() { runuser -u postgres -- "$(postgres_bindir)/pg_ctl" -D "$1/pgdata" status >/dev/null 2>&1; }

# start_redis PORT DIR [ADDRESS [OPTION...]]: a Redis with AOF on, bound to 127.0.0.1 only, or
# also to ADDRESS (when not empty), an address of a private test network (ops/drill/hosts), whose
# clients come from other hosts: protected mode, which refuses them without a password, is off
# then. The OPTIONs go to redis-server as they are.
start_redis() {
  local port=$1 dir=$2 address=${3:-}
  shift $(($# < 3 ? $# : 3))
  mkdir -p "$dir"
  if redis_running "$dir"; then
    return 0
  fi
  port_is_free "$port" || die "port $port is taken by another program: stop it, or point CONVEYOR_REDIS_URL at an existing Redis"
  local protected=yes
  [ -z "$address" ] || protected=no
  redis-server --bind 127.0.0.1 ${address:+"$address"} --port "$port" --dir "$dir" --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
    --appendonly yes --appendfsync everysec --save '' \
    --maxmemory-policy noeviction --protected-mode "$protected" "$@" >/dev/null \
    || die "redis-server did not start; see $dir/redis.log"
  # A Redis reading back a large AOF answers LOADING for as long as that takes (about
  # 10 s a million jobs here): waited for, as long as the server runs.
  local waited=0 loading=0 reply
  while [ "$waited" -lt 100 ]; do
    reply=$(redis-cli -h 127.0.0.1 -p "$port" ping 2>&1) || true
    case $reply in
      PONG) return 0 ;;
      LOADING*)
        [ "$loading" = 1 ] || { say "Redis on port $port is loading its data"; loading=1; }
        kill -0 "$(cat "$dir/redis.pid" 2>/dev/null)" 2>/dev/null || break
        sleep 0.2
        continue
        ;;
    esac
    waited=$((waited + 1))
    sleep 0.05
  done
  die "redis-server on port $port did not answer; see $dir/redis.log"
}

stop_redis() {
  local port=$1 dir=$2
  [ -f "$dir/redis.pid" ] || return 0
  redis-cli -h 127.0.0.1 -p "$port" shutdown >/dev/null 2>&1 || kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
  rm -f "$dir/redis.pid"
}

# start_redis_cluster FIRST_PORT DIR MASTERS REPLICAS: a Redis Cluster of MASTERS masters, each with
# REPLICAS replicas, on FIRST_PORT and the ports after it, with each node's data in DIR/PORT; a node
# is taken for failed after 2 s. Waits until every node says the cluster is ok.
start_redis_cluster() {
  local first=$1 dir masters=$3 replicas=$4
  dir=$(mkdir -p "$2" && cd "$2" && pwd)
  local count=$((masters * (1 + replicas))) port nodes=()
  for port in $(seq "$first" $((first + count - 1))); do
    start_redis "$port" "$dir/$port" "" --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000
    nodes+=("127.0.0.1:$port")
  done
  if [ "$(redis-cli -p "$first" cluster info | tr -d '\r' | sed -n 's/^cluster_known_nodes://p')" != "$count" ]; then
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas "$replicas" --cluster-yes >"$dir/create.log" 2>&1 \
      || die "redis-cli --cluster create failed; see $dir/create.log"
  fi
  local waited=0
  for port in $(seq "$first" $((first + count - 1))); do
    until redis-cli -p "$port" cluster info | grep -q '^cluster_state:ok'; do
      waited=$((waited + 1))
      [ "$waited" -lt 300 ] || die "the Redis Cluster on ports $first and up did not come up; see $dir/*/redis.log"
      sleep 0.1
    done
  done
}

# stop_redis_cluster FIRST_PORT DIR NODES: stops the NODES nodes start_redis_cluster started.
stop_redis_cluster() {
  local first=$1 dir=$2 count=$3 port
  for port in $(seq "$first" $((first + count - 1))); do
    stop_redis "$port" "$dir/$port"
  done
}

# start_postgres PORT DIR: a PostgreSQL cluster owned by the postgres user, listening on
# 127.0.0.1 only, with a database and role named conveyor (trust on loopback).
start_postgres() {
  local port=$1 dir=$2 bin
  bin=$(postgres_bindir)
  mkdir -p "$dir"
  local pgdata="$dir/pgdata"
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    mkdir -p "$pgdata"
    chown -R postgres:postgres "$dir"
    chmod 700 "$pgdata"
    runuser -u postgres -- "$bin/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || die "initdb failed; see $dir/initdb.log"
    cat >>"$pgdata/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 200
shared_buffers = 256MB
fsync = on
synchronous_commit = on
EOF
  fi
  # the postgres user must reach its data folder through the checkout
  local p=$dir
  while [ "$p" != "/" ]; do chmod o+x "$p" 2>/dev/null || true; p=$(dirname "$p"); done
  chown postgres:postgres "$dir"
  if ! postgres_running "$dir"; then
    port_is_free "$port" || die "port $port is taken by another program: stop it, or point CONVEYOR_DATABASE_URL at an existing PostgreSQL"
    runuser -u postgres -- "$bin/pg_ctl" -D "$pgdata" -o "-p $port" -l "$dir/postgres.log" -w -t 60 start >/dev/null \
      || die "PostgreSQL did not start; see $dir/postgres.log"
  fi
  for _ in $(seq 1 100); do
    "$bin/pg_isready" -h 127.0.0.1 -p "$port" -q && break
    sleep 0.1
  done
  psql_admin "$port" -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'conveyor'" | grep -q 1 \
    || psql_admin "$port" -c "CREATE ROLE conveyor LOGIN SUPERUSER" >/dev/null
  psql_admin "$port" -tAc "SELECT 1 FROM pg_database WHERE datname = 'conveyor'" | grep -q 1 \
    || psql_admin "$port" -c "CREATE DATABASE conveyor OWNER conveyor" >/dev/null
}

psql_admin() {
  local port=$1; shift
  psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q "$@"
}

stop_postgres() {
  local dir=$2 bin
  bin=$(postgres_bindir)
  [ -f "$dir/pgdata/PG_VERSION" ] || return 0
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir/pgdata" -m fast -w stop >/dev/null 2>&1 || true
}

# make_test_certificates DIR: in DIR (unless there already), a test CA (ca.crt) and what it
# signed: server.crt and server.key for 127.0.0.1 and localhost, client.crt and client.key
# for the user conveyor. Only for the private servers of the tests: the keys are not secret.
make_test_certificates() {
  local dir=$1
  [ -f "$dir/client.key" ] && return 0
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=Conveyor test CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null || die "openssl could not make the test CA in $dir"
  local name
  for name in server client; do
    local subject=/CN=conveyor extensions="extendedKeyUsage=clientAuth"
    if [ "$name" = server ]; then
      subject=/CN=127.0.0.1
      extensions="subjectAltName=IP:127.0.0.1,DNS:localhost"$'\n'"extendedKeyUsage=serverAuth"
    fi
    openssl req -newkey rsa:2048 -nodes -subj "$subject" -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null \
      && openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 30 \
        -extfile <(printf '%s\n' "$extensions") -out "$dir/$name.crt" 2>/dev/null \
      || die "openssl could not make the test $name certificate in $dir"
    rm -f "$dir/$name.csr"
  done
  chmod 0644 "$dir"/*.crt
  chmod 0600 "$dir"/*.key
}

# enable_postgres_tls PORT DIR CERTIFICATES: TLS on the PostgreSQL of DIR, with the server
# certificate of the folder CERTIFICATES (make_test_certificates); clients choose by sslmode.
enable_postgres_tls() {
  local port=$1 dir=$2 certificates=$3
  install -o postgres -m 0600 "$certificates/server.key" "$dir/pgdata/server.key"
  install -o postgres -m 0644 "$certificates/server.crt" "$dir/pgdata/server.crt"
  psql_admin "$port" -c "ALTER SYSTEM SET ssl = on" -c "SELECT pg_reload_conf()" >/dev/null
}

# start_pgbouncer PORT DIR PG_PORT [ADDRESS]: PgBouncer in transaction mode on 127.0.0.1:PORT
# (and ADDRESS:PORT, an address of a private test network), passing every database name
# through to the PostgreSQL on 127.0.0.1:PG_PORT, user conveyor without a password, as the
# private PostgreSQL lets it in. Runs as postgres: PgBouncer refuses to run as root.
start_pgbouncer() {
  local port=$1 dir=$2 pg_port=$3 address=${4:-}
  command -v pgbouncer >/dev/null || apt_install pgbouncer
  pgbouncer_running "$dir" && return 0
  port_is_free "$port" || die "port $port is taken by another program: stop it"
  mkdir -p "$dir"
  echo '"conveyor" ""' >"$dir/userlist.txt"
  cat >"$dir/pgbouncer.ini" <<EOF
[databases]
; The database the processes and most tests share gets a pool of its own size.
conveyor = host=127.0.0.1 port=$pg_port pool_size=60
* = host=127.0.0.1 port=$pg_port

[pgbouncer]
listen_addr = 127.0.0.1${address:+,$address}
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
max_client_conn = 1000
; Tests make a database each, so a pool each: small pools whose idle server connections close
; soon leave room under PostgreSQL's max_connections for the pools in use.
default_pool_size = 10
server_idle_timeout = 5
max_user_connections = 160
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
  chown -R postgres:postgres "$dir"
  runuser -u postgres -- pgbouncer -d -q "$dir/pgbouncer.ini" || die "PgBouncer did not start; see $dir/pgbouncer.log"
  for _ in $(seq 1 100); do
    psql "postgres://conveyor@127.0.0.1:$port/conveyor" -XAtqc 'SELECT 1' >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "PgBouncer does not answer on 127.0.0.1:$port; see $dir/pgbouncer.log"
}

# pgbouncer_running DIR: whether the PgBouncer of DIR runs.
pgbouncer_running() { [ -f "$1/pgbouncer.pid" ] && kill -0 "$(cat "$1/pgbouncer.pid")" 2>/dev/null; }

# stop_pgbouncer DIR: stops the PgBouncer of DIR, if it runs.
stop_pgbouncer() {
  pgbouncer_running "$1" || return 0
  local pid
  pid=$(cat "$1/pgbouncer.pid")
  kill -INT "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

# The profiles keep apart ports and data: dev (ops/up), test (ops/test), bench
# (ops/bench/*), drill (ops/drill/import), chaos (ops/drill/chaos), sentinel
# (ops/drill/sentinel) and cluster (ops/drill/cluster).
# The Sentinel and cluster drills restart servers on their ports while other connections come
# and go: their ports (and a cluster's bus ports, 10,000 above) are below Linux's ephemeral
# range (32768–60999), where an outgoing connection could hold one.
profile_ports() {
  case $1 in
    dev)  REDIS_PORT=${CONVEYOR_UP_REDIS_PORT:-6379};  PG_PORT=${CONVEYOR_UP_POSTGRES_PORT:-5432} ;;
    test) REDIS_PORT=${CONVEYOR_TEST_REDIS_PORT:-16379}; PG_PORT=${CONVEYOR_TEST_POSTGRES_PORT:-15432} ;;
    bench) REDIS_PORT=${CONVEYOR_BENCH_REDIS_PORT:-26379}; PG_PORT=${CONVEYOR_BENCH_POSTGRES_PORT:-25432} ;;
    drill) REDIS_PORT=${CONVEYOR_DRILL_REDIS_PORT:-36379}; PG_PORT=${CONVEYOR_DRILL_POSTGRES_PORT:-35432} ;;
    chaos) REDIS_PORT=${CONVEYOR_CHAOS_REDIS_PORT:-46379}; PG_PORT=${CONVEYOR_CHAOS_POSTGRES_PORT:-45432} ;;
    sentinel) REDIS_PORT=${CONVEYOR_SENTINEL_REDIS_PORT:-19379}; PG_PORT=${CONVEYOR_SENTINEL_POSTGRES_PORT:-19432} ;;
    cluster) REDIS_PORT=${CONVEYOR_CLUSTER_REDIS_PORT:-18000}; PG_PORT=${CONVEYOR_CLUSTER_POSTGRES_PORT:-18432} ;;
    *) die "unknown profile '$1' (dev, test, bench, drill, chaos, sentinel or cluster)" ;;
  esac
  DATA_DIR="$CONVEYOR_ROOT/.data/$1"
}

# start_services PROFILE: starts what the environment does not already provide and
# exports CONVEYOR_REDIS_URL and CONVEYOR_DATABASE_URL for the processes that follow.
start_services() {
  profile_ports "$1"
  if [ -z "${CONVEYOR_REDIS_URL:-}" ]; then
    start_redis "$REDIS_PORT" "$DATA_DIR/redis"
    export CONVEYOR_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
    STARTED_REDIS=1
  fi
  if [ -z "${CONVEYOR_DATABASE_URL:-}" ]; then
    start_postgres "$PG_PORT" "$DATA_DIR/postgres"
    export CONVEYOR_DATABASE_URL="postgres://conveyor@127.0.0.1:$PG_PORT/conveyor"
    STARTED_POSTGRES=1
  fi
  # The tests' own CA and certificates, made with the profile's data, which the TLS tests trust: the
  # test PostgreSQL takes TLS with them, and the tests start Redis servers of their own with them.
  # The other tests connect in plain text, as they did before the server took TLS.
  if [ "$1" = test ]; then
    export CONVEYOR_TEST_TLS_DIR=$DATA_DIR/tls
    make_test_certificates "$CONVEYOR_TEST_TLS_DIR"
    if [ "${STARTED_POSTGRES:-0}" = 1 ]; then
      enable_postgres_tls "$PG_PORT" "$DATA_DIR/postgres" "$CONVEYOR_TEST_TLS_DIR"
      export CONVEYOR_DATABASE_URL="$CONVEYOR_DATABASE_URL?sslmode=disable"
    fi
  fi
  return 0
}

stop_services() {
  profile_ports "$1"
  [ "${STARTED_REDIS:-0}" = 1 ] && stop_redis "$REDIS_PORT" "$DATA_DIR/redis"
  [ "${STARTED_POSTGRES:-0}" = 1 ] && stop_postgres "$PG_PORT" "$DATA_DIR/postgres"
  return 0
}
