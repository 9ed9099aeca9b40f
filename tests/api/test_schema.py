"""The OpenAPI schema is generated from the code and covers the contract."""
import pytest
import yaml
from rest_framework.test import APIClient


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


def test_interactive_docs_are_served(api):
    response = api.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


# --- Every answer declared ---------------------------------------------------
# Walked from the schema itself, so a new operation is checked as soon as it exists.

TOKEN = "/api/auth/token/"
LOGOUT = "/api/auth/logout/"  # any signed-in user may revoke their own token: 401, never 403
ERROR = {"$ref": "#/components/schemas/Error"}


@pytest.fixture
def schema(committed_db):
    return yaml.safe_load(APIClient().get("/api/schema/").content)


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
