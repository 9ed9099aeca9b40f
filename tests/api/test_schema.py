"""The OpenAPI schema is generated from the code and covers the contract."""
import yaml


def test_schema_lists_every_endpoint(api):
    response = api.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= {
        "/api/auth/token/", "/api/doctors/", "/api/doctors/{id}/", "/api/doctors/{id}/arrivals/",
        "/api/doctors/{id}/departures/", "/api/patients/", "/api/patients/{id}/", "/api/appointments/",
        "/api/appointments/{id}/", "/api/appointments/{id}/cancel/", "/api/events/", "/api/streams/{id}/events/",
    }
    booked = schema["components"]["schemas"]["Appointment"]["properties"]
    assert set(booked) == {"id", "day", "time", "durationMinutes", "status", "patient", "doctor"}


def test_interactive_docs_are_served(api):
    response = api.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
