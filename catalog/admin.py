"""Admin of the catalogue, for the Mobicase team: read and search; edits go through the app's
pages (which call the services: review, history with the actor, coverage text)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Aid, ChangeProposal


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Aid)
class AidAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "provider_name", "status", "last_verified_on", "owner"]
    list_filter = ["status", "kind", "nationwide", "qpv_only", "rural_only"]
    search_fields = ["name", "provider_name", "description", "external_id"]
    list_select_related = ["owner"]
    date_hierarchy = "created_at"


@admin.register(ChangeProposal)
class ChangeProposalAdmin(ReadOnlyAdmin):
    list_display = ["aid", "organization", "proposed_by", "status", "created_at", "reviewed_by"]
    list_filter = ["status"]
    search_fields = ["aid__name", "comment", "review_comment"]
    list_select_related = ["aid", "organization", "proposed_by", "reviewed_by"]
