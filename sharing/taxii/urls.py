"""URLs of the TAXII 2.1 server, mounted at /taxii2/."""

from django.urls import path

from sharing.taxii import views

app_name = "taxii"

urlpatterns = [
    path("", views.discovery, name="discovery"),
    path("schemas/clearroom-indicator-v1.json", views.extension_schema, name="extension-schema"),
    path("api/", views.api_root, name="api-root"),
    path("api/collections/", views.collection_list, name="collections"),
    path("api/collections/<str:collection_id>/", views.collection_detail, name="collection"),
    path("api/collections/<str:collection_id>/objects/", views.objects, name="objects"),
    path(
        "api/collections/<str:collection_id>/objects/<str:object_id>/",
        views.object_detail,
        name="object",
    ),
    path(
        "api/collections/<str:collection_id>/objects/<str:object_id>/versions/",
        views.object_versions,
        name="versions",
    ),
    path("api/collections/<str:collection_id>/manifest/", views.manifest, name="manifest"),
    path("api/status/<str:status_id>/", views.status_detail, name="status"),
]
