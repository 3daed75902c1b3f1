"""The pure checks of the forum's documents and of counsel's assessment."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from membership.core.documents import (
    check_assessment,
    check_charter,
    check_criteria,
    normalised,
)
from membership.core.tokens import new_token, token_hash
from tests.membership.helpers import CHARTER, criteria


def test_valid_documents_have_no_problems():
    assert check_criteria(criteria()) == []
    assert check_charter(CHARTER) == []


def test_criteria_need_unique_well_formed_keys_and_text():
    doc = criteria(
        criteria=[
            {"key": "a", "title": "A", "description": "x"},
            {"key": "a", "title": "B", "description": "y"},
            {"key": "Bad Key", "title": "", "description": "z"},
        ]
    )
    fields = {p["field"] for p in check_criteria(doc)}
    assert fields == {"criteria.1.key", "criteria.2.key", "criteria.2.title"}
    assert check_criteria(criteria(criteria=[]))[0]["field"] == "criteria"
    assert check_criteria("text")[0]["field"] == ""


def test_charter_needs_a_title_and_a_text():
    assert {p["field"] for p in check_charter({"title": " ", "text": ""})} == {"title", "text"}


def test_normalised_keeps_only_known_keys():
    doc = criteria(extra="dropped")
    assert "extra" not in normalised("criteria", doc)
    assert normalised("charter", {**CHARTER, "x": 1}) == CHARTER


def test_acceptance_needs_every_criterion_met_and_refusal_one_not_met():
    keys = ["a", "b"]
    assert check_assessment(keys, {"a": True, "b": True}, accept=True) == (
        {"a": True, "b": True},
        [],
    )
    _, problems = check_assessment(keys, {"a": True, "b": False}, accept=True)
    assert problems[0]["field"] == "decision"
    _, problems = check_assessment(keys, {"a": True, "b": True}, accept=False)
    assert problems[0]["field"] == "decision"
    _, problems = check_assessment(keys, {"a": True}, accept=False)
    assert problems == [{"field": "assessment.b", "message": "mark it met or not met"}]
    _, problems = check_assessment(keys, {"a": True, "b": False, "c": True}, accept=False)
    assert problems == [{"field": "assessment.c", "message": "not a criterion in force"}]


@given(st.dictionaries(st.sampled_from(["a", "b", "c"]), st.booleans()), st.booleans())
def test_an_accepted_assessment_always_marks_every_criterion_met(assessment, accept):
    marks, problems = check_assessment(["a", "b"], assessment, accept=accept)
    if not problems and accept:
        assert marks == {"a": True, "b": True}
    if not problems and not accept:
        assert set(marks) == {"a", "b"} and not all(marks.values())


def test_tokens_are_unguessable_and_stored_only_hashed():
    secret, hashed = new_token()
    other, _ = new_token()
    assert secret != other and len(secret) >= 40
    assert hashed == token_hash(secret) and secret not in hashed
