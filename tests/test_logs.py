"""What the logs keep (clinic.logs): a refused request in one line, no traceback;
and no patient's name from a search's query string in the web server's access log."""
import http.client
import logging

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from clinic.logs import OneLineRefusals, redacted
from clinic.signin import tokens
from tests.production import services


@pytest.fixture
def visitor(committed_db):
    """Signed in, but not a clinic staff account."""
    return get_user_model().objects.create_user("visitor", password="pw-not-for-real-3")


def logged(caplog):
    return [r for r in caplog.records if r.name == "django.request"]


def test_a_page_refused_with_403_logs_one_line_and_no_traceback(client, visitor, caplog):
    client.force_login(visitor)
    caplog.set_level(logging.INFO)
    assert client.get("/patients/").status_code == 403
    [record] = logged(caplog)
    assert record.getMessage() == "Forbidden (Permission denied): /patients/" and record.levelname == "WARNING"
    assert record.exc_info is None and "Traceback" not in caplog.text


def test_the_api_refusing_a_non_staff_account_logs_one_line_and_no_traceback(visitor, caplog):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(visitor)[0]}")
    caplog.set_level(logging.INFO)
    assert api.get("/api/doctors/").status_code == 403
    assert api.post("/api/doctors/", {"name": "X", "specialty": "Y"}, format="json").status_code == 403
    assert [r.getMessage() for r in logged(caplog)] == ["Forbidden: /api/doctors/"] * 2
    assert "Traceback" not in caplog.text


def test_a_server_error_keeps_its_traceback():
    try:
        raise RuntimeError("broken")
    except RuntimeError:
        record = logging.makeLogRecord({"status_code": 500, "exc_info": __import__("sys").exc_info()})
    assert OneLineRefusals().filter(record) and record.exc_info is not None


@pytest.mark.parametrize("path, shown", [
    ("/patients/?q=Grace%20Hopper&page=2", "/patients/?..."),
    ("/admin/readmodels/patient/?q=Grace+Hopper", "/admin/readmodels/patient/?..."),
    ("/patients/?Grace", "/patients/?..."),
    ("/patients/", "/patients/"),
])
def test_query_strings_are_left_out(path, shown):
    assert redacted(path) == shown


@pytest.fixture
def server(committed_db, tmp_path):
    """The web process as ``make run`` starts it (DEBUG on); ``server.get(path,
    token=None)`` answers the status; ``server.log()`` is what it wrote."""
    log = tmp_path / "web.log"
    port = services.free_port()
    process = services.web(services.environment(DEBUG="1"), port, log)

    class Server:
        def get(self, path, token=None):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", path, headers={"Authorization": f"Token {token}"} if token else {})
            status = connection.getresponse().status
            connection.close()
            return status

        def log(self):
            return log.read_text()

    try:
        services.wait_until(lambda: services.serving(port), 60, what="the web process to serve")
        yield Server()
    finally:
        services.kill(process)


def test_a_refusal_is_one_line_in_the_servers_log(server, visitor):
    token = tokens.issue(visitor)[0]
    assert server.get("/api/doctors/", token) == 403
    services.wait_until(lambda: '"GET /api/doctors/ HTTP/1.1" 403' in server.log(), 10, what="the access log")
    assert server.log().count("Forbidden: /api/doctors/") == 1 and "Traceback" not in server.log()


def test_the_web_servers_access_log_keeps_no_search_terms(server):
    """What a search typed never reaches the log file."""
    for path in ["/patients/?q=Grace%20Hopper&page=2", "/admin/readmodels/patient/?q=Grace+Hopper",
                 "/admin/readmodels/appointment/?q=Hopper"]:
        assert server.get(path) == 302  # to sign in; the request is logged all the same
    services.wait_until(lambda: "/admin/readmodels/appointment/?..." in server.log(), 10, what="the access log")
    assert '"GET /patients/?... HTTP/1.1" 302' in server.log()
    assert "Grace" not in server.log() and "Hopper" not in server.log()
