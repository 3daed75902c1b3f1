from django.urls import path

from sharing.api import insights

urlpatterns = [
    path(
        "correlation/indicators/",
        insights.CorrelatedIndicatorsView.as_view(),
        name="api-correlated-indicators",
    ),
    path("correlation/campaigns/", insights.CampaignsView.as_view(), name="api-campaigns"),
    path("statistics/", insights.StatisticsView.as_view(), name="api-statistics"),
    path(
        "statistics/compile/",
        insights.StatisticCompileView.as_view(),
        name="api-statistics-compile",
    ),
    path("simulations/", insights.SimulationView.as_view(), name="api-simulations"),
]
