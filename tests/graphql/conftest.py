"""Helpers for /graphql: the seed's query, and posting a query as an integration does."""
import json

import pytest

SEED_QUERY = 'query { appointment(id: "%s") { day time patient { name age } doctor { name specialty } } }'


def ask(client, query, **variables):
    """POST a query as JSON (GraphQL over HTTP); the response."""
    body = {"query": query, **({"variables": variables} if variables else {})}
    # As text: the same for a token client (DRF's) and a browser session (Django's).
    return client.post("/graphql", json.dumps(body), content_type="application/json")


def data_queries(captured):
    """The SQL that read the read models (not the token, the role or the audit)."""
    return [q["sql"] for q in captured.captured_queries if "readmodels_" in q["sql"]]


def audit_inserts(captured):
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith('INSERT INTO "audit_patientread"')]


@pytest.fixture
def seed_query(appointment):
    return SEED_QUERY % appointment
