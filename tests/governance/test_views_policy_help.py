"""Policy editing with help: the live check, the drafter's diff, the link to the simulation."""

from __future__ import annotations

import pytest
from django import forms
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


def _form_data(html_form) -> dict:
    """Return the data a browser would post for `html_form`'s initial values."""
    data: dict = {}
    for name, field in html_form.fields.items():
        value = html_form[name].value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif value not in (None, ""):
            data[name] = value
    return data


def test_type_form_round_trips_every_baseline_rule(baseline_policy, users, catalog):
    from governance.forms_policy import TypeRuleForm
    from governance.selectors.catalog import catalog_fields

    rules = baseline_rules()
    orgs = [("acme", "acme"), ("globex", "globex"), ("initech", "initech")]
    for key, rule in rules["indicator_types"].items():
        specs = catalog_fields()[key]
        shown = TypeRuleForm(rule=rule, field_specs=specs, orgs=orgs)
        posted = TypeRuleForm(_form_data(shown), rule=rule, field_specs=specs, orgs=orgs)
        assert posted.is_valid(), (key, posted.errors)
        assert posted.rule_value() == rule, key


def test_type_form_edit_shows_in_the_yaml_and_yaml_edit_in_the_form(baseline_policy, client, users):
    draft = policy_version_draft_create(actor=users["member_admin"], rules=baseline_rules())
    client.force_login(users["member_admin"])
    url = reverse("policy-draft-type", args=[draft.pk, "account-cluster"])
    page = client.get(url)
    form = page.context["form"]
    assert form["field_signup_ip"].value() == "generalize:ipv4/24"
    data = _form_data(form)
    data.update({"tlp": "RED", "field_signup_ip": "drop"})
    assert client.post(url, data).status_code == 302
    draft.refresh_from_db()
    rule = draft.rules["indicator_types"]["account-cluster"]
    assert rule["tlp"] == "RED" and rule["fields"]["signup_ip"] == "drop"
    yaml_text = client.get(reverse("policy-version", args=[draft.pk])).context["yaml"]
    assert "signup_ip: drop" in yaml_text
    # And the other way: an edit of the YAML shows in the form.
    client.post(
        reverse("policy-draft-edit", args=[draft.pk]),
        {"text": yaml_text.replace("signup_ip: drop", "signup_ip: mask:2", 1)},
    )
    assert client.get(url).context["form"]["field_signup_ip"].value() == "mask:2"


def test_type_form_refuses_a_bad_action_and_saves_nothing(baseline_policy, client, users):
    draft = policy_version_draft_create(actor=users["member_admin"], rules=baseline_rules())
    client.force_login(users["member_admin"])
    url = reverse("policy-draft-type", args=[draft.pk, "account-cluster"])
    data = _form_data(client.get(url).context["form"])
    data["field_signup_ip"] = "generalize:ipv4/99"
    html = client.post(url, data).content.decode()
    assert 'data-testid="policy-error"' in html and "signup_ip" in html
    draft.refresh_from_db()
    assert draft.rules == baseline_rules()


@pytest.mark.parametrize("role", ["other_admin", "analyst", "counsel"])
def test_only_the_drafter_edits_a_type_with_the_form(baseline_policy, client, users, role):
    draft = policy_version_draft_create(actor=users["member_admin"], rules=baseline_rules())
    client.force_login(users[role])
    url = reverse("policy-draft-type", args=[draft.pk, "account-cluster"])
    assert client.get(url).status_code == 403
