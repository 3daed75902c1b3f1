"""POST /api/v1/oprf/evaluate/: members evaluate blinded elements, counted, limited, audited."""

from __future__ import annotations

import base64
import json

import pytest
from django.urls import reverse

from sharing.core import oprf
from sharing.core.match import canonical_form
from sharing.core.redaction import pseudonymize_value
from sharing.keys import pseudonym_key, threshold_evaluator
from tests.sharing.oprf_helpers import URL, blind, evaluation_events, post_evaluation

pytestmark = pytest.mark.django_db


def test_route_name_is_the_documented_path():
    assert reverse("api-oprf-evaluate") == URL


def test_member_gets_the_pseudonym_intake_publishes(client, users, settings):
    value = "Farm01@Mailinator.example"
    pairs, body = blind(value)
    response = post_evaluation(client, users["analyst"], body)
    assert response.status_code == 200
    data = response.json()
    assert data["key_id"] == settings.CLEARROOM_PSEUDONYM_KEY_ID
    evaluated = base64.b64decode(data["evaluated_elements"][0])
    scalar, _ = pairs[0]
    token = oprf.token_text(
        data["key_id"], oprf.finalize(canonical_form(value).encode(), scalar, evaluated)
    )
    assert token == pseudonymize_value(value, "email", pseudonym_key())


def test_each_batch_is_one_audit_event_with_counts_only(client, users):
    values = ["alice@example.com", "bob@example.com", "+1 555 0100"]
    _, body = blind(*values)
    assert post_evaluation(client, users["analyst"], body).status_code == 200
    [event] = evaluation_events()
    assert event.data == {"elements": 3, "key_id": event.object_id}
    assert event.actor_org == "acme"
    text = json.dumps(event.data) + event.object_id
    for element in body["blinded_elements"]:
        assert element not in text


@pytest.mark.parametrize("who", ["counsel", "regulator"])
def test_oversight_may_not_evaluate(client, users, who):
    _, body = blind("alice@example.com")
    response = post_evaluation(client, users[who], body)
    assert response.status_code == 403
    assert not evaluation_events().exists()


def test_anonymous_is_refused(client):
    response = client.post(URL, data="{}", content_type="application/json")
    assert response.status_code in (401, 403)


@pytest.mark.parametrize(
    ("elements", "field"),
    [
        ([], "blinded_elements"),
        (["not base64!"], "blinded_elements[0]"),
        ([base64.b64encode(b"\x00" * 32).decode()], "blinded_elements[0]"),
        ([base64.b64encode(b"\xff" * 32).decode()], "blinded_elements[0]"),
        ([base64.b64encode(b"\x01" * 16).decode()], "blinded_elements[0]"),
    ],
    ids=["empty", "not-base64", "identity", "not-a-point", "short"],
)
def test_bad_elements_get_a_400_and_leave_nothing(client, users, elements, field):
    response = post_evaluation(client, users["analyst"], {"blinded_elements": elements})
    assert response.status_code == 400
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not evaluation_events().exists()


def test_a_batch_over_the_limit_is_refused(client, users, settings):
    settings.CLEARROOM_OPRF_MAX_BATCH = 2
    _, body = blind("a@example.com", "b@example.com", "c@example.com")
    response = post_evaluation(client, users["analyst"], body)
    assert response.status_code == 400
    assert not evaluation_events().exists()


def test_rate_limit_answers_429_with_retry_after(client, users, settings):
    settings.CLEARROOM_OPRF_RATE_PER_MINUTE = 3
    _, body = blind("a@example.com", "b@example.com")
    assert post_evaluation(client, users["analyst"], body).status_code == 200
    response = post_evaluation(client, users["analyst"], body)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert evaluation_events().count() == 1  # the refused batch was neither evaluated nor counted
    # The limit is per member organisation: Globex is not slowed by Acme's use.
    assert post_evaluation(client, users["other_analyst"], body).status_code == 200


def test_daily_quota_answers_429(client, users, settings):
    settings.CLEARROOM_OPRF_QUOTA_PER_DAY = 4
    _, body = blind("a@example.com", "b@example.com", "c@example.com")
    first = post_evaluation(client, users["analyst"], body)
    assert first.status_code == 200 and first.json()["quota_remaining"] == 1
    response = post_evaluation(client, users["analyst"], body)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 60
    # Another member of the same organisation shares the quota.
    assert post_evaluation(client, users["member_admin"], body).status_code == 429


def test_too_few_share_holders_answer_503(client, users, settings, tmp_path):
    settings.CLEARROOM_PSEUDONYM_KEY_DIR = tmp_path
    threshold_evaluator(settings.CLEARROOM_PSEUDONYM_KEY_ID)  # deal the shares
    folder = tmp_path / settings.CLEARROOM_PSEUDONYM_KEY_ID
    # Two of three holders withdraw their services: one share is left, two are needed.
    for name in ("volunteer-1", "volunteer-2"):
        (folder / f"{name}.credential").unlink()
    (folder / "manifest.json").touch()
    _, body = blind("alice@example.com")
    response = post_evaluation(client, users["analyst"], body)
    assert response.status_code == 503
    assert not evaluation_events().exists()


def test_a_holder_refuses_a_wrong_credential(settings, tmp_path):
    settings.CLEARROOM_PSEUDONYM_KEY_DIR = tmp_path
    evaluator = threshold_evaluator("t1")
    holder = evaluator.holders[0]
    from sharing.keys import CredentialRefused

    _, element = oprf.blind(b"x")
    with pytest.raises(CredentialRefused):
        holder.evaluate(credential="guess", participants=[1, 2], blinded_elements=[element])


def test_deal_command_creates_a_usable_key_once(settings, tmp_path):
    import io

    from django.core.management import CommandError, call_command

    settings.CLEARROOM_PSEUDONYM_KEY_DIR = tmp_path
    settings.GENERATE_SECRETS = False
    call_command(
        "oprf_deal_key", "p1", "--threshold", "2", "--holders", "a,b,c", stdout=io.StringIO()
    )
    evaluator = threshold_evaluator("p1")
    assert evaluator.threshold == 2 and [h.name for h in evaluator.holders] == ["a", "b", "c"]
    _, element = oprf.blind(b"x")
    assert len(evaluator([element])) == 1
    assert {p.stat().st_mode & 0o777 for p in (tmp_path / "p1").iterdir()} == {0o600}
    with pytest.raises(CommandError):
        call_command("oprf_deal_key", "p1", stdout=io.StringIO())


def test_a_missing_key_is_a_configuration_error_outside_demo_and_tests(settings, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    settings.CLEARROOM_PSEUDONYM_KEY_DIR = tmp_path
    settings.GENERATE_SECRETS = False
    with pytest.raises(ImproperlyConfigured):
        threshold_evaluator("absent")
    assert not (tmp_path / "absent").exists()
