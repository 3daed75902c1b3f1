"""The README's clearroom-match run against the seeded demo on a live server (as `make run`)."""

from __future__ import annotations

import io
import os

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from governance.models import Organization
from governance.services.accounts import api_token_create
from sharing.core import match
from sharing.demo_match import CHECK_LIST, PLANTED
from sharing.services.publication import marking_acknowledge
from sharing.stix import stix_object_id


@pytest.fixture
def demo(transactional_db):
    with open(os.devnull, "w") as sink:
        call_command("seed_demo", "--force", stdout=sink)


def test_the_demo_list_finds_exactly_the_planted_identifiers(live_server, demo):
    from sharing.models import SharedIndicator

    admin = get_user_model().objects.get(username="halcyon-admin")
    # As the README says: accept the handling terms on the feed page, create a token.
    for marking in ("TLP:AMBER+STRICT", "TLP:AMBER", "PAP:GREEN"):
        marking_acknowledge(actor=admin, marking=marking)
    _, token = api_token_create(
        actor=admin, user=admin, organization=Organization.objects.get(slug="halcyon"), name="m"
    )
    out = io.StringIO()
    code = match.main([str(CHECK_LIST), "--url", live_server.url, "--token", token], out=out)
    assert code == 0
    rows = [line.split("\t") for line in out.getvalue().splitlines()]
    found = {match.canonical_form(identifier) for identifier, _ in rows}
    assert found == {match.canonical_form(value) for value in PLANTED}
    clusters = {
        stix_object_id(i)
        for i in SharedIndicator.objects.filter(indicator_type__key="account-cluster")
    }
    # The farm addresses and the fingerprint are in all three labs' clusters.
    assert {len(ids.split()) for _, ids in rows} == {1, 3}
    assert all(set(ids.split()) <= clusters for _, ids in rows)
