"""Audit pages (counsel and regulators only)."""

from django.urls import path

from audit.views import log as views

app_name = "audit"

urlpatterns = [
    path("", views.event_list, name="events"),
    path("objects/<str:object_type>/<str:object_id>/", views.object_timeline, name="timeline"),
    path("checkpoints/", views.checkpoint_list, name="checkpoints"),
    path("checkpoints/cosign/", views.cosignature_upload, name="cosign"),
    path("checkpoints/<int:size>.txt", views.checkpoint_note, name="checkpoint_note"),
    path("public-key.pub", views.public_key, name="public_key"),
    path("exports/", views.export_list, name="exports"),
    path("exports/<int:export_id>/", views.export_row, name="export_row"),
    path("exports/<int:export_id>/download/", views.export_download, name="export_download"),
]
