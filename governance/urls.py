from django.urls import path

from governance import views, views_policy

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("policy/versions/", views_policy.policy_versions, name="policy-versions"),
    path("policy/versions/new/", views_policy.policy_draft_new, name="policy-draft-new"),
    path("policy/versions/<int:pk>/", views_policy.policy_version_detail, name="policy-version"),
    path(
        "policy/versions/<int:pk>/edit/", views_policy.policy_draft_edit, name="policy-draft-edit"
    ),
    path(
        "policy/versions/<int:pk>/submit/",
        views_policy.policy_version_submit,
        name="policy-version-submit",
    ),
    path(
        "policy/versions/<int:pk>/review/",
        views_policy.policy_version_review,
        name="policy-version-review",
    ),
    path("policy/in-force/", views_policy.policy_in_force, name="policy-in-force"),
    path("policy/overrides/", views_policy.org_overrides, name="org-overrides"),
    path("catalog/", views_policy.catalog, name="catalog"),
    path("org/api-tokens/", views_policy.api_tokens, name="api-tokens"),
    path(
        "org/api-tokens/<int:pk>/revoke/",
        views_policy.api_token_revoke_view,
        name="api-token-revoke",
    ),
]
