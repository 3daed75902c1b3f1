"""Reads of correlation, campaigns and statistics, scoped to what the acting user may learn.

Members learn only "seen by N members", and only when at least the policy's
`correlation.min_members` members other than their own stand behind N; they never learn which
members. Counsel and regulators (oversight) see the full linkage. Which indicators a caller sees
at all is decided by `indicator_list`, the one scoping of the feed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from config.errors import AccessDenied
from governance.models import Organization
from governance.permissions import can, is_oversight, memberships
from governance.roles import Capability, OrgKind
from governance.selectors.policy import policy_version_in_force
from sharing.core import correlation, safety_zone
from sharing.models import CorrelationToken, SharedIndicator, Statistic
from sharing.selectors.indicators import indicator_list
from sharing.services.correlation import live_indicators


@dataclass(frozen=True)
class SeenBy:
    """What the caller may learn about who else reported an indicator's pseudonyms.

    `organizations` is filled for oversight only; for members it is always None.
    """

    count: int
    organizations: tuple[Organization, ...] | None = None


@dataclass(frozen=True)
class CampaignRow:
    """One indicator of a campaign, as the caller may see it."""

    indicator: SharedIndicator
    seen_by: SeenBy | None
    own: bool
    contributor: Organization | None  # oversight only


@dataclass(frozen=True)
class CampaignView:
    """A campaign (connected component of linked indicators) as the caller may see it."""

    reference: str
    member_count: int
    rows: list[CampaignRow]
    organizations: tuple[Organization, ...] | None = None  # oversight only
    shared_tokens: tuple[str, ...] = field(default_factory=tuple)  # oversight only


def correlation_min_members() -> int:
    """Return the minimum number of other members behind a disclosed count (policy in force)."""
    version = policy_version_in_force()
    return correlation.min_members_of(version.rules if version else None)


def _member_org_ids(actor) -> set[int]:
    return {m.organization_id for m in memberships(actor) if m.organization.kind == OrgKind.MEMBER}


def _linkage() -> correlation.Linkage:
    rows = CorrelationToken.objects.filter(indicator__in=live_indicators()).values_list(
        "indicator_id", "indicator__contributor_id", "canonical"
    )
    return correlation.link(
        correlation.Entry(indicator=i, organization=o, token=t) for i, o, t in rows
    )


class _Disclosure:
    """Decide, for one caller, what each set of organizations behind a pseudonym reveals."""

    def __init__(self, actor) -> None:
        self.oversight = is_oversight(actor)
        self.viewer = _member_org_ids(actor)
        self.min_members = correlation_min_members()
        self._orgs: dict[int, Organization] = {}

    def seen_by(self, organization_ids: frozenset) -> SeenBy | None:
        if self.oversight:
            if len(organization_ids) < 2:
                return None
            return SeenBy(count=len(organization_ids), organizations=self.orgs(organization_ids))
        count = correlation.disclosed_count(organization_ids, self.viewer, self.min_members)
        return None if count is None else SeenBy(count=count)

    def orgs(self, ids) -> tuple[Organization, ...]:
        missing = [i for i in ids if i not in self._orgs]
        if missing:
            self._orgs.update({o.pk: o for o in Organization.objects.filter(pk__in=missing)})
        return tuple(sorted((self._orgs[i] for i in ids), key=lambda o: o.name))


def seen_by_counts(*, actor, indicators) -> dict:
    """Return {indicator id: SeenBy} for the given indicators the caller may read.

    Indicators without a disclosable count are absent. For the feed and submission pages:
    pass the page's indicators and show `seen_by.count` as a badge.
    """
    wanted = {i.pk for i in indicators}
    visible = set(indicator_list(actor=actor).filter(pk__in=wanted).values_list("pk", flat=True))
    linkage = _linkage()
    disclosure = _Disclosure(actor)
    found = {}
    for pk in visible:
        seen = disclosure.seen_by(linkage.organizations_of(pk))
        if seen is not None:
            found[pk] = seen
    return found


def correlated_indicator_list(*, actor) -> list[tuple[SharedIndicator, SeenBy]]:
    """Return the caller's readable indicators that carry a disclosable "seen by N", newest first.

    Members' own indicators come first (they are what a member most wants to check).
    """
    linkage = _linkage()
    disclosure = _Disclosure(actor)
    candidates = [i for i, orgs in linkage.organizations_by_indicator.items() if len(orgs) > 1]
    found = []
    for indicator in indicator_list(actor=actor).filter(pk__in=candidates):
        seen = disclosure.seen_by(linkage.organizations_of(indicator.pk))
        if seen is not None:
            found.append((indicator, seen))
    found.sort(key=lambda pair: pair[0].contributor_id not in disclosure.viewer)
    return found


def _reference(indicator_ids) -> str:
    digest = hashlib.sha256("\n".join(sorted(map(str, indicator_ids))).encode()).hexdigest()
    return f"C-{digest[:8]}"


def campaign_list(*, actor) -> list[CampaignView]:
    """Return the campaigns the caller may see, with the indicators of each they may read.

    Oversight sees every campaign with its organizations and shared pseudonyms. A member sees a
    campaign only when its member count is disclosable to them, and only the indicators in it
    they may read, never who contributed the others.
    """
    linkage = _linkage()
    disclosure = _Disclosure(actor)
    in_campaign = {i for c in linkage.campaigns for i in c.indicators}
    readable = {i.pk: i for i in indicator_list(actor=actor).filter(pk__in=list(in_campaign))}
    views = []
    for campaign in linkage.campaigns:
        rows = []
        for pk in sorted(campaign.indicators, key=str):
            indicator = readable.get(pk)
            if indicator is None:
                continue
            rows.append(
                CampaignRow(
                    indicator=indicator,
                    seen_by=disclosure.seen_by(linkage.organizations_of(pk)),
                    own=indicator.contributor_id in disclosure.viewer,
                    contributor=indicator.contributor if disclosure.oversight else None,
                )
            )
        if not rows:
            continue
        if disclosure.oversight:
            views.append(
                CampaignView(
                    reference=_reference(campaign.indicators),
                    member_count=len(campaign.organizations),
                    rows=rows,
                    organizations=disclosure.orgs(campaign.organizations),
                    shared_tokens=tuple(sorted(campaign.tokens)),
                )
            )
            continue
        count = correlation.disclosed_count(
            campaign.organizations, disclosure.viewer, disclosure.min_members
        )
        if count is None:
            continue
        rows.sort(key=lambda r: r.indicator.published_at, reverse=True)
        views.append(
            CampaignView(reference=_reference(campaign.indicators), member_count=count, rows=rows)
        )
    return views


# --- statistics -------------------------------------------------------------------------


@dataclass(frozen=True)
class StatisticView:
    """A statistic of the policy in force and its latest compilation, as the caller may see it."""

    name: str
    spec: safety_zone.AggregateSpec
    latest: Statistic | None
    reasons: list[dict] | None  # counsel only

    @property
    def published(self) -> bool:
        return self.latest is not None and self.latest.status == Statistic.Status.PUBLISHED


def may_compile_statistics(actor) -> bool:
    """Return True for counsel, who trigger the secretariat's compilation."""
    return can(actor, Capability.APPROVE_POLICY)


def _require_participant(actor) -> None:
    if not memberships(actor):
        raise AccessDenied("You need a role in an organization to see statistics.")


def statistic_list(*, actor) -> list[StatisticView]:
    """Return the statistics the policy in force defines, each with its latest compilation.

    Everybody in the forum sees published values and that a statistic is withheld; only counsel
    see why.
    """
    _require_participant(actor)
    version = policy_version_in_force()
    aggregates = (version.rules.get("aggregates") or {}) if version else {}
    counsel = may_compile_statistics(actor)
    latest: dict[str, Statistic] = {}
    for row in Statistic.objects.filter(name__in=list(aggregates)).order_by(
        "name", "-compiled_at", "-id"
    ):
        latest.setdefault(row.name, row)
    return [
        StatisticView(
            name=name,
            spec=safety_zone.AggregateSpec.from_rules(name, aggregates[name]),
            latest=latest.get(name),
            reasons=(list(latest[name].reasons) if counsel and name in latest else None),
        )
        for name in sorted(aggregates)
    ]
