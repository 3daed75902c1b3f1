from django.urls import path

from governance.views import accounts, catalog, dashboard, policy

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("policy/versions/", policy.policy_versions, name="policy-versions"),
    path("policy/versions/new/", policy.policy_draft_new, name="policy-draft-new"),
    path("policy/check/", policy.policy_draft_check, name="policy-draft-check"),
    path("policy/versions/<int:pk>/", policy.policy_version_detail, name="policy-version"),
    path("policy/versions/<int:pk>/edit/", policy.policy_draft_edit, name="policy-draft-edit"),
    path(
        "policy/versions/<int:pk>/types/<slug:type_key>/",
        policy.policy_draft_type,
        name="policy-draft-type",
    ),
    path(
        "policy/versions/<int:pk>/submit/",
        policy.policy_version_submit,
        name="policy-version-submit",
    ),
    path(
        "policy/versions/<int:pk>/review/",
        policy.policy_version_review,
        name="policy-version-review",
    ),
    path("policy/in-force/", policy.policy_in_force, name="policy-in-force"),
    path("policy/overrides/", policy.org_overrides, name="org-overrides"),
    path("catalog/", catalog.catalog, name="catalog"),
    path("org/api-tokens/", accounts.api_tokens, name="api-tokens"),
    path(
        "org/api-tokens/<int:pk>/revoke/",
        accounts.api_token_revoke_view,
        name="api-token-revoke",
    ),
]
