"""Every page as every demo role at 1280 px: readable, one line wide, one active link, clean.

A crawler, not a journey: for each role it follows every navigation link and the first detail
link of each list, and on every page asserts what issue #17 asked to keep: no horizontal
overflow, no Python repr or raw dotted model name in the visible text, exactly one active
navigation item, unique element ids, no CSP violation on the console and no failed request.

Set CLEARROOM_SCREENSHOTS=docs/screenshots to refresh the README's screenshots.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.apps import apps

from governance.demo import DEMO_PASSWORD
from tests.e2e.conftest import login

pytestmark = pytest.mark.browser

ROLES = ("counsel", "regulator", "northwind-analyst", "northwind-admin", "northwind-legal")
# The first link of each of these lists is followed too, so detail pages are checked.
DETAIL_LINKS = (
    "a[href^='/indicators/']:not([href$='/indicators/'])",
    "a[href^='/submissions/']:not([href$='/submissions/']):not([href$='/new/'])",
    "a[href^='/review/tasks/']",
    "a[href^='/policy/versions/']:not([href$='/versions/']):not([href$='/new/'])",
    "a[href^='/audit/objects/']",
)
# Pages a person reaches but that are not HTML pages of the site.
SKIP = re.compile(r"/download/|/export\.\w+|\.txt$|\.pub$|/api/|/logout/|/admin/")
REPR = re.compile(r"\{'[^']*':|\['[^']*'[,\]]|': None|\bNone\]|<[\w.]+ object at 0x")
# The README shows these pages of each role (docs/screenshots/<user>-<page>.png).
MAIN_PAGES = {
    "counsel": ("Dashboard", "Review queue", "Audit log"),
    "regulator": ("Dashboard", "Checkpoints"),
    "northwind-analyst": ("Dashboard", "Submit", "Published indicators"),
    "northwind-admin": ("Dashboard", "API tokens"),
    "northwind-legal": ("Dashboard", "Review queue"),
}

PAGE_FACTS = """() => {
  const ids = [...document.querySelectorAll('[id]')].map((el) => el.id);
  const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
  const clipped = [...document.querySelectorAll('select')]
    .filter((el) => el.offsetParent !== null && el.getBoundingClientRect().width < 60)
    .map((el) => el.name);
  return {
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    text: document.body.innerText,
    active: document.querySelectorAll('nav[aria-label=Main] [aria-current=page]').length,
    dupes: [...new Set(dupes)],
    clipped,
    links: [...document.querySelectorAll('nav[aria-label=Main] a')]
      .map((a) => [a.textContent.trim(), a.getAttribute('href')]),
  };
}"""


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path):
    settings.CLEARROOM_EXPORT_DIR = tmp_path / "exports"


def _model_labels() -> re.Pattern:
    labels = sorted({m._meta.label_lower for m in apps.get_models()}, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(label) for label in labels) + r")\b")


def _check(page, url: str, problems: list[str], models: re.Pattern) -> dict:
    page.goto(url)
    facts = page.evaluate(PAGE_FACTS)
    where = urlparse(page.url).path
    if facts["overflow"] > 0:
        problems.append(f"{where}: {facts['overflow']} px horizontal overflow")
    if match := REPR.search(facts["text"]):
        problems.append(f"{where}: Python repr on screen: {match.group(0)!r}")
    if match := models.search(facts["text"]):
        problems.append(f"{where}: model name on screen: {match.group(0)!r}")
    if facts["active"] != 1:
        problems.append(f"{where}: {facts['active']} active navigation items")
    if facts["dupes"]:
        problems.append(f"{where}: repeated element ids {facts['dupes']}")
    if facts["clipped"]:
        problems.append(f"{where}: clipped selects {facts['clipped']}")
    return facts


def test_every_page_is_readable_for_every_role(demo, live_server, browser):
    models = _model_labels()
    shots = os.environ.get("CLEARROOM_SCREENSHOTS")
    problems: list[str] = []
    for username in ROLES:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on(
            "console",
            lambda msg, who=username: (
                problems.append(f"{who}: console: {msg.text}") if msg.type == "error" else None
            ),
        )
        page.on(
            "response",
            lambda resp, who=username: (
                problems.append(f"{who}: {resp.status} for {resp.url}")
                if resp.status >= 400
                else None
            ),
        )
        login(page, live_server, username, DEMO_PASSWORD)
        facts = _check(page, f"{live_server.url}/", problems, models)
        seen = {"/"}
        queue = [(label, href) for label, href in facts["links"] if href not in seen]
        details: list[str] = []
        for label, href in queue:
            if href in seen or SKIP.search(href):
                continue
            seen.add(href)
            _check(page, live_server.url + href, problems, models)
            gate = page.get_by_test_id("marking-gate")
            if gate.count():
                # Accept the handling terms so the feed, and its detail pages, show indicators.
                gate.get_by_role("button").click()
                _check(page, live_server.url + href, problems, models)
            if shots and label in MAIN_PAGES[username]:
                _screenshot(page, Path(shots) / f"{username}-{_slug(label)}.png")
            for selector in DETAIL_LINKS:
                first = page.locator(f"main {selector}").first
                if first.count():
                    target = first.get_attribute("href")
                    if target not in seen and not SKIP.search(target):
                        details.append(target)
        for href in dict.fromkeys(details):
            if href in seen:
                continue
            seen.add(href)
            _check(page, live_server.url + href, problems, models)
            claim = page.get_by_role("button", name="Claim", exact=True)
            if claim.count():
                # A claimed task shows the decision form and the "Redact further" selects.
                claim.click()
                _check(page, live_server.url + href, problems, models)
                if shots:
                    _screenshot(page, Path(shots) / f"{username}-review-task.png")
        if shots:
            page.goto(f"{live_server.url}/")
            _screenshot(page, Path(shots) / f"{username}-dashboard.png")
        context.close()
    assert not problems, "\n".join(problems)


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def _screenshot(page, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), type="png")
