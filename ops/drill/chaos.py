#!/usr/bin/env python3
"""The chaos drill's driver. ops/drill/chaos starts the drill's Redis and PostgreSQL, migrates
and runs this, which then:

  1. starts two `conveyor api`, three `conveyor worker` (lease 3 s; the third reaches Redis
     through a TCP relay of this driver, which it can cut) and two `conveyor scheduler`
     reading a schedule that fires a drill.ledger job every second into the queue `ticks`;
  2. for --minutes, drives the workload through both APIs (drill.ledger jobs one by one and
     in bulk, products imports, exports, cache refreshes) and, beside the APIs, transactions
     that insert drill.ledger rows into conveyor_outbox with psql, a third of them rolled
     back, recording every answer, while it injects one fault at a time, in a random order
     that gives every kind its turn;
  3. stops the workload, waits (bounded) for every job, import and export to end, and checks.

The workload, the settling and most checks are drill_support's, shared with the multi-host
drill. Standard library only. Every process it starts it stops on the way out; the pids go
to --pids too, so that the wrapper can kill them should this driver die first.
"""

import argparse
import datetime
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter

from drill_support import (
    API, LEDGER_QUEUES, ROOT, WORKER_QUEUES, Drill, DrillError, Service, drive, log, socket_open, sql,
)

TENANT = "chaos"
LEASE = 3
# A killed worker's jobs must run elsewhere within this many seconds of the kill.
RECOVERY_BOUND = LEASE + 5
IMPORT_CHUNK = 500
# The keys of the unique drill.ledger jobs: few, so that most enqueues meet a holder.
UNIQUE_KEYS = 4
# How long, at most, the drill waits after the settling for its batches' callbacks to run.
CALLBACK_WAIT = 90
# The queue of the outbox's rows, as drill.ledger's own.
OUTBOX_QUEUE = "default"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
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


class ChaosDrill(Drill):
    def __init__(self, options):
        super().__init__(options, TENANT, ("127.0.0.1", options.redis_port), os.environ["CONVEYOR_DATABASE_URL"], options.seed)
        self.redis_port = options.redis_port
        self.postgres_port = options.postgres_port
        # The faults' order and lengths follow the seed; the workload has generators of its own.
        self.random = random.Random(self.seed)
        self.refresh_jobs = set()
        self.faults = []  # (kind, started, ended, detail)
        self.kills = []  # (time, worker name, [(queue, job id, token)])
        self.relay = None
        # conveyor_outbox rows by what became of their transaction: committed, rolled back,
        # or unknown (psql failed after the INSERT, as when PostgreSQL restarts at COMMIT).
        self.outbox_rows = {"committed": [], "rolled back": [], "unknown": []}
        # Unique jobs answered 202, by id, with their key; the answers 200 that met a holder.
        self.unique_jobs = {}
        self.unique_hits = []  # (sent, key, holder id)
        # Batches answered 202: their jobs' ids, in order.
        self.batches = {}

    def title(self):
        return (f"Conveyor chaos drill — {self.options.minutes} min of faults, 2 APIs, 3 workers (lease {LEASE} s), "
                f"2 schedulers, seed {self.seed}")

    # MARK: Set-up

    def start(self):
        export_dir = os.path.join(self.data, "exports")
        schedules = os.path.join(self.data, "schedules")
        os.makedirs(export_dir, exist_ok=True)
        self.write_tick_schedule(schedules)
        base = self.base_environment()
        base["CONVEYOR_EXPORT_DIR"] = export_dir
        self.relay = Relay(self.redis_port)
        self.apis = [API(self, f"api-{n}", base) for n in (1, 2)]
        for n in (1, 2, 3):
            environment = dict(base)
            if n == 3:
                environment["CONVEYOR_REDIS_URL"] = f"redis://127.0.0.1:{self.relay.port}/0"
            self.workers.append(Service(self, f"worker-{n}", [
                "worker", "--lease", str(LEASE), "--concurrency", "10", "--queues", WORKER_QUEUES, "--drain-timeout", "5",
            ], environment))
        self.schedulers = [Service(self, f"scheduler-{n}", ["scheduler", "--schedules", schedules], base) for n in (1, 2)]
        self.start_services()
        log(f"APIs on ports {', '.join(str(api.port) for api in self.apis)}; workers "
            f"{', '.join(f'{w.name} pid {w.pid}' for w in self.workers)} (worker-3 through the relay on port {self.relay.port}); "
            f"schedulers {', '.join(str(s.pid) for s in self.schedulers)}; seed {self.seed}")

    def stop(self):
        super().stop()
        if self.relay:
            self.relay.shut()

    # MARK: The workload

    def accepted_jobs(self):
        return {**super().accepted_jobs(), "cache refreshes": self.refresh_jobs,
                "outbox rows": {outbox_job(row) for row in self.outbox_rows["committed"]},
                "unique jobs": set(self.unique_jobs), "batch jobs": {job for jobs in self.batches.values() for job in jobs}}

    def enqueue_unique(self, rng):
        """A drill.ledger job unique by its payload's key until it finishes, with one of a few
        keys, so that most enqueues meet a holder."""
        key = f"u{rng.randrange(UNIQUE_KEYS)}"
        body = json.dumps({"kind": "drill.ledger", "payload": {"ms": rng.randint(50, 400), "key": key}, "unique": {"fields": ["key"]}})
        sent = time.time()
        status, data = self.call("POST", "/v1/jobs", "/v1/jobs", body)
        with self.lock:
            if status == 202:
                self.unique_jobs[json.loads(data)["id"]] = key
            elif status == 200:
                self.unique_hits.append((sent, key, json.loads(data)["id"]))

    def create_batch(self, rng):
        """A batch of 3 to 8 drill.ledger jobs, the last after the first two, with a
        drill.ledger job on success and another on completion."""
        jobs = [{"kind": "drill.ledger", "payload": {"ms": rng.randint(50, 800)}, "name": f"j{n}"} for n in range(rng.randint(3, 8))]
        jobs[-1]["after"] = ["j0", "j1"]
        callback = {"kind": "drill.ledger", "payload": {"ms": 10}}
        status, data = self.call("POST", "/v1/batches", "/v1/batches",
                                 json.dumps({"jobs": jobs, "on_success": callback, "on_complete": callback}))
        if status == 202:
            batch = json.loads(data)
            with self.lock:
                self.batches[batch["id"]] = batch["jobs"]

    def outbox_transaction(self, rng):
        """One to five drill.ledger rows inserted into conveyor_outbox in a transaction that
        commits, or, a third of the time, rolls back."""
        rows = rng.randint(1, 5)
        ending = "COMMIT" if rng.random() >= 1 / 3 else "ROLLBACK"
        values = ", ".join(f"('drill.ledger', '{{\"ms\": {rng.randint(50, 1500)}}}', '{OUTBOX_QUEUE}', '{TENANT}')" for _ in range(rows))
        done = subprocess.run(
            ["psql", self.database_url, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-tA"],
            input=f"BEGIN;\nINSERT INTO conveyor_outbox (kind, payload, queue, tenant) VALUES {values} RETURNING id;\n{ending};\n",
            capture_output=True, text=True, timeout=60)
        ids = [line for line in done.stdout.splitlines() if line]
        outcome = "unknown" if done.returncode != 0 else "committed" if ending == "COMMIT" else "rolled back"
        with self.lock:
            self.outbox_rows[outcome] += ids

    def upload_import(self, rng):
        self.upload_products(rng.randint(2000, 4000), IMPORT_CHUNK)

    def refresh_cache(self, rng):
        if rng.random() < 0.5:
            status, data = self.call("GET", "/v1/caches/dashboard", "/v1/caches/{name}")
        else:
            status, data = self.call("POST", "/v1/caches/dashboard/refresh", "/v1/caches/{name}/refresh")
        if status == 202:
            with self.lock:
                self.refresh_jobs.add(json.loads(data)["job_id"])

    # MARK: Faults

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
            holding = self.held_jobs(LEDGER_QUEUES)
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
            self.outages.append(("Redis restart", started, time.time()))
            detail = f"down {time.time() - started:.1f} s"
        elif kind == "PostgreSQL restart":
            down = rng.uniform(1, 3)
            postgres_dir = os.path.join(self.data, "postgres")
            self.services_script(f"stop_postgres {self.postgres_port} {postgres_dir}")
            time.sleep(down)
            self.services_script(f"start_postgres {self.postgres_port} {postgres_dir}")
            self.outages.append(("PostgreSQL restart", started, time.time()))
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
        self.run_workload([
            (0.15, 0.35, self.enqueue_single),
            (1.5, 3, self.enqueue_bulk),
            (8, 12, self.upload_import),
            (5, 8, self.request_export),
            (1, 2, self.refresh_cache),
            (0.1, 0.4, self.outbox_transaction),
            (0.2, 0.5, self.enqueue_unique),
            (2, 4, self.create_batch),
        ], lambda: self.chaos(self.options.minutes * 60))

    # MARK: Checks

    def check(self):
        self.check_lost()
        self.check_ledger()
        self.check_outbox()
        self.check_unique()
        self.check_batches()
        self.check_duplicates()
        self.check_imports()
        self.check_exports("exports download with their SHA-256")
        self.check_ticks()
        self.check_cache()
        self.check_answers()
        self.check_recovery()
        self.check_faults()

    def check_outbox(self):
        committed = [outbox_job(row) for row in self.outbox_rows["committed"]]
        not_run = [job for job in committed if self.job_state.get(job) != "succeeded" or job not in self.ledger]
        states = {}
        rolled_back = [outbox_job(row) for row in self.outbox_rows["rolled back"]]
        unknown = [outbox_job(row) for row in self.outbox_rows["unknown"]]
        self.job_states(rolled_back + unknown, states)
        appeared = [job for job in rolled_back if states.get(job) != "not found" or job in self.ledger]
        unknown_run = sum(1 for job in unknown if job in self.ledger)
        pending, failed = sql(self.database_url, "SELECT count(*) FILTER (WHERE failed_at IS NULL), count(*) FILTER (WHERE failed_at IS NOT NULL) "
                                                 "FROM conveyor_outbox")[0]
        self.result(not not_run and not appeared and pending == "0" and failed == "0",
                    "outbox rows: committed run once, rolled back never",
                    f"{len(committed) - len(not_run)} of {len(committed)} committed rows' jobs succeeded with their ledger row; "
                    f"{len(appeared)} of {len(rolled_back)} rolled-back rows have a job or a ledger row; "
                    f"{unknown_run} of {len(unknown)} rows whose COMMIT went unanswered became jobs; "
                    f"rows left pending {pending}, failed {failed}"
                    + (f"; e.g. {', '.join((not_run + appeared)[:5])}" if not_run or appeared else ""))

    def check_unique(self):
        """Unique jobs: each created ran with its effect; no two of one key lived at once (a
        job's first start comes after the previous one's last commit); every job an enqueue met
        has the same key; and no enqueue met a job more than a lease after it finished."""
        created = sorted(self.unique_jobs)
        not_run = [job for job in created if self.job_state.get(job) != "succeeded" or job not in self.ledger]
        overlapping = []
        for key in sorted(set(self.unique_jobs.values())):
            lives = sorted((min(a[2] for a in self.ledger[job]), max(a[3] or 0 for a in self.ledger[job]), job)
                           for job, k in self.unique_jobs.items() if k == key and job in self.ledger)
            overlapping += [(a[2], b[2]) for a, b in zip(lives, lives[1:]) if b[0] < a[1]]
        holders = {}
        for holder in sorted({holder for _, _, holder in self.unique_hits}):
            status, data = self.call("GET", f"/v1/jobs/{holder}", "/v1/jobs/{id}")
            holders[holder] = json.loads(data) if status == 200 else {}
        wrong_key, late = [], []
        for sent, key, holder in self.unique_hits:
            record = holders.get(holder, {})
            if record and record.get("payload", {}).get("key") != key:
                wrong_key.append(holder)
            finished = record.get("finished_at")
            if finished and sent > parse_time(finished) + LEASE:
                late.append((holder, sent - parse_time(finished)))
        self.result(not not_run and not overlapping and not wrong_key and not late,
                    "unique jobs: one of a key at a time, the lock within its scope",
                    f"{len(created) - len(not_run)} of {len(created)} created ran with their effect; {len(self.unique_hits)} enqueues "
                    f"met a holder, {len(wrong_key)} of another key, {len(late)} more than the lease ({LEASE} s) after it finished; "
                    f"{len(overlapping)} pairs of one key alive at once"
                    + (f"; e.g. {(not_run + overlapping + wrong_key + late)[:3]}" if not_run or overlapping or wrong_key or late else ""))

    def check_batches(self):
        """Batches: each finished with every job succeeded, its last job started after the two
        it comes after committed, and each callback made once and run with its effect."""
        statuses = {}
        deadline = time.time() + CALLBACK_WAIT
        while True:
            for batch in self.batches:
                status, data = self.call("GET", f"/v1/batches/{batch}", "/v1/batches/{id}")
                if status == 200:
                    statuses[batch] = json.loads(data)
            callbacks = [job for s in statuses.values() for job in (s.get("on_success_job"), s.get("on_complete_job")) if job]
            states = {}
            self.job_states(callbacks, states)
            done = all(s.get("state") == "finished" and s.get("on_success_job") and s.get("on_complete_job") for s in statuses.values())
            if (done and len(statuses) == len(self.batches) and all(states.get(job) == "succeeded" for job in callbacks)) or time.time() > deadline:
                break
            time.sleep(2)
        self.ledger = self.ledger_rows()
        unfinished = [b for b in self.batches if statuses.get(b, {}).get("state") != "finished" or statuses[b].get("succeeded") != len(self.batches[b])]
        early = [b for b, jobs in self.batches.items() if all(j in self.ledger for j in (jobs[0], jobs[1], jobs[-1]))
                 and min(a[2] for a in self.ledger[jobs[-1]]) < max(a[3] or 0 for j in jobs[:2] for a in self.ledger[j])]
        callbacks = [job for s in statuses.values() for job in (s.get("on_success_job"), s.get("on_complete_job")) if job]
        not_run = [job for job in callbacks if job not in self.ledger or states.get(job) != "succeeded"]
        self.result(not unfinished and not early and not not_run and len(callbacks) == 2 * len(self.batches),
                    "batches: every job succeeded, the after-job after its two, each callback once",
                    f"{len(self.batches) - len(unfinished)} of {len(self.batches)} batches finished with every job succeeded "
                    f"({sum(len(j) for j in self.batches.values())} jobs); {len(early)} after-jobs started before those they come after "
                    f"committed; {len(callbacks) - len(not_run)} of {2 * len(self.batches)} callbacks ran with their effect"
                    + (f"; e.g. {(unfinished + early + not_run)[:3]}" if unfinished or early or not_run else ""))

    def check_cache(self):
        status, data = self.call("GET", "/v1/caches/dashboard", "/v1/caches/{name}")
        detail = f"GET /v1/caches/dashboard answered {status}"
        if status == 200:
            detail += f", computed at {json.loads(data).get('computed_at')}"
        self.result(status == 200 and bool(self.refresh_jobs), "cached value served",
                    f"{detail}; {len(self.refresh_jobs)} refresh jobs answered")

    def check_recovery(self):
        measured = []
        for killed_at, name, held in self.kills:
            times = []
            for _, job, token in held:
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


def parse_time(text):
    """Seconds since 1970 of an RFC 3339 time in UTC as the API writes it."""
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def outbox_job(row):
    """The id of the job that conveyor_outbox row `row` makes: its 128 bits as a ULID."""
    bits = uuid.UUID(row).int
    return OUTBOX_QUEUE + "." + "".join(CROCKFORD[(bits >> (125 - 5 * n)) & 0x1F] for n in range(26))


def main():
    parser = argparse.ArgumentParser(description="The chaos drill's driver; run ops/drill/chaos.")
    parser.add_argument("--minutes", type=int, required=True)
    parser.add_argument("--redis-port", type=int, required=True)
    parser.add_argument("--postgres-port", type=int, required=True)
    parser.add_argument("--seed", type=int)
    return drive("chaos", ChaosDrill, parser)


if __name__ == "__main__":
    sys.exit(main())
