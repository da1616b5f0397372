from django.contrib import admin

from .models import RightsRequest


@admin.register(RightsRequest)
class RightsRequestAdmin(admin.ModelAdmin):
    """The register, read-mostly: requests are entered and answered from the platform's pages."""

    list_display = ["kind", "organization", "received_on", "handled_on", "outcome"]
    list_filter = ["kind", "outcome", "organization"]
    date_hierarchy = "received_on"
    list_select_related = ["organization"]
    raw_id_fields = ["beneficiary"]
    readonly_fields = ["created_at", "recorded_by", "handled_by"]
    search_fields = ["comment"]
