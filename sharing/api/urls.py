"""REST API URLs of the sharing app (under /api/v1/): submissions, review and indicators,
insights, the STIX export."""

from django.urls import path

from sharing.api import indicators, insights, oprf, review, submissions
from sharing.api.export import IndicatorExportView

urlpatterns = [
    # submissions
    path("submissions/", submissions.SubmissionListApi.as_view(), name="api-submissions"),
    path("submissions/bulk/", submissions.SubmissionBulkApi.as_view(), name="api-submissions-bulk"),
    path(
        "submissions/preview/",
        submissions.SubmissionPreviewApi.as_view(),
        name="api-submissions-preview",
    ),
    path(
        "submissions/<uuid:pk>/",
        submissions.SubmissionDetailApi.as_view(),
        name="api-submission",
    ),
    path(
        "submissions/<uuid:pk>/withdraw/",
        submissions.SubmissionWithdrawApi.as_view(),
        name="api-submission-withdraw",
    ),
    # review, indicators and markings
    path("review-tasks/", review.ReviewTaskListApi.as_view(), name="api-review-tasks"),
    path(
        "review-tasks/claim-next/",
        review.ReviewTaskClaimNextApi.as_view(),
        name="api-review-tasks-claim-next",
    ),
    path("review-tasks/<int:pk>/", review.ReviewTaskDetailApi.as_view(), name="api-review-task"),
    path(
        "review-tasks/<int:pk>/claim/",
        review.ReviewTaskClaimApi.as_view(),
        name="api-review-task-claim",
    ),
    path(
        "review-tasks/<int:pk>/release/",
        review.ReviewTaskReleaseApi.as_view(),
        name="api-review-task-release",
    ),
    path(
        "review-tasks/<int:pk>/reassign/",
        review.ReviewTaskReassignApi.as_view(),
        name="api-review-task-reassign",
    ),
    path(
        "review-tasks/<int:pk>/decide/",
        review.ReviewTaskDecideApi.as_view(),
        name="api-review-task-decide",
    ),
    path("indicators/", indicators.IndicatorListApi.as_view(), name="api-indicators"),
    path("indicators/<uuid:pk>/", indicators.IndicatorDetailApi.as_view(), name="api-indicator"),
    path(
        "indicators/<uuid:pk>/withdraw/",
        indicators.IndicatorWithdrawApi.as_view(),
        name="api-indicator-withdraw",
    ),
    path(
        "indicators/<uuid:pk>/legal-hold/",
        indicators.IndicatorLegalHoldApi.as_view(),
        name="api-indicator-legal-hold",
    ),
    path(
        "markings/acknowledge/",
        indicators.MarkingAcknowledgeApi.as_view(),
        name="api-markings-acknowledge",
    ),
    # insights
    path(
        "correlation/indicators/",
        insights.CorrelatedIndicatorsView.as_view(),
        name="api-correlated-indicators",
    ),
    path("correlation/campaigns/", insights.CampaignsView.as_view(), name="api-campaigns"),
    path("statistics/", insights.StatisticsView.as_view(), name="api-statistics"),
    path(
        "statistics/compile/",
        insights.StatisticCompileView.as_view(),
        name="api-statistics-compile",
    ),
    path("simulations/", insights.SimulationView.as_view(), name="api-simulations"),
    # check my list (clearroom-match)
    path("oprf/evaluate/", oprf.OprfEvaluateApi.as_view(), name="api-oprf-evaluate"),
    # the STIX export
    path("indicators/export.stix", IndicatorExportView.as_view(), name="indicator-export-stix"),
]
