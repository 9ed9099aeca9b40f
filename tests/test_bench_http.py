"""bench.wire, the load generator of bench.http, against a small server of the
test's own on 127.0.0.1: it counts answers by status, keeps connections alive,
and reconnects to a server that closes them. (bench.http itself runs in
tests/test_bench.py, through the harness.)"""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import wire


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # an answer in one write (flushed after each request), not one per header line
    connections: set[int] = set()

    def do_GET(self):
        self.connections.add(id(self.connection))
        status = 404 if self.path == "/missing" else 200
        body = b'{"ok": true}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if self.path == "/close":
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Handler.connections = set()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_it_counts_answers_on_kept_alive_connections(server):
    result = wire.load(server, [wire.request_bytes("/a"), wire.request_bytes("/missing")], concurrency=2,
                       seconds=0.5, warmup=0.1)
    assert result.answers >= 4 and result.errors == 0 and result.reconnects == 0
    assert set(result.statuses) == {200, 404} and result.ok == result.statuses[200] < result.answers
    assert result.per_second == result.answers / 0.5
    assert len(Handler.connections) == 2  # one per connection of the client, kept for the whole run


def test_it_reconnects_when_the_server_closes_the_connection(server):
    result = wire.load(server, [wire.request_bytes("/close")], concurrency=2, seconds=0.5, warmup=0.1)
    assert result.answers >= 2 and result.ok == result.answers and result.errors == 0
    assert result.reconnects == result.answers  # one connection per answer, as with gunicorn's sync workers


def test_the_request_carries_the_token_and_asks_for_keep_alive():
    request = wire.request_bytes("/api/appointments/1/", headers=["Authorization: Token abc"])
    assert request.startswith(b"GET /api/appointments/1/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    assert b"\r\nConnection: keep-alive\r\n" in request and b"\r\nAuthorization: Token abc\r\n" in request
    assert request.endswith(b"\r\n\r\n")
