from django.urls import path

from sharing.api.export import IndicatorExportView

urlpatterns = [
    path("indicators/export.stix", IndicatorExportView.as_view(), name="indicator-export-stix"),
]
