from django.urls import reverse

from governance.navigation_registry import NavItem
from governance.permissions import can
from governance.roles import Capability
from sharing.core import lifecycle
from sharing.selectors.indicators import pending_markings
from sharing.selectors.review import review_task_list
from sharing.selectors.submissions import submission_list

INBOX_LIMIT = 10

NAV_ITEMS: list = [
    NavItem("Submit", "submission-new", (Capability.SUBMIT,), 10),
    NavItem("My submissions", "submission-list", (Capability.VIEW_OWN_SUBMISSIONS,), 20),
    NavItem("Watchlist", "watchlist", (Capability.MANAGE_WATCHLIST,), 80, section="Settings"),
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
        "Campaigns",
        "insights-campaigns",
        (Capability.READ_FEED, Capability.READ_ALL_PUBLISHED),
        50,
        section="Insights",
    ),
    NavItem(
        "Statistics",
        "insights-statistics",
        (Capability.READ_FEED, Capability.READ_ALL_PUBLISHED),
        55,
        section="Insights",
    ),
    NavItem(
        "Policy simulation",
        "insights-simulation",
        (Capability.APPROVE_POLICY,),
        73,
        section="Policy",
    ),
]


def submission_panels(user) -> list[dict]:
    """Return the dashboard panel of the user's organizations' submissions under review."""
    if not can(user, Capability.VIEW_OWN_SUBMISSIONS):
        return []
    count = submission_list(actor=user, filters={"state": lifecycle.IN_REVIEW}).count()
    url = reverse("submission-list") + f"?state={lifecycle.IN_REVIEW}"
    return [{"title": "My organization's submissions in review", "count": count, "url": url}]


def inbox(user) -> list[dict]:
    """Return the review tasks of the user's queues (soonest due first) and terms to accept."""
    items: list[dict] = []
    if can(user, Capability.REVIEW_ORIGIN) or can(user, Capability.REVIEW_FORUM):
        for task in review_task_list(actor=user)[:INBOX_LIMIT]:
            held = " · claimed by you" if task.assignee_id == user.pk else ""
            items.append(
                {
                    "kind": "Review task",
                    "label": f"{task.submission.indicator_type.name} from "
                    f"{task.submission.organization.name} ({task.get_stage_display()}){held}",
                    "url": reverse("review-task", args=[task.pk]),
                    "due": task.due_at,
                }
            )
    if can(user, Capability.READ_FEED):
        for marking in pending_markings(actor=user):
            items.append(
                {
                    "kind": "Terms to accept",
                    "label": f"Handling terms of {marking}",
                    "url": reverse("indicator-list"),
                    "due": None,
                }
            )
    return items


def dashboard_panels(user) -> list[dict]:
    """Return this app's dashboard panels for `user`."""
    return submission_panels(user)
