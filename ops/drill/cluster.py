#!/usr/bin/env python3
"""The Redis Cluster drill's driver. ops/drill/cluster starts the drill's PostgreSQL, migrates
and runs this, which then:

  1. starts six Redis servers in cluster mode (AOF on; a node is failed after 3 s) and makes
     them a cluster of three masters with a replica each (redis-cli --cluster create), then a
     `conveyor api` and two `conveyor worker` (lease 3 s) that reach it through
     redis+cluster:// with replicated durability;
  2. drives drill.ledger jobs through the API into three queues, `default`, a busy one whose
     hash slot is the lowest of its master's, and one sharded over SHARDS hash tags, one by one
     and in bulk, recording every answer,
     while, --rounds times: it moves that slot to another master with redis-cli --cluster
     reshard (which moves a master's lowest slots first); makes the replica of the master now
     serving it take over with CLUSTER FAILOVER; and kills that new master with kill -9,
     starting it again once its replica has taken over, so that it comes back as a replica;
  3. stops the workload, waits (bounded) for every job to end, and checks that every job
     answered 2xx ran, with its effect, and none twice at once; that the API answered nothing
     but 2xx and, during a fault, 503; that jobs of the busy queue succeeded again soon after
     each fault; and that no conveyor process was restarted.

Standard library only. Every process it starts it stops on the way out; conveyor's pids go to
--pids, Redis's to their pid files, so that the wrapper can kill them should this driver die.
"""

import argparse
import os
import subprocess
import sys
import time
from collections import Counter

from drill_support import API, Drill, DrillError, RedisNode, Service, drive, log, redis_call

TENANT = "cluster"
LEASE = 3
CONCURRENCY = 30
NODE_TIMEOUT_MS = 3000
MASTERS = 3
# A fault must be over (the slot moved, the replica a master, the killed server back as a
# replica) within this many seconds, or the drill stops.
FAULT_BOUND = 60
# Once a fault is over, a job of the busy queue must succeed within this many seconds.
RESUME_BOUND = 5
WARM_UP = 5
PLAIN_QUEUE = "default"
SHARDED_QUEUE = "drill-spread"
SHARDS = 6


def key_slot(key):
    """The Redis Cluster slot of `key`: CRC16 (XMODEM) of it, or of its hash tag, mod 16384."""
    start = key.find("{")
    if start >= 0:
        end = key.find("}", start + 1)
        if end > start + 1:
            key = key[start + 1:end]
    crc = 0
    for byte in key.encode():
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc & 16383


def busy_queue_name():
    """A queue name whose slot is 0: the lowest slot of the first master, which a reshard
    from whichever master serves it moves first."""
    number = 0
    while key_slot(f"drill-busy-{number}") != 0:
        number += 1
    return f"drill-busy-{number}"


BUSY_QUEUE = busy_queue_name()
BUSY_SLOT = 0


class ClusterDrill(Drill):
    def __init__(self, options):
        super().__init__(options, TENANT, ("127.0.0.1", options.redis_port), os.environ["CONVEYOR_DATABASE_URL"])
        arguments = ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                     "--cluster-node-timeout", str(NODE_TIMEOUT_MS),
                     "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]
        self.nodes = [RedisNode(self, f"redis-{options.redis_port + n}", options.redis_port + n, arguments)
                      for n in range(2 * MASTERS)]
        self.faults_done = []  # dicts: what, at, over, queue

    def title(self):
        return (f"Conveyor Redis Cluster drill — {MASTERS} masters with a replica each; 1 API and 2 workers "
                f"(lease {LEASE} s, concurrency {CONCURRENCY}) with replicated durability; queues {PLAIN_QUEUE}, {BUSY_QUEUE} (slot {BUSY_SLOT}) and "
                f"{SHARDED_QUEUE} ({SHARDS} shards); "
                f"{self.options.rounds} rounds of a reshard of the busy slot, a CLUSTER FAILOVER and a kill -9 of its master")

    # MARK: Set-up

    def start(self):
        for node in self.nodes:
            node.start()
        create = subprocess.run(
            ["redis-cli", "--cluster", "create", *[f"127.0.0.1:{node.port}" for node in self.nodes],
             "--cluster-replicas", "1", "--cluster-yes"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        if create.returncode != 0:
            raise DrillError(f"redis-cli --cluster create failed: {create.stdout[-500:]} {create.stderr[-500:]}")
        self.await_cluster(time.time() + FAULT_BOUND)
        base = self.base_environment()
        base.update({
            "CONVEYOR_REDIS_URL": "redis+cluster://" + ",".join(f"127.0.0.1:{node.port}" for node in self.nodes[:MASTERS]),
            "CONVEYOR_REDIS_DURABILITY": "replicated",
            "CONVEYOR_QUEUES_ALLOWED": "drill-*",
            "CONVEYOR_QUEUE_SHARDS": f"{SHARDED_QUEUE}:{SHARDS}",
        })
        self.apis = [API(self, "api-1", base)]
        self.workers = [Service(self, f"worker-{n}", [
            "worker", "--lease", str(LEASE), "--concurrency", str(CONCURRENCY), "--queues", f"{PLAIN_QUEUE},{BUSY_QUEUE},{SHARDED_QUEUE}",
            "--drain-timeout", "5",
        ], base) for n in (1, 2)]
        self.start_services()
        log(f"cluster on ports {self.nodes[0].port}-{self.nodes[-1].port}; API on port {self.apis[0].port}; "
            f"workers {', '.join(f'{w.name} pid {w.pid}' for w in self.workers)}; busy queue {BUSY_QUEUE}")

    def stop(self):
        super().stop()
        for node in self.nodes:
            node.stop()

    # MARK: The cluster, read directly

    def live_nodes(self):
        return [node for node in self.nodes if node.process and node.process.poll() is None]

    def slot_owner(self, slot):
        """The port of the master that serves `slot`, as the first live node that answers says."""
        for node in self.live_nodes():
            try:
                for first, last, master, *_ in redis_call(("127.0.0.1", node.port), ("CLUSTER", "SLOTS"))[0]:
                    if first <= slot <= last:
                        return int(master[1])
            except (OSError, TypeError, ValueError):
                continue
        return None

    def node_id(self, port):
        return redis_call(("127.0.0.1", port), ("CLUSTER", "MYID"))[0]

    def role(self, port):
        try:
            return redis_call(("127.0.0.1", port), ("ROLE",))[0]
        except OSError:
            return None

    def await_cluster(self, deadline):
        """Waits until every live node says the cluster is ok, each master has a replica
        online, and the nodes agree on who serves the busy slot; answers when."""
        while time.time() < deadline:
            try:
                states = [redis_call(("127.0.0.1", node.port), ("CLUSTER", "INFO"))[0] for node in self.live_nodes()]
                roles = [self.role(node.port) for node in self.live_nodes()]
                masters = [role for role in roles if role and role[0] == "master"]
                owners = {self.slot_owner(BUSY_SLOT) for _ in range(2)}
                if (all("cluster_state:ok" in state for state in states) and len(masters) == MASTERS
                        and all(any(replica for replica in role[2]) for role in masters) and len(owners) == 1):
                    return time.time()
            except (OSError, TypeError, IndexError):
                pass
            time.sleep(0.1)
        raise DrillError("the cluster did not settle: not every node is ok, or a master has no replica online")

    def replica_of(self, master_port):
        for node in self.live_nodes():
            role = self.role(node.port)
            if role and role[0] == "slave" and int(role[2]) == master_port:
                return node
        raise DrillError(f"the master on port {master_port} has no replica")

    # MARK: Faults

    def reshard(self):
        """Moves the busy slot to the next master, with redis-cli, as an operator would."""
        source = self.slot_owner(BUSY_SLOT)
        masters = sorted(node.port for node in self.live_nodes() if (self.role(node.port) or [""])[0] == "master")
        target = masters[(masters.index(source) + 1) % len(masters)]
        keys = redis_call(("127.0.0.1", source), ("CLUSTER", "COUNTKEYSINSLOT", BUSY_SLOT))[0]
        at = time.time()
        moved = subprocess.run(
            ["redis-cli", "--cluster", "reshard", f"127.0.0.1:{source}", "--cluster-from", self.node_id(source),
             "--cluster-to", self.node_id(target), "--cluster-slots", "1", "--cluster-yes"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=FAULT_BOUND)
        if moved.returncode != 0:
            raise DrillError(f"redis-cli --cluster reshard failed: {moved.stdout[-500:]} {moved.stderr[-500:]}")
        over = self.await_cluster(at + FAULT_BOUND)
        if self.slot_owner(BUSY_SLOT) != target:
            raise DrillError(f"the reshard did not move slot {BUSY_SLOT} to port {target}")
        self.fault(f"reshard of slot {BUSY_SLOT} ({keys} keys) from port {source} to {target}", at, over)

    def failover(self):
        """Makes the replica of the busy slot's master take over, as an operator would."""
        master = self.slot_owner(BUSY_SLOT)
        replica = self.replica_of(master)
        at = time.time()
        redis_call(("127.0.0.1", replica.port), ("CLUSTER", "FAILOVER"))
        deadline = at + FAULT_BOUND
        while self.slot_owner(BUSY_SLOT) != replica.port:
            if time.time() > deadline:
                raise DrillError(f"CLUSTER FAILOVER on port {replica.port} did not make it the master")
            time.sleep(0.05)
        over = self.await_cluster(deadline)
        self.fault(f"CLUSTER FAILOVER from port {master} to {replica.port}", at, over)

    def kill_master(self):
        """kill -9 of the busy slot's master; started again once its replica has taken over."""
        master = self.slot_owner(BUSY_SLOT)
        node = next(node for node in self.nodes if node.port == master)
        at = time.time()
        node.kill()
        log(f"kill -9 of the master on port {master}")
        deadline = at + FAULT_BOUND
        while self.slot_owner(BUSY_SLOT) in (master, None):
            if time.time() > deadline:
                raise DrillError(f"no replica took over from the master killed on port {master}")
            time.sleep(0.05)
        promoted = time.time()
        node.start()
        over = self.await_cluster(deadline)
        self.fault(f"kill -9 of the master on port {master} (replica took over after {promoted - at:.1f} s)", at, over)

    def fault(self, what, at, over):
        self.faults_done.append({"what": what, "at": at, "over": over})
        self.outages.append((what, at, over))
        log(f"{what}: over after {over - at:.1f} s")

    def faults(self):
        time.sleep(WARM_UP)
        for _ in range(self.options.rounds):
            for fault in (self.reshard, self.failover, self.kill_master):
                fault()
                time.sleep(self.options.quiet)

    # MARK: The workload

    def enqueue_busy_single(self, rng):
        self.enqueue_single(rng, BUSY_QUEUE)

    def enqueue_busy_bulk(self, rng):
        self.enqueue_bulk(rng, BUSY_QUEUE)

    def enqueue_sharded_single(self, rng):
        self.enqueue_single(rng, SHARDED_QUEUE)

    def enqueue_sharded_bulk(self, rng):
        self.enqueue_bulk(rng, SHARDED_QUEUE)

    def run(self):
        # About 40 jobs a second in all, of 0.8 s on average: within the 60 slots of the two
        # workers, so that a long run settles.
        self.run_workload([(0.1, 0.3, self.enqueue_single), (2, 4, self.enqueue_bulk),
                           (0.1, 0.3, self.enqueue_busy_single), (2, 4, self.enqueue_busy_bulk),
                           (0.1, 0.3, self.enqueue_sharded_single), (2, 4, self.enqueue_sharded_bulk)], self.faults)

    def absent_ticks(self, fired):
        """No schedule runs in this drill."""
        return []

    # MARK: Checks

    def check(self):
        accepted = Counter(job.rsplit(".", 1)[0] for job in self.ledger_jobs)
        succeeded = Counter(job.rsplit(".", 1)[0] for job in self.ledger_jobs if self.job_state.get(job) == "succeeded")
        self.figures.append(("jobs answered 2xx, and succeeded, by queue",
                             ", ".join(f"{queue} {accepted[queue]}/{succeeded[queue]}" for queue in sorted(accepted))))
        self.check_lost()
        self.check_ledger()
        self.check_duplicates()
        self.check_answers()
        self.check_faults()
        self.check_processes()

    def check_faults(self):
        """Each fault: how long until the cluster was whole again, and until the first job of
        the busy queue succeeded after it, which must follow its end within RESUME_BOUND."""
        confirmed = sorted(self.confirmed_successes(BUSY_QUEUE))
        lines, late = [], []
        for record in self.faults_done:
            at, over = record["at"], record["over"]
            succeeded = next((t for t in confirmed if t > at), None)
            if succeeded is None or succeeded - over > RESUME_BOUND:
                late.append(record["what"])
            lines.append(f"{record['what']}: over {over - at:.1f} s, first {BUSY_QUEUE} job succeeded "
                         + (f"{succeeded - at:.1f} s" if succeeded is not None else "never") + " after it began")
        for line in lines:
            self.figures.append(("fault", line))
        expected = 3 * self.options.rounds
        self.result(len(self.faults_done) == expected and not late, f"jobs succeed again ≤ {RESUME_BOUND} s after a fault",
                    f"{len(self.faults_done)} of {expected} faults done; "
                    + (f"late after: {'; '.join(late)}" if late else "each time a busy-queue job succeeded within the bound"))


def main():
    parser = argparse.ArgumentParser(description="The Redis Cluster drill's driver; run ops/drill/cluster.")
    parser.add_argument("--rounds", type=int, required=True)
    parser.add_argument("--quiet", type=float, required=True)
    parser.add_argument("--redis-port", type=int, required=True)
    return drive("cluster", ClusterDrill, parser)


if __name__ == "__main__":
    sys.exit(main())
