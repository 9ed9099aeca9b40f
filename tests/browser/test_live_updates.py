"""Two windows stay in sync without a reload; a stream that drops catches up."""
import re
import time
import uuid

import requests
from playwright.sync_api import expect

from .conftest import STAFF, sign_in


def test_an_arrival_recorded_in_one_window_appears_in_the_other(new_page):
    desk, office = new_page(), new_page()
    sign_in(desk)
    sign_in(office)
    name = f"Ada Lovelace {uuid.uuid4().hex[:6]}"
    desk.goto("/doctors/")
    form = desk.locator("form", has=desk.get_by_role("button", name="Register doctor"))
    form.get_by_label("Name").fill(name)
    form.get_by_label("Specialty").fill("Cardiology")
    form.get_by_role("button", name="Register doctor").click()
    expect(desk.get_by_text("Off shift")).to_be_visible()

    office.goto("/")
    expect(office.locator("[data-live-status]")).to_have_text("Live: this page updates by itself.")
    office.evaluate("window.notReloaded = true")
    on_shift = office.locator("section", has=office.get_by_role("heading", name="On shift now"))
    expect(on_shift).not_to_contain_text(name)

    desk.get_by_role("button", name="Record arrival").click()
    expect(desk.locator(".messages").get_by_role("status")).to_contain_text("Arrival recorded.")
    expect(on_shift).to_contain_text(name, timeout=2_000)
    assert office.evaluate("window.notReloaded") is True
    # Said once, in the status summary; the region that changed is not itself a live region.
    expect(office.locator("[data-live-summary]")).to_have_text("Updated: the dashboard.")
    expect(office.locator("[data-live-summary]")).to_have_attribute("role", "status")
    assert office.locator("[aria-live], [data-live][role]").count() == 0


def test_a_stream_that_reconnects_gets_what_it_missed(server):
    """What a page's EventSource does after a drop: reconnect with Last-Event-ID."""
    session = requests.Session()
    login = session.get(f"{server.url}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    session.post(f"{server.url}/accounts/login/", data={"username": STAFF[0], "password": STAFF[1],
                                                        "csrfmiddlewaretoken": token},
                 headers={"Referer": f"{server.url}/accounts/login/"})
    page = session.get(f"{server.url}/doctors/").text
    seen = re.search(r'data-live-last-id="([^"]+)"', page).group(1)      # the page was rendered here ...
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    session.post(f"{server.url}/doctors/", data={"name": f"Joseph Lister {uuid.uuid4().hex[:6]}",
                                                 "specialty": "Surgery", "csrfmiddlewaretoken": token},
                 headers={"Referer": f"{server.url}/doctors/"})   # ... and this happened while it was away

    channel, number = seen.split(":")
    with session.get(f"{server.url}/live/", headers={"Last-Event-ID": seen}, stream=True, timeout=5) as stream:
        assert stream.status_code == 200
        deadline, lines = time.monotonic() + 5, []
        for line in stream.iter_lines(decode_unicode=True):
            lines.append(line)
            if line == f"id: {channel}:{int(number) + 1}" or time.monotonic() > deadline:
                break
    assert "event: projected" in lines
    assert f"id: {channel}:{int(number) + 1}" in lines


def test_the_stream_is_closed_to_visitors_who_are_not_signed_in(server):
    response = requests.get(f"{server.url}/live/", timeout=5)
    assert response.status_code == 403
