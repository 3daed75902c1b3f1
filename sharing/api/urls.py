from django.urls import include, path

urlpatterns = [
    path("", include("sharing.api.urls_submissions")),
    path("", include("sharing.api.urls_review")),
    path("", include("sharing.api.urls_insights")),
]
