#!/usr/bin/env python3
"""The multi-host drill's driver. ops/drill/hosts makes the hosts (network namespaces on one
bridge), starts Redis, PostgreSQL and PgBouncer on the data host, migrates, and runs this in
the client host, the only way onto the test subnet besides the system's own hosts. It then:

  1. starts one `conveyor api` on each of api-1 and api-2, one `conveyor worker` on each of
     work-1, work-2 and work-3 (lease 3 s) and two `conveyor scheduler` on sched, each in its
     host's namespace (`ip netns exec`), all reaching PostgreSQL through PgBouncer;
  2. for --load-seconds, sends drill.ledger jobs one by one and in bulk through both APIs and
     exports to api-1, recording every answer, and meanwhile runs import rounds: an import of
     --import-rows products rows in 200 chunks, during which it takes the worker host holding
     the most of the import's chunk jobs off the network (the root namespace's end of its
     veth down: the host keeps its address and routes, as with a cable pulled at the switch)
     for longer than the lease, then brings it back;
  3. stops the workload, waits (bounded) for every job, import, export and tick to end, then
     checks, and prints its figures and one line per check.

The workload, the settling and most checks are drill_support's, shared with the chaos drill.
Standard library only. Every process it starts it stops on the way out; the pids go to --pids
too, so that the wrapper can kill them should this driver die first.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from urllib.parse import urlsplit

from drill_support import (
    API, FINAL_IMPORT_STATES, LEDGER_QUEUES, WORKER_QUEUES, Drill, DrillError, Service, drive, log, redis_call,
)

TENANT = "hosts"
LEASE = 3
# A cut worker's jobs must run elsewhere within this many seconds of its link going down.
RESUME_BOUND = LEASE + 5
# Longer than the lease, so that the cut worker's attempts expire and move while it is away.
CUT_SECONDS = LEASE + 4
IMPORT_QUEUE = "imports"
IMPORT_CHUNKS = 200
API_PORTS = {"api-1": 58081, "api-2": 58082}
WARM_UP = 5
# Another import round begins only with this much of the workload left: a round takes the
# upload, the cut and the rest of the import, and the import must end before the checks.
ROUND_RESERVE = 30
ROUND_PAUSE = 10
# The import must end this long after its upload, or the round gives up waiting for it.
IMPORT_TIMEOUT = 240


class HostsDrill(Drill):
    def __init__(self, options):
        redis = urlsplit(options.redis_url)
        super().__init__(options, TENANT, (redis.hostname, redis.port), options.database_url)
        self.addresses = dict(entry.split("=", 1) for entry in options.host)
        # dicts: worker, pid, down (when its link went down), held [(queue, job id, token)],
        # released {attempt: when its lease expired}, chunks (the import's progress at the cut)
        self.cuts = []
        self.import_seconds = {}  # import id: seconds from the upload's start until it ended

    def title(self):
        length = f"{self.options.load_seconds} s" if self.options.short else f"{self.options.load_seconds // 60} min"
        return (f"Conveyor multi-host drill — {length} of workload, 8 hosts: api-1 and api-2, work-1 to work-3 (lease {LEASE} s), "
                f"2 schedulers on sched, Redis, PostgreSQL and PgBouncer (transaction pooling) on data; export files in PostgreSQL")

    def launcher(self, host):
        return ("ip", "netns", "exec", self.options.prefix + host)

    # MARK: Set-up

    def start(self):
        schedules = os.path.join(self.data, "schedules")
        self.write_tick_schedule(schedules)
        base = self.base_environment()
        base.update({
            "CONVEYOR_REDIS_URL": self.options.redis_url,
            "CONVEYOR_DATABASE_URL": self.options.pooled_database_url,
            "CONVEYOR_EXPORT_STORE": "postgres",
        })

        def environment(host):
            return {**base, "CONVEYOR_EXPORT_DIR": os.path.join(self.data, host, "exports")}
        self.apis = [API(self, host, environment(host), self.addresses[host], API_PORTS[host], self.launcher(host))
                     for host in ("api-1", "api-2")]
        self.workers = [Service(self, host, ["worker", "--lease", str(LEASE), "--concurrency", "10", "--queues", WORKER_QUEUES,
                                             "--drain-timeout", "5"], environment(host), self.launcher(host))
                        for host in ("work-1", "work-2", "work-3")]
        self.schedulers = [Service(self, f"scheduler-{n}", ["scheduler", "--schedules", schedules], environment("sched"),
                                   self.launcher("sched")) for n in (1, 2)]
        # Exports are requested on one API and downloaded from the other.
        self.export_api, self.download_api = self.apis
        self.start_services()
        log(f"APIs {', '.join(f'{api.name} http://{api.host}:{api.port} pid {api.pid}' for api in self.apis)}; workers "
            f"{', '.join(f'{w.name} pid {w.pid}' for w in self.workers)}; schedulers {', '.join(str(s.pid) for s in self.schedulers)}")

    # MARK: The workload

    def run(self):
        self.run_workload([
            (0.15, 0.35, self.enqueue_single),
            (1.5, 3, self.enqueue_bulk),
            (5, 8, self.request_export),
        ], self.import_rounds)

    def import_rounds(self):
        """Import rounds, one after the other, while the workload has time for one more."""
        self.load_started = time.time()
        end = self.load_started + self.options.load_seconds
        time.sleep(WARM_UP)
        while True:
            self.import_round()
            if time.time() + ROUND_PAUSE + ROUND_RESERVE > end:
                break
            time.sleep(ROUND_PAUSE)
        time.sleep(max(0.0, end - time.time()))

    def import_progress(self, record):
        status, data = self.call("GET", f"/v1/imports/{record['id']}", "/v1/imports/{id}")
        return json.loads(data) if status == 200 else {}

    def import_round(self):
        """One import, with a cut of a worker holding its chunk jobs while it loads."""
        rows = self.options.import_rows
        log(f"uploading an import of {rows} products rows")
        record = self.upload_products(rows, -(-rows // IMPORT_CHUNKS), timeout=120)
        if record is None:
            log("the upload was not accepted")
            return
        log(f"import {record['id']} accepted in {time.time() - record['uploaded']:.1f} s")
        self.cut_mid_import(record)
        deadline = record["uploaded"] + IMPORT_TIMEOUT
        while time.time() < deadline:
            progress = self.import_progress(record)
            if progress.get("state") in FINAL_IMPORT_STATES:
                self.import_seconds[record["id"]] = time.time() - record["uploaded"]
                log(f"import {record['id']} {progress['state']} {self.import_seconds[record['id']]:.1f} s after its upload began")
                return
            time.sleep(0.25)
        log(f"import {record['id']} not done {IMPORT_TIMEOUT} s after its upload began")

    def cut_mid_import(self, record):
        """Once the import has loaded a tenth of its chunks, takes the worker holding the most
        of its chunk jobs off the network for CUT_SECONDS."""
        deadline = time.time() + 60
        while time.time() < deadline:
            progress = self.import_progress(record)
            chunks = progress.get("chunks", {})
            if progress.get("state") in FINAL_IMPORT_STATES:
                log(f"import {record['id']} ended before a worker holding its chunks could be cut")
                return
            held = self.held_jobs((IMPORT_QUEUE, *LEDGER_QUEUES))
            chunk_jobs = {name: sum(1 for queue, *_ in jobs if queue == IMPORT_QUEUE) for name, jobs in held.items()}
            if chunks.get("done", 0) >= max(1, chunks.get("total", 0) // 10) and max(chunk_jobs.values()) > 0:
                break
            time.sleep(0.05)
        else:
            log(f"import {record['id']} loaded no tenth of its chunks, or no worker held its chunk jobs, within 60 s: no cut")
            return
        worker = max(self.workers, key=lambda w: chunk_jobs[w.name])
        self.set_link(worker, "down")
        down = time.time()
        # What it holds is read again once it is cut off: a job it completed meanwhile is not
        # one of them, and nothing it does from now on reaches Redis.
        held = self.held_jobs((IMPORT_QUEUE, *LEDGER_QUEUES))[worker.name]
        chunk_jobs = sum(1 for queue, *_ in held if queue == IMPORT_QUEUE)
        log(f"{worker.name} (pid {worker.pid}) off the network, holding {chunk_jobs} chunk jobs and "
            f"{len(held) - chunk_jobs} others; import at {chunks.get('done')} of {chunks.get('total')} chunks")
        released = self.watch_leases(held, down + CUT_SECONDS)
        self.set_link(worker, "up")
        up = time.time()
        log(f"{worker.name} back on the network after {up - down:.1f} s; {len(released)} of its {len(held)} "
            f"jobs back in their queues by then")
        self.outages.append((f"{worker.name} cut", down, up))
        self.cuts.append({"worker": worker.name, "pid": worker.pid, "down": down, "held": held,
                          "released": released, "chunks": f"{chunks.get('done')} of {chunks.get('total')}"})

    def watch_leases(self, held, until):
        """Until `until`, the time each attempt of `held` leaves its queue's active set: its
        lease expired and the recoverer put the job back in its queue."""
        released = {}
        while time.time() < until:
            waiting = [attempt for attempt in held if attempt not in released]
            if waiting:
                scores = redis_call(self.redis_address, *[
                    ("ZSCORE", f"conveyor:{{{queue}}}:active", f"{job}:{token}") for queue, job, token in waiting
                ])
                for attempt, score in zip(waiting, scores):
                    if score is None:
                        released[attempt] = time.time()
            time.sleep(max(0.0, min(0.1, until - time.time())))
        return released

    def set_link(self, worker, state):
        """Sets the root namespace's end of the worker host's veth, its port on the bridge, down or up."""
        done = subprocess.run(["nsenter", f"--net={self.options.root_netns}", "ip", "link", "set",
                               self.options.prefix + worker.name, state], capture_output=True, text=True, timeout=10)
        if done.returncode != 0:
            raise DrillError(f"setting {worker.name}'s link {state} failed: {done.stderr.strip()}")

    # MARK: Checks

    def check(self):
        self.check_lost()
        self.check_ledger()
        self.check_duplicates()
        self.check_imports()
        self.check_exports("exports from api-1 download from api-2")
        self.check_ticks()
        self.check_answers()
        self.check_resumed()
        self.add_figures()

    def next_attempts(self, cut):
        """Where the next attempt of each job the cut worker held went, as (queue, job id,
        where, seconds): "elsewhere" with the seconds from the cut to that attempt's start,
        when another worker took the job; "same worker" when the cut worker took it again
        once back; or the job's state now, with no seconds, when no attempt followed."""
        held = cut["held"]
        found = redis_call(self.redis_address, *[
            ("HMGET", f"conveyor:{{{queue}}}:job:{job}", "lease", "worker", "started_at", "state") for queue, job, _ in held
        ]) if held else []
        attempts = []
        for (queue, job, token), (lease, worker, started, state) in zip(held, found):
            if lease is None or int(lease) <= token:
                attempts.append((queue, job, f"state {state}", None))
            else:
                where = "same worker" if f":{cut['pid']}:" in (worker or "") else "elsewhere"
                attempts.append((queue, job, where, int(started) / 1e6 - cut["down"]))
        return attempts

    def check_resumed(self):
        # Whether a job runs again soon after it is back in its queue depends on what waits
        # ahead of it there (an import's later chunks); that the others can take it at once
        # shows in the first of them running elsewhere.
        name = f"cut worker's jobs back in queues ≤ {RESUME_BOUND} s, each run again, the first elsewhere ≤ {RESUME_BOUND} s"
        if not self.cuts:
            self.result(False, name, "not measured: no worker was cut while holding an import's chunk jobs")
            return
        passed, details = True, []
        for cut in self.cuts:
            attempts = self.next_attempts(cut)
            chunk_jobs = sum(1 for queue, *_ in attempts if queue == IMPORT_QUEUE)
            elsewhere = [seconds for _, _, where, seconds in attempts if where == "elsewhere"]
            again = sum(1 for _, _, where, _ in attempts if where == "same worker")
            alone = [f"{job} {where}" for _, job, where, seconds in attempts if seconds is None]
            released = sorted(released - cut["down"] for released in cut["released"].values())
            passed = (passed and chunk_jobs > 0 and not alone and len(released) == len(attempts)
                      and max(released, default=0) <= RESUME_BOUND and min(elsewhere, default=RESUME_BOUND + 1) <= RESUME_BOUND)
            details.append(
                f"{cut['worker']} cut at {cut['chunks']} chunks holding {len(attempts)} jobs ({chunk_jobs} of the import's chunks): "
                f"{len(released)} back in their queues by {CUT_SECONDS} s"
                + (f" (the last {released[-1]:.1f} s after the cut)" if released else "")
                + f", {len(elsewhere)} taken by another worker" + (f", the last {max(elsewhere):.1f} s after the cut" if elsewhere else "")
                + (f", {again} taken by {cut['worker']} again once back" if again else "")
                + (f", {len(alone)} with no attempt after the cut ({', '.join(alone[:3])})" if alone else ""))
        self.result(passed, name, f"lease {LEASE} s, cut {CUT_SECONDS} s; " + "; ".join(details))

    def add_figures(self):
        load = self.load_stopped - self.load_started
        self.figures.append(("drill.ledger jobs accepted by the two APIs",
                             f"{len(self.ledger_jobs)} in {load:.0f} s: {len(self.ledger_jobs) / load:.1f} jobs/s"))
        committed = sum(len(attempts) for attempts in self.ledger.values())
        self.figures.append(("drill.ledger attempts committed, ticks included", f"{committed}: {committed / load:.1f} a second"))
        for cut in self.cuts:
            released = sorted(released - cut["down"] for released in cut["released"].values())
            if released:
                self.figures.append((f"link down to {cut['worker']}'s jobs back in queues",
                                     f"median {statistics.median(released):.1f} s, last {released[-1]:.1f} s, {len(released)} jobs"))
            elsewhere = sorted(seconds for _, _, where, seconds in self.next_attempts(cut) if where == "elsewhere")
            if elsewhere:
                self.figures.append((f"link down to {cut['worker']}'s jobs running elsewhere",
                                     f"median {statistics.median(elsewhere):.1f} s, last {elsewhere[-1]:.1f} s, {len(elsewhere)} jobs"))
        for record in self.imports:
            seconds = self.import_seconds.get(record["id"])
            if seconds:
                self.figures.append((f"import of {record['rows']} rows, upload to done",
                                     f"{seconds:.1f} s, {record['rows'] / seconds:,.0f} rows/s, the cut included ({record['id']})"))


def add_host_arguments(parser):
    """The options of every driver that ops/drill/hosts runs: its hosts and its servers."""
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--database-url", required=True, help="PostgreSQL itself, for the checks")
    parser.add_argument("--pooled-database-url", required=True, help="PgBouncer, for the system's processes")
    parser.add_argument("--prefix", required=True, help="of the namespaces' and the veths' names")
    parser.add_argument("--host", action="append", required=True, help="NAME=ADDRESS, one per host")


def main():
    parser = argparse.ArgumentParser(description="The multi-host drill's driver; run ops/drill/hosts.")
    parser.add_argument("--load-seconds", type=int, required=True)
    parser.add_argument("--short", action="store_true", help="the short version, for the title")
    parser.add_argument("--import-rows", type=int, required=True)
    add_host_arguments(parser)
    parser.add_argument("--root-netns", required=True, help="a path to the root network namespace, where the veths' other ends are")
    return drive("hosts", HostsDrill, parser)


if __name__ == "__main__":
    sys.exit(main())
