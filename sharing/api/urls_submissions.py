from django.urls import path

from sharing.api import submissions

urlpatterns = [
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
]
