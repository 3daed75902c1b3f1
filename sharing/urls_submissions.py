from django.urls import path

from sharing.views import submissions

urlpatterns = [
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
]
