"""Audit API under /api/v1/audit/ (counsel and regulators only)."""

from django.urls import path

from audit.api import views

app_name = "audit_api"

urlpatterns = [
    path("events/", views.EventListView.as_view(), name="events"),
    path("checkpoints/", views.CheckpointListView.as_view(), name="checkpoints"),
    path("cosignatures/", views.CosignatureCreateView.as_view(), name="cosignatures"),
    path("exports/", views.ExportListCreateView.as_view(), name="exports"),
    path("exports/<int:export_id>/", views.ExportDetailView.as_view(), name="export-detail"),
    path(
        "exports/<int:export_id>/download/",
        views.ExportDownloadView.as_view(),
        name="export-download",
    ),
    path("public-key/", views.PublicKeyView.as_view(), name="public-key"),
]
