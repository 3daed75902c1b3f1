"""`GET /api/v1/indicators/export.stix`: exactly what the caller may see, valid STIX."""

from __future__ import annotations

import json

import pytest

from sharing import stix
from tests.interop.helpers import assert_valid_bundle, assert_valid_object

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/indicators/export.stix"


def test_recipient_exports_a_valid_bundle_in_redacted_form(client, users, publish):
    indicator = publish("198.51.100.50")
    client.force_login(users["other_analyst"])
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/stix+json;version=2.1"
    bundle = response.json()
    assert_valid_bundle(response.content.decode())
    for obj in bundle["objects"]:
        assert_valid_object(obj)
    (exported,) = [o for o in bundle["objects"] if o["type"] == "indicator"]
    assert exported["id"] == indicator.stix_id
    assert "198.51.100.50" not in response.content.decode()
    assert stix.organization_identity_id(indicator.contributor) not in json.dumps(bundle)
    assert client.get(URL).content == response.content  # re-export is identical


def test_export_applies_the_feed_filters(client, users, publish):
    publish("198.51.100.51")
    client.force_login(users["other_analyst"])
    none = client.get(URL, {"type": "account-cluster"}).json()
    assert not [o for o in none["objects"] if o["type"] in ("indicator", "note")]
    red = client.get(URL, {"tlp": "RED"}).json()
    assert not [o for o in red["objects"] if o["type"] in ("indicator", "note")]
    amber = client.get(URL, {"tlp": "amber"}).json()
    assert len([o for o in amber["objects"] if o["type"] == "indicator"]) == 1


def test_outsider_exports_nothing_and_anonymous_is_refused(client, users, publish, make_org):
    from governance.roles import OrgKind, Role
    from tests.factories import member_user

    publish("198.51.100.52")
    outsider = member_user(
        "umbrella-analyst", make_org(slug="umbrella", name="Umbrella", kind=OrgKind.MEMBER),
        Role.ANALYST,
    )  # fmt: skip
    assert client.get(URL).status_code in (401, 403)
    client.force_login(outsider)
    bundle = client.get(URL).json()
    assert not [o for o in bundle["objects"] if o["type"] in ("indicator", "note")]


def test_every_export_is_an_audit_event_without_indicator_values(client, users, publish):
    from audit.actions import INDICATORS_EXPORTED
    from audit.models import AuditEvent

    publish("198.51.100.60")
    client.force_login(users["other_analyst"])
    assert client.get(URL, {"tlp": "AMBER"}).status_code == 200
    event = AuditEvent.objects.get(action=INDICATORS_EXPORTED)
    assert event.actor_username == users["other_analyst"].username
    assert event.data["count"] == 1 and event.data["filters"] == {"tlp": "AMBER"}
    assert "198.51.100.60" not in bytes(event.leaf).decode()
