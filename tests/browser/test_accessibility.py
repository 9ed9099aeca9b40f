"""WCAG 2.1 AA on every staff page and on the admin pages a manager sees,
checked by axe-core (vendored, see vendor/README.md) in Chromium: any violation
fails, named with the elements at fault. What axe cannot judge is checked by
hand here: focus outlines against what is behind them, where a refused form
puts the focus, the skip link to the booking form, and the live summary.

``test_every_staff_page_is_checked`` fails for a page of ``clinic.web.urls``
that is neither visited here nor a form's target, so a new page cannot be
forgotten."""
import hashlib
import re
from pathlib import Path

from django.urls import resolve
from playwright.sync_api import expect

from clinic.web.urls import urlpatterns

from .conftest import ARTIFACTS, sign_in
from .pages import first_link, links, staff_pages

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_SHA256 = "880970c081707360e64f34cea25ff91892f5bc95675b0776925b9709dd8a68bb"  # axe-core 4.10.3
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# The targets of forms (POST only), the live stream and signing out: no page to look at.
NOT_PAGES = {"doctor-arrival", "doctor-departure", "doctor-edit", "doctor-working-hours", "doctor-retirement",
             "patient-search", "patient-erasure", "appointment-cancel", "appointment-reschedule",
             "appointment-check-in", "appointment-no-show", "patient-picker", "live", "logout"}

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => `${v.id} (${v.impact}): ${v.help}\\n` + v.nodes.map(
    n => `    ${n.target.join(" ")}: ${n.failureSummary.replace(/\\n\\s*/g, " ")}`).join("\\n"));
}"""


def axe_violations(page):
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now."""
    page.wait_for_load_state("load")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())  # evaluated by the browser's debugger: the page's CSP does not apply
    return page.evaluate(RUN_AXE, WCAG_21_AA)


def admin_pages(page):
    """The admin's index, every list it offers a manager, and the first record of each."""
    page.goto("/admin/")
    lists = links(page, "#content-main th[scope=row] a")
    records = []
    for changelist in lists:
        page.goto(changelist)
        rows = page.locator("#result_list tbody tr th a, #result_list tbody tr td a")
        if rows.count():
            records.append(rows.first.get_attribute("href"))
    return lists, records


def check(page, paths):
    found, seen = [], []
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, (path, response.status)
        seen.append(path)
        found += [f"{path}: {violation}" for violation in axe_violations(page)]
    return seen, found


def test_the_vendored_axe_core_is_the_pinned_release():
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256


def test_every_staff_page_meets_wcag_21_aa(staff_page):
    seen, found = check(staff_page, staff_pages(staff_page))
    assert len(seen) == 14
    assert not found, "\n".join(found)


def test_the_admin_pages_a_manager_sees_meet_wcag_21_aa(staff_page):
    lists, records = admin_pages(staff_page)
    assert len(lists) >= 6 and len(records) == len(lists)  # events, read models, checkpoints: each with rows
    _, found = check(staff_page, ["/admin/", *lists, *records])
    assert not found, "\n".join(found)


def test_the_sign_in_pages_meet_wcag_21_aa(new_page):
    page = new_page()
    _, found = check(page, ["/accounts/login/", "/admin/login/"])
    sign_in(page, ("reception", "not the password"))
    found += [f"refused sign-in: {violation}" for violation in axe_violations(page)]
    assert not found, "\n".join(found)


def test_the_graphql_page_with_graphiql_meets_wcag_21_aa(staff_page):
    page = staff_page
    page.goto("/graphql")
    expect(page.locator(".graphiql-container")).to_be_visible()
    assert not axe_violations(page)


def test_every_staff_page_is_checked(staff_page):
    visited = {resolve(path.split("?")[0]).url_name for path in staff_pages(staff_page)} | {"login"}
    pages = {pattern.name for pattern in urlpatterns} - NOT_PAGES
    assert pages - visited == set(), "staff pages that no accessibility test visits"


def test_a_refused_form_marks_its_fields_and_takes_the_focus_to_its_message(staff_page):
    page = staff_page
    page.goto(first_link(page, "/doctors/", "main tbody a"))
    form = page.get_by_role("form", name="Set working hours")
    form.get_by_label("Monday").fill("12:00-09:00")
    form.get_by_role("button", name="Save working hours").click()
    message = page.locator(".form-message")
    expect(message).to_be_focused()
    expect(message).to_contain_text("Monday")
    monday = page.get_by_role("form", name="Set working hours").get_by_label("Monday")
    expect(monday).to_have_attribute("aria-invalid", "true")
    expect(monday).to_have_accessible_description(
        re.compile("On Monday the block from 12:00 must end after it starts, not at 09:00."))
    assert not axe_violations(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "refused-working-hours.png", full_page=True)


def test_the_booking_form_is_reached_without_tabbing_through_the_day(staff_page):
    page = staff_page
    page.goto("/appointments/")
    page.keyboard.press("Tab")  # "Skip to content"
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to booking form")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    booking = page.get_by_role("region", name="Book an appointment")
    expect(booking.get_by_role("combobox", name="Doctor")).to_be_focused()


FOCUS_CONTRAST = """() => {
  function rgba(text) {
    const [r, g, b, a = 1] = text.match(/[\\d.]+/g).map(Number);
    return {r, g, b, a};
  }
  function luminance({r, g, b}) {
    const [R, G, B] = [r, g, b].map(c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * R + 0.7152 * G + 0.0722 * B;
  }
  function behind(element) {  // the first opaque background around the outline
    for (let e = element.parentElement; e; e = e.parentElement) {
      const colour = rgba(getComputedStyle(e).backgroundColor);
      if (colour.a === 1) return colour;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  }
  const element = document.activeElement;
  if (element === document.body) return null;  // tabbed past the last link, out to the browser's own controls
  const style = getComputedStyle(element);
  if (style.outlineStyle === "none" || parseFloat(style.outlineWidth) < 2) {
    return {what: element.outerHTML.slice(0, 80), ratio: 0};
  }
  const [a, b] = [luminance(rgba(style.outlineColor)), luminance(behind(element))];
  return {what: element.outerHTML.slice(0, 80), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)};
}"""


def test_the_focus_outline_stands_out_from_every_background(staff_page):
    """Tabbing through pages with the header, cards, forms, tables and buttons:
    every focused element has an outline of 3:1 against what surrounds it."""
    page = staff_page
    weak = []
    doctor = first_link(page, "/doctors/", "main tbody a")
    for path in ["/", "/appointments/", "/patients/", doctor, f"{doctor}timesheet/"]:
        page.goto(path)
        for _ in range(40):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUS_CONTRAST)
            if focused is not None and focused["ratio"] < 3:
                weak.append(f"{path}: {focused['what']} at {focused['ratio']:.2f}:1")
    assert not weak, "\n".join(weak)
