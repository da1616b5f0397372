from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    FundingAgreement,
    Invitation,
    Membership,
    Organization,
    SecurityEvent,
    Site,
    Territory,
    User,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["organization", "role", "is_active"]
    autocomplete_fields = ["organization"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Identité", {"fields": ["first_name", "last_name", "phone"]}),
        ("Droits", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Sécurité", {"fields": ["two_factor_enrolment_due"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    inlines = [MembershipInline]


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0
    fields = ["name", "address", "postcode", "is_active"]


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "network", "siret", "is_active"]
    list_filter = ["kind", "is_active", "network"]
    search_fields = ["name", "slug", "siret"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["commune", "coverage"]
    inlines = [SiteInline]


@admin.register(Site)
class SiteAdmin(SimpleHistoryAdmin):
    list_display = ["name", "organization", "postcode", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "organization__name"]
    autocomplete_fields = ["organization", "commune"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "organization", "role", "is_active"]
    list_filter = ["role", "is_active", "organization__kind"]
    search_fields = ["user__email", "organization__name"]
    autocomplete_fields = ["user", "organization"]
    list_select_related = ["user", "organization"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email", "organization__name"]
    readonly_fields = ["token_hash"]
    list_select_related = ["organization"]


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "kind", "is_rural"]
    list_filter = ["level", "is_rural"]
    search_fields = ["name", "code", "postcodes"]
    raw_id_fields = ["parent", "region", "departement", "epci"]


@admin.register(FundingAgreement)
class FundingAgreementAdmin(SimpleHistoryAdmin):
    list_display = ["programme", "organization", "funder", "start_date", "end_date", "is_fse_plus"]
    list_filter = ["is_fse_plus", "funder"]
    search_fields = ["programme", "reference", "organization__name", "funder__name"]
    autocomplete_fields = ["organization", "funder", "territories"]
    list_select_related = ["organization", "funder"]


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The security log, read-only: rows are written by the application only."""

    list_display = ["at", "kind", "user", "username", "organization", "ip_address", "detail"]
    list_filter = ["kind", ("organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["username", "user__email", "ip_address", "detail"]
    date_hierarchy = "at"
    list_select_related = ["user", "organization"]
    readonly_fields = [field.name for field in SecurityEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
