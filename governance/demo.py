"""Demo organizations, users, catalog and approved baseline policy (`manage.py seed_demo`).

Demo passwords are for demos only.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from audit.actors import SYSTEM
from governance.models import Membership, Organization
from governance.roles import OrgKind, Role
from governance.selectors.policy import policy_version_in_force
from governance.services.accounts import membership_create, organization_create
from governance.services.catalog import BASELINE_POLICY_PATH, indicator_types_sync
from governance.services.policy import (
    policy_version_approve,
    policy_version_draft_create,
    policy_version_submit,
)

DEMO_PASSWORD = "clearroom-demo-2026"

ORGANIZATIONS = [
    ("forum", "Frontier AI Security Forum — Secretariat", OrgKind.SECRETARIAT),
    ("competition-authority", "Competition Authority (demo regulator)", OrgKind.REGULATOR),
    ("northwind", "Northwind AI", OrgKind.MEMBER),
    ("halcyon", "Halcyon Labs", OrgKind.MEMBER),
    ("meridian", "Meridian Systems", OrgKind.MEMBER),
]

# username, first name, last name, org slug, role
USERS = [
    ("counsel", "Cora", "Counsel", "forum", Role.COUNSEL),
    ("regulator", "Reza", "Regulator", "competition-authority", Role.REGULATOR),
]
for _slug, _name in (("northwind", "Northwind"), ("halcyon", "Halcyon"), ("meridian", "Meridian")):
    USERS += [
        (f"{_slug}-analyst", "Ana", f"Lyst ({_name})", _slug, Role.ANALYST),
        (f"{_slug}-admin", "Adam", f"Admin ({_name})", _slug, Role.MEMBER_ADMIN),
        (f"{_slug}-legal", "Lena", f"Legal ({_name})", _slug, Role.LEGAL_REVIEWER),
    ]


def demo_email(username: str, slug: str) -> str:
    """The demo address of `username` of organization `slug` (one mail domain per lab)."""
    return f"{username}@{slug}.demo.invalid"


@transaction.atomic
def seed(stdout=None) -> dict[str, int]:
    """Create the demo organizations and users when missing; return what was created."""
    created = {"organizations": 0, "users": 0}
    orgs: dict[str, Organization] = {}
    for slug, name, kind in ORGANIZATIONS:
        org = Organization.objects.filter(slug=slug).first()
        if org is None:
            org = organization_create(actor=SYSTEM, slug=slug, name=name, kind=kind)
            created["organizations"] += 1
        orgs[slug] = org
    User = get_user_model()
    for username, first, last, slug, role in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                email=demo_email(username, slug),
            )
            created["users"] += 1
        elif user.email == f"{username}@demo.invalid":  # seeded before labs had own domains
            user.email = demo_email(username, slug)
            user.save(update_fields=["email"])
        if not Membership.objects.filter(user=user, organization=orgs[slug]).exists():
            membership_create(actor=SYSTEM, user=user, organization=orgs[slug], role=role)
    created["policy_versions"] = _seed_policy(User)
    if stdout is not None:
        stdout.write(
            f"organizations created: {created['organizations']}, "
            f"users created: {created['users']}, "
            f"policy versions approved: {created['policy_versions']}"
        )
    return created


def _seed_policy(User) -> int:
    """Sync the catalog and put the baseline policy in force (drafted by Northwind, by counsel)."""
    indicator_types_sync(actor=SYSTEM)
    if policy_version_in_force() is not None:
        return 0
    drafter = User.objects.get(username="northwind-admin")
    version = policy_version_draft_create(
        actor=drafter, text=BASELINE_POLICY_PATH.read_text(encoding="utf-8")
    )
    version = policy_version_submit(actor=drafter, version=version)
    policy_version_approve(
        actor=User.objects.get(username="counsel"),
        version=version,
        statement=(
            "Baseline reviewed against the forum's antitrust guidance: only technical threat "
            "information is shared in clear; personal data is pseudonymised or generalised; "
            "competitive and restricted information is dropped for every type."
        ),
    )
    return 1
