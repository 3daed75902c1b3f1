"""factory_boy factories; they create through the services so audit events exist as in life."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from audit.actors import SYSTEM
from governance.models import Organization
from governance.roles import OrgKind
from governance.services.accounts import membership_create, organization_create
from tests.second_factor import enrol_totp

TEST_PASSWORD = "correct-horse-battery-staple"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    kind = OrgKind.MEMBER

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return organization_create(
            actor=SYSTEM, slug=kwargs["slug"], name=kwargs["name"], kind=kwargs["kind"]
        )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.django.Password(TEST_PASSWORD)


def member_user(username: str, organization: Organization, role: str):
    """Create a user holding `role` at `organization`, with an enrolled TOTP device."""
    user = UserFactory(username=username)
    membership_create(actor=SYSTEM, user=user, organization=organization, role=role)
    enrol_totp(user)
    return user
