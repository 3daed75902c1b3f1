from governance.navigation_registry import NavItem
from governance.roles import Capability

NAV_ITEMS: list = [
    NavItem(
        "Review queue", "review-queue", (Capability.REVIEW_ORIGIN, Capability.REVIEW_FORUM), 30
    ),
    NavItem(
        "Published indicators",
        "indicator-list",
        (Capability.READ_FEED, Capability.READ_ALL_PUBLISHED),
        40,
    ),
]
