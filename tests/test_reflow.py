"""400% zoom (WCAG 1.4.10 Reflow): every page type in a 320 CSS px wide window, as a
1280 px window shows it at 400%. Nothing needs a horizontal scroll bar for the page; only
content that needs two dimensions may scroll, inside its own region that a keyboard can
reach (a data table) or as a picture whose facts are also in text (the process diagram).
All text stays inside the window or such a region, and the skip link works."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers import BIJSTAND_AANVRAAG, bearer, sign_in, start

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-artifacts" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORT = {"width": 320, "height": 640}
pytestmark = pytest.mark.browser

LONG_NAME = "Anna-Maria Wilhelmina van Oldenbarnevelt-Hoogstraten"
LONG_WORD = "Arbeidsongeschiktheidsverzekeringsmaatschappijkosten"
LONG_EMAIL = "anna-maria.van-oldenbarnevelt-hoogstraten@voorbeeldgemeente.example.nl"
LONG_FILE = "verklaring-van-de-huisarts-over-de-medische-noodzaak-van-de-wasmachine.pdf"
BROKEN_MODEL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Defs"
  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="kapvergunning_met_herplantplicht" name="Kappen" isExecutable="true">
    <bpmn:startEvent id="Start" />
    <bpmn:serviceTask id="Task_BerichtAanHetLandelijkeRegisterVanKapvergunningenSturen"
      name="Bericht sturen" />
  </bpmn:process>
</bpmn:definitions>
"""

# What a page may not do at 320 px, found in the page itself. Returns a list of problems:
# the page scrolls sideways; text or a control lies outside the window and outside a
# region that may scroll; a region scrolls but a keyboard cannot reach it or it has no
# name; content is cut off by a box that hides its overflow.
REFLOW_PROBLEMS = """() => {
  const vw = window.innerWidth, problems = [];
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const hidden = (el) => !!el.closest('.visually-hidden, .skip-link, [hidden], [aria-hidden=true]');
  const named = (el) => (el.getAttribute('aria-label') || '').trim() ||
    (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .map((id) => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
  const picture = (el) => !!el.closest('.diagram__canvas');  // the BPMN diagram
  const scrolls = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const region = (el) => el.getAttribute('role') === 'region' && el.tabIndex === 0 && !!named(el);
  if (document.documentElement.scrollWidth > vw)
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw}`);
  for (const el of document.querySelectorAll('body *')) {
    if (el.matches('input, select, textarea, option') || picture(el) || hidden(el)) continue;
    const style = getComputedStyle(el);
    if (scrolls(el) && el.scrollWidth > el.clientWidth + 1 && !region(el))
      problems.push(`${describe(el)} scrolls but is no named region with tabindex=0`);
    if (['hidden', 'clip'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
      problems.push(`${describe(el)} cuts off its content (${el.scrollWidth} > ${el.clientWidth})`);
  }
  const outside = (rect) => rect.width > 0 && (rect.right > vw + 0.5 || rect.left < -0.5);
  const allowedScroller = (el) => {
    for (let p = el; p && p !== document.body; p = p.parentElement) {
      if (picture(p)) return true;
      if (scrolls(p)) return region(p);
    }
    return false;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || hidden(el) || el.closest('script, style')) continue;
    range.selectNodeContents(node);
    if ([...range.getClientRects()].some(outside) && !allowedScroller(el))
      problems.push(`text outside the window in ${describe(el)}: "${node.textContent.trim().slice(0, 40)}"`);
  }
  for (const el of document.querySelectorAll('input, select, textarea, button, img, svg, a')) {
    if (hidden(el) || picture(el)) continue;
    if (outside(el.getBoundingClientRect()) && !allowedScroller(el))
      problems.push(`${describe(el)} lies outside the window`);
  }
  return problems;
}"""


def _skip_link_problems(page: Any) -> list[str]:
    """From the top of the page, the first Tab shows the skip link inside the window and
    Enter moves the focus to the main content, scrolled into view."""
    page.evaluate("""() => { window.scrollTo(0, 0);  // restart the Tab order at the top
        const start = document.createElement('span'); start.tabIndex = -1;
        document.body.prepend(start); start.focus(); start.remove(); }""")
    page.keyboard.press("Tab")
    link = page.evaluate("""() => { const el = document.activeElement;
        const r = el.getBoundingClientRect();
        return {skip: el.classList.contains('skip-link'), left: r.left, right: r.right,
                top: r.top, bottom: r.bottom, href: el.getAttribute('href')}; }""")
    if not link["skip"]:
        return ["the first Tab does not reach the skip link"]
    problems = []
    if link["left"] < 0 or link["right"] > VIEWPORT["width"] or link["top"] < 0:
        problems.append(f"the focused skip link is not inside the window: {link}")
    page.keyboard.press("Enter")
    main = page.evaluate("""() => { const el = document.activeElement;
        return {tag: el.tagName.toLowerCase(), id: el.id,
                top: el.getBoundingClientRect().top, height: window.innerHeight}; }""")
    if (main["tag"], "#" + main["id"]) != ("main", link["href"]):
        problems.append(f"Enter on the skip link focuses {main['tag']}#{main['id']}")
    elif not -1 <= main["top"] < main["height"]:
        problems.append(f"the main content is not scrolled into view (top {main['top']})")
    return problems


def _axe_problems(page: Any) -> list[str]:
    """axe-core at this width too: a table region that now really scrolls must be focusable."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async (tags) => await axe.run(document, "
                           "{runOnly: {type: 'tag', values: tags}})", WCAG)
    return [f"axe {v['id']}: {v['help']} ({v['nodes'][0]['target'][0]})"
            for v in result["violations"]]


def test_every_page_reflows_at_400_percent(live_server: str, browser: Any,
                                           client: FlaskClient,
                                           tokens: dict[str, str]) -> None:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run 'make test' (it installs the npm packages)")
    case = start(client, tokens["consulent"], "bijzondere_bijstand", dict(
        BIJSTAND_AANVRAAG, naam=LONG_NAME, email=LONG_EMAIL,
        kosten_omschrijving=f"Een nieuwe wasmachine en {LONG_WORD} van de vorige maand.",
        bewijsstukken=[{"filename": LONG_FILE, "content_base64": "JVBERi0xLjQKJSVFT0YK"}]))
    start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    requested = client.post(f"/api/v1/cases/{case['id']}/deviations", headers=bearer(
        tokens["consulent"]), json={
        "type": "reassign", "task_id": case["open_tasks"][0]["id"],
        "values": {"assignee": "consulent2"},
        "reason": f"De {LONG_WORD} zijn al door een andere gemeente beoordeeld.",
        "legal_basis": "art. 4:84 Awb"})
    assert requested.status_code == 201, requested.get_json()
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1,
                                  bypass_csp=True)  # axe is injected as an inline script
    page = context.new_page()
    failures: dict[str, list[str]] = {}

    def check(name: str, url: str | None = None) -> None:
        if url:
            page.goto(live_server + url)
        page.wait_for_load_state()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"reflow-{name}.png"), full_page=True)
        found = page.evaluate(REFLOW_PROBLEMS) + _skip_link_problems(page) + _axe_problems(page)
        if found:
            failures[name] = found

    check("resident-start", "/")
    page.goto(live_server + "/aanvragen/bijzondere_bijstand")
    page.get_by_role("button", name="Aanvraag versturen").click()
    page.locator("#error-summary").wait_for()
    check("resident-form-errors")
    check("resident-status", case["status_url"])
    check("login", "/inloggen")
    sign_in(page, live_server, "consulent")
    check("inbox", "/werk/")
    check("task", f"/werk/taken/{case['open_tasks'][0]['id']}")
    check("case", f"/werk/zaken/{case['id']}")
    assert page.get_by_text(LONG_FILE).count() >= 1 and page.get_by_text(LONG_NAME).count() >= 1
    check("deviation-request", f"/werk/zaken/{case['id']}/afwijking")
    check("register", "/werk/afwijkingen")
    check("cases", "/werk/zaken")
    sign_in(page, live_server, "teamleider")
    check("approvals", "/werk/goedkeuren")
    assert page.get_by_text("Overslaan", exact=False).count() + \
        page.get_by_text(LONG_WORD, exact=False).count() >= 1
    sign_in(page, live_server, "balie")
    check("counter", "/werk/balie")
    check("counter-intake", "/werk/balie/bijzondere_bijstand")
    sign_in(page, live_server, "ontwerper")
    check("designer-models", "/ontwerp/")
    page.goto(live_server + "/ontwerp/uploaden")
    page.set_input_files("#files", files=[{
        "name": "kapvergunning-met-herplantplicht-en-landelijk-register-2026.bpmn",
        "mimeType": "application/xml", "buffer": BROKEN_MODEL}])
    page.get_by_role("button", name="Uploaden").click()
    page.locator(".error-summary table").wait_for()  # the problems, in a table
    check("designer-upload")
    page.goto(live_server + "/ontwerp/bijzondere_bijstand/1")
    page.locator(".diagram--ready").wait_for()
    check("designer-model")
    context.close()
    assert failures == {}


def test_tables_scroll_in_a_region_and_nothing_else_does(live_server: str, browser: Any,
                                                         client: FlaskClient,
                                                         tokens: dict[str, str]) -> None:
    """The inbox's table is wider than 320 px: it scrolls inside its named region, which a
    keyboard reaches and scrolls; the same page at full width needs no scrolling at all."""
    start(client, tokens["consulent"], "bijzondere_bijstand", dict(BIJSTAND_AANVRAAG,
                                                                   naam=LONG_NAME))
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    page = context.new_page()
    sign_in(page, live_server, "consulent")
    page.goto(live_server + "/werk/")
    region = page.get_by_role("region", name="1 open taak")
    sizes = region.evaluate("el => [el.scrollWidth, el.clientWidth, el.scrollLeft]")
    assert sizes[0] > sizes[1] and sizes[2] == 0, sizes
    region.focus()
    for _ in range(40):  # the arrow key scrolls the focused region sideways
        page.keyboard.press("ArrowRight")
    assert region.evaluate("el => el === document.activeElement && el.scrollLeft > 0")
    claim = page.get_by_role("button", name="Oppakken")
    claim.scroll_into_view_if_needed()
    box = claim.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"]
    page.set_viewport_size({"width": 1280, "height": 800})
    assert region.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
