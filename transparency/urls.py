"""Public transparency pages: the report and the checkpoint feed (no login)."""

from django.urls import path, re_path

from transparency.views import checkpoints, report

app_name = "transparency"

urlpatterns = [
    path("", report.report_page, name="report"),
    path("report.json", report.report_json, name="report_json"),
    path("report.pdf", report.report_pdf, name="report_pdf"),
    path("forum.pub", checkpoints.public_key, name="public_key"),
    path("checkpoints/", checkpoints.feed_json, name="checkpoints"),
    path("checkpoints.txt", checkpoints.feed_text, name="checkpoints_text"),
    path(
        "checkpoints/consistency/<int:old>/<int:new>/",
        checkpoints.consistency_proof,
        name="consistency",
    ),
    path("checkpoints/<int:size>.txt", checkpoints.checkpoint_note, name="checkpoint_note"),
    re_path(r"^(?P<quarter>[0-9]{4}-Q[1-4])/$", report.quarter_page, name="quarter"),
]
