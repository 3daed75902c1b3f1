"""Page URLs of the sharing app: submissions and watchlist, review and indicators, insights."""

from django.urls import path

from sharing.views import case, indicators, insights, review, submissions

urlpatterns = [
    # submissions and the watchlist
    path("submissions/", submissions.submission_list_page, name="submission-list"),
    path("submissions/new/", submissions.submission_new, name="submission-new"),
    path("submissions/<uuid:pk>/", submissions.submission_detail_page, name="submission-detail"),
    path(
        "submissions/<uuid:pk>/withdraw/",
        submissions.submission_withdraw_page,
        name="submission-withdraw",
    ),
    path("watchlist/", submissions.watchlist_page, name="watchlist"),
    path("watchlist/<int:pk>/remove/", submissions.watchlist_remove_page, name="watchlist-remove"),
    # review, indicators and markings
    path("review/", review.queue, name="review-queue"),
    path("review/claim-next/", review.claim_next, name="review-claim-next"),
    path("review/tasks/<int:pk>/", review.task_detail, name="review-task"),
    path("review/tasks/<int:pk>/claim/", review.claim, name="review-task-claim"),
    path("review/tasks/<int:pk>/release/", review.release, name="review-task-release"),
    path("review/tasks/<int:pk>/decide/", review.decide, name="review-task-decide"),
    path("review/tasks/<int:pk>/reassign/", review.reassign, name="review-task-reassign"),
    path("review/recalls/", review.recalls, name="review-recalls"),
    path("indicators/", indicators.indicator_list_page, name="indicator-list"),
    path(
        "indicators/export.stix",
        indicators.indicator_export_page,
        {"fmt": "stix"},
        name="feed-export-stix",
    ),
    path(
        "indicators/export.csv",
        indicators.indicator_export_page,
        {"fmt": "csv"},
        name="feed-export-csv",
    ),
    path("indicators/<uuid:pk>/", indicators.indicator_detail_page, name="indicator-detail"),
    path("indicators/<uuid:pk>/withdraw/", indicators.withdraw, name="indicator-withdraw"),
    path("indicators/<uuid:pk>/legal-hold/", indicators.legal_hold, name="indicator-legal-hold"),
    path("markings/acknowledge/", indicators.acknowledge, name="marking-acknowledge"),
    path("cases/<uuid:pk>/", case.case_page, name="case-timeline"),
    path(
        "cases/for/<str:object_type>/<str:object_id>/",
        case.case_for_object,
        name="case-for-object",
    ),
    # insights
    path("insights/campaigns/", insights.campaigns, name="insights-campaigns"),
    path("insights/statistics/", insights.statistics, name="insights-statistics"),
    path(
        "insights/statistics/compile/",
        insights.statistics_compile,
        name="insights-statistics-compile",
    ),
    path("insights/simulation/", insights.simulation, name="insights-simulation"),
]
