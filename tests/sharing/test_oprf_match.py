"""clearroom-match against a live server: it finds exactly the feed's matches, and the forum's
database and logs never hold a value the lab checked."""

from __future__ import annotations

import io
import logging
import tomllib
from pathlib import Path

import pytest
from django.db import connection

from governance.services.accounts import api_token_create
from sharing.core import match
from sharing.stix import stix_object_id
from tests.sharing.fixtures_correlation import cluster

# What Acme checks. Two values are in clusters Globex published; the rest are Acme's own
# customers, which must never reach the forum in any form.
IN_FEED = ["Farm.Shared@Mailinator.example", "fp-globex-77"]
PRIVATE = [
    "acme-customer-4471@example.org",
    "acme.vip.customer@example.com",
    "fp-acme-private-0091",
    "+44 20 7946 0958",
]


@pytest.fixture
def feed(users, orgs, publish):
    globex = publish(
        users["other_analyst"],
        orgs["globex"],
        cluster(
            "farm.shared@mailinator.example", "other@mailinator.example", fingerprint="fp-globex-77"
        ),
    )
    return globex


@pytest.fixture
def token(users, orgs):
    _, secret = api_token_create(
        actor=users["member_admin"], user=users["analyst"], organization=orgs["acme"], name="match"
    )
    return secret


def _run(live_server, token, identifiers, tmp_path, *extra):
    source = tmp_path / "mine.txt"
    source.write_text("\n".join(identifiers) + "\n")
    out = io.StringIO()
    code = match.main([str(source), "--url", live_server.url, "--token", token, *extra], out=out)
    return code, out.getvalue()


def _all_database_text() -> str:
    """Return every row of every table (text, JSON and bytes columns alike) as one text."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (introspected names)
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        value = bytes(value).decode("utf-8", "replace")
                    chunks.append(str(value))
    return "\n".join(chunks).casefold()


def test_match_finds_the_feed_values_and_the_forum_never_holds_the_others(
    live_server, feed, token, tmp_path, caplog, capfd
):
    caplog.set_level(logging.DEBUG)
    code, printed = _run(live_server, token, IN_FEED + PRIVATE, tmp_path, "--batch-size", "2")
    assert code == 0
    found = {line.split("\t")[0]: line.split("\t")[1] for line in printed.splitlines()}
    assert set(found) == set(IN_FEED)
    assert all(ids.split() == [stix_object_id(feed)] for ids in found.values())
    database = _all_database_text()
    # The scan reads JSON columns: the original Globex submitted is there, held for re-keying.
    assert "farm.shared@mailinator.example" in database
    logs = "\n".join(r.getMessage() for r in caplog.records).casefold()
    server_output = "".join(capfd.readouterr()).casefold()
    for value in PRIVATE:
        for form in {value.casefold(), match.canonical_form(value)}:
            assert form not in database, value
            assert form not in logs, value
            assert form not in server_output, value
    # The forum saw four batches of blinded elements (batch size 2), by count only.
    from audit.models import AuditEvent

    events = AuditEvent.objects.filter(action="oprf.evaluated", actor_org="acme")
    assert sorted(e.data["elements"] for e in events) == [2, 2, 2]


def test_a_refused_token_stops_the_run_with_a_message(live_server, tmp_path, capsys, db):
    code, printed = _run(live_server, "cr_not-a-token", ["a@example.com"], tmp_path)
    assert code == 1 and printed == ""
    assert "401" in capsys.readouterr().err


def test_a_rate_limit_is_reported_with_its_wait(live_server, token, tmp_path, capsys, settings):
    settings.CLEARROOM_OPRF_RATE_PER_MINUTE = 1
    code, _ = _run(live_server, token, ["a@example.com", "b@example.com"], tmp_path)
    assert code == 1
    assert "429" in (err := capsys.readouterr().err) and "retry after" in err


def test_datatypes_match_what_intake_pseudonymises():
    assert match.canonical_form(" Alice@EXAMPLE.com ") == "alice@example.com"
    assert match.canonical_form("198.51.100.023".replace("023", "23")) == "198.51.100.23"
    assert match.canonical_form("FP-Canvas  WebGL") == "fp-canvas webgl"


def test_the_console_script_is_declared():
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["clearroom-match"] == "sharing.core.match:main"
    assert callable(match.main)


def test_pseudonyms_under_older_keys_are_counted_as_uncheckable():
    feed = [
        ("a", {"emails": ["hmac:k1:" + "a" * 64, "oprf:o1:" + "b" * 128]}),
        ("b", {"text": "seen oprf:o0:" + "c" * 128 + " twice", "fp": "oprf:o1:" + "d" * 128}),
    ]
    assert match.uncheckable_tokens(feed, "o1") == 2
    assert match.uncheckable_tokens([], "o1") == 0
