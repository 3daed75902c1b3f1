"""URL configuration: pages, the REST API under /api/v1/, admin and auth."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from governance.views.dashboard import LoginView
from identity.forms import PasswordLoginForm

api_patterns = [
    path("", include("governance.api.urls")),
    path("", include("sharing.api.urls")),
    path("audit/", include("audit.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    # The password form refuses members whose organization makes single sign-on mandatory.
    path("login/", LoginView.as_view(authentication_form=PasswordLoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_patterns)),
    path("taxii2/", include("sharing.taxii.urls")),
    path("audit/", include("audit.urls")),
    path("transparency/", include("transparency.urls")),
    path("", include("membership.urls")),
    path("", include("identity.urls")),
    path("", include("sharing.urls")),
    path("", include("governance.urls")),
]
