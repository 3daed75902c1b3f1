from django.urls import include, path

urlpatterns = [
    path("", include("sharing.urls_submissions")),
    path("", include("sharing.urls_review")),
    path("", include("sharing.urls_insights")),
]
