import pytest

from tests.membership.helpers import CHARTER, approve_document, criteria


@pytest.fixture
def criteria_doc(users):
    """Admission criteria in force (drafted by counsel, approved by counsel2)."""
    return approve_document(
        "criteria", criteria(), drafter=users["counsel"], approver=users["counsel2"]
    )


@pytest.fixture
def charter_doc(users):
    """An antitrust charter in force: every page now asks for acceptance first."""
    return approve_document(
        "charter", dict(CHARTER), drafter=users["counsel"], approver=users["counsel2"]
    )
