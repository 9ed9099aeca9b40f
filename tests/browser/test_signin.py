"""Signing in, in the browser against uvicorn (the ASGI path of the lockout)."""
from playwright.sync_api import expect

from .conftest import ARTIFACTS, LOCKABLE, sign_in


def test_five_wrong_passwords_lock_the_username_even_for_the_right_one(new_page):
    page = new_page()
    for _ in range(4):
        sign_in(page, (LOCKABLE[0], "wrong password"))
        expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
    sign_in(page, (LOCKABLE[0], "wrong password"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Too many failed sign-in attempts for this username: it is locked for 15 minutes. Try again in 15 minutes.")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "sign-in-locked.png")

    page.get_by_role("link", name="Back to sign-in").click()
    sign_in(page, LOCKABLE)
    expect(page.get_by_role("alert")).to_contain_text("it is locked for 15 minutes")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)  # not signed in
