"""One error format: every error body has a "detail" sentence; invalid input also
names each field at fault with its messages."""
import pytest

from clinic.api.errors import error_body
from events.models import StoredEvent


def test_invalid_fields_keep_their_lists_and_get_a_sentence(api):
    response = api.post("/api/patients/", {"name": "", "dateOfBirth": "soon"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Check the fields name, dateOfBirth: each lists what is wrong.",
        "name": ["This field may not be blank."],
        "dateOfBirth": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
    }


def test_one_invalid_field_is_the_sentence(api):
    response = api.post("/api/doctors/", {"name": "Ann Lee"}, format="json")
    assert response.json() == {"detail": "specialty: This field is required.",
                               "specialty": ["This field is required."]}


def test_input_wrong_as_a_whole_is_the_detail_alone(api, patient):
    response = api.patch(f"/api/patients/{patient}/", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Give a name, dateOfBirth, phone or email to change."}


def test_an_unknown_field_called_detail_is_named_in_the_sentence(api):
    response = api.post("/api/doctors/", {"name": "Ann Lee", "specialty": "GP", "detail": "x"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "detail: Unknown field."}
    assert StoredEvent.objects.count() == 0


@pytest.mark.parametrize("path, field", [("/api/appointments/?day=someday", "day"),
                                         ("/api/events/?limit=0", "limit")])
def test_invalid_query_parameters_are_named_with_a_sentence(api, path, field):
    response = api.get(path)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith(f"{field}: ") and body[field] == [body["detail"][len(field) + 2:]]


def test_a_domain_refusal_names_its_field(api, patient, unknown_id):
    response = api.post("/api/appointments/", {"doctorId": str(unknown_id), "patientId": str(patient),
                                               "day": "2030-01-07", "time": "10:00"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "No doctor has this id.", "doctorId": ["No doctor has this id."]}


def test_a_request_django_refuses_before_the_api_is_json_too(api):
    response = api.get("/api/doctors/?" + "&".join(f"p{i}=1" for i in range(1001)))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("The request could not be read")


@pytest.mark.parametrize("data, body", [
    (["Something is wrong."], {"detail": "Something is wrong."}),
    ({"detail": "Not found."}, {"detail": "Not found."}),
    ({"non_field_errors": ["Unable to log in."]}, {"detail": "Unable to log in."}),
    ({"when": {"day": ["Bad day."]}}, {"detail": "when: day: Bad day.", "when": ["day: Bad day."]}),
    ({"a": ["One."], "b": ["Two."]}, {"detail": "Check the fields a, b: each lists what is wrong.",
                                      "a": ["One."], "b": ["Two."]}),
])
def test_every_shape_drf_gives_becomes_the_one_shape(data, body):
    assert error_body(data) == body
