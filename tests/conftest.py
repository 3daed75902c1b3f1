"""Shared fixtures: organizations and users for each role, an outsider, and test plumbing."""

from __future__ import annotations

import pytest

# Fixture modules every test directory shares, registered once here instead of re-imported with
# `noqa` into each directory's conftest.
pytest_plugins = [
    "tests.governance.fixtures",
    "tests.identity.fixtures",
    "tests.security.fixtures",
    "tests.sharing.fixtures",
    "tests.sharing.fixtures_correlation",
]


def _sql_flush_past_audit_triggers(
    self, style, tables, *, reset_sequences=False, allow_cascade=False
):
    """Let the test runner empty the append-only audit tables between transactional tests.

    Only a superuser can set session_replication_role (the test database's owner); the app's
    own database role cannot, so this does not weaken the triggers in production.
    """
    statements = _ORIGINAL_SQL_FLUSH(
        self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
    )
    if not statements:
        return statements
    return [
        "SET session_replication_role = replica;",
        *statements,
        "SET session_replication_role = DEFAULT;",
    ]


_ORIGINAL_SQL_FLUSH = None


def _sqlite_flush_past_audit_triggers(
    self, style, tables, *, reset_sequences=False, allow_cascade=False
):
    """Let the test runner empty the append-only tables of a SQLite test database.

    SQLite has no switch that turns triggers off (PostgreSQL's session_replication_role), so
    the flush drops the migrations' triggers, empties the tables and installs the same triggers
    again, all in the flush's one transaction.
    """
    statements = _ORIGINAL_SQLITE_FLUSH(
        self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
    )
    if not statements:
        return statements
    with self.connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        triggers = cursor.fetchall()
    return [
        *(f'DROP TRIGGER "{name}";' for name, _ in triggers),
        *statements,
        *(f"{sql};" for _, sql in triggers),
    ]


_ORIGINAL_SQLITE_FLUSH = None


def pytest_configure(config):
    """Install the flush wrapper when Django is in play (pure-module runs skip it)."""
    global _ORIGINAL_SQL_FLUSH, _ORIGINAL_SQLITE_FLUSH
    try:
        from django.db.backends.postgresql.operations import DatabaseOperations
        from django.db.backends.sqlite3.base import DatabaseOperations as SQLiteOperations
    except ImportError:
        return
    if _ORIGINAL_SQL_FLUSH is None:
        _ORIGINAL_SQL_FLUSH = DatabaseOperations.sql_flush
        DatabaseOperations.sql_flush = _sql_flush_past_audit_triggers
    if _ORIGINAL_SQLITE_FLUSH is None:
        _ORIGINAL_SQLITE_FLUSH = SQLiteOperations.sql_flush
        SQLiteOperations.sql_flush = _sqlite_flush_past_audit_triggers
    from django.conf import settings

    if settings.configured:
        # PBKDF2 dominates the cost of creating fixture users; tests do not need it. Set here,
        # not per test, so live-server threads and the demo seed use the same hasher.
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        from tests import second_factor

        second_factor.install()


@pytest.fixture
def make_org(db):
    from tests.factories import OrganizationFactory

    return OrganizationFactory


@pytest.fixture
def make_user(db):
    from tests.factories import member_user

    return member_user


@pytest.fixture
def orgs(db):
    """Three member labs, the secretariat and a regulator."""
    from governance.roles import OrgKind
    from tests.factories import OrganizationFactory

    return {
        "acme": OrganizationFactory(slug="acme", name="Acme AI", kind=OrgKind.MEMBER),
        "globex": OrganizationFactory(slug="globex", name="Globex Labs", kind=OrgKind.MEMBER),
        "initech": OrganizationFactory(slug="initech", name="Initech", kind=OrgKind.MEMBER),
        "forum": OrganizationFactory(slug="forum", name="Forum", kind=OrgKind.SECRETARIAT),
        "regulator": OrganizationFactory(
            slug="authority", name="Authority", kind=OrgKind.REGULATOR
        ),
    }


@pytest.fixture
def users(orgs):
    """One user per role at Acme, counsel, a regulator, and Globex users (other org)."""
    from governance.roles import Role
    from tests.factories import member_user

    return {
        "analyst": member_user("acme-analyst", orgs["acme"], Role.ANALYST),
        "member_admin": member_user("acme-admin", orgs["acme"], Role.MEMBER_ADMIN),
        "legal_reviewer": member_user("acme-legal", orgs["acme"], Role.LEGAL_REVIEWER),
        "counsel": member_user("counsel", orgs["forum"], Role.COUNSEL),
        "counsel2": member_user("counsel2", orgs["forum"], Role.COUNSEL),
        "regulator": member_user("regulator", orgs["regulator"], Role.REGULATOR),
        "other_analyst": member_user("globex-analyst", orgs["globex"], Role.ANALYST),
        "other_admin": member_user("globex-admin", orgs["globex"], Role.MEMBER_ADMIN),
        "other_legal": member_user("globex-legal", orgs["globex"], Role.LEGAL_REVIEWER),
        "third_analyst": member_user("initech-analyst", orgs["initech"], Role.ANALYST),
    }


@pytest.fixture
def export_dir(settings, tmp_path):
    """Write audit exports under a temporary directory; return it."""
    settings.CLEARROOM_EXPORT_DIR = tmp_path / "exports"
    return settings.CLEARROOM_EXPORT_DIR
