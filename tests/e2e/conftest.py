"""Real-browser tests: Playwright drives the system Chromium against a live server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make for
# setup are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def demo(transactional_db):
    """Seed the demo data, as `make run` does."""
    from django.core.management import call_command

    with open(os.devnull, "w") as sink:
        call_command("seed_demo", "--force", stdout=sink)


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request):
    # Ask for the page before the test so this fixture is torn down while the page still lives.
    page = request.getfixturevalue("page") if "page" in request.fixturenames else None
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and page is not None:
        out = Path("test-results") / f"{request.node.name}.png"
        out.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(out), full_page=True)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def login(page, live_server, username: str, password: str, *, accept_charter: bool = True) -> None:
    """Log in through the login form, then with the code of the user's authenticator app when
    Clearroom asks for it (every fixture and demo user has one enrolled); accept the antitrust
    charter when it is asked for.

    The demo puts a charter in force, so a demo user's first page after login is the charter
    (tests/e2e/test_membership.py walks that page itself with `accept_charter=False`).
    """
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if "/account/second-factor/verify/" in page.url:
        page.fill("#id_code", authenticator_code(username))
        page.get_by_test_id("verify-code").click()
        page.wait_for_load_state()
    if accept_charter and page.url.startswith(f"{live_server.url}/charter/"):
        accept_charter_page(page)


def accept_charter_page(page) -> None:
    """Tick and accept the charter shown on the page."""
    page.get_by_test_id("charter-checkbox").check()
    page.get_by_test_id("charter-accept").click()
    page.wait_for_load_state()


def enrol_authenticator(page) -> None:
    """Enrol an authenticator app on the enrolment page Clearroom shows, as a person does:
    read the secret, type the app's code, and see the recovery codes."""
    import base64

    from django_otp.oath import TOTP

    page.get_by_test_id("totp-start").click()
    secret = page.get_by_test_id("totp-secret").inner_text()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("#id_code", f"{TOTP(key).token():06d}")
    page.get_by_test_id("totp-confirm").click()
    page.get_by_test_id("recovery-codes").wait_for()


def authenticator_code(username: str) -> str:
    """Return a code `username`'s authenticator app would show that the server will accept
    (not one already used: a user signing in twice within 30 s takes the next step's code)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    step = max(totp.t(), device.last_t + 1)
    totp.time = device.t0 + (step - device.drift) * device.step
    return f"{totp.token():0{device.digits}d}"


def nav_to(page, name: str) -> None:
    """Follow the main navigation's link `name`, opening the menu that holds it if need be."""
    nav = page.locator("nav[aria-label=Main]")
    link = nav.get_by_role("link", name=name, exact=True, include_hidden=True)
    if not link.is_visible():
        link.locator("xpath=ancestor::details[1]/summary").click()
    link.click()
