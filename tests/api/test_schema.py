"""The OpenAPI schema is generated from the code and covers the contract; it and
its interactive docs are for signed-in staff only, as the API is."""
import json
import re

import pytest
import yaml
from django.contrib.auth import get_user_model

from clinic.api import urls as api_urls


def test_schema_lists_every_endpoint(api):
    response = api.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= {
        "/api/auth/token/", "/api/auth/logout/", "/api/doctors/", "/api/doctors/{id}/", "/api/doctors/{id}/arrivals/",
        "/api/doctors/{id}/departures/", "/api/patients/", "/api/patients/{id}/", "/api/appointments/",
        "/api/appointments/{id}/", "/api/appointments/{id}/cancel/", "/api/events/", "/api/streams/{id}/events/",
    }
    booked = schema["components"]["schemas"]["Appointment"]["properties"]
    assert set(booked) == {"id", "day", "time", "durationMinutes", "status", "patient", "doctor"}


def test_the_schema_declares_every_operation_the_api_serves(api):
    """Every URL of the API (but the schema and its docs) is in the schema, read off
    the URLconf itself, so an endpoint added later cannot be left out unnoticed."""
    served = {"/api/" + re.sub(r"<uuid:\w+>", "{id}", str(pattern.pattern)) for pattern in api_urls.urlpatterns
              if pattern.name not in {"schema", "docs"}}
    declared = set(yaml.safe_load(api.get("/api/schema/").content)["paths"])
    assert served - declared == set()
    assert len(served) >= 20  # read off the URLconf: the contract, the clinic's rules, erasure, cards, the audit


def test_interactive_docs_are_served(api):
    response = api.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_the_docs_start_from_a_script_file_not_an_inline_script(api):
    """The Content-Security-Policy runs no inline script: Swagger UI's start-up
    script is fetched from the docs' own address, and names the schema."""
    page = api.get("/api/docs/").content.decode()
    assert '<script src="/api/docs/?script="></script>' in page
    assert "<script>" not in page and "<style>" not in page
    script = api.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert 'url: "/api/schema/"' in script.content.decode()


@pytest.mark.parametrize("path", ["/api/schema/", "/api/schema/?format=json"])
def test_the_schema_refuses_anonymous_callers_with_the_error_body(client, db, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"detail": "Authentication credentials were not provided."}


def test_the_schema_refuses_an_account_that_is_not_staff(client, committed_db):
    client.force_login(get_user_model().objects.create_user("visitor", password="pw-not-for-real-3"))
    response = client.get("/api/schema/")
    assert response.status_code == 403
    assert json.loads(response.content) == {"detail": "This account is not a clinic staff account."}


def test_a_signed_in_staff_browser_reads_the_schema(client, staff_user):
    """What Swagger UI does: fetch the schema with the session's cookie."""
    client.force_login(staff_user)
    assert client.get("/api/schema/").status_code == 200


def test_the_docs_send_an_anonymous_visitor_to_sign_in_and_back(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/api/docs/"


def test_the_docs_refuse_an_account_that_is_not_staff(client, committed_db):
    client.force_login(get_user_model().objects.create_user("visitor", password="pw-not-for-real-3"))
    response = client.get("/api/docs/")
    assert response.status_code == 403
    assert b"swagger" not in response.content.lower()


def test_the_schema_and_docs_are_not_operations_of_the_schema(api):
    paths = yaml.safe_load(api.get("/api/schema/").content)["paths"]
    assert not {"/api/schema/", "/api/docs/"} & set(paths)


# --- Every answer declared ---------------------------------------------------
# Walked from the schema itself, so a new operation is checked as soon as it exists.

TOKEN = "/api/auth/token/"
LOGOUT = "/api/auth/logout/"  # any signed-in user may revoke their own token: 401, never 403
ERROR = {"$ref": "#/components/schemas/Error"}


@pytest.fixture
def schema(api):
    return yaml.safe_load(api.get("/api/schema/").content)


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", path, method, operation


def _component(schema, reference):
    return schema["components"]["schemas"][reference["$ref"].rsplit("/", 1)[-1]]


def test_every_operation_declares_401_and_403_and_404_at_a_resource(schema):
    missing = []
    for name, path, _, operation in _operations(schema):
        expected = (set() if path == TOKEN else {"401"} if path == LOGOUT else {"401", "403"}) | (
            {"404"} if "{" in path else set())
        missing += [(name, code) for code in sorted(expected - set(operation["responses"]))]
    assert not missing


def test_every_4xx_has_the_error_body(schema):
    without = [(name, code) for name, path, method, operation in _operations(schema)
               for code, response in operation["responses"].items()
               if code.startswith("4")
               and response.get("content", {}).get("application/json", {}).get("schema") != ERROR]
    assert not without


def test_the_error_body_is_a_detail_sentence_and_field_lists(schema):
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["detail"] and error["properties"]["detail"]["type"] == "string"
    assert error["additionalProperties"] == {"type": "array", "items": {"type": "string"}}


def test_every_write_declares_its_answers_headers_and_position(schema):
    missing = []
    for name, path, method, operation in _operations(schema):
        if method not in ("post", "put", "patch") or path in (TOKEN, LOGOUT):
            continue
        headers = {parameter["name"] for parameter in operation.get("parameters", []) if parameter["in"] == "header"}
        missing += [(name, header) for header in ["Idempotency-Key", "X-Correlation-ID"] if header not in headers]
        responses = operation["responses"]
        missing += [(name, code) for code in ["202", "400", "409", "413", "415", "422"] if code not in responses]
        for code, response in responses.items():
            if not code.startswith("2"):
                continue
            if not response.get("headers", {}).get("Location", {}).get("required"):
                missing.append((name, code, "Location"))
            body = _component(schema, response["content"]["application/json"]["schema"])
            if "position" not in body.get("required", []) or body["properties"]["position"]["type"] != "integer":
                missing.append((name, code, "position"))
    assert not missing


def test_idempotency_key_and_page_size_declare_their_bounds(schema):
    from clinic.api.idempotency import MAX_KEY_LENGTH
    from clinic.api.pagination import ClinicPagination

    for name, _, _, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "Idempotency-Key":
                assert parameter["schema"]["maxLength"] == MAX_KEY_LENGTH and not parameter.get("required"), name
            if parameter["name"] == "page_size":
                assert parameter["schema"]["maximum"] == ClinicPagination.max_page_size, name


def test_an_event_declares_its_data_and_metadata(schema):
    event = schema["components"]["schemas"]["Event"]
    assert {"data", "metadata"} <= set(event["required"])
    assert event["properties"]["data"]["type"] == "object"
    metadata = _component(schema, event["properties"]["metadata"]["allOf"][0])
    assert {name: field["type"] for name, field in metadata["properties"].items()} == {
        "actor": "string", "source": "string", "correlation_id": "string", "causation_id": "string"}


def test_the_token_exchange_declares_the_expiry_and_the_lockout(schema):
    responses = schema["paths"][TOKEN]["post"]["responses"]
    token = _component(schema, responses["200"]["content"]["application/json"]["schema"])
    assert set(token["required"]) == {"token", "expiry"}
    assert token["properties"]["expiry"] == {**token["properties"]["expiry"], "type": "string", "format": "date-time"}
    locked = responses["429"]
    assert locked["content"]["application/json"]["schema"] == ERROR
    assert locked["headers"]["Retry-After"]["required"]
    assert locked["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}
    assert set(responses) == {"200", "400", "413", "415", "429"}


def test_the_logout_declares_no_content_and_needs_a_token(schema):
    logout = schema["paths"][LOGOUT]["post"]
    assert "requestBody" not in logout
    assert set(logout["responses"]) == {"204", "401"}
    assert "content" not in logout["responses"]["204"]
    assert logout["security"] == [{"knoxApiToken": []}]
    assert schema["components"]["securitySchemes"]["knoxApiToken"]["name"] == "Authorization"


def test_a_doctors_hours_are_optional_as_some_roles_do_not_get_them(schema):
    for name in ["Doctor", "DoctorDetail", "DoctorWritten"]:
        component = schema["components"]["schemas"][name]
        assert "totalHoursWorked" in component["properties"]
        assert {"totalHoursWorked", "timesheet"}.isdisjoint(component["required"]), name
        assert {"id", "name", "onShift"} <= set(component["required"])
