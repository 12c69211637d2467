# What the import drill (ops/drill/import) and benchmark (ops/bench/import) share:
# deterministic bodies for the products dataset (jobs/datasets/products.dataset), the API
# and workers they run, uploads and progress. Sourced after services.sh; the caller sets
# CONVEYOR (the conveyor binary) and LOGS (a folder for the processes' output).

# write_products FORMAT ROWS [BAD_LINE] [TENANT]: ROWS products rows on standard output,
# the same rows in every format, about 170 bytes each.
#   FORMAT ndjson: one object a line;  csv: a header row, then one row a line;
#          json: an array, "[" on line 1, then one object a line;
#          copy: csv with TENANT as the first column, for psql's \copy.
#   BAD_LINE: the body line (from 1, headers and "[" count) whose row gets the price
#          "cheap", which the dataset refuses (price_cents is a bigint); 0 for none.
# Row n: SKU "SKU-<hash of n>-<n>", distinct and in shuffled order, as real imports
# come; name with a comma and quotes; every 10th category NULL; every 2nd updated_at
# NULL; price (n * 7919) mod 100,000.
write_products() {
  local format=$1 rows=$2 bad_line=${3:-0} tenant=${4:-}
  case $format in ndjson | csv | json | copy) ;; *) die "write_products: unknown format '$format'" ;; esac
  awk -v format="$format" -v rows="$rows" -v bad="$bad_line" -v tenant="$tenant" '
    BEGIN {
      offset = 0
      if (format == "csv") { print "sku,name,category,price_cents,quantity,updated_at"; offset = 1 }
      if (format == "copy") { print "tenant,sku,name,category,price_cents,quantity,updated_at"; offset = 1 }
      if (format == "json") { print "["; offset = 1 }
      for (n = 1; n <= rows; n++) {
        # exact in a double: n * 2654435761 < 2^53 for n below 3.3 million
        sku = sprintf("SKU-%010.0f-%d", (n * 2654435761) % 4294967296, n)
        price = (n + offset == bad) ? "cheap" : (n * 7919) % 100000
        category = (n % 10 == 0) ? "" : "category-" (n % 40)
        updated = (n % 2 == 0) ? "" : sprintf("2024-%02d-%02dT%02d:%02d:%02dZ", n % 12 + 1, n % 28 + 1, n % 24, n % 60, n % 59)
        if (format == "csv" || format == "copy") {
          line = sku ",\"Product " n ", \"\"classic\"\" edition\"," category "," price "," (n % 1000) "," updated
          print (format == "copy" ? tenant "," : "") line
          continue
        }
        line = "{\"sku\":\"" sku "\",\"name\":\"Product " n ", \\\"classic\\\" edition\",\"category\":" \
          (category == "" ? "null" : "\"" category "\"") ",\"price_cents\":" (price == "cheap" ? "\"cheap\"" : price) \
          ",\"quantity\":" (n % 1000) (updated == "" ? "" : ",\"updated_at\":\"" updated "\"") "}"
        if (format == "json") line = line (n < rows ? "," : "")
        print line
      }
      if (format == "json") print "]"
    }'
}

# products_figures FILE: "COUNT SUM" of the rows and their price_cents in an NDJSON
# products file, read from the file itself.
products_figures() {
  grep -o '"price_cents":[0-9]*' "$1" | awk -F: '{ count++; sum += $2 } END { printf "%d %.0f\n", count, sum }'
}

# Every conveyor process started here, for stop_conveyor.
CONVEYOR_PIDS=()

# wait_for_log FILE MESSAGE PID: until the process logs MESSAGE, at most 30 s.
wait_for_log() {
  for _ in $(seq 1 300); do
    grep -q "\"msg\":\"$2\"" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { tail -n 5 "$1" >&2; die "pid $3 exited before logging '$2'; see $1"; }
    sleep 0.1
  done
  die "pid $3 did not log '$2' within 30 s; see $1"
}

# start_api TENANT: `conveyor api` on a free port with one producer key of TENANT, so that
# imports go to TENANT; sets API_PID, API_URL (read from its "API listening" line) and
# API_KEY.
start_api() {
  API_KEY=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
  CONVEYOR_API_KEYS="importer producer $1 $API_KEY" \
    "$CONVEYOR" api --port 0 --producer-rate-limit off >"$LOGS/api.log" 2>&1 &
  API_PID=$!
  CONVEYOR_PIDS+=("$API_PID")
  wait_for_log "$LOGS/api.log" "API listening" "$API_PID"
  API_URL=$(grep -m 1 '"msg":"API listening"' "$LOGS/api.log" | jq -r .url)
}

# start_workers COUNT: that many `conveyor worker` processes (queues default and imports);
# sets WORKER_PIDS.
start_workers() {
  local n
  WORKER_PIDS=()
  for n in $(seq 1 "$1"); do
    "$CONVEYOR" worker >"$LOGS/worker-$n.log" 2>&1 &
    WORKER_PIDS+=($!)
    CONVEYOR_PIDS+=($!)
  done
  for n in $(seq 1 "$1"); do wait_for_log "$LOGS/worker-$n.log" "worker started" "${WORKER_PIDS[$((n - 1))]}"; done
}

# stop_conveyor: SIGTERM to every process started here, SIGKILL to one still running 30 s
# later (a worker's drain timeout is 25 s).
stop_conveyor() {
  local pid
  for pid in "${CONVEYOR_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${CONVEYOR_PIDS[@]}"; do
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    { wait "$pid"; } 2>/dev/null || true
  done
  CONVEYOR_PIDS=()
}

# upload_import FILE CONTENT_TYPE QUERY OUT TIMEOUT: POSTs FILE to the products dataset,
# streamed from disk (curl -T reads the file as it sends it; --data-binary would load it
# whole first), within TIMEOUT seconds; the response body goes to OUT; prints the status.
upload_import() {
  curl -sS --max-time "$5" -o "$4" -w '%{http_code}' -X POST -T "$1" -H "Content-Type: $2" -H 'Expect:' \
    -H "Authorization: Bearer $API_KEY" \
    "$API_URL/v1/imports/products?$3" || echo " (curl failed)"
}

# import_progress ID: "STATE DONE FAILED TOTAL FINISHED_AT" of the import's chunks, with
# FINISHED_AT its finished_at or null; "unknown 0 0 -1 null" while the API does not answer.
import_progress() {
  curl -sS --max-time 10 -H "Authorization: Bearer $API_KEY" "$API_URL/v1/imports/$1" \
    | jq -r '"\(.state) \(.chunks.done) \(.chunks.failed) \(.chunks.total) \(.finished_at)"' \
    || echo "unknown 0 0 -1 null"
}

# await_import ID DEADLINE INTERVAL: polls every INTERVAL seconds until every chunk of the
# import is done or failed, or until $SECONDS reaches DEADLINE; sets IMPORT_STATE,
# CHUNKS_DONE, CHUNKS_FAILED, CHUNKS_TOTAL and IMPORT_FINISHED_AT. Dies if the API exits.
await_import() {
  while :; do
    kill -0 "$API_PID" 2>/dev/null || die "the API exited; see $LOGS/api.log"
    read -r IMPORT_STATE CHUNKS_DONE CHUNKS_FAILED CHUNKS_TOTAL IMPORT_FINISHED_AT < <(import_progress "$1")
    [ $((CHUNKS_DONE + CHUNKS_FAILED)) -eq "$CHUNKS_TOTAL" ] && return 0
    [ "$SECONDS" -lt "$2" ] || return 0
    sleep "$3"
  done
}
