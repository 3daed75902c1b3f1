from django.urls import path

from membership.views import applications, charter, documents, invitations, people, public

urlpatterns = [
    # Public (no login).
    path("membership/criteria/", public.criteria, name="membership-criteria"),
    path("membership/apply/", public.apply, name="membership-apply"),
    path("membership/status/<str:secret>/", public.status, name="membership-status"),
    path(
        "membership/invitations/<str:secret>/",
        invitations.invitation,
        name="membership-invitation",
    ),
    # Counsel.
    path(
        "membership/applications/",
        applications.application_queue,
        name="membership-applications",
    ),
    path(
        "membership/applications/<int:pk>/",
        applications.application_detail,
        name="membership-application",
    ),
    path(
        "membership/organizations/",
        applications.organizations,
        name="membership-organizations",
    ),
    path(
        "membership/organizations/<int:pk>/exit/",
        applications.organization_exit_view,
        name="membership-organization-exit",
    ),
    path("membership/documents/", documents.document_versions, name="membership-documents"),
    path(
        "membership/documents/new/<slug:kind>/",
        documents.document_new,
        name="membership-document-new",
    ),
    path("membership/documents/<int:pk>/", documents.document_detail, name="membership-document"),
    path(
        "membership/documents/<int:pk>/submit/",
        documents.document_submit,
        name="membership-document-submit",
    ),
    path(
        "membership/documents/<int:pk>/decide/",
        documents.document_decide,
        name="membership-document-decide",
    ),
    # Every signed-in person; counsel and regulators see who accepted.
    path("membership/people/", people.people, name="membership-people"),
    path("charter/", charter.charter_accept_view, name="charter-accept"),
    path("charter/acceptances/", charter.charter_acceptances, name="charter-acceptances"),
]
