"""The pages work under the Content-Security-Policy, and it refuses nothing on
them: the staff pages (their live updates included), the sign-in page, the
Django admin and the API docs (Swagger UI). The policy (settings) runs only
scripts and styles served as files from this origin, so anything inline — a
<script>, an onclick=, a style="" — would be refused and reported here.

A refusal is caught both ways Chromium tells it: the page's
``securitypolicyviolation`` event, recorded from before any script of the page
runs, and the console's "Refused to …" message."""
import json
from urllib.parse import urlencode

from playwright.sync_api import expect

from .conftest import SUPERUSER, sign_in

RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.cspViolations.push(event.violatedDirective + " refused " + (event.blockedURI || "inline")
                            + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""
LIVE = "Live: this page updates by itself."


class Watched:
    """A page whose Content-Security-Policy refusals are all kept, across navigations."""

    def __init__(self, page):
        self.page = page
        self.refused = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", lambda message: self.refused.append(message.text)
                if "Content Security Policy" in message.text else None)

    def visit(self, path):
        response = self.page.goto(path)
        assert response.status == 200, (path, response.status)
        assert response.headers["content-security-policy"], path
        self.check(path)

    def check(self, where):
        self.page.wait_for_load_state("load")
        self.refused += [f"{where}: {text}" for text in self.page.evaluate("window.cspViolations")]


def links(page, selector):
    return [page.locator(selector).nth(i).get_attribute("href") for i in range(page.locator(selector).count())]


def test_the_staff_pages_run_under_the_policy_with_live_updates(new_page):
    watched = Watched(new_page())
    page = watched.page
    watched.visit("/accounts/login/")
    sign_in(page)
    expect(page.locator("[data-live-status]")).to_have_text(LIVE)   # live.js ran and connected
    watched.check("/")

    pages = ["/doctors/", "/patients/", "/appointments/", "/events/", "/day/", "/book/"]
    for listing, selector in [("/doctors/", "main td a[href^='/doctors/']"),
                              ("/patients/", "main td a[href^='/patients/']"),
                              ("/", "main td a[href^='/appointments/']")]:
        page.goto(listing)
        first = links(page, selector)[0]
        pages += [first, f"/events/streams/{first.strip('/').split('/')[-1]}/"]
        if listing == "/doctors/":
            pages.append(f"{first}week/")
    for path in pages:
        watched.visit(path)
        expect(page.locator("[data-live-status]")).to_have_text(LIVE)
    assert not watched.refused


def test_the_admin_runs_under_the_policy(new_page):
    watched = Watched(new_page())
    page = watched.page
    sign_in(page, SUPERUSER, path="/admin/login/?next=/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    watched.check("/admin/")
    for changelist in links(page, "#content-main th[scope=row] a"):
        watched.visit(changelist)
        rows = links(page, "#result_list tbody tr th a")
        if rows:
            watched.visit(rows[0])
    assert not watched.refused


def test_the_api_docs_run_under_the_policy(new_page):
    watched = Watched(new_page())
    page = watched.page
    sign_in(page)
    watched.visit("/api/docs/")
    assert not watched.refused
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()     # Swagger UI started and read the schema
    assert operations.count() >= 15
    operations.filter(has_text="/api/patients/{id}/").first.locator(".opblock-summary").first.click()
    expect(page.get_by_text("Try it out").first).to_be_visible()
    watched.check("/api/docs/ opened")
    assert not watched.refused


def test_graphiql_starts_under_the_policy_and_answers_the_seed_query(new_page):
    """GraphiQL, vendored and started from a script file, runs under the policy with
    nothing refused, and runs a query with the session's CSRF token."""
    watched = Watched(new_page(height=1000))
    page = watched.page
    sign_in(page)
    appointment = links(page, "main td a[href^='/appointments/']")[0].strip("/").split("/")[-1]
    seed_query = 'query { appointment(id: "ID") { day time patient { name age } doctor { name specialty } } }'
    watched.visit("/graphql?" + urlencode({"query": seed_query.replace("ID", appointment)}))
    expect(page.locator(".graphiql-container")).to_be_visible()
    expect(page.locator(".graphiql-query-editor")).to_contain_text(appointment)
    page.locator(".graphiql-execute-button").click()
    expect(page.locator(".result-window")).to_contain_text('"specialty"')
    assert '"errors"' not in page.locator(".result-window").inner_text()
    watched.check("/graphql in GraphiQL")
    assert not watched.refused


def test_the_graphql_page_runs_under_the_policy_and_its_form_answers(new_page):
    """GET /graphql offers, besides GraphiQL, the schema and a plain form that needs no
    script: it posts with the session's CSRF token and shows the JSON answer."""
    watched = Watched(new_page())
    page = watched.page
    sign_in(page)
    appointment = links(page, "main td a[href^='/appointments/']")[0].strip("/").split("/")[-1]
    watched.visit("/graphql")
    expect(page.get_by_text("type Query")).to_be_visible()
    seed_query = 'query { appointment(id: "ID") { day time patient { name age } doctor { name specialty } } }'
    page.get_by_role("textbox", name="Query", exact=True).fill(seed_query.replace("ID", appointment))
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_load_state("load")
    answer = json.loads(page.locator("pre").first.inner_text())
    assert set(answer["data"]["appointment"]) == {"day", "time", "patient", "doctor"}, answer
    watched.check("/graphql answered")
    assert not watched.refused
