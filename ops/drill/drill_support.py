"""What the drills' drivers share (ops/drill/chaos.py, hosts.py, sentinel.py, cluster.py): the
conveyor processes they start and stop, the Redis servers of their own, Redis and PostgreSQL
read directly, the workload they send
through the APIs with every answer recorded, the wait for it to settle, the checks of what
the system promises, and the report.

drill.ledger (jobs/Kinds/Drills/DrillLedgerJob.swift) leaves one row per committed attempt in
drill_ledger with its transaction's start and commit times, which tell concurrent
duplicates (overlapping intervals) from re-runs (one after the other).

Standard library only. A driver subclasses Drill with its own start and run, and hands it to
drive() with its command line, which stops every process it started however the run ends.
"""

import datetime
import hashlib
import http.client
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A 503 within this many seconds after an outage ended is still the outage's: the API's
# connections reopen on the next request.
OUTAGE_MARGIN = 5
TICK_QUEUE = "ticks"
LEDGER_QUEUES = ("default", TICK_QUEUE)
# Exports and drill.ledger jobs go to default, an import's chunk jobs to imports.
WORKER_QUEUES = f"default,imports,{TICK_QUEUE}"
FINAL_JOB_STATES = {"succeeded", "dead", "cancelled"}
FINAL_IMPORT_STATES = {"succeeded", "failed", "partially_failed"}
FINAL_EXPORT_STATES = {"succeeded", "failed"}
SETTLE_TIMEOUT = 150


class RedisNode:
    """One redis-server of a drill, in the foreground, so that kill -9 reaches it; restarted
    on the same port and data folder, it comes back as what its peers (the sentinels, the
    cluster) make of it."""

    def __init__(self, drill, name, port, arguments):
        self.name = name
        self.port = port
        self.folder = os.path.join(drill.data, name)
        os.makedirs(self.folder, exist_ok=True)
        self.command = ["redis-server", *arguments, "--bind", "127.0.0.1", "--port", str(port), "--dir", self.folder,
                        "--pidfile", os.path.join(self.folder, "redis.pid"), "--logfile", os.path.join(self.folder, "redis.log")]
        self.process = None

    def start(self):
        self.process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + 20
        while not socket_open(self.port):
            if self.process.poll() is not None or time.time() > deadline:
                raise DrillError(f"{self.name} did not start on port {self.port}; see {self.folder}/redis.log")
            time.sleep(0.05)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class DrillError(Exception):
    """The drill itself could not go on (a process that does not start, a server that does
    not come back): not a finding about the system."""


START = time.time()
LOG_LOCK = threading.Lock()
LOG = {"name": "drill", "file": None}


def open_log(name, path):
    """Log lines from now on start with `name` and go to `path` too."""
    LOG["name"] = name
    LOG["file"] = open(path, "a")


def log(message):
    line = f"[{LOG['name']} +{time.time() - START:6.1f}s] {message}"
    with LOG_LOCK:
        print(line, file=sys.stderr, flush=True)
        if LOG["file"]:
            LOG["file"].write(line + "\n")
            LOG["file"].flush()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def socket_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def crockford_time(text):
    """The milliseconds of a ULID's time part."""
    value = 0
    for character in text:
        value = value * 32 + CROCKFORD.index(character)
    return value


def fmt_time(seconds):
    return time.strftime("%H:%M:%S", time.gmtime(seconds)) + f".{int(seconds * 1000) % 1000:03d}"


# MARK: Redis and PostgreSQL, read directly


def redis_call(address, *commands):
    """Sends each command (a tuple of words) in one pipeline to the Redis at `address`
    (host, port); answers their replies."""
    payload = b"".join(
        b"*%d\r\n" % len(command) + b"".join(b"$%d\r\n%s\r\n" % (len(w), w) for w in (str(x).encode() for x in command))
        for command in commands
    )
    with socket.create_connection(address, timeout=5) as connection:
        connection.sendall(payload)
        reader = connection.makefile("rb")
        return [read_reply(reader) for _ in commands]


def read_reply(reader):
    line = reader.readline()
    if not line:
        raise OSError("Redis closed the connection")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise OSError(f"Redis: {rest.decode()}")
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        if size < 0:
            return None
        data = reader.read(size + 2)[:-2]
        return data.decode()
    if kind == b"*":
        size = int(rest)
        return None if size < 0 else [read_reply(reader) for _ in range(size)]
    raise OSError(f"Redis: unexpected reply {line!r}")


def sql(url, query):
    """The rows of `query`, each a list of texts."""
    done = subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-tA", "-F", "\t", "-c", query],
        capture_output=True, text=True, timeout=60,
    )
    if done.returncode != 0:
        raise DrillError(f"psql failed: {done.stderr.strip()}")
    return [line.split("\t") for line in done.stdout.splitlines() if line]


# MARK: The processes


class Service:
    """One conveyor process, which a fault may kill or stop; restarted with the same
    arguments, environment and log. `launcher` goes before the binary, such as
    `ip netns exec NAME`, which execs it: the pid is the conveyor process's."""

    def __init__(self, drill, name, arguments, environment, launcher=()):
        self.drill = drill
        self.name = name
        self.command = [*launcher, drill.binary, *arguments]
        self.environment = environment
        self.log_path = os.path.join(drill.logs, f"{name}.log")
        self.process = None

    @property
    def pid(self):
        return self.process.pid

    def start(self):
        with open(self.log_path, "ab") as output:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.environment,
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            )
        with open(self.drill.pid_file, "a") as pids:
            pids.write(f"{self.process.pid}\n")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def running(self):
        return self.process is not None and self.process.poll() is None

    def terminate(self):
        """SIGTERM, after SIGCONT should it be stopped."""
        if self.running():
            self.process.send_signal(signal.SIGCONT)
            self.process.send_signal(signal.SIGTERM)

    def reap(self, deadline):
        """Waits for the process to exit until `deadline`, then kills it."""
        if self.process is None:
            return
        try:
            self.process.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def lines(self, message):
        """How many lines of its log (over every run) carry `message`."""
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as output:
                return sum(1 for line in output if f'"msg":"{message}"' in line)
        except FileNotFoundError:
            return 0

    def await_log(self, message, count, timeout=60):
        deadline = time.time() + timeout
        while self.lines(message) < count:
            if not self.running():
                raise DrillError(f"{self.name} (pid {self.pid}) exited before logging '{message}'; see {self.log_path}")
            if time.time() > deadline:
                raise DrillError(f"{self.name} did not log '{message}' within {timeout} s; see {self.log_path}")
            time.sleep(0.1)


class API(Service):
    """`conveyor api` on `host` and `port` (a free one of loopback by default), without rate
    limits: the drills' load is theirs to choose."""

    def __init__(self, drill, name, environment, host="127.0.0.1", port=None, launcher=()):
        self.host = host
        self.port = port or free_port()
        super().__init__(drill, name, ["api", "--host", host, "--port", str(self.port),
                                       "--producer-rate-limit", "off", "--admin-rate-limit", "off"], environment, launcher)

    def await_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.running():
                raise DrillError(f"{self.name} exited at start; see {self.log_path}")
            try:
                connection = http.client.HTTPConnection(self.host, self.port, timeout=2)
                connection.request("GET", "/health")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise DrillError(f"{self.name} did not answer /health within {timeout} s; see {self.log_path}")


# MARK: The drill


class Drill:
    """A run of the system under a workload: a subclass starts the processes (`start`: it
    fills apis, workers and schedulers, then calls start_services), drives the run (`run`,
    through run_workload), checks (`check`, with the check_ methods here) and names itself
    (`title`)."""

    # The report's column of figure names.
    figure_name_width = 52

    def __init__(self, options, tenant, redis_address, database_url, seed=None):
        self.options = options
        self.tenant = tenant
        self.binary = options.bin
        self.data = options.data
        self.logs = os.path.join(options.data, "logs")
        self.pid_file = options.pids
        self.redis_address = redis_address
        self.database_url = database_url
        self.seed = seed if seed is not None else random.SystemRandom().randrange(1, 1_000_000)
        self.producer_key = f"ck_{tenant}_" + secrets.token_hex(16)
        self.tick_schedule = f"{tenant}-tick"
        self.stop_load = threading.Event()
        self.lock = threading.Lock()
        self.answers = []  # (sent, answered, api, method, route, status)
        self.no_answers = []  # (sent, api, "METHOD route", reason)
        self.ledger_jobs = set()
        self.imports = []  # dicts: id, prefix, rows, sum, uploaded (the time the upload began)
        self.exports = []  # ids
        self.outages = []  # (what, down from, back at): a 503 meanwhile is the outage's
        self.api_down = []  # (api name, from, until): while a fault had it killed
        self.figures = []  # (name, text), printed before the checks
        self.results = []  # (passed, name, detail)
        self.services = []
        self.apis = []
        self.workers = []
        self.schedulers = []
        self.uploads = 0
        # Where exports are requested (None: either API) and where their files are downloaded.
        self.export_api = None
        self.download_api = None

    def base_environment(self):
        environment = dict(os.environ)
        environment.update({
            "CONVEYOR_ENABLE_DRILLS": "1",
            "CONVEYOR_API_KEYS": f"{self.tenant} producer {self.tenant} {self.producer_key}",
        })
        return environment

    def write_tick_schedule(self, folder):
        """A schedule in `folder` that enqueues a short drill.ledger job every second."""
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"{self.tick_schedule}.schedule"), "w") as schedule:
            schedule.write(
                "# Every second, a short drill.ledger job: each tick must run once.\n"
                "cron      * * * * * *\n"
                "kind      drill.ledger\n"
                'payload   {"ms": 100}\n'
                f"queue     {TICK_QUEUE}\n"
                f"tenant    {self.tenant}\n"
                "missed    run_once\n"
            )

    def start_services(self):
        """Starts the APIs, workers and schedulers, and waits until each is ready."""
        self.services = [*self.apis, *self.workers, *self.schedulers]
        for service in self.services:
            service.start()
        self.pids = {service.name: service.pid for service in self.services}
        for api in self.apis:
            api.await_ready()
        for service in [*self.workers, *self.schedulers]:
            service.await_log("worker started" if service in self.workers else "scheduler started", 1)
        self.schedulers_started = time.time()

    def stop(self):
        """Stops every process started here: SIGTERM to all, SIGKILL to any still running
        15 s later (the workers drain for 5 s)."""
        self.stop_load.set()
        for service in self.services:
            service.terminate()
        deadline = time.time() + 15
        for service in self.services:
            service.reap(deadline)

    # MARK: HTTP

    def call(self, method, path, route, body=None, content_type="application/json", api=None, timeout=15):
        """Sends one request to `api` (one of the two at random by default) and records the
        answer; (status, body), or (None, None) when none came."""
        api = api or random.choice(self.apis)
        headers = {"Authorization": f"Bearer {self.producer_key}"}
        if body is not None:
            headers["Content-Type"] = content_type
        sent = time.time()
        connection = http.client.HTTPConnection(api.host, api.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            reason = "timed out" if isinstance(error, TimeoutError) else type(error).__name__
            with self.lock:
                self.no_answers.append((sent, api.name, f"{method} {route}", reason))
            return None, None
        finally:
            connection.close()
        with self.lock:
            self.answers.append((sent, time.time(), api.name, method, route, response.status))
        return response.status, data

    # MARK: The workload

    def every(self, low, high, action):
        """Runs `action` until the workload stops, with a pause of low to high seconds after
        each; an answer that is not JSON is the system's finding, not the drill's end."""
        rng = random.Random(f"{self.seed}-{action.__name__}")
        while not self.stop_load.is_set():
            try:
                action(rng)
            except (ValueError, KeyError) as error:
                log(f"unexpected answer: {error!r}")
            self.stop_load.wait(rng.uniform(low, high))

    def run_workload(self, actions, meanwhile):
        """Runs each (low, high, action) of `actions` in a thread of its own (see every) while
        `meanwhile()` runs, then stops the workload, waits for it to settle, and checks."""
        workload = [threading.Thread(target=self.every, args=action, daemon=True) for action in actions]
        for thread in workload:
            thread.start()
        meanwhile()
        self.load_stopped = time.time()
        self.stop_load.set()
        log("workload stopped; waiting for it to settle")
        for thread in workload:
            thread.join(timeout=70)
        self.settle()
        self.check()

    def enqueue_single(self, rng, queue=None):
        """One drill.ledger job, to its kind's queue or to `queue`."""
        job = {"kind": "drill.ledger", "payload": {"ms": rng.randint(50, 1500)}}
        body = json.dumps({**job, "queue": queue} if queue else job)
        status, data = self.call("POST", "/v1/jobs", "/v1/jobs", body)
        if status == 202:
            with self.lock:
                self.ledger_jobs.add(json.loads(data)["id"])

    def enqueue_bulk(self, rng, queue=None):
        """10 to 40 drill.ledger jobs in one request, to their kind's queue or to `queue`."""
        jobs = [{"kind": "drill.ledger", "payload": {"ms": rng.randint(50, 1500)}} for _ in range(rng.randint(10, 40))]
        if queue:
            jobs = [{**job, "queue": queue} for job in jobs]
        status, data = self.call("POST", "/v1/jobs/bulk", "/v1/jobs/bulk", json.dumps({"jobs": jobs}))
        if status == 202:
            with self.lock:
                self.ledger_jobs.update(json.loads(data)["ids"])

    def upload_products(self, rows, chunk_size, api=None, timeout=60):
        """Uploads `rows` products rows as NDJSON, with SKUs of a prefix of their own (one per
        upload, answered or not, so that every import's rows are its own); the import's
        record, or None when the upload was not accepted."""
        self.uploads += 1
        number = self.uploads
        prefix = f"{self.tenant.upper()}-{number:04d}"
        lines, total = [], 0
        for n in range(1, rows + 1):
            price = (n * 7919 + number) % 100000
            total += price
            lines.append(json.dumps({
                "sku": f"{prefix}-{n:05d}", "name": f"Product {n}, \"{self.tenant}\" edition",
                "category": None if n % 10 == 0 else f"category-{n % 40}", "price_cents": price, "quantity": n % 1000,
            }))
        body = ("\n".join(lines) + "\n").encode()
        uploaded = time.time()
        status, data = self.call("POST", f"/v1/imports/products?chunk_size={chunk_size}", "/v1/imports/products",
                                 body, "application/x-ndjson", api=api, timeout=timeout)
        if status != 202:
            return None
        record = {"id": json.loads(data)["id"], "prefix": prefix, "rows": rows, "sum": total, "uploaded": uploaded}
        with self.lock:
            self.imports.append(record)
        return record

    def request_export(self, rng):
        export = rng.choice(["products", "inventory-by-category"])
        body = json.dumps({"export": export, "format": rng.choice(["csv", "json"])})
        status, data = self.call("POST", "/v1/exports", "/v1/exports", body, api=self.export_api)
        if status == 202:
            with self.lock:
                self.exports.append(json.loads(data)["id"])

    def held_jobs(self, queues):
        """The attempts each worker holds in `queues`, by worker name: (queue, job id, token)
        of every member of the queues' active sets whose job names the worker."""
        members = [(queue, member) for queue, found in zip(queues, redis_call(
            self.redis_address, *[("ZRANGE", f"conveyor:{{{queue}}}:active", 0, -1) for queue in queues]
        )) for member in found]
        owners = redis_call(self.redis_address, *[
            ("HGET", f"conveyor:{{{queue}}}:job:{member.rsplit(':', 1)[0]}", "worker") for queue, member in members
        ]) if members else []
        held = {worker.name: [] for worker in self.workers}
        for (queue, member), owner in zip(members, owners):
            for worker in self.workers:
                if owner and f":{worker.pid}:" in owner:
                    job, token = member.rsplit(":", 1)
                    held[worker.name].append((queue, job, int(token)))
        return held

    # MARK: Settling

    def accepted_jobs(self):
        """The jobs answered 2xx, by what they are."""
        return {"drill.ledger": self.ledger_jobs}

    def job_states(self, ids, states):
        """Reads the state of each job of `ids` not final in `states` yet, through either API."""
        for job in ids:
            if states.get(job) in FINAL_JOB_STATES:
                continue
            for api in self.apis:
                status, data = self.call("GET", f"/v1/jobs/{job}", "/v1/jobs/{id}", api=api)
                if status == 200:
                    states[job] = json.loads(data)["state"]
                    break
                if status == 404:
                    states[job] = "not found"
                    break

    def settle(self):
        """Waits, at most SETTLE_TIMEOUT, for every job, import, export and schedule tick of
        the workload to end; the workload must have stopped (load_stopped)."""
        deadline = time.time() + SETTLE_TIMEOUT
        self.job_state = {}
        self.import_state = {}
        self.export_record = {}
        jobs = sorted(set().union(*self.accepted_jobs().values()))
        while True:
            # Ended by the deadline only after a pass begun past it, so that a long first
            # pass is followed by one over the jobs it found unfinished.
            pass_started = time.time()
            self.job_states(jobs, self.job_state)
            for record in self.imports:
                if self.import_state.get(record["id"], {}).get("state") not in FINAL_IMPORT_STATES:
                    status, data = self.call("GET", f"/v1/imports/{record['id']}", "/v1/imports/{id}")
                    if status == 200:
                        self.import_state[record["id"]] = json.loads(data)
            for export in self.exports:
                if self.export_record.get(export, {}).get("state") not in FINAL_EXPORT_STATES:
                    status, data = self.call("GET", f"/v1/exports/{export}", "/v1/exports/{id}", api=self.export_api)
                    if status == 200:
                        self.export_record[export] = json.loads(data)
            waiting = (sum(1 for job in jobs if self.job_state.get(job) not in FINAL_JOB_STATES)
                       + sum(1 for r in self.imports if self.import_state.get(r["id"], {}).get("state") not in FINAL_IMPORT_STATES)
                       + sum(1 for e in self.exports if self.export_record.get(e, {}).get("state") not in FINAL_EXPORT_STATES)
                       + len(self.absent_ticks(self.tick_jobs())))
            if waiting == 0 or pass_started > deadline:
                break
            log(f"{waiting} jobs, imports, exports and schedule ticks not finished yet")
            time.sleep(2)
        log(f"settled in {time.time() - self.load_stopped:.0f} s" if waiting == 0 else
            f"{waiting} still unfinished after {SETTLE_TIMEOUT} s")

    # MARK: Checks

    def result(self, passed, name, detail):
        self.results.append((passed, name, detail))

    def check_lost(self):
        accepted = self.accepted_jobs()
        jobs = set().union(*accepted.values())
        states = Counter(self.job_state.get(job, "unread") for job in jobs)
        lost = sorted(job for job in jobs if self.job_state.get(job) not in FINAL_JOB_STATES)
        shown = ", ".join(f"{job} {self.job_state.get(job, 'unread')}" for job in lost[:5])
        self.result(not lost, "no job lost",
                    f"lost {len(lost)} of {len(jobs)} jobs answered 2xx ("
                    + ", ".join(f"{len(ids)} {what}" for what, ids in accepted.items())
                    + "); final states " + ", ".join(f"{state} {count}" for state, count in sorted(states.items()))
                    + (f"; e.g. {shown}" if shown else ""))

    def ledger_rows(self):
        # An attempt's interval ends at its commit: the later of the ledger's committed_at and
        # the commit timestamp of the row's transaction (the drills turn them on).
        rows = sql(self.database_url, "SELECT job_id, token, attempt, extract(epoch FROM started_at), "
                                      "extract(epoch FROM greatest(committed_at, pg_xact_commit_timestamp(xmin))) "
                                      "FROM drill_ledger")
        ledger = {}
        for job, token, attempt, started, committed in rows:
            ledger.setdefault(job, []).append((int(token), int(attempt), float(started), float(committed) if committed else None))
        return ledger

    def check_ledger(self):
        self.ledger = self.ledger_rows()
        jobs = self.ledger_jobs
        not_succeeded = sorted(job for job in jobs if self.job_state.get(job) != "succeeded")
        without_effect = sorted(job for job in jobs if self.job_state.get(job) == "succeeded" and job not in self.ledger)
        self.result(not not_succeeded and not without_effect, "drill.ledger jobs succeeded with their effect",
                    f"{len(jobs) - len(not_succeeded)} of {len(jobs)} succeeded, {len(without_effect)} succeeded without a committed ledger row"
                    + (f"; e.g. {', '.join((not_succeeded + without_effect)[:5])}" if not_succeeded or without_effect else ""))

    def check_duplicates(self):
        overlaps, reruns, rerun_jobs = [], 0, 0
        for job, attempts in self.ledger.items():
            attempts.sort()
            overlapping = set()
            for n, (token, attempt, started, committed) in enumerate(attempts):
                for other in attempts[n + 1:]:
                    if started < other[3] and other[2] < committed:
                        overlaps.append((job, (token, started, committed), (other[0], other[2], other[3])))
                        overlapping.update((token, other[0]))
            # A later attempt that overlaps none is a re-run after the earlier committed.
            sequential = sum(1 for attempt in attempts[1:] if attempt[0] not in overlapping)
            if sequential:
                rerun_jobs += 1
                reruns += sequential
        shown = "; ".join(
            f"{job} token {a[0]} [{fmt_time(a[1])}, {fmt_time(a[2])}] and token {b[0]} [{fmt_time(b[1])}, {fmt_time(b[2])}]"
            for job, a, b in overlaps[:3])
        lease_lost = sum(worker.lines("lease not renewed in time; stopping the attempt before another worker takes the job")
                         + worker.lines("lease lost; stopping the attempt") for worker in self.workers)
        self.result(not overlaps, "no concurrent duplicate",
                    f"concurrent duplicates {len(overlaps)}; sequential re-runs {reruns} (of {rerun_jobs} jobs; at least once) "
                    f"among {sum(len(a) for a in self.ledger.values())} committed attempts of {len(self.ledger)} jobs; "
                    f"attempts stopped by their worker for a lost lease {lease_lost}" + (f"; {shown}" if shown else ""))

    def check_imports(self):
        bad = []
        for record in self.imports:
            progress = self.import_state.get(record["id"], {})
            count, total = sql(self.database_url,
                               f"SELECT count(*), coalesce(sum(price_cents), 0) FROM products WHERE tenant = '{self.tenant}' "
                               f"AND sku LIKE '{record['prefix']}-%'")[0]
            inserted = progress.get("rows", {}).get("inserted")
            if progress.get("state") != "succeeded" or int(count) != record["rows"] or int(total) != record["sum"] or inserted != record["rows"]:
                bad.append(f"{record['id']} {progress.get('state', 'unread')}: {count} rows (file {record['rows']}), "
                           f"sum {total} (file {record['sum']}), inserted {inserted}")
        rows = sum(record["rows"] for record in self.imports)
        self.result(bool(self.imports) and not bad, "imports' rows exactly once",
                    f"{len(self.imports) - len(bad)} of {len(self.imports)} imports succeeded with count and sum(price_cents) "
                    f"as in their files ({rows} rows)" + (f"; {'; '.join(bad[:3])}" if bad else ""))

    def check_exports(self, name):
        bad, states = [], Counter()
        for export in self.exports:
            record = self.export_record.get(export, {})
            states[record.get("state", "unread")] += 1
            if record.get("state") != "succeeded":
                bad.append(f"{export} {record.get('state', 'unread')}: {record.get('error')}")
                continue
            status, data = self.call("GET", f"/v1/exports/{export}/file", "/v1/exports/{id}/file", api=self.download_api, timeout=60)
            if status != 200 or hashlib.sha256(data).hexdigest() != record.get("sha256") or len(data) != record.get("bytes"):
                bad.append(f"{export}: download {status}, {len(data or b'')} bytes (record {record.get('bytes')}), sha256 "
                           f"{hashlib.sha256(data or b'').hexdigest()[:12]}… (record {str(record.get('sha256'))[:12]}…)")
        self.result(bool(self.exports) and not bad, name,
                    f"{len(self.exports)} exports" + "".join(f", {s} {n}" for s, n in sorted(states.items()))
                    + f"; {len(self.exports) - len(bad)} downloaded matching their record's sha256 and bytes"
                    + (f"; {'; '.join(bad[:3])}" if bad else ""))

    def tick_jobs(self):
        """The schedule's jobs with a committed ledger row, by tick (Unix seconds): the
        tick is the time part of the job id's ULID."""
        fired = {}
        for (job,) in sql(self.database_url, f"SELECT DISTINCT job_id FROM drill_ledger WHERE job_id LIKE '{TICK_QUEUE}.%'"):
            fired.setdefault(crockford_time(job.split(".", 1)[1][:10]) // 1000, []).append(job)
        return fired

    def absent_ticks(self, fired):
        """The ticks from the first that ran to the end of the workload without a job that ran."""
        if not fired:
            return [None]
        return [tick for tick in range(min(fired), int(self.load_stopped) - 1) if tick not in fired]

    def check_ticks(self):
        fired = self.tick_jobs()
        status = redis_call(self.redis_address, ("HGET", f"conveyor:schedule:{self.tick_schedule}", "missed"))[0]
        missed = int(status or 0)
        if not fired:
            self.result(False, "each schedule tick fired once", "no tick ran")
            return
        first, last = min(fired), int(self.load_stopped) - 2
        expected = range(first, last + 1)
        absent = self.absent_ticks(fired)
        doubled = [tick for tick in expected if len(fired.get(tick, [])) > 1]
        late_start = first - self.schedulers_started
        self.result(not absent and not doubled and missed == 0 and late_start < 10, "each schedule tick fired once",
                    f"{len(expected) - len(absent)} of {len(expected)} ticks from {fmt_time(first)} to {fmt_time(last)} ran "
                    f"(first {late_start:.1f} s after the schedulers started), {len(doubled)} under two job ids, missed {missed}"
                    + (f"; absent {', '.join(fmt_time(t) for t in absent[:5])}" if absent else ""))

    def check_answers(self):
        def during_outage(sent, answered):
            return any(sent <= back + OUTAGE_MARGIN and answered >= down for _, down, back in self.outages)

        def since_outage(sent):
            during = [what for what, down, back in self.outages if down <= sent <= back]
            if during:
                return f", during the {during[0]}"
            backs = [(sent - back, what) for what, _, back in self.outages if back <= sent]
            return f", {min(backs)[0]:.1f} s after the {min(backs)[1]} ended" if backs else ""

        def api_killed(sent, name):
            return any(api == name and since - 15 <= sent <= until for api, since, until in self.api_down)
        statuses = Counter(answer[5] for answer in self.answers)
        bad = [a for a in self.answers if a[5] >= 500 and not (a[5] == 503 and during_outage(a[0], a[1]))]
        shown = "; ".join(f"{a[5]} {a[3]} {a[4]} from {a[2]} at +{a[0] - START:.1f}s{since_outage(a[0])}" for a in bad[:5])
        # A request sent to an API killed before it answered gets none; any other should have.
        silent = [n for n in self.no_answers if not api_killed(n[0], n[1])]
        reasons = Counter(f"{route} {reason}" for _, _, route, reason in self.no_answers)
        self.result(not bad and not silent, "no 5xx but 503 in an outage",
                    f"{len(self.answers)} answers: " + ", ".join(f"{s} {n}" for s, n in sorted(statuses.items()))
                    + f"; 5xx other than a 503 during an outage {len(bad)}" + (f" ({shown})" if shown else "")
                    + f"; no answer {len(self.no_answers)}, {len(silent)} of them from an API not killed"
                    + (f" ({', '.join(f'{r} {n}' for r, n in sorted(reasons.items()))})" if reasons else ""))

    def confirmed_successes(self, queue=None):
        """When the workers logged an attempt succeeded (of `queue`, or any): its timing line,
        which follows Redis's confirmed record of the completion (with replicated durability, a
        replica's too)."""
        times = []
        wanted = f'"queue":"{queue}"' if queue else ""
        for worker in self.workers:
            with open(worker.log_path, encoding="utf-8", errors="replace") as output:
                for line in output:
                    if '"msg":"job attempt"' in line and '"state":"succeeded"' in line and wanted in line:
                        stamp = json.loads(line)["ts"]
                        times.append(datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")
                                     .replace(tzinfo=datetime.timezone.utc).timestamp())
        return times

    def check_processes(self):
        """No conveyor process exited or was started again: the ones start_services started
        ran to the end."""
        restarted = [f"{s.name} (pid {self.pids[s.name]} → {s.pid if s.running() else 'exited'})"
                     for s in self.services if not s.running() or s.pid != self.pids[s.name]]
        self.result(not restarted, "no conveyor process restarted",
                    f"{len(self.services)} processes ran from start to end" if not restarted else f"restarted or exited: {', '.join(restarted)}")

    def report(self):
        """Prints the figures and one line per check; answers how many checks failed."""
        print()
        print(self.title())
        for name, text in self.figures:
            print(f"{name:<{self.figure_name_width}} {text}")
        for passed, name, detail in self.results:
            print(f"{'PASS' if passed else 'FAIL'}  {name:<46} {detail}")
        failed = sum(1 for passed, *_ in self.results if not passed)
        print(f"logs: {self.logs}")
        print(f"{len(self.results) - failed} passed, {failed} failed")
        return failed


def drive(name, drill_class, parser):
    """Adds the options every driver takes to `parser` (the binary, the data folder, the pid
    file), reads the command line, then starts and runs the drill_class it describes, logging
    as `name`, stops every process it started however that ends, and reports: the exit
    status, 1 on a failed check, 2 when the drill could not go on."""
    parser.add_argument("--bin", required=True, help="the conveyor binary")
    parser.add_argument("--data", required=True, help="the drill's folder; its logs go to logs/ in it")
    parser.add_argument("--pids", required=True, help="a file to which the pid of every process started is added")
    options = parser.parse_args()
    os.makedirs(os.path.join(options.data, "logs"), exist_ok=True)
    open_log(name, os.path.join(options.data, "logs", "drill.log"))
    drill = drill_class(options)
    # SIGTERM from the wrapper (its Ctrl-C) unwinds through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        drill.start()
        drill.run()
    except DrillError as error:
        log(f"error: {error}")
        return 2
    finally:
        drill.stop()
    return 1 if drill.report() else 0
