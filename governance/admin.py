"""Django admin for organizations and memberships; creation goes through the services."""

from __future__ import annotations

from django.contrib import admin

from config.admin import ReadOnlyAdmin
from governance.models import ApiToken, IndicatorType, Membership, Organization, PolicyVersion
from governance.services import accounts


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "slug")
    exclude = ("group",)

    def get_readonly_fields(self, request, obj=None):
        return ("slug", "name", "kind", "is_active") if obj else ()

    def save_model(self, request, obj, form, change):
        if not change:
            created = accounts.organization_create(
                actor=request.user, slug=obj.slug, name=obj.name, kind=obj.kind
            )
            obj.pk = created.pk

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role", "created_at")
    list_filter = ("role", "organization")
    search_fields = ("user__username", "organization__name")
    autocomplete_fields = ("user",)

    def get_readonly_fields(self, request, obj=None):
        return ("user", "organization", "role") if obj else ()

    def save_model(self, request, obj, form, change):
        if not change:
            created = accounts.membership_create(
                actor=request.user, user=obj.user, organization=obj.organization, role=obj.role
            )
            obj.pk = created.pk

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "prefix", "user", "organization", "expires_at", "revoked_at")
    exclude = ("token_hash",)


@admin.register(IndicatorType)
class IndicatorTypeAdmin(ReadOnlyAdmin):
    list_display = ("key", "name", "category", "schema_version", "is_active")


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    list_display = ("policy", "number", "status", "content_hash", "effective_from")
    list_filter = ("status",)
