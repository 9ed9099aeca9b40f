"""The Django admin shows events but will not let anyone change them."""
from playwright.sync_api import expect

from .conftest import SUPERUSER, sign_in


def test_the_admin_refuses_to_edit_an_event(new_page):
    page = new_page()
    sign_in(page, SUPERUSER, path="/admin/login/?next=/admin/events/storedevent/")
    expect(page.get_by_role("heading", name="Select stored event to view")).to_be_visible()
    expect(page.get_by_role("link", name="Add stored event")).to_have_count(0)

    page.locator("#result_list tbody tr").first.locator("a").first.click()
    expect(page.get_by_role("heading", name="View stored event")).to_be_visible()
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    expect(page.locator("input[name=type], textarea")).to_have_count(0)   # shown, not editable
    expect(page.locator(".field-pretty_data pre")).to_contain_text('"')

    change_url = page.url
    response = page.goto(change_url.replace("/change/", "/delete/"))
    assert response.status == 403
    refused = page.request.post(change_url, form={"type": "DOCTOR_LEFT"})
    assert refused.status == 403
