#!/usr/bin/env python3
"""A TCP relay that holds every chunk of bytes for a fixed delay in each direction: network
latency where the kernel has no netem (ops/drill/hosts --measure runs one in each worker
host, in front of Redis and PgBouncer on the data host).

  delay_relay.py --delay-ms 1 --forward 56379=10.213.0.2:56379 --forward 56432=10.213.0.2:56432 --stats FILE

listens on 127.0.0.1 at each forward's port and relays every connection to its target. A chunk
read from one side is written to the other `--delay-ms` after it was read (0: at once), in
order; chunks due together go out in one write, as a network would deliver them. A side that
cannot take more stops the reading of the other, so nothing piles up in the relay.

The timers run on select(), whose timeout is in microseconds, where epoll's is rounded up to
whole milliseconds: a 1 ms delay would otherwise come out anywhere from 1 to 2 ms. The
kernel's timer slack is cut to 1 µs for the same reason, and the relay runs under the
real-time policy SCHED_FIFO (so as root), taking a core the moment a timer fires rather than
when the busy processes it relays for yield one: a network's delay does not grow when the
hosts' cores are busy, and the relay's should not either. It sleeps between chunks, and the
kernel keeps 5 % of every second for the other policies whatever a real-time process does.

The relay measures what it does: how long each chunk was held, from its read to its write,
by direction. It logs JSON lines ("relay ready" once listening) and, on SIGTERM, writes those
figures to --stats and exits. Standard library only.
"""

import argparse
import asyncio
import ctypes
import ctypes.util
import json
import os
import selectors
import signal
import sys
import time
from collections import deque

PR_SET_TIMERSLACK = 29
# The lowest real-time priority: above every process of the ordinary policy.
RELAY_PRIORITY = 1
# Holds are counted in buckets of this many seconds, up to HOLD_BUCKETS of them.
HOLD_BUCKET = 10e-6
HOLD_BUCKETS = 10_000


def log(message, **fields):
    print(json.dumps({"ts": time.time(), "msg": message, **fields}, separators=(",", ":")), flush=True)


class Holds:
    """How long chunks were held, from read to write, in a histogram of 10 µs buckets."""

    def __init__(self):
        self.buckets = [0] * HOLD_BUCKETS
        self.chunks = 0
        self.bytes = 0

    def add(self, seconds, size):
        self.buckets[min(HOLD_BUCKETS - 1, int(seconds / HOLD_BUCKET))] += 1
        self.chunks += 1
        self.bytes += size

    def percentile(self, share):
        """The upper edge of the bucket that holds the `share` quantile, in milliseconds."""
        wanted, seen = share * self.chunks, 0
        for bucket, count in enumerate(self.buckets):
            seen += count
            if count and seen >= wanted:
                return (bucket + 1) * HOLD_BUCKET * 1000
        return 0.0

    def summary(self):
        return {"chunks": self.chunks, "bytes": self.bytes, **{
            f"hold_p{round(share * 100)}_ms": round(self.percentile(share), 3) for share in (0.5, 0.9, 0.99, 1.0)
        }}


class Direction:
    """The bytes of one direction of one relayed connection: each chunk is written to
    `target` `delay` seconds after it was read, in order."""

    def __init__(self, loop, delay, holds):
        self.loop = loop
        self.delay = delay
        self.holds = holds
        self.target = None  # the transport written to, once both sides are connected
        self.pending = deque()  # (due, read at, bytes)
        self.timer = None
        self.ended = False  # the source closed: once the rest is written, the target is closed

    def received(self, data):
        now = self.loop.time()
        if self.delay == 0:
            self.target.write(data)
            self.holds.add(self.loop.time() - now, len(data))
            return
        self.pending.append((now + self.delay, now, data))
        if self.timer is None:
            self.timer = self.loop.call_at(now + self.delay, self.deliver)

    def deliver(self):
        self.timer = None
        now = self.loop.time()
        due = []
        while self.pending and self.pending[0][0] <= now:
            _, read_at, data = self.pending.popleft()
            due.append(data)
            self.holds.add(now - read_at, len(data))
        if due:
            self.target.write(b"".join(due))
        if self.pending:
            self.timer = self.loop.call_at(self.pending[0][0], self.deliver)
        elif self.ended:
            self.finish()

    def end(self):
        """The source has closed: the target is closed once the rest is written."""
        self.ended = True
        if not self.pending:
            self.finish()

    def finish(self):
        if self.target is not None:
            self.target.close()

    def drop(self):
        """The target is gone, or the connection was reset: what is still held is lost, as on a network."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.pending.clear()


class Side(asyncio.Protocol):
    """One end of a relayed connection: the client's, accepted, or the server's, dialled.
    What it reads goes out through `outbound`; what the other end reads comes in through
    `inbound`. A side that closes closes the other once its last bytes are delivered: Redis
    and PostgreSQL clients do not half-close."""

    def __init__(self, outbound, inbound, connected=None):
        self.outbound = outbound
        self.inbound = inbound
        self.connected = connected
        self.transport = None
        self.peer = None  # the other Side

    def connection_made(self, transport):
        self.transport = transport
        self.inbound.target = transport
        if self.connected is not None:
            self.connected(self)

    def data_received(self, data):
        self.outbound.received(data)

    def eof_received(self):
        self.outbound.end()

    def connection_lost(self, error):
        self.inbound.drop()
        if error is None:
            self.outbound.end()
            return
        self.outbound.drop()
        if self.peer is not None:
            self.peer.transport.abort()

    # A side whose transport cannot take more pauses the reading of the other.
    def pause_writing(self):
        if self.peer is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self):
        if self.peer is not None:
            self.peer.transport.resume_reading()


class Forward:
    """Connections accepted on 127.0.0.1:`port`, relayed to `target` (host, port)."""

    def __init__(self, loop, port, target, delay):
        self.loop = loop
        self.port = port
        self.target = target
        self.delay = delay
        self.to_server = Holds()
        self.to_client = Holds()
        self.connections = 0

    def accepted(self):
        to_server = Direction(self.loop, self.delay, self.to_server)
        to_client = Direction(self.loop, self.delay, self.to_client)
        self.connections += 1
        return Side(to_server, to_client, connected=lambda client: self.loop.create_task(self.dial(client)))

    async def dial(self, client):
        # The client's bytes wait in its socket until the server's side is connected.
        client.transport.pause_reading()
        try:
            _, server = await self.loop.create_connection(lambda: Side(client.inbound, client.outbound), *self.target)
        except OSError as error:
            log("cannot reach the target; closing the client's connection", target=f"{self.target[0]}:{self.target[1]}", error=str(error))
            client.transport.abort()
            return
        if client.transport.is_closing():
            server.transport.close()
            return
        client.peer, server.peer = server, client
        client.transport.resume_reading()

    def summary(self):
        return {"port": self.port, "target": f"{self.target[0]}:{self.target[1]}", "connections": self.connections,
                "to_server": self.to_server.summary(), "to_client": self.to_client.summary()}


def forward_argument(text):
    port, _, target = text.partition("=")
    host, _, target_port = target.rpartition(":")
    if not port.isdigit() or not host or not target_port.isdigit():
        raise argparse.ArgumentTypeError(f"expected PORT=HOST:PORT, not '{text}'")
    return int(port), (host, int(target_port))


def wake_on_time():
    """Timers that fire within a microsecond of their time, ahead of the processes relayed for."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(PR_SET_TIMERSLACK, 1000, 0, 0, 0)
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(RELAY_PRIORITY))


def main():
    parser = argparse.ArgumentParser(description="A TCP relay that delays each direction by a fixed time.")
    parser.add_argument("--delay-ms", type=float, required=True, help="the delay of each direction, in milliseconds")
    parser.add_argument("--forward", type=forward_argument, action="append", required=True, help="PORT=HOST:PORT")
    parser.add_argument("--stats", required=True, help="where the figures go on SIGTERM, as JSON")
    options = parser.parse_args()
    if not 0 <= options.delay_ms <= 1000:
        parser.error("--delay-ms must be from 0 to 1000")
    wake_on_time()
    loop = asyncio.SelectorEventLoop(selectors.SelectSelector())
    asyncio.set_event_loop(loop)
    forwards = [Forward(loop, port, target, options.delay_ms / 1000) for port, target in options.forward]
    for forward in forwards:
        loop.run_until_complete(loop.create_server(forward.accepted, "127.0.0.1", forward.port, reuse_address=True))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    log("relay ready", delay_ms=options.delay_ms, forwards=[f"{f.port}={f.target[0]}:{f.target[1]}" for f in forwards])
    loop.run_forever()
    with open(options.stats, "w") as stats:
        json.dump({"delay_ms": options.delay_ms, "forwards": [forward.summary() for forward in forwards]}, stats)
    log("relay stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
