"""Django admin of the fleet, for Mobicase staff. Loans are read-only here: reservations,
check-outs and check-ins go through the services (the web pages and the API)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Accessory,
    Incident,
    Inspection,
    InspectionPhoto,
    Loan,
    LoanExtension,
    MaintenancePlan,
    MaintenanceRecord,
    SolidarityPricing,
    Vehicle,
    WaitingListEntry,
)


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Vehicle)
class VehicleAdmin(SimpleHistoryAdmin):
    list_display = ["code", "kind", "make", "model_name", "organization", "status"]
    list_filter = ["kind", "status", "organization"]
    search_fields = ["code", "make", "model_name", "plate", "frame_number", "marking"]
    list_select_related = ["organization"]
    readonly_fields = ["status", "retired_on"]


@admin.register(Accessory)
class AccessoryAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "kind", "organization", "vehicle", "is_active"]
    list_filter = ["kind", "is_active"]
    list_select_related = ["organization", "vehicle"]


@admin.register(SolidarityPricing)
class SolidarityPricingAdmin(SimpleHistoryAdmin):
    list_display = ["label", "organization", "agreement", "daily_fee", "max_days", "is_active"]
    list_select_related = ["organization", "agreement__funder"]


class InspectionInline(admin.TabularInline):
    model = Inspection
    fields = ["kind", "odometer_km", "energy_level", "damages", "performed_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class ExtensionInline(admin.TabularInline):
    model = LoanExtension
    fields = ["previous_end_date", "new_end_date", "reason", "price_before", "price_after", "at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = ["vehicle", "organization", "start_date", "end_date", "status"]
    list_filter = ["status", "pricing_mode", "deposit_status"]
    search_fields = ["vehicle__code", "case__beneficiary__last_name"]
    list_select_related = ["vehicle", "organization"]
    date_hierarchy = "start_date"
    inlines = [InspectionInline, ExtensionInline]


@admin.register(WaitingListEntry)
class WaitingListEntryAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "organization", "status", "created_at"]
    list_filter = ["status", "kind"]


@admin.register(InspectionPhoto)
class InspectionPhotoAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "organization", "inspection"]


@admin.register(Incident)
class IncidentAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "vehicle", "organization", "cost", "borne_by", "resolved_on"]
    list_filter = ["kind", "borne_by"]
    list_select_related = ["vehicle", "organization"]


@admin.register(MaintenancePlan)
class MaintenancePlanAdmin(SimpleHistoryAdmin):
    list_display = ["label", "vehicle", "interval_days", "interval_km", "after_each_loan"]
    list_select_related = ["vehicle"]


@admin.register(MaintenanceRecord)
class MaintenanceRecordAdmin(SimpleHistoryAdmin):
    list_display = ["label", "vehicle", "garage", "start_date", "end_date", "cost"]
    list_select_related = ["vehicle"]
