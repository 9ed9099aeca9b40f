"""The dashboard as it looks, on a desk screen and on a phone. The screenshots
are kept in test-artifacts/ for people to look at."""
from playwright.sync_api import expect

from .conftest import ARTIFACTS, sign_in


def test_the_dashboard_shows_the_day_at_a_glance(new_page):
    page = new_page(width=1280, height=900)
    sign_in(page)
    expect(page.get_by_role("heading", name="On shift now")).to_be_visible()
    expect(page.locator("[data-live-status]")).to_have_text("Live: this page updates by itself.")
    today = page.locator("section", has=page.get_by_role("heading", name="Today's appointments"))
    expect(today.locator("tbody tr").first).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "dashboard.png", full_page=True)


def test_the_dashboard_fits_a_phone_screen(new_page):
    page = new_page(width=390, height=844)
    sign_in(page)
    expect(page.get_by_role("heading", name="On shift now")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone's screen"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "dashboard-phone.png")  # the first screenful
