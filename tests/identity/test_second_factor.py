"""A second factor: mandatory for counsel, regulators and member admins, asked again before
sensitive actions, audited; sessions expire when idle."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit import actions
from audit.models import AuditEvent
from governance.models import PolicyStatus
from identity import sessions
from identity.core.rules import idle_expired, second_factor_required, step_up_needed
from identity.models import RecoveryCode
from tests.factories import TEST_PASSWORD, UserFactory, member_user
from tests.governance.fixtures import baseline_rules
from tests.second_factor import current_code

pytestmark = pytest.mark.django_db


def _events(action: str, user) -> int:
    return AuditEvent.objects.filter(action=action, actor_user_id=user.pk).count()


def _password_login(user) -> Client:
    """Sign in through the login form only (no second factor yet)."""
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def pending(catalog, users):
    """A policy version drafted by Acme's member admin, waiting for counsel."""
    from governance.services.policy import policy_version_draft_create, policy_version_submit

    drafter = users["member_admin"]
    version = policy_version_draft_create(actor=drafter, rules=baseline_rules())
    return policy_version_submit(actor=drafter, version=version)


def _approve(client, version):
    return client.post(
        reverse("policy-version-review", args=[version.pk]),
        {"decision": "approve", "statement": "Approved."},
    )


def test_the_roles_that_must_use_a_second_factor():
    assert second_factor_required(["counsel"], False)
    assert second_factor_required(["regulator"], False)
    assert second_factor_required(["member_admin"], False)
    assert not second_factor_required(["analyst", "legal_reviewer"], False)
    assert second_factor_required(["analyst"], True)
    assert step_up_needed(1000.0, None, 900)
    assert step_up_needed(1000.0, 99.0, 900) and not step_up_needed(1000.0, 100.0, 900)
    assert idle_expired(2000.0, 100.0, 1800) and not idle_expired(2000.0, 200.0, 1800)


def test_a_counsel_account_cannot_approve_a_policy_without_a_second_factor(pending, orgs):
    counsel = UserFactory(username="new-counsel")
    from audit.actors import SYSTEM
    from governance.roles import Role
    from governance.services.accounts import membership_create

    membership_create(actor=SYSTEM, user=counsel, organization=orgs["forum"], role=Role.COUNSEL)
    client = _password_login(counsel)
    response = _approve(client, pending)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:factors"))
    api = client.post(reverse("api-policy-version-approve", args=[pending.pk]), {})
    assert api.status_code == 403
    assert api.json()["code"] == "second_factor_required"
    pending.refresh_from_db()
    assert pending.status == PolicyStatus.PENDING_APPROVAL
    # Every other page sends them to enrolment too.
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("identity:factors"))
    assert client.get(reverse("identity:factors")).status_code == 200


def test_counsel_with_an_app_proves_it_before_approving(pending, users):
    counsel = users["counsel"]
    client = _password_login(counsel)
    response = _approve(client, pending)
    assert response["Location"].startswith(reverse("identity:verify"))
    pending.refresh_from_db()
    assert pending.status == PolicyStatus.PENDING_APPROVAL

    device = TOTPDevice.objects.get(user=counsel)
    response = client.post(
        reverse("identity:verify"),
        {"code": current_code(device), "next": reverse("policy-versions")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("policy-versions")
    assert _events(actions.SECOND_FACTOR_VERIFIED, counsel) == 1
    assert _approve(client, pending).status_code == 302
    pending.refresh_from_db()
    assert pending.status == PolicyStatus.APPROVED


def test_a_wrong_code_is_refused_and_audited(users):
    counsel = users["counsel"]
    client = _password_login(counsel)
    response = client.post(reverse("identity:verify"), {"code": "000000x"})
    assert response.status_code == 200
    assert "does not match" in response.content.decode()
    assert _events(actions.SECOND_FACTOR_FAILED, counsel) == 1
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("identity:verify"))


def test_a_used_code_cannot_be_replayed(users):
    counsel = users["counsel"]
    device = TOTPDevice.objects.get(user=counsel)
    code = current_code(device)
    first = _password_login(counsel)
    assert first.post(reverse("identity:verify"), {"code": code}).status_code == 302
    second = _password_login(counsel)
    assert second.post(reverse("identity:verify"), {"code": code}).status_code == 200


def test_a_stale_second_factor_is_asked_again_before_approving(pending, users, settings):
    client = Client()
    client.force_login(users["counsel"])
    session = client.session
    session[sessions.VERIFIED_AT] = time.time() - settings.IDENTITY_STEP_UP_SECONDS - 5
    session.save()
    assert client.get(reverse("dashboard")).status_code == 200  # ordinary pages still open
    response = _approve(client, pending)
    assert response["Location"].startswith(reverse("identity:verify"))
    api = client.post(reverse("api-policy-version-approve", args=[pending.pk]), {})
    assert api.status_code == 403 and api.json()["code"] == "second_factor_stale"
    pending.refresh_from_db()
    assert pending.status == PolicyStatus.PENDING_APPROVAL


def test_issuing_a_token_asks_for_the_second_factor_again_when_stale(users, settings):
    client = Client()
    client.force_login(users["member_admin"])
    session = client.session
    session[sessions.VERIFIED_AT] = time.time() - settings.IDENTITY_STEP_UP_SECONDS - 5
    session.save()
    response = client.post(
        reverse("api-tokens"),
        {"user": users["analyst"].pk, "name": "late", "scopes": ["read"]},
        HTTP_REFERER="http://testserver/org/api-tokens/",
    )
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('identity:verify')}?next=%2Forg%2Fapi-tokens%2F"


def test_an_idle_session_is_logged_out(users, settings):
    client = Client()
    client.force_login(users["analyst"])
    session = client.session
    session[sessions.SEEN_AT] = time.time() - settings.IDENTITY_IDLE_TIMEOUT_SECONDS - 5
    session.save()
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("login"))


def test_an_analyst_without_a_factor_is_not_held_unless_the_organization_requires_it(orgs, users):
    from governance.roles import Role

    analyst = UserFactory(username="optional-analyst")
    from audit.actors import SYSTEM
    from governance.services.accounts import membership_create

    membership_create(actor=SYSTEM, user=analyst, organization=orgs["acme"], role=Role.ANALYST)
    client = _password_login(analyst)
    assert client.get(reverse("dashboard")).status_code == 200

    admin = Client()
    admin.force_login(users["member_admin"])
    assert admin.post(reverse("identity:org-security"), {"required": "on"}).status_code == 302
    orgs["acme"].refresh_from_db()
    assert orgs["acme"].require_second_factor
    assert _events(actions.SECOND_FACTOR_POLICY_CHANGED, users["member_admin"]) == 1
    later = _password_login(analyst)
    assert later.get(reverse("dashboard"))["Location"].startswith(reverse("identity:factors"))


def test_after_a_wrong_code_even_the_right_one_waits(users):
    counsel = users["counsel"]
    client = _password_login(counsel)
    client.post(reverse("identity:verify"), {"code": "999999x"})
    device = TOTPDevice.objects.get(user=counsel)
    # django-otp's throttle: 1 s after one failure, doubling with each further one.
    response = client.post(reverse("identity:verify"), {"code": current_code(device)})
    assert response.status_code == 200
    assert _events(actions.SECOND_FACTOR_FAILED, counsel) == 2


def test_enrolling_an_app_in_the_browser_flow_gives_recovery_codes_once(orgs, settings):
    from governance.roles import Role

    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the user retries at once, not a second later

    admin = UserFactory(username="fresh-admin")
    from audit.actors import SYSTEM
    from governance.services.accounts import membership_create

    membership_create(actor=SYSTEM, user=admin, organization=orgs["acme"], role=Role.MEMBER_ADMIN)
    client = _password_login(admin)
    page = client.post(reverse("identity:totp-start"))
    assert page.status_code == 200 and b"<svg" in page.content
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    wrong = client.post(reverse("identity:totp-confirm"), {"device": device.pk, "code": "1"})
    assert wrong.status_code == 200 and wrong.context["form"].errors["code"]
    assert _events(actions.SECOND_FACTOR_FAILED, admin) == 1
    done = client.post(
        reverse("identity:totp-confirm"), {"device": device.pk, "code": current_code(device)}
    )
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10
    assert RecoveryCode.objects.filter(user=admin).count() == 10
    assert not RecoveryCode.objects.filter(code_hash__in=codes).exists()  # hashes only
    assert _events(actions.SECOND_FACTOR_ENROLLED, admin) == 1
    assert client.get(reverse("dashboard")).status_code == 200  # enrolment verified the session

    # A recovery code stands in for the app, once.
    again = _password_login(admin)
    assert again.post(reverse("identity:verify"), {"code": codes[0].upper()}).status_code == 302
    assert again.get(reverse("dashboard")).status_code == 200
    replay = _password_login(admin)
    assert replay.post(reverse("identity:verify"), {"code": codes[0]}).status_code == 200


def test_removing_a_factor_needs_a_verified_session_and_is_audited(users):
    counsel = users["counsel"]
    device = TOTPDevice.objects.get(user=counsel)
    unverified = _password_login(counsel)
    response = unverified.post(reverse("identity:remove", args=["totp", device.pk]))
    assert response["Location"].startswith(reverse("identity:verify"))
    assert TOTPDevice.objects.filter(pk=device.pk).exists()

    verified = Client()
    verified.force_login(counsel)
    other = TOTPDevice.objects.get(user=users["analyst"])
    assert verified.post(reverse("identity:remove", args=["totp", other.pk])).status_code == 404
    assert verified.post(reverse("identity:remove", args=["totp", device.pk])).status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert _events(actions.SECOND_FACTOR_REMOVED, counsel) == 1


def test_demo_users_have_a_documented_authenticator(transactional_db, settings):
    with open("/dev/null", "w") as sink:
        call_command("seed_demo", "--force", stdout=sink)
    out = StringIO()
    call_command("demo_totp", "counsel", stdout=out)
    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    from django.contrib.auth import get_user_model

    counsel = get_user_model().objects.get(username="counsel")
    from governance.demo import DEMO_PASSWORD

    client = Client()
    client.post(reverse("login"), {"username": "counsel", "password": DEMO_PASSWORD})
    # Outside a demo installation the page never shows a code; in one, it shows the demo code.
    settings.CLEARROOM_DEMO = False
    assert b"demo-code" not in client.get(reverse("identity:verify")).content
    settings.CLEARROOM_DEMO = True
    shown = client.get(reverse("identity:verify")).content.decode()
    assert 'data-testid="demo-code"' in shown
    import re

    shown_code = re.search(r"code it shows now is\s+<code>(\d{6})</code>", shown).group(1)
    assert client.post(reverse("identity:verify"), {"code": shown_code}).status_code == 302
    # The second factor is proven; the demo's antitrust charter is the next (and last) step.
    after = client.get(reverse("dashboard"))
    assert after.status_code == 302 and after["Location"].startswith(reverse("charter-accept"))
    assert counsel.pk


def test_every_fixture_user_holds_an_app(users):
    assert all(TOTPDevice.objects.filter(user=u, confirmed=True).exists() for u in users.values())
    assert member_user  # the factory enrols it


def _stale(client, settings) -> None:
    session = client.session
    session[sessions.VERIFIED_AT] = time.time() - settings.IDENTITY_STEP_UP_SECONDS - 5
    session.save()


def test_downloading_an_export_and_deciding_a_forum_review_ask_again_when_stale(
    world, users, settings
):
    regulator = Client()
    regulator.force_login(users["regulator"])
    download = reverse("audit:export_download", args=[world.export.pk])
    _stale(regulator, settings)
    response = regulator.get(download)
    assert response.status_code == 302
    expected = f"{reverse('identity:verify')}?next={download.replace('/', '%2F')}"
    assert response["Location"] == expected
    api = regulator.get(reverse("audit_api:export-download", args=[world.export.pk]))
    assert api.status_code == 403 and api.json()["code"] == "second_factor_stale"

    counsel = Client()
    counsel.force_login(users["counsel2"])
    _stale(counsel, settings)
    decide = counsel.post(
        reverse("review-task-decide", args=[world.forum_task.pk]), {"decision": "approve"}
    )
    assert decide["Location"].startswith(reverse("identity:verify"))
    world.forum_task.refresh_from_db()
    assert world.forum_task.decided_at is None
