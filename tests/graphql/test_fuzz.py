"""Queries generated from the schema (hypothesis-graphql, which the REST fuzzing's
schemathesis brings): whatever valid query a caller writes — any arguments, any
selection — the answer is 200, never "Unexpected error." (a 500 by another name)."""
import graphql
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries

from clinic.graphql.schema import schema

from .conftest import ask

# Any date the scalar accepts, inside the clinic's calendar or not (those are refused, not crashed on).
DATES = {"Date": st.dates().map(lambda day: graphql.StringValueNode(value=day.isoformat()))}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries(schema.as_str(), custom_scalars=DATES))
def test_any_query_of_the_schema_is_answered(api, appointment, query):
    response = ask(api, query)
    assert response.status_code == 200, query
    messages = [error["message"] for error in response.json().get("errors", [])]
    assert "Unexpected error." not in messages, (query, messages)
