"""What every answer tells the browser (issue "Trust with health data"):

* ``Cache-Control: no-store`` on every response Django builds (clinic.middleware):
  no copy of a patient's record stays in a browser's cache or a proxy's, to be
  read by the next person at the desk. Static files keep their caching.
* a Content-Security-Policy that runs only our own scripts and styles — no
  inline script, handler or style — on every page (settings). The browser tests
  (tests/browser/test_content_security_policy.py) show the pages, the admin and
  the API docs work under it.

The addresses are walked from the URLconf, so a new page or endpoint is checked
as soon as it exists: a route whose parameters this module cannot fill fails
the walk instead of being left out.
"""
import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import URLResolver, get_resolver, reverse

from events.models import StoredEvent

# The admin is walked through its model registry instead (admin_urls): its routes
# take the objects' own keys. Every other route is walked, whatever its namespace.
WALKED_SEPARATELY = {"admin"}


def _routes(patterns=None, namespace=None):
    """(name, URLPattern) of every route but the admin's; a route must be named."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace not in WALKED_SEPARATELY:
                yield from _routes(entry.url_patterns, entry.namespace or namespace)
        else:
            assert entry.name, f"an unnamed route: {entry.pattern}; name it so that it can be checked"
            yield f"{namespace}:{entry.name}" if namespace else entry.name, entry


def _stream_for(route, ids):
    """The id a route's <uuid> parameter takes: a record of the kind it names, and a
    patient's for event streams (patient events carry the patient's name)."""
    for word, kind in [("doctor", "doctor"), ("patient", "patient"), ("appointment", "appointment"),
                       ("stream", "patient")]:
        if word in route:
            return ids[kind]
    raise AssertionError(f"{route}: no id known for its parameters; teach tests/test_security_headers.py")


def clinic_urls(ids):
    urls = {}
    for name, pattern in _routes():
        converters = pattern.pattern.converters
        kwargs = {}
        for parameter, converter in converters.items():
            assert type(converter).__name__ == "UUIDConverter", f"{name}: how to fill <{parameter}>?"
            kwargs[parameter] = _stream_for(name, ids)
        urls[name] = reverse(name, kwargs=kwargs)
    return urls


def admin_urls():
    urls = ["/admin/"]
    for model in admin.site._registry:
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        urls.append(changelist)
        first = model._default_manager.first()
        if first is not None:
            urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[first.pk]))
    return urls


@pytest.fixture
def ids(doctor, patient, appointment):
    return {"doctor": doctor, "patient": patient, "appointment": appointment}


@pytest.fixture
def superuser(committed_db):
    return get_user_model().objects.create_superuser("engineer", password="pw-not-for-real-2")


@pytest.fixture
def signed_in(client, committed_db, staff_user, api):
    """A browser session with the staff login, for the pages; the token client for the API."""
    client.force_login(staff_user)

    def get(url):
        return (api if url.startswith("/api/") else client).get(url)

    return get


def test_the_walk_finds_every_kind_of_page(ids):
    """The walk itself: it reaches the pages and endpoints that show patients."""
    urls = clinic_urls(ids)
    assert {"web:dashboard", "web:patients", "web:patient", "web:appointments", "web:appointment", "web:events",
            "web:stream", "web:live", "api:patients", "api:patient", "api:appointments", "api:appointment",
            "api:events", "api:stream-events", "api:schema", "api:docs"} <= set(urls)
    assert urls["web:patient"] == f"/patients/{ids['patient']}/"


def _never_stored(response):
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return "no-store" in directives


def test_every_page_and_endpoint_is_never_stored(signed_in, ids):
    answered = {}
    for name, url in clinic_urls(ids).items():
        response = signed_in(url)
        answered[name] = (url, response.status_code, response.get("Cache-Control"), _never_stored(response))
        response.close()
    assert not {name: answer for name, answer in answered.items() if not answer[3]}
    # They did answer with what they show, not a refusal that happens to be marked.
    assert {name for name, (_, status, _, _) in answered.items() if status == 200} >= {
        "web:dashboard", "web:patients", "web:patient", "web:appointments", "web:appointment", "web:events",
        "web:stream", "api:patients", "api:patient", "api:appointments", "api:appointment", "api:events",
        "api:stream-events", "api:schema", "api:docs"}


def test_a_patient_in_an_answer_is_never_stored(signed_in, ids):
    for url in [f"/api/patients/{ids['patient']}/", "/api/patients/", f"/api/appointments/{ids['appointment']}/",
                f"/api/streams/{ids['patient']}/events/", "/api/events/", f"/patients/{ids['patient']}/", "/",
                f"/events/streams/{ids['patient']}/"]:
        response = signed_in(url)
        assert "Grace Hopper" in response.content.decode(), url
        assert _never_stored(response), (url, response.get("Cache-Control"))


def test_a_write_that_answers_the_patient_is_never_stored(api):
    response = api.post("/api/patients/", {"name": "Mary Seacole", "dateOfBirth": "1955-11-23"}, format="json")
    assert response.status_code == 201 and response.json()["name"] == "Mary Seacole"
    assert _never_stored(response)


def test_refusals_and_the_sign_in_page_are_never_stored(client, patient):
    for url in ["/api/patients/", f"/patients/{patient}/", "/accounts/login/", "/api/schema/", "/live/"]:
        response = client.get(url)
        assert response.status_code in (200, 302, 401, 403), (url, response.status_code)
        assert _never_stored(response), (url, response.get("Cache-Control"))


def test_the_admin_is_never_stored(client, superuser, doctor, patient, appointment):
    client.force_login(superuser)
    assert StoredEvent.objects.exists()
    for url in admin_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        assert _never_stored(response), (url, response.get("Cache-Control"))


def test_static_files_keep_their_caching(client, db):
    response = client.get("/static/clinic/clinic.css")
    assert response.status_code == 200
    assert not _never_stored(response)
    assert "max-age" in response["Cache-Control"]
    response.close()


# --- Content-Security-Policy ---------------------------------------------------

def policy(response):
    """The policy as {directive: [sources]}."""
    header = response.get("Content-Security-Policy")
    assert header, f"{response.status_code} without a Content-Security-Policy"
    return {name: sources for name, *sources in (part.split() for part in header.split(";") if part.strip())}


def test_every_page_runs_only_our_own_scripts_and_styles(signed_in, ids):
    for name, url in clinic_urls(ids).items():
        response = signed_in(url)
        directives = policy(response)
        response.close()
        assert directives["script-src"] == ["'self'"], name
        assert directives["style-src"] == ["'self'"], name
        assert directives["object-src"] == ["'none'"] and directives["base-uri"] == ["'none'"], name


def test_the_sign_in_page_and_the_admin_have_the_policy_too(client, superuser):
    assert "'unsafe-inline'" not in str(policy(client.get("/accounts/login/")))
    client.force_login(superuser)
    assert policy(client.get("/admin/"))["script-src"] == ["'self'"]


def test_the_policy_built_once_is_the_one_django_csp_builds(client):
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse

    from clinic.middleware import ContentSecurityPolicy

    def answer(request):
        return HttpResponse("ok")

    ours, theirs = ContentSecurityPolicy(answer), CSPMiddleware(answer)
    for _ in range(2):  # built, then remembered
        request = client.get("/accounts/login/").wsgi_request
        assert ours(request)["Content-Security-Policy"] == theirs(request)["Content-Security-Policy"]


def test_answers_do_not_build_the_policy_again(client, monkeypatch):
    """The served middleware is the one that remembers the header: django-csp's own
    builds it for every answer (a twentieth of the API detail's time)."""
    import csp.middleware
    import csp.utils

    import clinic.middleware

    built, build = [], csp.utils.build_policy

    def counted(*args, **kwargs):
        built.append(kwargs)
        return build(*args, **kwargs)

    # Each module holds its own name for django-csp's function.
    for module in (csp.utils, csp.middleware, clinic.middleware):
        monkeypatch.setattr(module, "build_policy", counted)
    monkeypatch.setattr(clinic.middleware, "_POLICIES", {})  # as a process that has answered nothing yet
    first = client.get("/accounts/login/")
    assert built, "no policy built for the first answer"
    built.clear()
    again = client.get("/accounts/login/")
    assert built == [] and again["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_a_response_that_changes_its_policy_gets_its_own(client, settings):
    from csp.constants import NONCE
    from csp.decorators import csp_update
    from django.http import HttpResponse

    from clinic.middleware import ContentSecurityPolicy

    @csp_update({"img-src": ["https://example.org"]})
    def changed(request):
        return HttpResponse("ok")

    def nonced(request):
        str(request.csp_nonce)  # as a template asking for a nonce does
        return HttpResponse("ok")

    request = client.get("/accounts/login/").wsgi_request
    assert "https://example.org" in ContentSecurityPolicy(changed)(request)["Content-Security-Policy"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
                                                       "script-src": ["'self'", NONCE]}}
    request = client.get("/accounts/login/").wsgi_request
    header = ContentSecurityPolicy(nonced)(request)["Content-Security-Policy"]
    assert f"'nonce-{request._csp_nonce}'" in header
    assert "nonce-" not in ContentSecurityPolicy(lambda request: HttpResponse("ok"))(
        client.get("/accounts/login/").wsgi_request)["Content-Security-Policy"]
