"""Sync requests on threads, for an ASGI server: ``OnThreads`` runs Django's
WSGI handler on a pool of threads (``clinic.serving`` serves everything but the
live-update stream through it)."""
import asyncio
import contextvars
import functools
import itertools
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from a2wsgi.wsgi import Body, build_environ


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
