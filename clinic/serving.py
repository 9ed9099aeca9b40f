"""The web processes' application (``make prod``, ``scripts/serve-web``): one
port, two ways in.

* The live-update stream (``clinic.web.live``, Server-Sent Events) is an async
  view that stays open: it goes to Django's ASGI handler (``clinic.asgi``).
* Everything else — pages, the API, the admin, GraphQL, /healthz, /metrics — is
  sync Django, and goes to Django's WSGI handler, each request run whole on a
  thread of a pool (``OnThreads``). Under the ASGI handler, a sync view costs
  several hops between the event loop and asgiref's threads and runs all of a
  process's requests on one thread; here it is one hop there and one back, and
  the pool's threads keep their database connections (``CONN_MAX_AGE``) as WSGI
  servers' threads do.

README, "Production mode" and "Benchmarks", has the measurements behind this.
"""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import asyncio
import contextvars
import functools
import itertools
import sys
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import Any

from a2wsgi.wsgi import Body, build_environ
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished
from django.db import connections
from django.urls import reverse

from clinic.asgi import application as asgi

# Threads per web process for sync requests; each may hold a database connection.
# A request is mostly Python, and a process's threads take turns on one interpreter:
# loaded over the wire (make bench-http, 2 processes, 8 connections), the detail
# answered 506/s with 8 threads, 607 with 4, 650-659 with 2 and 490 with 1 (one
# thread cannot run while another waits on the database). Raise it where requests
# wait on slow I/O more than they compute.
THREADS = int(os.environ.get("WEB_THREADS", "2"))

# How long a thread may keep the interpreter while another waits for it (Python's
# default is 5 ms). The thread waiting here is almost always the event loop with
# an answer to send or a request to hand on, or a thread whose database answer has
# just come; each waited up to 5 ms on a thread computing another request. Loaded
# over the wire (README, "Benchmarks"), 0.5 ms answered the detail 16-21% faster.
SWITCH_INTERVAL = 0.0005

LIVE = reverse("web:live")


class OnThreads:
    """An ASGI application that runs a WSGI one (Django's handler) on a pool of
    threads, a request at a time per thread.

    a2wsgi's own middleware, which builds the environ and reads the request body
    here, hands each message of an answer to the event loop as it is made — the
    status and headers, each chunk, the end — and each time the thread waits for the
    loop to take it: three hops between the threads for a plain answer, each paid
    in waiting for the interpreter. Django makes a plain answer whole before it
    returns it, so here the thread hands the whole answer back at once and the loop
    sends it. Only a streamed answer (``response.streaming``: static files through
    WhiteNoise) goes a chunk at a time, as it is made.
    """

    def __init__(self, app: Any, threads: int):
        self.app = app
        self.threads = ThreadPoolExecutor(threads, thread_name_prefix="clinic-web")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        loop = asyncio.get_running_loop()
        environ = build_environ(scope, Body(loop, receive))
        # In the request's context vars, on the thread too.
        answer = functools.partial(contextvars.copy_context().run, self._answer, environ, loop, send)
        for message in await loop.run_in_executor(self.threads, answer):
            await send(message)

    def _answer(self, environ: Any, loop: asyncio.AbstractEventLoop, send: Any) -> list[dict[str, Any]]:
        """On a thread: the answer's messages for the loop to send, or none if
        they have been sent already (a streamed answer)."""
        started: list[Any] = []
        written: list[bytes] = []  # by WSGI's write(), which comes before the iterable

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, headers]
            return written.append

        response = self.app(environ, start_response)
        try:
            if not getattr(response, "streaming", False):
                return [_start(*started), {"type": "http.response.body", "body": b"".join([*written, *response])}]

            def now(message: dict[str, Any]) -> None:
                asyncio.run_coroutine_threadsafe(send(message), loop).result()

            now(_start(*started))
            for chunk in itertools.chain(written, response):
                now({"type": "http.response.body", "body": chunk, "more_body": True})
            now({"type": "http.response.body", "body": b""})
            return []
        finally:
            getattr(response, "close", lambda: None)()  # Django's request_finished


def _start(status: str, headers: list[tuple[str, str]]) -> dict[str, Any]:
    return {"type": "http.response.start", "status": int(status.split(" ", 1)[0]),
            "headers": [(name.lower().encode("latin1"), value.encode("latin1")) for name, value in headers]}


wsgi = OnThreads(WSGIHandler(), THREADS)
sys.setswitchinterval(SWITCH_INTERVAL)


# Set while Django's ASGI handler answers: it gives each request a thread of its own,
# so a database connection kept for CONN_MAX_AGE would never be used again and would
# stay open (PostgreSQL would refuse more once enough streams had come and gone).
on_asgi: ContextVar[bool] = ContextVar("clinic_serving_on_asgi", default=False)


def close_asgi_connections(sender, **kwargs):
    """When a request on the ASGI side finishes (in its own context and thread),
    close its database connections, whatever CONN_MAX_AGE says."""
    if on_asgi.get():
        connections.close_all()


request_finished.connect(close_asgi_connections, dispatch_uid="clinic.serving.close_asgi_connections")


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"] != LIVE:
        await wsgi(scope, receive, send)
    else:
        token = on_asgi.set(True)
        try:
            await asgi(scope, receive, send)
        finally:
            on_asgi.reset(token)
