from django.urls import path

from sharing.views import insights

urlpatterns = [
    path("insights/campaigns/", insights.campaigns, name="insights-campaigns"),
    path("insights/statistics/", insights.statistics, name="insights-statistics"),
    path(
        "insights/statistics/compile/",
        insights.statistics_compile,
        name="insights-statistics-compile",
    ),
    path("insights/simulation/", insights.simulation, name="insights-simulation"),
]
