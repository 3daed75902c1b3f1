"""The public checkpoint feed and consistency proofs between published checkpoints."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit import keys
from audit.core.merkle import verify_consistency
from audit.core.report_verify import check_consistency
from audit.core.signed_note import open_note, parse_checkpoint

pytestmark = pytest.mark.django_db


def test_feed_lists_every_signed_checkpoint_with_a_verifying_note(client, shared_log):
    first, second = shared_log
    feed = client.get(reverse("transparency:checkpoints")).json()
    assert feed["key"] == keys.verifier_key_text()
    assert [c["size"] for c in feed["checkpoints"]] == [first.size, second.size]
    for item in feed["checkpoints"]:
        body, _ = open_note(item["note"], [keys.verifier()])
        assert parse_checkpoint(body).size == item["size"]
    text = client.get(reverse("transparency:checkpoints_text")).content.decode()
    assert f"{second.size} {second.root_hash} " in text
    note = client.get(reverse("transparency:checkpoint_note", args=[first.size]))
    assert note.content.decode() == first.note
    assert client.get(reverse("transparency:checkpoint_note", args=[99999])).status_code == 404


def test_consistency_proof_between_published_checkpoints_verifies(client, shared_log):
    first, second = shared_log
    response = client.get(reverse("transparency:consistency", args=[first.size, second.size]))
    assert response.status_code == 200
    proof = response.json()
    assert verify_consistency(
        first.size,
        second.size,
        bytes.fromhex(first.root_hash),
        bytes.fromhex(second.root_hash),
        [bytes.fromhex(h) for h in proof["proof"]],
    )
    old, new = check_consistency(proof, keys.verifier())
    assert (old.size, new.size) == (first.size, second.size)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/transparency/checkpoints/consistency/x/1/", 404),
        ("/transparency/checkpoints/consistency/-1/1/", 404),
        ("/transparency/checkpoints/consistency/99999999999999999999/99999999999999999999/", 404),
        ("/transparency/checkpoints/consistency/2/1/", 400),
        ("/transparency/checkpoints/consistency/1/99999/", 404),
    ],
)
def test_bad_consistency_requests_are_clear_4xx(client, shared_log, path, status):
    response = client.get(path)
    assert response.status_code == status
    if status == 400 or path.endswith("/99999/"):
        assert "detail" in response.json()
