"""Every staff page on a 390 px wide phone: nothing runs off the side of the
page, and a table too wide for the screen scrolls inside its own labelled,
keyboard-reachable region, its every cell inside that region's scroll area.
Screenshots of each page are kept in test-artifacts/phone/."""
import re

from .conftest import ARTIFACTS
from .pages import staff_pages

PHONE = {"width": 390, "height": 844}

TABLES = """() => Array.from(document.querySelectorAll("main table")).map(table => {
  const region = table.closest(".table-wrap");
  if (!region) return {table: table.innerText.slice(0, 40), problem: "not inside a scroll region"};
  const style = getComputedStyle(region);
  const name = region.getAttribute("aria-label")
    || (document.getElementById(region.getAttribute("aria-labelledby") || "") || {}).textContent;
  const box = region.getBoundingClientRect();
  const left = box.left + region.clientLeft - region.scrollLeft, right = left + region.scrollWidth;
  const outside = Array.from(table.querySelectorAll("th, td")).filter(cell => {
    const edges = cell.getBoundingClientRect();
    return edges.left < left - 1 || edges.right > right + 1;
  }).length;
  return {
    table: (name || "").trim(),
    problem: !["auto", "scroll"].includes(style.overflowX) ? "its region does not scroll"
      : region.getAttribute("role") !== "region" || !name ? "its region has no role and name"
      : region.tabIndex !== 0 ? "its region cannot be reached from the keyboard"
      : box.right > document.documentElement.clientWidth + 1 ? "its region runs off the screen"
      : outside ? `${outside} cells outside the region's scroll area` : null,
  };
})"""


def test_every_staff_page_fits_a_phone(staff_page, browser, server):
    paths = staff_pages(staff_page)
    phone = staff_page.context.browser.new_context(viewport=PHONE, base_url=server.url,
                                                   storage_state=staff_page.context.storage_state())
    page = phone.new_page()
    (ARTIFACTS / "phone").mkdir(parents=True, exist_ok=True)
    problems, tables = [], 0
    try:
        for path in paths:
            assert page.goto(path).status == 200, path
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 0:
                problems.append(f"{path}: the page is {overflow}px wider than the phone")
            for table in page.evaluate(TABLES):
                tables += 1
                if table["problem"]:
                    problems.append(f"{path}: table {table['table']!r}: {table['problem']}")
            name = re.sub(r"[^a-z]+", "-", path.split("?")[0]).strip("-") or "dashboard"
            page.screenshot(path=ARTIFACTS / "phone" / f"{name[:40]}.png", full_page=True)
    finally:
        phone.close()
    assert tables >= 8  # the lists, the doctor's, patient's and month's tables
    assert not problems, "\n".join(problems)
