from django.urls import path

from sharing.views import case, indicators, review

urlpatterns = [
    path("review/", review.queue, name="review-queue"),
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
    path("cases/<uuid:pk>/", case.case_page, name="case-timeline"),
    path(
        "cases/for/<str:object_type>/<str:object_id>/",
        case.case_for_object,
        name="case-for-object",
    ),
    path("markings/acknowledge/", indicators.acknowledge, name="marking-acknowledge"),
]
