"""A hostile query is refused before it runs — no SQL for the data — with an
error that says which limit: depth, aliases (each root field is one SQL query,
and only an alias repeats one), tokens. And what the caller did not cause is
masked, not shown."""
import pytest
from graphql import get_introspection_query

from clinic.graphql import schema
from readmodels import selectors

from .conftest import ask, data_queries

APPOINTMENTS = 'appointments(day: "2030-01-07") { id patient { name } }'


def refused_before_sql(api, query, django_assert_num_queries):
    with django_assert_num_queries(1) as captured:  # the token with the role: nothing of the read models
        response = ask(api, query)
    assert not data_queries(captured)
    assert response.status_code == 200
    assert response.json()["data"] is None
    return [error["message"] for error in response.json()["errors"]]


def test_too_many_aliases_are_refused_without_sql(api, appointment, django_assert_num_queries):
    hostile = "query { " + " ".join(f"a{n}: {APPOINTMENTS}" for n in range(schema.MAX_ALIASES + 1)) + " }"
    messages = refused_before_sql(api, hostile, django_assert_num_queries)
    assert messages == [f"{schema.MAX_ALIASES + 1} aliases found. Allowed: {schema.MAX_ALIASES}"]


def test_as_many_aliases_as_allowed_cost_a_query_each(api, appointment, django_assert_num_queries):
    query = "query { " + " ".join(f"a{n}: {APPOINTMENTS}" for n in range(schema.MAX_ALIASES)) + " }"
    with django_assert_num_queries(1 + schema.MAX_ALIASES + 1) as captured:  # token with role, one per alias, audit
        response = ask(api, query)
    assert len(response.json()["data"]) == schema.MAX_ALIASES
    assert len(data_queries(captured)) == schema.MAX_ALIASES


def test_too_deep_a_query_is_refused_without_sql(api, appointment, django_assert_num_queries):
    # Deeper than the schema goes (appointment > patient > name is 3); the depth rule names it
    # even though the fields below do not exist, so a schema grown deeper stays bounded.
    deep = "query Deep { appointment(id: \"x\") { patient { name { a { b { c { d } } } } } } }"
    messages = refused_before_sql(api, deep, django_assert_num_queries)
    assert f"'Deep' exceeds maximum operation depth of {schema.MAX_DEPTH}" in messages


def test_too_many_tokens_are_refused_without_sql(api, appointment, django_assert_num_queries):
    hostile = "query { appointments(day: \"2030-01-07\") { " + "id " * schema.MAX_TOKENS + "} }"
    messages = refused_before_sql(api, hostile, django_assert_num_queries)
    assert messages == [f"Syntax Error: Document contains more than {schema.MAX_TOKENS} tokens. Parsing aborted."]


def test_introspection_fits_the_limits(api, committed_db):
    """Tools (codegen, an IDE) send the standard introspection query: it is allowed."""
    response = ask(api, get_introspection_query())
    assert "errors" not in response.json()
    types = {t["name"] for t in response.json()["data"]["__schema"]["types"]}
    assert {"Appointment", "Patient", "Doctor", "Query"} <= types


def test_an_unexpected_error_is_masked_and_logged(api, appointment, seed_query, monkeypatch, caplog):
    def broken():
        raise RuntimeError("the database password is hunter2")
    monkeypatch.setattr(selectors, "appointments", broken)
    response = ask(api, seed_query)
    assert response.status_code == 200
    assert response.json()["errors"][0]["message"] == "Unexpected error."
    assert "hunter2" not in response.content.decode()
    assert "hunter2" in caplog.text  # the log keeps it, for whoever runs the clinic


@pytest.mark.parametrize("query", [APPOINTMENTS, 'appointment(id: "x") { id }'])
def test_a_refusal_the_caller_caused_is_not_logged_as_an_error(api, committed_db, caplog, query):
    ask(api, "query { " + query.replace("2030-01-07", "1999-01-01") + " }")
    assert not [record for record in caplog.records if record.name.startswith("strawberry")]
