"""Property-based fuzzing of our own OpenAPI schema (docs/api.md, "Errors have one shape"): whatever a
client sends, the API never answers 5xx, a refused request writes nothing, and an
error is JSON that says what went wrong.

Schemathesis loads /api/schema/ from the Django app in-process (WSGI, no server)
and, for every operation, sends requests generated from the schema — valid ones
and deliberately invalid ones (wrong types, missing or unknown fields, bad formats,
malformed path ids) — as the staff user. Path ids are sometimes those of a real
doctor, patient or appointment, and bookings sometimes name a real doctor and
patient, so the write paths are reached and not only their 404s.

Fuzzing the token exchange fails sign-ins, and five failures lock a username
(clinic.signin.lockout): the fuzzer then meets the lock, a declared 429 with
Retry-After, checked like any answer. No other case is hurt: a lock holds one
username, generated ones here, and every other case is sent with the staff token,
which no lock touches; and axes' table is emptied with the database after the test.

``CLINIC_FUZZ_EXAMPLES`` raises the number of generated examples per operation
for a longer ad-hoc run (``CLINIC_FUZZ_EXAMPLES=500 pytest tests/api/test_fuzz.py``).
"""
import encodings
import encodings.aliases
import json
import os
import pkgutil
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.urls import URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from clinic.api.models import IdempotentRequest
from clinic.signin import tokens
from events.models import StoredEvent

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
MAX_EXAMPLES = int(os.environ.get("CLINIC_FUZZ_EXAMPLES", "25"))

CONFIG = schemathesis.Config.from_dict({
    "seed": int(os.environ.get("CLINIC_FUZZ_SEED", "20260101")),
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
    # One operation at a time; the stateful phase (chains of calls) is not run under pytest.
    "phases": {"stateful": {"enabled": False}},
    # 413 is how an oversized body is refused.
    "checks": {"negative_data_rejection": {"expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422]}},
})


def invalid_input_is_refused(ctx, response, case):
    """``negative_data_rejection``, except where a query parameter is knowingly
    lenient: a bad ``?page_size=`` falls back to the default page size (DRF's
    pagination, as documented); an empty ``?patient=`` or ``?page=`` means no
    filter or the first page (django-filter's and DRF's convention); of a repeated
    parameter Django reads the last value; an unknown parameter is ignored. Every
    other schema-violating request must be refused."""
    if case.meta is not None and case.meta.generation.mode.is_negative:
        sent = parse_qs(urlsplit(response.request.url).query, keep_blank_values=True)
        blamed = _blamed(case) or [(ParameterLocation.QUERY, name) for name in sent]
        declared = case.operation.query
        if all(location == ParameterLocation.QUERY
               and (name == "page_size" or name not in declared or set(sent.get(name, [""])) == {""}
                    or len(sent.get(name, [])) > 1)
               for location, name in blamed):
            return None
    return negative_data_rejection(ctx, response, case)


def _blamed(case):
    """(location, name) of what the case made invalid, as far as schemathesis tells."""
    data = case.meta.phase.data
    if getattr(data, "mutations", ()):
        return [(mutation.parameter_location, mutation.parameter) for mutation in data.mutations]
    if getattr(data, "parameter", None):
        return [(data.parameter_location, data.parameter)]
    if any(info.mode.is_negative for location, info in case.meta.components.items()
           if location != ParameterLocation.QUERY):
        return [(None, None)]  # not in the query alone: never lenient
    return []


# Checks on every response. status_code_conformance too: the schema declares every
# status an operation answers, 401/403/413/415 included, as generated clients parse
# only those. Not positive_data_acceptance: schema-valid input may still be refused
# by the domain with 400 (an unknown doctor, a date of birth before 1900, …).
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance, status_code_conformance,
          response_headers_conformance, invalid_input_is_refused, ignored_auth]


def _known_id(path, ids):
    for prefix, name in [("/api/doctors/", "doctor"), ("/api/patients/", "patient"),
                         ("/api/appointments/", "appointment")]:
        if path.startswith(prefix):
            return st.just(ids[name])
    return st.sampled_from(sorted(ids.values()))  # /api/streams/{id}/events/: any stream


@pytest.fixture
def fuzz_ids(doctor, patient, appointment):
    return {"doctor": str(doctor), "patient": str(patient), "appointment": str(appointment)}


LOGOUT = "/api/auth/logout/"


@pytest.fixture
def staff_token(staff_user):
    return tokens.issue(staff_user)[0]


@pytest.fixture
def api_schema(committed_db, staff_user, staff_token, fuzz_ids):
    # The schema, like the API, is for staff: fetched with the staff token.
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG,
                                            headers={"Authorization": f"Token {staff_token}"})

    @schema.auth(refresh_interval=None)
    class StaffToken:
        def get(self, case, ctx):
            return staff_token

        def set(self, case, token, ctx):
            if case.operation.path == LOGOUT:
                token = tokens.issue(staff_user)[0]  # a logout revokes its token: never the shared one
            case.headers = {**(case.headers or {}), "Authorization": f"Token {token}"}

    # Real ids stand in only for well-formed ones, so an invalid case stays invalid.
    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        if not UUID.match(str((path_parameters or {}).get("id", ""))):
            return st.just(path_parameters)
        known = _known_id(context.operation.path, fuzz_ids).map(lambda id: {**path_parameters, "id": id})
        return st.one_of(st.just(path_parameters), known)

    @schema.hook
    def flatmap_body(context, body):
        operation = context.operation
        if operation.method.upper() == "POST" and operation.path == "/api/appointments/" and isinstance(body, dict) \
                and all(UUID.match(str(body.get(name, ""))) for name in ("doctorId", "patientId")):
            real = {**body, "doctorId": fuzz_ids["doctor"], "patientId": fuzz_ids["patient"]}
            return st.sampled_from([body, real])
        return st.just(body)

    @schema.hook
    def flatmap_headers(context, headers):
        # Writes sometimes carry an Idempotency-Key, valid or not, fresh or reused.
        if context.operation.method.upper() not in ("POST", "PATCH"):
            return st.just(headers)
        keys = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e), max_size=300)
        return st.one_of(st.just(headers), keys.map(lambda key: {**(headers or {}), "Idempotency-Key": key}))

    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


def written():
    return StoredEvent.objects.count(), IdempotentRequest.objects.count()


# Not operations: the schema and its docs describe the API (clinic.api.docs).
NOT_OPERATIONS = {"api:schema", "api:docs"}


def served_operations():
    """"METHOD /path" of every operation the API's URLconf routes to, with the
    schema's spelling of a path parameter ({id})."""
    resolver = get_resolver()
    api = next(entry for entry in resolver.url_patterns if isinstance(entry, URLResolver) and entry.namespace == "api")
    served = set()
    for route in api.url_patterns:
        if f"api:{route.name}" in NOT_OPERATIONS:
            continue
        path = "/" + str(api.pattern) + re.sub(r"<(?:\w+:)?\w+>", "{id}", str(route.pattern))
        view = route.callback.view_class()
        served |= {f"{method} {path}" for method in view.allowed_methods if method not in ("OPTIONS", "HEAD")}
    return served


def test_every_operation_the_api_serves_is_fuzzed(api_schema):
    """The fuzzing below runs one case set per operation of the schema: so every
    operation the URLconf serves must be in the schema, none excluded or lost."""
    fuzzed = {f"{result.ok().method.upper()} {result.ok().path}" for result in api_schema.get_all_operations()}
    assert fuzzed == served_operations()
    assert {"GET /api/patients/{id}/", "PATCH /api/patients/{id}/", "POST /api/appointments/"} <= fuzzed


@schema.parametrize()
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_bad_input_is_never_a_500_nor_a_partial_write(case, staff_token):
    before = written()
    response = case.call()
    case.validate_response(response, checks=CHECKS)
    # The staff token every other case is sent with must outlive the fuzzing of the
    # logout (each logout case gets a token of its own): were it revoked, the rest
    # would be fuzzing a 401.
    assert not (response.status_code == 401 and (case.headers or {}).get("Authorization") == f"Token {staff_token}")
    if response.status_code >= 400:
        assert written() == before, f"{case.method} {case.formatted_path} answered {response.status_code} but wrote"
        content_type = {name.lower(): values for name, values in response.headers.items()}.get("content-type", [""])
        assert content_type[0].startswith("application/json"), response.headers
        body = response.json()
        assert isinstance(body, dict) and isinstance(body.get("detail"), str) and body["detail"], body


# --- Bodies the schema cannot describe ---------------------------------------
# Schema-driven generation sends well-formed UTF-8 JSON (or random bytes). These
# are the other hostile bodies: nesting deep enough to exhaust a recursive parser,
# lone surrogates (``"\ud800"``, valid JSON but not Unicode), any charset Python
# knows — including bytes-to-bytes codecs such as zlib.

CHARSETS = sorted({module.name for module in pkgutil.iter_modules(encodings.__path__)} | set(encodings.aliases.aliases))
SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20)


@st.composite
def nested(draw):
    depth = draw(st.integers(0, 20_000))
    if draw(st.booleans()):
        return b"[" * depth + b"]" * depth
    return b'{"name":' * depth + b"1" + b"}" * depth


@st.composite
def with_surrogate(draw):
    body = draw(st.dictionaries(st.sampled_from(["name", "specialty", "reason", "at", "dateOfBirth", "x"]),
                                st.text(max_size=10), min_size=1))
    key = draw(st.sampled_from(sorted(body)))
    text = draw(st.text(max_size=10)) + draw(SURROGATES) + draw(st.text(max_size=10))
    if draw(st.booleans()):
        body[key] = text
    else:
        body[text] = body.pop(key)
    return json.dumps(body).encode()  # ensure_ascii: the surrogate travels as a \udXXX escape


BODIES = st.one_of(nested(), with_surrogate(), st.binary(max_size=300),
                   JSON_VALUES.map(lambda value: json.dumps(value).encode()))


@pytest.fixture
def write_paths(doctor, patient, appointment):
    return ["/api/doctors/", "/api/patients/", "/api/appointments/", "/api/auth/token/",
            f"/api/doctors/{doctor}/arrivals/", f"/api/doctors/{doctor}/departures/",
            f"/api/patients/{patient}/", f"/api/appointments/{appointment}/cancel/"]


@settings(max_examples=MAX_EXAMPLES * 10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data(), body=BODIES,
       charset=st.one_of(st.just(None), st.sampled_from(CHARSETS)))
def test_hostile_bodies_are_4xx_and_write_nothing(api, write_paths, data, body, charset):
    path = data.draw(st.sampled_from(write_paths), label="path")
    content_type = "application/json" if charset is None else f"application/json; charset={charset}"
    before = written()
    method = api.patch if path.startswith("/api/patients/") and path != "/api/patients/" else api.post
    response = method(path, body, content_type=content_type)
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert written() == before
        assert response["Content-Type"].startswith("application/json")
        detail = response.json().get("detail")
        assert isinstance(detail, str) and detail, response.json()
