"""How the web processes hand sync requests to Django's WSGI handler on threads
(``clinic.on_threads.OnThreads``), driven as uvicorn drives an ASGI application:
a scope, a ``receive`` that gives the request's body, a ``send`` that takes the
answer's messages. ``tests/production/test_deployed_web.py`` serves the real
application over the wire."""
import asyncio
import threading

from clinic.on_threads import OnThreads

SCOPE = {"type": "http", "http_version": "1.1", "method": "GET", "scheme": "http", "path": "/somewhere/",
         "root_path": "", "query_string": b"page=2", "headers": [(b"host", b"clinic.example")],
         "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000)}


def serve(app, scope=SCOPE, body=(b"",), on_send=lambda message: None):
    """The messages ``app``, run by ``OnThreads``, sends for one request whose
    body comes in the chunks ``body``."""
    chunks = list(body)
    sent = []

    async def receive():
        chunk = chunks.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message):
        sent.append(message)
        on_send(message)

    asyncio.run(OnThreads(app, threads=1)(scope, receive, send))
    return sent


class Answer(list):
    """A WSGI answer as Django's handler returns it: an iterable of chunks with a
    ``close`` (which sends ``request_finished``)."""

    streaming = False
    closed = False

    def close(self):
        self.closed = True


def test_a_plain_answer_is_sent_whole_with_its_status_and_headers():
    answer = Answer([b"hel", b"lo"])

    def app(environ, start_response):
        start_response("201 Created", [("Content-Type", "text/plain"), ("X-Frame-Options", "DENY")])
        return answer

    sent = serve(app)

    assert sent == [
        {"type": "http.response.start", "status": 201,
         "headers": [(b"content-type", b"text/plain"), (b"x-frame-options", b"DENY")]},
        {"type": "http.response.body", "body": b"hello"},
    ]
    assert answer.closed


def test_the_app_sees_the_request_and_its_whole_body():
    seen = {}

    def app(environ, start_response):
        seen.update(method=environ["REQUEST_METHOD"], path=environ["PATH_INFO"], query=environ["QUERY_STRING"],
                    host=environ["HTTP_HOST"], body=environ["wsgi.input"].read())
        start_response("200 OK", [])
        return Answer()

    serve(app, {**SCOPE, "method": "POST"}, body=[b'{"name": ', b'"Ada"}'])

    assert seen == {"method": "POST", "path": "/somewhere/", "query": "page=2", "host": "clinic.example",
                    "body": b'{"name": "Ada"}'}


def test_what_the_app_writes_comes_before_what_it_returns():
    def app(environ, start_response):
        start_response("200 OK", [])(b"written, ")
        return Answer([b"returned"])

    assert serve(app)[1]["body"] == b"written, returned"


def test_a_streamed_answer_is_sent_a_chunk_at_a_time_as_it_is_made():
    """A streamed answer (a static file) must not wait in memory until it is all
    made: its first chunk reaches the client before the second is made."""
    first_sent = threading.Event()

    class Streamed(Answer):
        streaming = True

        def __iter__(self):
            yield b"first"
            self.first_was_sent = first_sent.wait(timeout=5)
            yield b"second"

    answer = Streamed()

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return answer

    sent = serve(app, on_send=lambda message: message.get("body") == b"first" and first_sent.set())

    assert answer.first_was_sent
    assert [message.get("body") for message in sent] == [None, b"first", b"second", b""]
    assert sent[0]["status"] == 200 and answer.closed
