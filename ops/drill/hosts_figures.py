#!/usr/bin/env python3
"""The figures of `ops/drill/hosts --measure`. The wrapper makes the hosts as for the drill,
starts Redis, PostgreSQL (with pg_stat_statements loaded) and PgBouncer on the data host,
migrates, and runs this in the client host. Every host shares the machine's cores, so more
worker hosts cannot add CPU: what it reports is what the system costs per job where it is
shared, and how that changes with the number of hosts and with the latency of their links.

A drain: Redis's database flushed and the tables the jobs write emptied; --jobs jobs enqueued
up front with `conveyor enqueue`; then a `conveyor worker` started on each of the chosen
worker hosts, and the drain timed from the first job done to the last, by the queue's counters
polled every 20 ms. Meanwhile it reads the CPU spent by Redis (INFO cpu), by PostgreSQL (all
its processes, from /proc; and its statements' execution time, from pg_stat_statements), by
PgBouncer, the workers and the relays, and divides each by the jobs; and the cores busy
with anything else meanwhile (the driver, the kernel, other programs), which tells a drain
that shared the machine. Redis's and the workers' CPU run to the end of the drain;
PostgreSQL's and PgBouncer's to the workers' exit, which writes the last rows of the job
history.

  1. scale-out, direct links, --concurrency 10: noop jobs with 1, 2 and 3 worker hosts; then
     a tenth as many drill.ledger {"ms": 0} jobs, each a fenced transaction that inserts and
     updates a row, with 1 and 3.
  2. latency: a worker host reaches Redis and PgBouncer through ops/drill/delay_relay.py,
     started in its own namespace, which holds every chunk --delay-ms in each direction.
     One worker host drains noop jobs directly, through the relay at 0 ms (the relay's own
     cost), and at --delay-ms with --concurrency 10, 30 and 200; three hosts at 10. Then an
     idle worker's pickup latency, directly, through the relay at 0 ms and at --delay-ms:
     1,000 noop jobs, one every 10 ms through the API on api-1, and each job's
     wait_ms from the worker's timing line.

pg_stat_statements' time of a COPY FROM STDIN counts the wait for its rows to arrive: it is
the time PostgreSQL spent on a job's statements, not its CPU, which /proc gives. The relays
report how long they held each chunk, which the figures show beside the drains: the latency
added is what they held.

It checks that every drain's jobs succeeded, each with its succeeded attempt's row in the job
history (and its row in drill_ledger); prints the figures and the checks; exits as the drills
do. Standard library only.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time
from urllib.parse import urlsplit

from drill_support import API, ROOT, Drill, DrillError, Service, drive, log, redis_call, sql
from hosts import API_PORTS, add_host_arguments

TENANT = "figures"
QUEUE = "default"
WORKER_HOSTS = ("work-1", "work-2", "work-3")
CONCURRENCY = 10
# Sidekiq's published load test runs at 30; 200 is ops/bench/noop's tuned setting.
LATENCY_CONCURRENCIES = (CONCURRENCY, 30, 200)
LEDGER_SHARE = 10
DRAIN_TIMEOUT = 300
POLL_SECONDS = 0.02
PICKUP_JOBS = 1000
PICKUP_EVERY = 0.01
RELAY = os.path.join(ROOT, "ops", "drill", "delay_relay.py")
TICK = os.sysconf("SC_CLK_TCK")
SIDEKIQ = ("  Sidekiq 7.0, for scale",
           "23,500 jobs/s, published: bin/sidekiqload, 500,000 no-op jobs, concurrency 30, 1 ms added by toxiproxy "
           "to Redis's replies (+1 ms a round trip), one process")


def process_times(pid):
    """The CPU seconds, user and system, of a process and of the children it reaped."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(field) for field in fields[11:15])
    return (utime + stime) / TICK, (cutime + cstime) / TICK


def cpu_seconds(pids):
    return sum(process_times(pid)[0] for pid in pids)


def server_cpu_seconds(parent):
    """The CPU seconds of a server with a process per connection (PostgreSQL): its own, its
    children's that run, and those of the children it reaped."""
    own, reaped = process_times(parent)
    children = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children += (int(fields[11]) + int(fields[12])) / TICK
    return own + reaped + children


def machine_ticks():
    """(busy, all) clock ticks of every core since boot, from /proc/stat."""
    with open("/proc/stat") as stat:
        user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in stat.readline().split()[1:9])
    busy = user + nice + system + irq + softirq + steal
    return busy, busy + idle + iowait


def read_pid(path):
    with open(path) as pid_file:
        return int(pid_file.readline())


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def link_name(delay_ms):
    return "direct" if delay_ms is None else f"relay, {delay_ms:g} ms each way"


class Relay(Service):
    """ops/drill/delay_relay.py in a worker host, in front of Redis and PgBouncer on the data
    host, on the same ports of the worker host's loopback."""

    def __init__(self, drill, name, host, delay_ms, targets):
        super().__init__(drill, name, [], dict(os.environ), drill.launcher(host))
        self.stats_path = os.path.join(drill.logs, f"{name}.json")
        forwards = [argument for port, address in targets for argument in ("--forward", f"{port}={address}:{port}")]
        self.command = [*drill.launcher(host), sys.executable, RELAY, "--delay-ms", f"{delay_ms:g}",
                        "--stats", self.stats_path, *forwards]

    def stats(self):
        """The relay's figures, which it writes as it exits: by forward, chunks and holds both ways."""
        try:
            with open(self.stats_path) as stats:
                return json.load(stats)
        except (OSError, ValueError) as error:
            raise DrillError(f"{self.name} left no figures in {self.stats_path}: {error}")


class HostFigures(Drill):
    figure_name_width = 34

    def __init__(self, options):
        self.redis = urlsplit(options.redis_url)
        self.pooled = urlsplit(options.pooled_database_url)
        super().__init__(options, TENANT, (self.redis.hostname, self.redis.port), options.database_url)
        self.addresses = dict(entry.split("=", 1) for entry in options.host)
        self.jobs = options.jobs
        self.delay_ms = options.delay_ms
        self.postgres_pid_file = os.path.join(self.data, "pg", "pgdata", "postmaster.pid")
        self.pgbouncer_pid_file = os.path.join(self.data, "pgbouncer", "pgbouncer.pid")
        self.drains = {}  # label: figures of the drain
        self.pickups = []  # dicts: delay_ms, waits (wait_ms of each job), to_worker (the relay's holds toward the worker)

    def title(self):
        return (f"Conveyor on separate hosts: figures — {self.jobs:,} noop jobs a drain, worker hosts at --concurrency "
                f"{CONCURRENCY} unless told, Redis, PostgreSQL and PgBouncer on data; every host shares this machine's "
                f"{os.cpu_count()} cores")

    def launcher(self, host):
        return ("ip", "netns", "exec", self.options.prefix + host)

    def environment(self, delay_ms=None):
        """A process's environment; through the relay on its host's loopback when `delay_ms` is set."""
        environment = self.base_environment()
        environment.update({"CONVEYOR_EXPORT_STORE": "postgres", "CONVEYOR_QUEUE_LIMIT": "0"})
        redis, pooled = self.redis, self.pooled
        if delay_ms is not None:
            redis = redis._replace(netloc=f"127.0.0.1:{redis.port}")
            pooled = pooled._replace(netloc=f"{pooled.username}@127.0.0.1:{pooled.port}")
        environment.update({"CONVEYOR_REDIS_URL": redis.geturl(), "CONVEYOR_DATABASE_URL": pooled.geturl()})
        return environment

    def start(self):
        sql(self.database_url, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")

    # MARK: The measurements

    def run(self):
        for hosts in (1, 2, 3):
            self.drain(f"noop-{hosts}", "noop", self.jobs, WORKER_HOSTS[:hosts])
        ledger_jobs = self.jobs // LEDGER_SHARE
        for hosts in (1, 3):
            self.drain(f"ledger-{hosts}", "drill.ledger", ledger_jobs, WORKER_HOSTS[:hosts], payload='{"ms": 0}')
        self.drain("direct-1", "noop", self.jobs, WORKER_HOSTS[:1])
        self.drain("relay0-1", "noop", self.jobs, WORKER_HOSTS[:1], delay_ms=0)
        for concurrency in LATENCY_CONCURRENCIES:
            self.drain(f"delayed-1-c{concurrency}", "noop", self.jobs, WORKER_HOSTS[:1], concurrency, self.delay_ms)
        self.drain("delayed-3", "noop", self.jobs, WORKER_HOSTS, delay_ms=self.delay_ms)
        api = API(self, "api-1", self.environment(), self.addresses["api-1"], API_PORTS["api-1"], self.launcher("api-1"))
        self.apis = [api]
        self.services.append(api)
        api.start()
        api.await_ready()
        for label, delay_ms in (("pickup-direct", None), ("pickup-relay0", 0), ("pickup-delayed", self.delay_ms)):
            self.pickup(label, delay_ms)
        self.stop_services([api])
        self.check()

    def fresh_state(self):
        """Redis's database empty, with a short AOF, so that no rewrite of old data runs during
        the next measurement; the jobs' tables empty; PostgreSQL checkpointed, its statements'
        figures reset."""
        redis_call(self.redis_address, ("FLUSHDB",))
        try:
            redis_call(self.redis_address, ("BGREWRITEAOF",))
        except OSError:
            pass  # one is running already
        deadline = time.time() + 60
        while True:
            persistence = self.redis_info("persistence")
            if persistence.get("aof_rewrite_in_progress") == "0" and persistence.get("aof_rewrite_scheduled") == "0":
                break
            if time.time() > deadline:
                raise DrillError("Redis's AOF rewrite did not end within 60 s")
            time.sleep(0.05)
        sql(self.database_url, "TRUNCATE conveyor_job_history, conveyor_job_fences, drill_ledger")
        sql(self.database_url, "CHECKPOINT")
        sql(self.database_url, "SELECT pg_stat_statements_reset()")

    def redis_info(self, section):
        text = redis_call(self.redis_address, ("INFO", section))[0]
        return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)

    def redis_cpu(self):
        """The CPU seconds of Redis's process, and of the children it forked (AOF rewrites)."""
        info = self.redis_info("cpu")
        return (float(info["used_cpu_sys"]) + float(info["used_cpu_user"]),
                float(info["used_cpu_sys_children"]) + float(info["used_cpu_user_children"]))

    def counters(self):
        succeeded, dead = redis_call(self.redis_address, ("HMGET", f"conveyor:{{{QUEUE}}}:stats", "succeeded", "dead"))[0]
        return int(succeeded or 0), int(dead or 0)

    def enqueue(self, kind, payload, count):
        started = time.time()
        done = subprocess.run([self.binary, "enqueue", kind, "--payload", payload, "--count", str(count), "--queue", QUEUE],
                              cwd=ROOT, env=self.environment(), capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise DrillError(f"conveyor enqueue failed: {done.stderr.strip()}")
        log(f"enqueued {count} {kind} jobs in {time.time() - started:.1f} s")

    def start_workers(self, label, hosts, concurrency, delay_ms):
        """A worker on each of `hosts`, each through a relay of its own when `delay_ms` is set;
        (workers, relays), all ready."""
        relays = []
        if delay_ms is not None:
            targets = [(self.redis.port, self.redis.hostname), (self.pooled.port, self.pooled.hostname)]
            relays = [Relay(self, f"{label}-{host}-relay", host, delay_ms, targets) for host in hosts]
            self.start_ready(relays, "relay ready")
        workers = [Service(self, f"{label}-{host}", ["worker", "--concurrency", str(concurrency), "--queues", QUEUE,
                                                     "--drain-timeout", "5"], self.environment(delay_ms), self.launcher(host))
                   for host in hosts]
        self.start_ready(workers, "worker started")
        return workers, relays

    def start_ready(self, services, ready):
        """Starts `services` and waits until each has logged `ready`; they are stopped on the way out."""
        self.services.extend(services)
        for service in services:
            service.start()
        for service in services:
            service.await_log(ready, 1)

    @staticmethod
    def stop_services(services):
        for service in services:
            service.terminate()
        deadline = time.time() + 15
        for service in services:
            service.reap(deadline)

    def await_succeeded(self, count, workers, timeout):
        """Polls the queue's counters until `count` jobs succeeded or died; answers (time of the
        first poll that saw a job done, jobs done then, time of the last, succeeded, dead)."""
        first = None
        deadline = time.time() + timeout
        while True:
            succeeded, dead = self.counters()
            now = time.time()
            if first is None and succeeded + dead > 0:
                first = (now, succeeded + dead)
            if succeeded + dead >= count:
                return first[0], first[1], now, succeeded, dead
            if now > deadline:
                raise DrillError(f"{succeeded} of {count} jobs succeeded and {dead} died within {timeout} s")
            for worker in workers:
                if not worker.running():
                    raise DrillError(f"{worker.name} exited with jobs left; see {worker.log_path}")
            time.sleep(POLL_SECONDS)

    def drain(self, label, kind, jobs, hosts, concurrency=CONCURRENCY, delay_ms=None, payload="{}"):
        log(f"{label}: {jobs} {kind} jobs drained by {len(hosts)} worker host(s) at --concurrency {concurrency}, {link_name(delay_ms)}")
        self.fresh_state()
        self.enqueue(kind, payload, jobs)
        postgres, pgbouncer = read_pid(self.postgres_pid_file), read_pid(self.pgbouncer_pid_file)
        (redis_before, rewrites_before), machine_before, window_start = self.redis_cpu(), machine_ticks(), time.time()
        postgres_before, pgbouncer_before = server_cpu_seconds(postgres), cpu_seconds([pgbouncer])
        workers, relays = self.start_workers(label, hosts, concurrency, delay_ms)
        first, first_done, last, succeeded, dead = self.await_succeeded(jobs, workers, DRAIN_TIMEOUT)
        if last == first:
            raise DrillError(f"{label}: the {jobs} jobs were drained between two polls of the queue; measure more --jobs")
        (redis_cpu, rewrites_cpu), machine_after, window = self.redis_cpu(), machine_ticks(), time.time() - window_start
        redis_cpu, rewrites_cpu = redis_cpu - redis_before, rewrites_cpu - rewrites_before
        worker_cpu = cpu_seconds([worker.pid for worker in workers])
        relay_cpu = cpu_seconds([relay.pid for relay in relays])
        # What the run's processes spent of the cores busy meanwhile, Redis's AOF rewrites
        # included; the rest is the driver's, the kernel's and other programs'.
        ours = (redis_cpu + rewrites_cpu + worker_cpu + relay_cpu + server_cpu_seconds(postgres) - postgres_before
                + cpu_seconds([pgbouncer]) - pgbouncer_before) / window
        self.stop_services(workers)
        postgres_cpu = server_cpu_seconds(postgres) - postgres_before
        pgbouncer_cpu = cpu_seconds([pgbouncer]) - pgbouncer_before
        executing, statements = (float(value) for value in sql(self.database_url, (
            "SELECT coalesce(sum(total_exec_time), 0), coalesce(sum(calls), 0) FROM pg_stat_statements "
            "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"))[0])
        self.stop_services(relays)
        history, other_attempts = (int(count) for count in sql(self.database_url, (
            "SELECT count(*) FILTER (WHERE outcome = 'succeeded'), count(*) FILTER (WHERE outcome <> 'succeeded') "
            "FROM conveyor_job_history"))[0])
        ledger = int(sql(self.database_url, "SELECT count(DISTINCT job_id) FROM drill_ledger")[0][0])
        busy, total = (after - before for after, before in zip(machine_after, machine_before))
        cores_busy = busy / total * os.cpu_count()
        figures = {
            "label": label, "kind": kind, "jobs": jobs, "succeeded": succeeded, "dead": dead, "history": history,
            "other_attempts": other_attempts, "ledger": ledger,
            "seconds": last - first, "rate": (succeeded + dead - first_done) / (last - first),
            "cores_busy": cores_busy, "other_cores": cores_busy - ours, "relays": [relay.stats() for relay in relays],
            "us": {"Redis": redis_cpu, "PostgreSQL": postgres_cpu, "PgBouncer": pgbouncer_cpu, "workers": worker_cpu,
                   **({"relays": relay_cpu} if relays else {})},
            "statements_us": executing * 1000 / jobs, "statements": statements / jobs,
        }
        figures["us"] = {name: seconds * 1e6 / jobs for name, seconds in figures["us"].items()}
        self.drains[label] = figures
        log(f"{label}: {figures['rate']:,.0f} jobs/s over {figures['seconds']:.1f} s; CPU µs a job "
            + ", ".join(f"{name} {us:.1f}" for name, us in figures["us"].items()))

    def pickup(self, label, delay_ms):
        """An idle worker on work-1; noop jobs, one at a time, through the API; their wait_ms."""
        count = PICKUP_JOBS
        log(f"{label}: pickup latency of an idle worker, {link_name(delay_ms)}: {count} jobs, one every {PICKUP_EVERY * 1000:g} ms")
        self.fresh_state()
        workers, relays = self.start_workers(label, WORKER_HOSTS[:1], CONCURRENCY, delay_ms)
        time.sleep(1)
        ids = []
        started = time.time()
        for n in range(count):
            time.sleep(max(0.0, started + n * PICKUP_EVERY - time.time()))
            status, data = self.call("POST", "/v1/jobs", "/v1/jobs", json.dumps({"kind": "noop", "payload": {}}))
            if status != 202:
                raise DrillError(f"POST /v1/jobs answered {status}: {data!r}")
            ids.append(json.loads(data)["id"])
        self.await_succeeded(count, workers, 60)
        waits = self.waits(workers[0], set(ids))
        self.stop_services(workers)
        self.stop_services(relays)
        to_worker = None
        if relays:
            redis_forward = next(f for f in relays[0].stats()["forwards"] if f["port"] == self.redis.port)
            to_worker = redis_forward["to_client"]
        self.pickups.append({"delay_ms": delay_ms, "waits": waits, "to_worker": to_worker})

    def waits(self, worker, ids, timeout=5):
        """wait_ms of each job of `ids`, from the worker's timing lines: the worker flushes its
        output every 100 ms, so they are read again until all are there."""
        deadline = time.time() + timeout
        while True:
            waits = {}
            with open(worker.log_path, encoding="utf-8", errors="replace") as output:
                for line in output:
                    if '"msg":"job attempt"' in line:
                        attempt = json.loads(line)
                        if attempt["job_id"] in ids:
                            waits[attempt["job_id"]] = attempt["wait_ms"]
            if len(waits) == len(ids):
                return list(waits.values())
            if time.time() > deadline:
                raise DrillError(f"{worker.log_path} has timing lines for {len(waits)} of {len(ids)} jobs")
            time.sleep(0.1)

    # MARK: Checks and figures

    def check(self):
        drains = self.drains.values()
        bad = [f"{d['label']}: {d['succeeded']} succeeded, {d['dead']} dead of {d['jobs']}" for d in drains
               if d["succeeded"] != d["jobs"] or d["dead"]]
        self.result(not bad, "every drain's jobs succeeded",
                    f"{len(drains)} drains, {sum(d['jobs'] for d in drains):,} jobs" + (f"; {'; '.join(bad)}" if bad else ""))
        bad = [f"{d['label']}: {d['history']} succeeded attempts in the job history"
               + (f", {d['ledger']} jobs in drill_ledger" if d["kind"] == "drill.ledger" else "") + f" for {d['jobs']} jobs"
               for d in drains if d["history"] != d["jobs"] or (d["kind"] == "drill.ledger" and d["ledger"] != d["jobs"])]
        again = [f"{d['label']} {d['other_attempts']}" for d in drains if d["other_attempts"]]
        self.result(not bad, "each job's succeeded attempt in the history",
                    "and each drill.ledger job's row in drill_ledger; rows of attempts that did not succeed (run again): "
                    + (", ".join(again) if again else "none") + (f"; {'; '.join(bad)}" if bad else ""))
        self.add_figures()

    @staticmethod
    def holds(relays):
        """The relays' holds, from read to write, as (largest median, largest p99) over their
        forwards and directions, in ms."""
        directions = [forward[way] for stats in relays for forward in stats["forwards"] for way in ("to_server", "to_client")
                      if forward[way]["chunks"]]
        return max(d["hold_p50_ms"] for d in directions), max(d["hold_p99_ms"] for d in directions)

    def row(self, label):
        drain = self.drains[label]
        costs = drain["us"]
        text = (f"{drain['rate']:>8,.0f} {drain['seconds']:>6.1f} {drain['cores_busy']:>5.2f} {drain['other_cores']:>5.2f} | {costs['Redis']:>5.1f} "
                f"{costs['PostgreSQL']:>6.1f} {drain['statements_us']:>7.1f} {costs['PgBouncer']:>9.1f} {costs['workers']:>7.1f} "
                + (f"{costs['relays']:>6.1f} | {'%.2f / %.2f' % self.holds(drain['relays']):>11}" if "relays" in costs else f"{'-':>6} |"))
        return text

    def add_figures(self):
        drains = self.drains
        rows = self.figures

        def ratio(label, over, key=None):
            if key is None:
                return drains[label]["rate"] / drains[over]["rate"]
            return drains[label]["us"][key] / drains[over]["us"][key]

        rows.append(("", f"{'jobs/s':>8} {'s':>6} {'cores':>5} {'other':>5} | {'Redis':>5} {'PG CPU':>6} {'PG stmt':>7} {'PgBouncer':>9} "
                         f"{'workers':>7} {'relays':>6} | {'hold p50 / p99 ms':>11}"))
        rows.append(("", f"{'':>21} {'busy':>5} | {'µs a job: CPU; PG stmt: statements time':<45} | relays, each way"))
        rows.append(("scale-out: noop, direct links", ""))
        for hosts in (1, 2, 3):
            rows.append((f"  {hosts} worker host{'s' if hosts > 1 else ''}", self.row(f"noop-{hosts}")))
        rows.append(("  3 hosts ÷ 1", f"drain rate {ratio('noop-3', 'noop-1'):.2f} ×; a job's Redis CPU "
                                      f"{ratio('noop-3', 'noop-1', 'Redis'):.2f} ×, its PostgreSQL CPU "
                                      f"{ratio('noop-3', 'noop-1', 'PostgreSQL'):.2f} ×"))
        rows.append((f"scale-out: drill.ledger {{\"ms\": 0}}", f"{drains['ledger-1']['jobs']:,} jobs a drain, direct links; "
                                                               f"{drains['ledger-1']['statements']:.1f} statements a job "
                                                               "(pg_stat_statements' calls)"))
        for hosts in (1, 3):
            rows.append((f"  {hosts} worker host{'s' if hosts > 1 else ''}", self.row(f"ledger-{hosts}")))
        rows.append((f"latency: one worker host", f"each way {self.delay_ms:g} ms through the relay (+{2 * self.delay_ms:g} ms a round trip)"))
        rows.append(("  direct, --concurrency 10", self.row("direct-1")))
        rows.append(("  relay at 0 ms, --concurrency 10", self.row("relay0-1")))
        for concurrency in LATENCY_CONCURRENCIES:
            rows.append((f"  {self.delay_ms:g} ms, --concurrency {concurrency}", self.row(f"delayed-1-c{concurrency}")))
        rows.append((f"  {self.delay_ms:g} ms, 3 hosts at 10", self.row("delayed-3")))
        rows.append(("  ratios of drain rates", f"relay at 0 ms ÷ direct {ratio('relay0-1', 'direct-1'):.2f} ×; {self.delay_ms:g} ms ÷ "
                                                 f"relay at 0 ms, --concurrency 10 {ratio('delayed-1-c10', 'relay0-1'):.2f} ×; "
                                                 f"3 hosts ÷ 1 at {self.delay_ms:g} ms {ratio('delayed-3', 'delayed-1-c10'):.2f} ×"))
        rows.append(SIDEKIQ)
        rows.append(("pickup: an idle worker, wait_ms", f"one noop job every {PICKUP_EVERY * 1000:g} ms, {PICKUP_JOBS:,} jobs; "
                                                        "wait_ms runs from the enqueue (Redis's clock) to the attempt's start, "
                                                        "less the reserve's reply on its way to the worker"))
        for run in self.pickups:
            waits = run["waits"]
            text = (f"p50 {percentile(waits, 0.5):.2f}  p90 {percentile(waits, 0.9):.2f}  p99 {percentile(waits, 0.99):.2f}  "
                    f"max {max(waits):.2f} ms")
            if run["to_worker"]:
                hold = run["to_worker"]
                text += (f"; the relay held Redis's replies to the worker p50 {hold['hold_p50_ms']:.2f}, p99 {hold['hold_p99_ms']:.2f} ms: "
                         f"enqueued to started, p50 about {percentile(waits, 0.5) + hold['hold_p50_ms']:.2f} ms")
            rows.append((f"  {link_name(run['delay_ms'])}", text))


def main():
    parser = argparse.ArgumentParser(description="The figures of ops/drill/hosts --measure; run that.")
    parser.add_argument("--jobs", type=int, required=True, help="noop jobs a drain")
    parser.add_argument("--delay-ms", type=float, required=True, help="the relays' delay each way")
    add_host_arguments(parser)
    return drive("hosts-figures", HostFigures, parser)


if __name__ == "__main__":
    sys.exit(main())
