"""A bounded HTTP/1.1 load generator for loopback: a fixed number of keep-alive
connections, each sending its next GET as soon as the last answer is read
(closed loop), for a fixed time; what it counts is the answers completed in
that time.

Used by ``bench.http``. Pure asyncio streams, no third-party client: the
request bytes are built once, and an answer is read as headers plus
``Content-Length`` bytes, nothing parsed further, so the client spends as little
of the machine's CPU as Python allows (it shares the cores with the servers it
measures; ``bench.http`` reports its CPU time). A server that closes the
connection after an answer (gunicorn's sync workers do, whatever the client
asks) is reconnected to, and the reconnection counts against it, as it would
for any client.
"""
import asyncio
import itertools
import time
from dataclasses import dataclass, field


@dataclass
class Result:
    seconds: float
    answers: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    reconnects: int = 0
    errors: int = 0
    client_cpu_seconds: float = 0.0

    @property
    def per_second(self):
        return self.answers / self.seconds if self.seconds else 0.0

    @property
    def ok(self):
        return self.statuses.get(200, 0)


def request_bytes(path, host="127.0.0.1", headers=()):
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive", *headers, "", ""]
    return "\r\n".join(lines).encode("latin-1")


async def _read_answer(reader):
    """(status, keep-alive) of one answer; its body is read and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, close = 0, head.startswith(b"HTTP/1.0")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection":
            close = value.strip().lower() == b"close"
        elif name == b"transfer-encoding":
            raise ValueError("chunked answers are not read by this client")
    if length:
        await reader.readexactly(length)
    return status, not close


async def _connection(port, requests, result, start, stop):
    reader = writer = None
    try:
        while True:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(next(requests))
            try:
                status, keep = await _read_answer(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                result.errors += 1
                writer.close()
                writer = None
                continue
            now = time.monotonic()
            if now >= stop:
                return
            if now >= start:
                result.answers += 1
                result.statuses[status] = result.statuses.get(status, 0) + 1
            if not keep:
                writer.close()
                writer = None
                if now >= start:
                    result.reconnects += 1
    finally:
        if writer is not None:
            writer.close()


async def _run(port, requests, concurrency, seconds, warmup):
    result = Result(seconds=seconds)
    start = time.monotonic() + warmup
    stop = start + seconds
    cycle = itertools.cycle(requests)
    cpu = time.process_time()
    await asyncio.wait_for(asyncio.gather(*(_connection(port, cycle, result, start, stop)
                                            for _ in range(concurrency))), warmup + seconds + 60)
    result.client_cpu_seconds = time.process_time() - cpu
    return result


def load(port, requests, concurrency=8, seconds=5.0, warmup=1.0):
    """Answers per second from ``concurrency`` keep-alive connections to
    127.0.0.1:``port`` sending ``requests`` (bytes, in turn) for ``seconds``
    after ``warmup`` seconds that are not counted."""
    return asyncio.run(_run(port, list(requests), concurrency, seconds, warmup))
