from django.urls import reverse

from governance.navigation_registry import NavItem
from governance.permissions import can
from governance.roles import Capability
from sharing.core import lifecycle
from sharing.selectors.submissions import submission_list

NAV_ITEMS: list = [
    NavItem("Submit", "submission-new", (Capability.SUBMIT,), 10),
    NavItem("My submissions", "submission-list", (Capability.VIEW_OWN_SUBMISSIONS,), 20),
    NavItem("Watchlist", "watchlist", (Capability.MANAGE_WATCHLIST,), 80),
    NavItem(
        "Review queue", "review-queue", (Capability.REVIEW_ORIGIN, Capability.REVIEW_FORUM), 30
    ),
    NavItem(
        "Published indicators",
        "indicator-list",
        (Capability.READ_FEED, Capability.READ_ALL_PUBLISHED),
        40,
    ),
    NavItem(
        "Campaigns", "insights-campaigns", (Capability.READ_FEED, Capability.READ_ALL_PUBLISHED), 50
    ),
    NavItem(
        "Statistics",
        "insights-statistics",
        (Capability.READ_FEED, Capability.READ_ALL_PUBLISHED),
        55,
    ),
    NavItem("Policy simulation", "insights-simulation", (Capability.APPROVE_POLICY,), 60),
]


def submission_panels(user) -> list[dict]:
    """Return the dashboard panel of the user's organizations' submissions under review."""
    if not can(user, Capability.VIEW_OWN_SUBMISSIONS):
        return []
    count = submission_list(actor=user, filters={"state": lifecycle.IN_REVIEW}).count()
    url = reverse("submission-list") + f"?state={lifecycle.IN_REVIEW}"
    return [{"title": "My organization's submissions in review", "count": count, "url": url}]


def dashboard_panels(user) -> list[dict]:
    """Return this app's dashboard panels for `user`."""
    return submission_panels(user)
