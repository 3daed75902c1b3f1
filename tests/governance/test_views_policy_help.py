"""Policy editing with help: the live check, the drafter's diff, the link to the simulation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from governance.models import PolicyVersion
from governance.services.policy import policy_version_draft_create, policy_version_submit
from tests.governance.fixtures import BASELINE_PATH, baseline_rules

pytestmark = pytest.mark.django_db


def _check(client, text):
    return client.post(reverse("policy-draft-check"), {"text": text}, HTTP_HX_REQUEST="true")


def test_live_check_shows_problems_with_paths_and_writes_nothing(baseline_policy, client, users):
    client.force_login(users["member_admin"])
    events = AuditEvent.objects.count()
    broken = BASELINE_PATH.read_text().replace("tlp: AMBER+STRICT", "tlp: PURPLE", 1)
    html = _check(client, broken).content.decode()
    assert 'data-testid="live-problem"' in html
    assert "indicator_types.account-cluster.tlp" in html
    assert "<html" not in html  # a fragment, swapped into the editor page
    assert _check(client, "indicator_types: [").content.decode().count("live-problem") >= 1
    assert PolicyVersion.objects.count() == 1 and AuditEvent.objects.count() == events


def test_live_check_of_valid_text_shows_the_changes_against_the_version_in_force(
    baseline_policy, client, users
):
    client.force_login(users["member_admin"])
    changed = BASELINE_PATH.read_text().replace(
        "signup_ip: generalize:ipv4/24", "signup_ip: drop", 1
    )
    html = _check(client, changed).content.decode()
    assert 'data-testid="live-ok"' in html
    assert 'data-testid="diff-account-cluster"' in html and "generalize:ipv4/24" in html


@pytest.mark.parametrize("role", ["analyst", "legal_reviewer", "regulator", "third_analyst"])
def test_live_check_is_refused_to_those_who_do_not_draft(baseline_policy, client, users, role):
    client.force_login(users[role])
    assert _check(client, BASELINE_PATH.read_text()).status_code == 403


def test_drafter_sees_the_diff_before_submitting_and_counsel_a_link_to_simulate(
    baseline_policy, client, users
):
    rules = baseline_rules()
    rules["indicator_types"]["account-cluster"]["fields"]["signup_ip"] = "drop"
    draft = policy_version_draft_create(actor=users["member_admin"], rules=rules)
    client.force_login(users["member_admin"])
    html = client.get(reverse("policy-version", args=[draft.pk])).content.decode()
    assert 'data-testid="drafter-diff"' in html and "generalize:ipv4/24" in html
    assert "simulate-version" not in html  # only counsel simulate
    policy_version_submit(actor=users["member_admin"], version=draft)
    client.force_login(users["counsel"])
    review = client.get(reverse("policy-version-review", args=[draft.pk])).content.decode()
    link = f"{reverse('insights-simulation')}?version={draft.pk}"
    assert link in review
    page = client.get(link).content.decode()
    assert f'<option value="{draft.pk}" selected>' in page


def test_simulation_page_explains_an_empty_select(baseline_policy, client, users):
    client.force_login(users["counsel"])
    html = client.get(reverse("insights-simulation")).content.decode()
    assert "No draft or pending version to simulate" in html
    assert reverse("policy-draft-new") in html
    assert '<select name="version"' not in html
