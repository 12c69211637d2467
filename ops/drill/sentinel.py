#!/usr/bin/env python3
"""The Sentinel drill's driver. ops/drill/sentinel starts the drill's PostgreSQL, migrates and
runs this, which then:

  1. starts a Redis master and its replica (AOF both) and three sentinels watching them
     (down after 3 s), then a `conveyor api` and two `conveyor worker` (lease 3 s) that reach
     Redis through the sentinels with replicated durability;
  2. drives drill.ledger jobs through the API, one by one and in bulk, recording every answer,
     while it kills the master with kill -9 --kills times: each time it waits until the
     sentinels have promoted the replica, then starts the killed server again, and waits until
     it has come back as the new master's replica;
  3. stops the workload, waits (bounded) for every job to end, and checks that every job
     answered 2xx ran, with its effect, and none twice at once; that the API answered nothing
     but 2xx and, during a failover, 503; that jobs succeeded again soon after a replica could
     confirm writes; and that no conveyor process was restarted.

Standard library only. Every process it starts it stops on the way out; conveyor's pids go to
--pids, Redis's to their pid files, so that the wrapper can kill them should this driver die.
"""

import argparse
import json
import os
import sys
import time

from drill_support import API, Drill, DrillError, RedisNode, Service, drive, log, redis_call

TENANT = "sentinel"
LEASE = 3
# A failover (down after 1 s, then the election) and the restarted server's return as a
# replica must end within this many seconds of the kill, or the drill stops.
FAILOVER_BOUND = 30
# Once a replica confirms writes again, a job must succeed within this many seconds.
RESUME_BOUND = 5
WARM_UP = 5
MASTER_NAME = "conveyor"
# A master silent this long is down. At 1 s, a new master busy for a second with the full
# resynchronisation of the restarted one, on two loaded cores, was taken for down, and the
# sentinels promoted the restarted server before it had caught up.
DOWN_AFTER_MS = 3000


class SentinelDrill(Drill):
    def __init__(self, options):
        super().__init__(options, TENANT, ("127.0.0.1", options.redis_port), os.environ["CONVEYOR_DATABASE_URL"])
        base = options.redis_port
        self.nodes = [
            RedisNode(self, "redis-a", base, ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]),
            RedisNode(self, "redis-b", base + 1, ["--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
                                                   "--replicaof", "127.0.0.1", str(base)]),
        ]
        self.sentinel_ports = [base + 2, base + 3, base + 4]
        self.sentinels = []
        self.failovers = []  # dicts: killed (port), at, named (new master named), replica (back as a replica)
        self.enqueued_at = {}  # job id: when its 2xx answer arrived

    def title(self):
        return (f"Conveyor Sentinel drill — a master, a replica, 3 sentinels; 1 API and 2 workers (lease {LEASE} s) "
                f"with replicated durability; the master killed with kill -9 {self.options.kills} times")

    # MARK: Set-up

    def write_sentinel(self, port):
        folder = os.path.join(self.data, f"sentinel-{port}")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "sentinel.conf")
        with open(path, "w") as configuration:
            configuration.write(
                f"bind 127.0.0.1\nport {port}\ndir {folder}\n"
                f"sentinel monitor {MASTER_NAME} 127.0.0.1 {self.nodes[0].port} 2\n"
                f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}\n"
                f"sentinel failover-timeout {MASTER_NAME} 5000\n"
                f"sentinel parallel-syncs {MASTER_NAME} 1\n"
            )
        return RedisNode(self, f"sentinel-{port}", port, [path, "--sentinel"])

    def start(self):
        for node in self.nodes:
            node.start()
        self.sentinels = [self.write_sentinel(port) for port in self.sentinel_ports]
        for sentinel in self.sentinels:
            sentinel.start()
        self.await_replica(time.time() + 30)
        base = self.base_environment()
        base.update({
            "CONVEYOR_REDIS_URL": f"redis+sentinel://{','.join(f'127.0.0.1:{p}' for p in self.sentinel_ports)}/{MASTER_NAME}",
            "CONVEYOR_REDIS_DURABILITY": "replicated",
        })
        self.apis = [API(self, "api-1", base)]
        self.workers = [Service(self, f"worker-{n}", [
            "worker", "--lease", str(LEASE), "--concurrency", "10", "--queues", "default", "--drain-timeout", "5",
        ], base) for n in (1, 2)]
        self.start_services()
        log(f"master {self.nodes[0].port}, replica {self.nodes[1].port}, sentinels {self.sentinel_ports}; "
            f"API on port {self.apis[0].port}; workers {', '.join(f'{w.name} pid {w.pid}' for w in self.workers)}")

    def stop(self):
        super().stop()
        for node in [*self.sentinels, *self.nodes]:
            node.stop()

    # MARK: Redis, read directly

    def named_master(self):
        """The port of the master the sentinels name, from the first that answers."""
        for port in self.sentinel_ports:
            try:
                reply = redis_call(("127.0.0.1", port), ("SENTINEL", "get-master-addr-by-name", MASTER_NAME))[0]
                return int(reply[1])
            except (OSError, TypeError, IndexError):
                continue
        return None

    def await_replica(self, deadline):
        """Waits until the master the sentinels name has a replica online; answers when."""
        while time.time() < deadline:
            master_port = self.named_master()
            try:
                info = redis_call(("127.0.0.1", master_port), ("INFO", "replication"))[0] if master_port else ""
                if "connected_slaves:1" in info and "state=online" in info and self.named_master() == master_port:
                    return time.time()
            except OSError:
                pass
            time.sleep(0.1)
        raise DrillError("the master the sentinels name has no replica online")

    # MARK: The workload

    def record_answers(self, ids):
        now = time.time()
        with self.lock:
            for job in ids:
                self.enqueued_at.setdefault(job, now)

    def call(self, method, path, route, body=None, content_type="application/json", api=None, timeout=15):
        status, data = super().call(method, path, route, body, content_type, api, timeout)
        if status == 202 and route in ("/v1/jobs", "/v1/jobs/bulk"):
            answer = json.loads(data)
            self.record_answers(answer.get("ids") or [answer["id"]])
        return status, data

    # MARK: Faults

    def kill_master(self):
        master_port = self.named_master()
        node = next((n for n in self.nodes if n.port == master_port), None)
        if node is None:
            raise DrillError(f"the sentinels name no master of the drill's ({master_port})")
        killed_at = time.time()
        node.kill()
        log(f"kill -9 of the master {node.name} on port {node.port}")
        record = {"killed": node.port, "at": killed_at, "named": None, "replica": None}
        deadline = killed_at + FAILOVER_BOUND + 30
        while time.time() < deadline:
            named = self.named_master()
            if named is not None and named != node.port:
                record["named"] = time.time()
                break
            time.sleep(0.05)
        else:
            raise DrillError(f"the sentinels named no new master within {deadline - killed_at:.0f} s of the kill")
        # Started again only now: back before the sentinels acted, it would have stayed the
        # master, with what its AOF held.
        node.start()
        record["replica"] = self.await_replica(deadline)
        new_master = self.named_master()
        self.failovers.append(record)
        self.outages.append((f"failover from port {node.port}", killed_at, record["replica"]))
        log(f"the sentinels named port {new_master} {record['named'] - killed_at:.1f} s after the kill; "
            f"the killed server is its replica {record['replica'] - killed_at:.1f} s after it")

    def faults(self):
        time.sleep(WARM_UP)
        for _ in range(self.options.kills):
            self.kill_master()
            time.sleep(self.options.quiet)

    def run(self):
        self.run_workload([(0.05, 0.15, self.enqueue_single), (1, 2, self.enqueue_bulk)], self.faults)

    def absent_ticks(self, fired):
        """No schedule runs in this drill."""
        return []

    # MARK: Checks

    def check(self):
        self.redis_address = ("127.0.0.1", self.named_master())
        self.check_lost()
        self.check_ledger()
        self.check_duplicates()
        self.check_answers()
        self.check_failovers()
        self.check_processes()

    def check_failovers(self):
        """Each kill: the time to the new master, to the restarted server's return as its
        replica, to the first 2xx enqueue, and to the first job whose success Redis confirmed,
        which needs a replica. The last must follow the replica's return within
        RESUME_BOUND: once Redis can confirm writes again, the API and workers carry on."""
        confirmed = sorted(self.confirmed_successes())
        lines, late = [], []
        for record in self.failovers:
            at = record["at"]
            answered = sorted(t for t in self.enqueued_at.values() if t > at)
            succeeded = next((t for t in confirmed if t > at), None)
            resumed = succeeded - record["replica"] if succeeded is not None else None
            if resumed is None or resumed > RESUME_BOUND:
                late.append(record["killed"])
            lines.append(f"port {record['killed']}: new master named {record['named'] - at:.1f} s, the killed server back as "
                         f"its replica {record['replica'] - at:.1f} s, first 2xx enqueue "
                         + (f"{answered[0] - at:.1f} s" if answered else "none")
                         + ", first job succeeded " + (f"{succeeded - at:.1f} s" if succeeded is not None else "none"))
        self.figures.append(("failovers (from the kill -9)", "; ".join(lines)))
        self.result(len(self.failovers) == self.options.kills and not late,
                    f"jobs succeed again ≤ {RESUME_BOUND} s after a replica confirms",
                    f"{len(self.failovers)} of {self.options.kills} kills failed over; "
                    + (f"late after the kills of ports {late}" if late else "each time the first job succeeded within the bound"))


def main():
    parser = argparse.ArgumentParser(description="The Sentinel drill's driver; run ops/drill/sentinel.")
    parser.add_argument("--kills", type=int, required=True)
    parser.add_argument("--quiet", type=float, required=True)
    parser.add_argument("--redis-port", type=int, required=True)
    return drive("sentinel", SentinelDrill, parser)


if __name__ == "__main__":
    sys.exit(main())
