#!/usr/bin/env python3
"""The chaos drill's driver. ops/drill/chaos starts the drill's Redis and PostgreSQL, migrates
and runs this, which then:

  1. starts two `conveyor api`, three `conveyor worker` (lease 3 s; the third reaches Redis
     through a TCP relay of this driver, which it can cut) and two `conveyor scheduler`
     reading a schedule that fires a drill.ledger job every second into the queue `ticks`;
  2. for --minutes, drives the workload through both APIs (drill.ledger jobs one by one and
     in bulk, products imports, exports, cache refreshes), recording every answer, while it
     injects one fault at a time, in a random order that gives every kind its turn;
  3. stops the workload, waits (bounded) for every job, import and export to end, and checks.

drill.ledger (jobs/Kinds/Drills/DrillLedgerJob.swift) leaves one row per committed attempt in
drill_ledger with its transaction's start and commit times, which tell concurrent
duplicates (overlapping intervals) from re-runs (one after the other).

Standard library only. Every process it starts it stops on the way out; the pids go to
--pids too, so that the wrapper can kill them should this driver die first.
"""

import argparse
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

TENANT = "chaos"
LEASE = 3
# A killed worker's jobs must run elsewhere within this many seconds of the kill.
RECOVERY_BOUND = LEASE + 5
# A 503 within this many seconds after Redis or PostgreSQL came back is still the outage's:
# the API's connections reopen on the next request.
OUTAGE_MARGIN = 5
TICK_SCHEDULE = "chaos-tick"
TICK_QUEUE = "ticks"
LEDGER_QUEUES = ("default", TICK_QUEUE)
WORKER_QUEUES = f"default,imports,{TICK_QUEUE}"
IMPORT_CHUNK = 500
FINAL_JOB_STATES = {"succeeded", "dead", "cancelled"}
FINAL_IMPORT_STATES = {"succeeded", "failed", "partially_failed"}
FINAL_EXPORT_STATES = {"succeeded", "failed"}
FAULT_KINDS = (
    "kill -9 api",
    "kill -9 worker",
    "kill -9 scheduler",
    "SIGSTOP worker",
    "Redis restart",
    "PostgreSQL restart",
    "worker's Redis link cut",
)
# A fault takes about this long, restarts included; the quiet time between faults is what
# is left of the run shared among a round of every kind, within these bounds.
FAULT_SECONDS = 4
QUIET_BOUNDS = (4, 10)
WARM_UP = 5
SETTLE_TIMEOUT = 150


class DrillError(Exception):
    """The drill itself could not go on (a process that does not start, a server that does
    not come back): not a finding about the system."""


START = time.time()
LOG_LOCK = threading.Lock()
LOG_FILE = None


def log(message):
    line = f"[chaos +{time.time() - START:6.1f}s] {message}"
    with LOG_LOCK:
        print(line, file=sys.stderr, flush=True)
        if LOG_FILE:
            LOG_FILE.write(line + "\n")
            LOG_FILE.flush()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# MARK: Redis and PostgreSQL, read directly


def redis_call(port, *commands):
    """Sends each command (a tuple of words) in one pipeline; answers their replies."""
    payload = b"".join(
        b"*%d\r\n" % len(command) + b"".join(b"$%d\r\n%s\r\n" % (len(w), w) for w in (str(x).encode() for x in command))
        for command in commands
    )
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
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
    arguments, environment and log."""

    def __init__(self, drill, name, arguments, environment):
        self.drill = drill
        self.name = name
        self.arguments = arguments
        self.environment = environment
        self.log_path = os.path.join(drill.logs, f"{name}.log")
        self.process = None

    @property
    def pid(self):
        return self.process.pid

    def start(self):
        with open(self.log_path, "ab") as output:
            self.process = subprocess.Popen(
                [self.drill.binary, *self.arguments], cwd=ROOT, env=self.environment,
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
    def __init__(self, drill, name, environment):
        self.port = free_port()
        super().__init__(drill, name, ["api", "--host", "127.0.0.1", "--port", str(self.port),
                                       "--producer-rate-limit", "off", "--admin-rate-limit", "off"], environment)

    def await_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.running():
                raise DrillError(f"{self.name} exited at start; see {self.log_path}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/health")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise DrillError(f"{self.name} did not answer /health within {timeout} s; see {self.log_path}")


class Relay:
    """A TCP relay on 127.0.0.1 in front of Redis for one worker. Cut, it either resets every
    connection and refuses new ones (the server gone), or holds them and drops every byte
    both ways (a network that loses packets: nothing arrives, nothing fails); restored, the
    held connections are closed, as their streams lost bytes, and it relays again."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.mode = "open"
        self.connections = set()  # sockets, client and server sides
        self.closed = False
        threading.Thread(target=self.accept_loop, daemon=True, name="relay").start()

    def accept_loop(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                mode = self.mode
            if mode == "reset":
                self.abort(client)
                continue
            if mode == "blackhole":
                with self.lock:
                    self.connections.add(client)
                threading.Thread(target=self.pump, args=(client, None), daemon=True).start()
                continue
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                server.settimeout(None)
            except OSError:
                self.abort(client)
                continue
            with self.lock:
                self.connections.update((client, server))
            threading.Thread(target=self.pump, args=(client, server), daemon=True).start()
            threading.Thread(target=self.pump, args=(server, client), daemon=True).start()

    def pump(self, source, destination):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                with self.lock:
                    dropping = self.mode == "blackhole"
                if destination is not None and not dropping:
                    destination.sendall(data)
        except OSError:
            pass
        for end in (source, destination):
            if end is not None:
                self.close(end)

    @staticmethod
    def abort(connection):
        # A reset rather than an orderly close, as a server that died would leave.
        try:
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass
        connection.close()

    def close(self, connection):
        with self.lock:
            self.connections.discard(connection)
        try:
            connection.shutdown(socket.SHUT_RDWR)  # wakes the pump blocked on it
        except OSError:
            pass
        connection.close()

    def close_all(self):
        with self.lock:
            connections = list(self.connections)
        for connection in connections:
            self.close(connection)

    def cut(self, mode):
        with self.lock:
            self.mode = mode
        if mode == "reset":
            self.close_all()

    def restore(self):
        with self.lock:
            was = self.mode
            self.mode = "open"
        if was == "blackhole":
            self.close_all()

    def shut(self):
        self.closed = True
        self.listener.close()
        self.close_all()


# MARK: The drill


class Drill:
    def __init__(self, options):
        self.options = options
        self.binary = options.bin
        self.data = options.data
        self.logs = os.path.join(options.data, "logs")
        self.pid_file = options.pids
        self.redis_port = options.redis_port
        self.postgres_port = options.postgres_port
        self.database_url = os.environ["CONVEYOR_DATABASE_URL"]
        self.seed = options.seed if options.seed is not None else random.SystemRandom().randrange(1, 1_000_000)
        # The faults' order and lengths follow the seed; the workload has generators of its own.
        self.random = random.Random(self.seed)
        self.producer_key = "ck_chaos_" + secrets.token_hex(16)
        self.stop_load = threading.Event()
        self.lock = threading.Lock()
        self.answers = []  # (sent, answered, api, method, route, status)
        self.no_answers = []  # (sent, api, "METHOD route", reason)
        self.ledger_jobs = set()
        self.refresh_jobs = set()
        self.imports = []  # dicts: id, prefix, rows, sum
        self.exports = []  # ids
        self.faults = []  # (kind, started, ended, detail)
        self.outages = []  # (server, down from, back at): Redis or PostgreSQL restarts
        self.kills = []  # (time, worker name, [(job id, token)])
        self.results = []  # (passed, name, detail)
        self.services = []
        self.relay = None
        self.uploads = 0
        self.api_down = []  # (api name, from, until): while a fault had it killed

    # MARK: Set-up

    def start(self):
        export_dir = os.path.join(self.data, "exports")
        schedules = os.path.join(self.data, "schedules")
        os.makedirs(export_dir, exist_ok=True)
        os.makedirs(schedules, exist_ok=True)
        with open(os.path.join(schedules, f"{TICK_SCHEDULE}.schedule"), "w") as schedule:
            schedule.write(
                "# Every second, a short drill.ledger job: each tick must run once.\n"
                "cron      * * * * * *\n"
                "kind      drill.ledger\n"
                'payload   {"ms": 100}\n'
                f"queue     {TICK_QUEUE}\n"
                f"tenant    {TENANT}\n"
                "missed    run_once\n"
            )
        base = dict(os.environ)
        base.update({
            "CONVEYOR_ENABLE_DRILLS": "1",
            "CONVEYOR_EXPORT_DIR": export_dir,
            "CONVEYOR_API_KEYS": f"chaos producer {TENANT} {self.producer_key}",
        })
        self.relay = Relay(self.redis_port)
        self.apis = [API(self, f"api-{n}", base) for n in (1, 2)]
        self.workers = []
        for n in (1, 2, 3):
            environment = dict(base)
            if n == 3:
                environment["CONVEYOR_REDIS_URL"] = f"redis://127.0.0.1:{self.relay.port}/0"
            self.workers.append(Service(self, f"worker-{n}", [
                "worker", "--lease", str(LEASE), "--concurrency", "10", "--queues", WORKER_QUEUES, "--drain-timeout", "5",
            ], environment))
        self.schedulers = [Service(self, f"scheduler-{n}", ["scheduler", "--schedules", schedules], base) for n in (1, 2)]
        self.services = [*self.apis, *self.workers, *self.schedulers]
        for service in self.services:
            service.start()
        for api in self.apis:
            api.await_ready()
        for service in [*self.workers, *self.schedulers]:
            service.await_log("worker started" if service in self.workers else "scheduler started", 1)
        self.schedulers_started = time.time()
        log(f"APIs on ports {', '.join(str(api.port) for api in self.apis)}; workers "
            f"{', '.join(f'{w.name} pid {w.pid}' for w in self.workers)} (worker-3 through the relay on port {self.relay.port}); "
            f"schedulers {', '.join(str(s.pid) for s in self.schedulers)}; seed {self.seed}")

    def stop(self):
        """Stops every process started here: SIGTERM to all, SIGKILL to any still running
        15 s later (the workers drain for 5 s)."""
        self.stop_load.set()
        for service in self.services:
            service.terminate()
        deadline = time.time() + 15
        for service in self.services:
            service.reap(deadline)
        if self.relay:
            self.relay.shut()

    # MARK: HTTP

    def call(self, method, path, route, body=None, content_type="application/json", api=None, timeout=15):
        """Sends one request to `api` (one of the two at random by default) and records the
        answer; (status, body), or (None, None) when none came."""
        api = api or random.choice(self.apis)
        headers = {"Authorization": f"Bearer {self.producer_key}"}
        if body is not None:
            headers["Content-Type"] = content_type
        sent = time.time()
        connection = http.client.HTTPConnection("127.0.0.1", api.port, timeout=timeout)
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

    def enqueue_single(self, rng):
        body = json.dumps({"kind": "drill.ledger", "payload": {"ms": rng.randint(50, 1500)}})
        status, data = self.call("POST", "/v1/jobs", "/v1/jobs", body)
        if status == 202:
            with self.lock:
                self.ledger_jobs.add(json.loads(data)["id"])

    def enqueue_bulk(self, rng):
        jobs = [{"kind": "drill.ledger", "payload": {"ms": rng.randint(50, 1500)}} for _ in range(rng.randint(10, 40))]
        status, data = self.call("POST", "/v1/jobs/bulk", "/v1/jobs/bulk", json.dumps({"jobs": jobs}))
        if status == 202:
            with self.lock:
                self.ledger_jobs.update(json.loads(data)["ids"])

    def upload_import(self, rng):
        # A prefix per upload, answered or not, so that every import's rows are its own.
        self.uploads += 1
        number = self.uploads
        prefix = f"CHAOS-{number:04d}"
        rows = rng.randint(2000, 4000)
        lines, total = [], 0
        for n in range(1, rows + 1):
            price = (n * 7919 + number) % 100000
            total += price
            lines.append(json.dumps({
                "sku": f"{prefix}-{n:05d}", "name": f"Product {n}, \"chaos\" edition",
                "category": None if n % 10 == 0 else f"category-{n % 40}", "price_cents": price, "quantity": n % 1000,
            }))
        body = ("\n".join(lines) + "\n").encode()
        status, data = self.call("POST", f"/v1/imports/products?chunk_size={IMPORT_CHUNK}", "/v1/imports/products",
                                 body, "application/x-ndjson", timeout=60)
        if status == 202:
            with self.lock:
                self.imports.append({"id": json.loads(data)["id"], "prefix": prefix, "rows": rows, "sum": total})

    def request_export(self, rng):
        export = rng.choice(["products", "inventory-by-category"])
        body = json.dumps({"export": export, "format": rng.choice(["csv", "json"])})
        status, data = self.call("POST", "/v1/exports", "/v1/exports", body)
        if status == 202:
            with self.lock:
                self.exports.append(json.loads(data)["id"])

    def refresh_cache(self, rng):
        if rng.random() < 0.5:
            status, data = self.call("GET", "/v1/caches/dashboard", "/v1/caches/{name}")
        else:
            status, data = self.call("POST", "/v1/caches/dashboard/refresh", "/v1/caches/{name}/refresh")
        if status == 202:
            with self.lock:
                self.refresh_jobs.add(json.loads(data)["job_id"])

    # MARK: Faults

    def held_ledger_jobs(self):
        """The drill.ledger attempts each worker holds, by worker: (job id, token) of every
        member of the ledger queues' active sets whose job names the worker."""
        members = [(queue, member) for queue, found in zip(LEDGER_QUEUES, redis_call(
            self.redis_port, *[("ZRANGE", f"conveyor:{{{queue}}}:active", 0, -1) for queue in LEDGER_QUEUES]
        )) for member in found]
        owners = redis_call(self.redis_port, *[
            ("HGET", f"conveyor:{{{queue}}}:job:{member.rsplit(':', 1)[0]}", "worker") for queue, member in members
        ]) if members else []
        held = {worker.name: [] for worker in self.workers}
        for (_, member), owner in zip(members, owners):
            for worker in self.workers:
                if owner and f":{worker.pid}:" in owner:
                    job, token = member.rsplit(":", 1)
                    held[worker.name].append((job, int(token)))
        return held

    def restart(self, service, after):
        time.sleep(after)
        service.start()
        if isinstance(service, API):
            service.await_ready()

    def services_script(self, *calls):
        script = "source ops/lib/services.sh; " + "; ".join(calls)
        done = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=180)
        if done.returncode != 0:
            raise DrillError(f"{'; '.join(calls)} failed: {done.stderr.strip()}")

    def inject(self, kind):
        started = time.time()
        rng = self.random
        if kind == "kill -9 api":
            api = rng.choice(self.apis)
            detail = f"{api.name} pid {api.pid}"
            api.kill()
            self.restart(api, rng.uniform(0.5, 2))
            self.api_down.append((api.name, started, time.time()))
            detail += f", restarted as pid {api.pid}"
        elif kind == "kill -9 worker":
            # One of the workers running drill.ledger attempts, whose next attempts tell
            # when the killed worker's jobs run elsewhere.
            holding = self.held_ledger_jobs()
            worker = rng.choice([w for w in self.workers if holding[w.name]] or self.workers)
            held = holding[worker.name]
            detail = f"{worker.name} pid {worker.pid}"
            killed_at = time.time()
            worker.kill()
            self.kills.append((killed_at, worker.name, held))
            self.restart(worker, rng.uniform(0.5, 2))
            detail += f" holding {len(held)} drill.ledger attempts, restarted as pid {worker.pid}"
        elif kind == "kill -9 scheduler":
            scheduler = rng.choice(self.schedulers)
            detail = f"{scheduler.name} pid {scheduler.pid}"
            scheduler.kill()
            self.restart(scheduler, rng.uniform(0.5, 2))
            detail += f", restarted as pid {scheduler.pid}"
        elif kind == "SIGSTOP worker":
            worker = rng.choice(self.workers)
            pause = LEASE + 2 + rng.uniform(0, 2)
            worker.process.send_signal(signal.SIGSTOP)
            time.sleep(pause)
            worker.process.send_signal(signal.SIGCONT)
            detail = f"{worker.name} pid {worker.pid} stopped for {pause:.1f} s"
        elif kind == "Redis restart":
            down = rng.uniform(1, 3)
            redis_dir = os.path.join(self.data, "redis")
            self.services_script(f"stop_redis {self.redis_port} {redis_dir}")
            # stop_redis returns once SHUTDOWN is sent; the port frees when the server has gone.
            while socket_open(self.redis_port):
                time.sleep(0.05)
            time.sleep(down)
            self.services_script(f"start_redis {self.redis_port} {redis_dir}")
            self.outages.append(("Redis", started, time.time()))
            detail = f"down {time.time() - started:.1f} s"
        elif kind == "PostgreSQL restart":
            down = rng.uniform(1, 3)
            postgres_dir = os.path.join(self.data, "postgres")
            self.services_script(f"stop_postgres {self.postgres_port} {postgres_dir}")
            time.sleep(down)
            self.services_script(f"start_postgres {self.postgres_port} {postgres_dir}")
            self.outages.append(("PostgreSQL", started, time.time()))
            detail = f"fast shutdown, down {time.time() - started:.1f} s"
        elif kind == "worker's Redis link cut":
            mode = rng.choice(["reset", "blackhole"])
            length = LEASE + 2 + rng.uniform(0, 2)
            self.relay.cut(mode)
            time.sleep(length)
            self.relay.restore()
            detail = f"worker-3 pid {self.workers[2].pid}, {'connections reset' if mode == 'reset' else 'bytes dropped'} for {length:.1f} s"
        else:
            raise DrillError(f"unknown fault {kind}")
        self.faults.append((kind, started, time.time(), detail))
        log(f"fault: {kind}: {detail}")

    def chaos(self, seconds):
        """Faults one at a time until `seconds` have passed, each kind once per round in a
        random order, with quiet time between them for the system to recover."""
        end = time.time() + seconds
        rounds = max(1.0, (seconds - WARM_UP) / (len(FAULT_KINDS) * (FAULT_SECONDS + QUIET_BOUNDS[1])))
        quiet = (seconds - WARM_UP) / (len(FAULT_KINDS) * rounds) - FAULT_SECONDS
        quiet = min(max(quiet, QUIET_BOUNDS[0]), QUIET_BOUNDS[1])
        log(f"faults every {quiet + FAULT_SECONDS:.0f} s or so for {seconds} s")
        time.sleep(WARM_UP)
        deck = []
        # A short run goes on until every kind has had its turn.
        while time.time() + 1 < end or len(self.faults) < len(FAULT_KINDS):
            if not deck:
                deck = list(FAULT_KINDS)
                self.random.shuffle(deck)
            kind = deck.pop()
            self.inject(kind)
            # After a kill, nothing else until the killed worker's jobs have had time to
            # move, so that no other fault's outage adds to the time measured.
            pause = quiet * self.random.uniform(0.8, 1.2)
            if kind == "kill -9 worker":
                pause = max(pause, RECOVERY_BOUND)
            # The last pause ends with the run, unless a kind has yet to have its turn.
            time.sleep(pause if len(self.faults) < len(FAULT_KINDS) else max(0.0, min(pause, end - time.time())))

    def run(self):
        minutes = self.options.minutes
        workload = [
            threading.Thread(target=self.every, args=(0.15, 0.35, self.enqueue_single), daemon=True),
            threading.Thread(target=self.every, args=(1.5, 3, self.enqueue_bulk), daemon=True),
            threading.Thread(target=self.every, args=(8, 12, self.upload_import), daemon=True),
            threading.Thread(target=self.every, args=(5, 8, self.request_export), daemon=True),
            threading.Thread(target=self.every, args=(1, 2, self.refresh_cache), daemon=True),
        ]
        for thread in workload:
            thread.start()
        self.chaos(minutes * 60)
        self.load_stopped = time.time()
        self.stop_load.set()
        log("workload stopped; waiting for it to settle")
        for thread in workload:
            thread.join(timeout=70)
        self.settle()
        self.check()

    # MARK: Settling

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
        deadline = time.time() + SETTLE_TIMEOUT
        self.job_state = {}
        self.import_state = {}
        self.export_record = {}
        jobs = sorted(self.ledger_jobs | self.refresh_jobs)
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
                    status, data = self.call("GET", f"/v1/exports/{export}", "/v1/exports/{id}")
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

    def check(self):
        self.check_lost()
        self.check_ledger()
        self.check_duplicates()
        self.check_imports()
        self.check_exports()
        self.check_ticks()
        self.check_cache()
        self.check_answers()
        self.check_recovery()
        self.check_faults()

    def check_lost(self):
        jobs = self.ledger_jobs | self.refresh_jobs
        states = Counter(self.job_state.get(job, "unread") for job in jobs)
        lost = sorted(job for job in jobs if self.job_state.get(job) not in FINAL_JOB_STATES)
        shown = ", ".join(f"{job} {self.job_state.get(job, 'unread')}" for job in lost[:5])
        self.result(not lost, "no job lost",
                    f"lost {len(lost)} of {len(jobs)} jobs answered 2xx ({len(self.ledger_jobs)} drill.ledger, "
                    f"{len(self.refresh_jobs)} cache refreshes); final states "
                    + ", ".join(f"{state} {count}" for state, count in sorted(states.items()))
                    + (f"; e.g. {shown}" if shown else ""))

    def ledger_rows(self):
        # An attempt's interval ends at its commit: the later of the ledger's committed_at and
        # the commit timestamp of the row's transaction (ops/drill/chaos turns them on).
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
                               f"SELECT count(*), coalesce(sum(price_cents), 0) FROM products WHERE tenant = '{TENANT}' "
                               f"AND sku LIKE '{record['prefix']}-%'")[0]
            inserted = progress.get("rows", {}).get("inserted")
            if progress.get("state") != "succeeded" or int(count) != record["rows"] or int(total) != record["sum"] or inserted != record["rows"]:
                bad.append(f"{record['id']} {progress.get('state', 'unread')}: {count} rows (file {record['rows']}), "
                           f"sum {total} (file {record['sum']}), inserted {inserted}")
        rows = sum(record["rows"] for record in self.imports)
        self.result(bool(self.imports) and not bad, "imports' rows exactly once",
                    f"{len(self.imports) - len(bad)} of {len(self.imports)} imports succeeded with count and sum(price_cents) "
                    f"as in their files ({rows} rows)" + (f"; {'; '.join(bad[:3])}" if bad else ""))

    def check_exports(self):
        bad, states = [], Counter()
        for export in self.exports:
            record = self.export_record.get(export, {})
            states[record.get("state", "unread")] += 1
            if record.get("state") != "succeeded":
                bad.append(f"{export} {record.get('state', 'unread')}: {record.get('error')}")
                continue
            status, data = self.call("GET", f"/v1/exports/{export}/file", "/v1/exports/{id}/file", timeout=60)
            if status != 200 or hashlib.sha256(data).hexdigest() != record.get("sha256") or len(data) != record.get("bytes"):
                bad.append(f"{export}: download {status}, {len(data or b'')} bytes (record {record.get('bytes')}), sha256 "
                           f"{hashlib.sha256(data or b'').hexdigest()[:12]}… (record {str(record.get('sha256'))[:12]}…)")
        self.result(bool(self.exports) and not bad, "exports download with their SHA-256",
                    f"{len(self.exports)} exports: " + ", ".join(f"{s} {n}" for s, n in sorted(states.items()))
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
        status = redis_call(self.redis_port, ("HGET", f"conveyor:schedule:{TICK_SCHEDULE}", "missed"))[0]
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

    def check_cache(self):
        status, data = self.call("GET", "/v1/caches/dashboard", "/v1/caches/{name}")
        detail = f"GET /v1/caches/dashboard answered {status}"
        if status == 200:
            detail += f", computed at {json.loads(data).get('computed_at')}"
        self.result(status == 200 and bool(self.refresh_jobs), "cached value served",
                    f"{detail}; {len(self.refresh_jobs)} refresh jobs answered")

    def check_answers(self):
        def during_outage(sent, answered):
            return any(sent <= back + OUTAGE_MARGIN and answered >= down for _, down, back in self.outages)

        def since_outage(sent):
            during = [server for server, down, back in self.outages if down <= sent <= back]
            if during:
                return f", during the {during[0]} restart"
            backs = [(sent - back, server) for server, _, back in self.outages if back <= sent]
            return f", {min(backs)[0]:.1f} s after {min(backs)[1]} came back" if backs else ""
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

    def check_recovery(self):
        measured = []
        for killed_at, name, held in self.kills:
            times = []
            for job, token in held:
                later = [started for t, _, started, _ in self.ledger.get(job, []) if t > token]
                if later:
                    times.append(min(later) - killed_at)
            if times:
                measured.append((max(times), name, len(times), len(held)))
        if not measured:
            self.result(False, "killed worker's jobs run elsewhere", "not measured: no kill -9 of a worker holding drill.ledger attempts")
            return
        worst = max(measured)
        self.result(worst[0] <= RECOVERY_BOUND, f"killed worker's jobs run elsewhere ≤ {RECOVERY_BOUND} s",
                    f"longest {worst[0]:.1f} s from kill -9 to the next attempt's start (lease {LEASE} s); per kill: "
                    + ", ".join(f"{name} {t:.1f} s ({n} of {h} attempts re-run)" for t, name, n, h in measured))

    def check_faults(self):
        counts = Counter(kind for kind, *_ in self.faults)
        missing = [kind for kind in FAULT_KINDS if kind not in counts]
        self.result(not missing, "every kind of fault injected",
                    f"{len(self.faults)} faults: " + ", ".join(f"{kind} {counts[kind]}" for kind in FAULT_KINDS)
                    + (f"; not injected: {', '.join(missing)}" if missing else ""))

    def report(self):
        print()
        print(f"Conveyor chaos drill — {self.options.minutes} min of faults, 2 APIs, 3 workers (lease {LEASE} s), "
              f"2 schedulers, seed {self.seed}")
        for passed, name, detail in self.results:
            print(f"{'PASS' if passed else 'FAIL'}  {name:<46} {detail}")
        failed = sum(1 for passed, *_ in self.results if not passed)
        print(f"logs: {self.logs}")
        print(f"{len(self.results) - failed} passed, {failed} failed")
        return failed


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


def main():
    parser = argparse.ArgumentParser(description="The chaos drill's driver; run ops/drill/chaos.")
    parser.add_argument("--minutes", type=int, required=True)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--redis-port", type=int, required=True)
    parser.add_argument("--postgres-port", type=int, required=True)
    parser.add_argument("--pids", required=True)
    parser.add_argument("--seed", type=int)
    options = parser.parse_args()

    global LOG_FILE
    os.makedirs(os.path.join(options.data, "logs"), exist_ok=True)
    LOG_FILE = open(os.path.join(options.data, "logs", "drill.log"), "a")
    # SIGTERM from the wrapper (its Ctrl-C) unwinds through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    drill = Drill(options)
    try:
        drill.start()
        drill.run()
    except DrillError as error:
        log(f"error: {error}")
        return 2
    finally:
        drill.stop()
    return 1 if drill.report() else 0


if __name__ == "__main__":
    sys.exit(main())
