from django.urls import path

from sharing.api import indicators, review

urlpatterns = [
    path("review-tasks/", review.ReviewTaskListApi.as_view(), name="api-review-tasks"),
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
]
