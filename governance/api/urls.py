from django.urls import path

from governance.api import views

urlpatterns = [
    path("indicator-types/", views.IndicatorTypeListApi.as_view(), name="api-indicator-types"),
    path(
        "indicator-types/<slug:key>/",
        views.IndicatorTypeDetailApi.as_view(),
        name="api-indicator-type",
    ),
    path("policy-versions/", views.PolicyVersionListApi.as_view(), name="api-policy-versions"),
    path(
        "policy-versions/<int:pk>/",
        views.PolicyVersionDetailApi.as_view(),
        name="api-policy-version",
    ),
    path(
        "policy-versions/<int:pk>/submit/",
        views.PolicyVersionSubmitApi.as_view(),
        name="api-policy-version-submit",
    ),
    path(
        "policy-versions/<int:pk>/approve/",
        views.PolicyVersionApproveApi.as_view(),
        name="api-policy-version-approve",
    ),
    path(
        "policy-versions/<int:pk>/reject/",
        views.PolicyVersionRejectApi.as_view(),
        name="api-policy-version-reject",
    ),
    path("policies/in-force/", views.PolicyInForceApi.as_view(), name="api-policy-in-force"),
    path("org-overrides/", views.OrgOverrideApi.as_view(), name="api-org-overrides"),
]
