"""The web processes' application (``make prod``, ``scripts/serve-web``): one
port, two ways in.

* The live-update stream (``clinic.web.live``, Server-Sent Events) is an async
  view that stays open: it goes to Django's ASGI handler (``clinic.asgi``).
* Everything else — pages, the API, the admin, GraphQL, /healthz, /metrics — is
  sync Django, and goes to Django's WSGI handler, each request run whole on a
  thread of a pool (``clinic.on_threads``). Under the ASGI handler, a sync view costs
  several hops between the event loop and asgiref's threads and runs all of a
  process's requests on one thread; here it is one hop there and one back, and
  the pool's threads keep their database connections (``CONN_MAX_AGE``) as WSGI
  servers' threads do.

README, "Production mode" and "Benchmarks", has the measurements behind this.
"""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import sys
from contextvars import ContextVar

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished
from django.db import connections
from django.urls import reverse

from clinic.asgi import application as asgi
from clinic.on_threads import OnThreads

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


wsgi = OnThreads(WSGIHandler(), THREADS)
sys.setswitchinterval(SWITCH_INTERVAL)  # here, in the web processes alone


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
