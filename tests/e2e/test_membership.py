"""Open membership and the antitrust charter in a real browser, on the demo.

A lab applies through the public form, counsel accepts it against the criteria, and its member
admin joins by the e-mailed one-time link and lands in the app; a refused application shows its
reason to the applicant; a user accepts the charter at login.
"""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import expect

from governance.demo import DEMO_PASSWORD
from tests.e2e.conftest import accept_charter_page, enrol_authenticator, login, nav_to

pytestmark = pytest.mark.browser

CRITERIA = (
    "Operates a model API exposed to the public",
    "Has a named security contact",
    "Accepts the antitrust charter and the sharing policy",
    "Processes personal data lawfully",
)


@pytest.fixture(autouse=True)
def _fail_fast(page):
    page.set_default_timeout(10_000)


def _apply(page, live_server, name: str, email: str, criteria=CRITERIA) -> str:
    """Apply as an anonymous visitor, from the public criteria page; return the status URL."""
    page.goto(f"{live_server.url}/membership/criteria/")
    expect(page.get_by_test_id("criteria-list")).to_contain_text(CRITERIA[0])
    page.get_by_test_id("apply-link").click()
    form = page.get_by_test_id("application-form")
    form.get_by_label("Organization").fill(name)
    form.get_by_label("Contact name").fill("Pat Applicant")
    form.get_by_label("Contact e-mail").fill(email)
    for title in criteria:
        form.get_by_label(title).check()
    form.get_by_label("Evidence").fill("Public model API since 2025; security@ answers in a day.")
    form.get_by_role("button", name="Send the application").click()
    expect(page.get_by_test_id("application-state")).to_have_text("Awaiting decision")
    return page.url


def _logout(page) -> None:
    page.get_by_role("button", name="Log out").click()


def test_a_lab_applies_counsel_accepts_and_its_admin_joins(demo, live_server, page):
    status_url = _apply(page, live_server, "Vega Intelligence", "admin@vega.example")

    login(page, live_server, "counsel", DEMO_PASSWORD)
    nav_to(page, "Applications")
    page.get_by_test_id("applications-waiting").get_by_role(
        "link", name="Vega Intelligence"
    ).click()
    form = page.get_by_test_id("decision-form")
    for row in form.locator("tr[data-testid^=criterion-]").all():
        row.get_by_label("Met", exact=True).check()
    form.get_by_label("Decision").select_option("accept")
    form.get_by_label("Written reason").fill("Meets every published criterion.")
    form.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("status")).to_contain_text("Vega Intelligence is a member")
    _logout(page)

    page.goto(status_url)
    expect(page.get_by_test_id("application-state")).to_have_text("Accepted")
    expect(page.get_by_test_id("decision-reason")).to_contain_text("Meets every published")

    invitation = next(
        m for m in mail.outbox if m.to == ["admin@vega.example"] and "invitations" in m.body
    )
    link = next(line for line in invitation.body.splitlines() if "/membership/invitations/" in line)
    page.goto(live_server.url + link[link.index("/membership/") :])
    form = page.get_by_test_id("invitation-form")
    form.get_by_label("Username").fill("vega-admin")
    form.locator("#id_password").fill("vega-long-passphrase-2026")
    form.get_by_label("Password (again)").fill("vega-long-passphrase-2026")
    form.get_by_role("button", name="Create my account").click()
    # The new member admin sets up a second factor (mandatory for member admins), accepts the
    # charter in force, then lands on their dashboard.
    expect(page.get_by_test_id("enrol-required")).to_be_visible()
    enrol_authenticator(page)
    page.goto(f"{live_server.url}/")
    accept_charter_page(page)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("dashboard-role")).to_contain_text("Member admin")
    expect(page.get_by_test_id("dashboard-role")).to_contain_text("Vega Intelligence")


def test_a_refused_application_shows_its_reason_to_the_applicant(demo, live_server, page):
    from django.contrib.auth import get_user_model

    from membership.models import MembershipApplication
    from membership.services.applications import application_decide

    status_url = _apply(
        page, live_server, "Mirage Data", "ops@mirage.example", criteria=CRITERIA[1:2]
    )
    application = MembershipApplication.objects.get(organization_name="Mirage Data")
    application_decide(
        actor=get_user_model().objects.get(username="counsel"),
        application=application,
        accept=False,
        assessment={
            "operates-model-api": False,
            "security-contact": True,
            "accepts-charter": False,
            "handles-personal-data-lawfully": False,
        },
        reason="Mirage Data serves no model to the public; criterion 1 is not met.",
    )
    page.goto(status_url)
    expect(page.get_by_test_id("application-state")).to_have_text("Refused")
    expect(page.get_by_test_id("decision-reason")).to_contain_text("criterion 1 is not met")
    expect(page.get_by_test_id("criteria-assessment")).to_contain_text("not met")


def test_a_user_accepts_the_charter_at_login(demo, live_server, page):
    login(page, live_server, "meridian-analyst", DEMO_PASSWORD, accept_charter=False)
    expect(page.get_by_test_id("charter-text")).to_contain_text("Never share or discuss")
    page.get_by_test_id("charter-accept").click()  # unticked: the browser refuses to send
    expect(page.get_by_test_id("charter-form")).to_be_visible()
    accept_charter_page(page)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("status")).to_contain_text("You accepted the antitrust charter")
    _logout(page)

    login(page, live_server, "regulator", DEMO_PASSWORD)
    nav_to(page, "Charter acceptances")
    expect(page.get_by_test_id("charter-acceptances")).to_contain_text("meridian-analyst")
