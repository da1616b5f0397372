from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    AccessLog,
    Action,
    AidApplication,
    Appointment,
    Barrier,
    BarrierCategory,
    Beneficiary,
    Case,
    CaseBarrier,
    CaseTransition,
    ConsentRecord,
    Diagnostic,
    DiagnosticItem,
    Document,
    ExitQuestionnaire,
    FollowUp,
    Goal,
    Note,
    Registration,
    Skill,
    SkillAssessment,
    Workshop,
)


class ConsentInline(admin.TabularInline):
    model = ConsentRecord
    extra = 0
    fields = ["scope", "given", "given_on", "withdrawn_on"]


@admin.register(Beneficiary)
class BeneficiaryAdmin(SimpleHistoryAdmin):
    list_display = ["last_name", "first_name", "birth_date", "organization", "commune"]
    list_filter = ["organization", "sex", "labour_market_status", "receives_rsa"]
    search_fields = ["name_key", "email", "france_travail_id"]
    autocomplete_fields = ["commune"]
    list_select_related = ["organization", "commune"]
    readonly_fields = ["created_at", "created_by", "anonymised_at"]
    inlines = [ConsentInline]


class TransitionInline(admin.TabularInline):
    model = CaseTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "by", "at", "comment"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(SimpleHistoryAdmin):
    """Read-mostly: status changes go through the lifecycle services, not the admin."""

    list_display = ["beneficiary", "organization", "status", "opened_on", "closed_on", "advisor"]
    list_filter = ["status", "origin", "organization"]
    search_fields = ["beneficiary__name_key"]
    raw_id_fields = ["beneficiary", "advisor", "site"]
    filter_horizontal = ["funding_agreements"]
    readonly_fields = ["status", "closed_on", "exit_reason", "created_at", "updated_at"]
    list_select_related = ["beneficiary", "organization", "advisor__user"]
    date_hierarchy = "opened_on"
    inlines = [TransitionInline]


class BarrierInline(admin.TabularInline):
    model = Barrier
    extra = 0
    fields = ["code", "label", "description", "position", "is_active"]


@admin.register(BarrierCategory)
class BarrierCategoryAdmin(SimpleHistoryAdmin):
    list_display = ["label", "code", "organization", "is_health", "position"]
    list_filter = ["is_health"]
    inlines = [BarrierInline]


@admin.register(Barrier)
class BarrierAdmin(SimpleHistoryAdmin):
    list_display = ["label", "category", "organization", "is_active", "position"]
    list_filter = ["category", "is_active"]
    search_fields = ["label", "code"]


class DiagnosticItemInline(admin.TabularInline):
    model = DiagnosticItem
    extra = 0


@admin.register(Diagnostic)
class DiagnosticAdmin(SimpleHistoryAdmin):
    list_display = ["case", "kind", "done_on", "score"]
    list_filter = ["kind"]
    raw_id_fields = ["case", "done_by"]
    inlines = [DiagnosticItemInline]


@admin.register(CaseBarrier)
class CaseBarrierAdmin(SimpleHistoryAdmin):
    list_display = ["case", "barrier", "status", "identified_on", "lifted_on"]
    list_filter = ["status"]
    raw_id_fields = ["case"]


class ActionInline(admin.TabularInline):
    model = Action
    extra = 0
    fields = ["title", "status", "due_date", "done_on"]


@admin.register(Goal)
class GoalAdmin(SimpleHistoryAdmin):
    list_display = ["title", "case", "status", "target_date"]
    raw_id_fields = ["case"]
    inlines = [ActionInline]


@admin.register(Appointment)
class AppointmentAdmin(SimpleHistoryAdmin):
    list_display = ["case", "kind", "starts_at", "staff", "status"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["case", "staff", "site"]


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    raw_id_fields = ["case"]
    fields = ["case", "status", "attendance"]


@admin.register(Workshop)
class WorkshopAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "organization", "starts_at", "capacity", "status"]
    list_filter = ["kind", "status", "organization"]
    raw_id_fields = ["coach", "site"]
    inlines = [RegistrationInline]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["label", "curriculum", "scale_max", "pass_mark", "organization"]
    list_filter = ["curriculum"]


@admin.register(SkillAssessment)
class SkillAssessmentAdmin(SimpleHistoryAdmin):
    list_display = ["case", "skill", "value", "assessed_on"]
    raw_id_fields = ["case", "workshop"]


@admin.register(AidApplication)
class AidApplicationAdmin(SimpleHistoryAdmin):
    list_display = ["aid_name", "case", "status", "amount_requested", "amount_granted"]
    list_filter = ["status"]
    raw_id_fields = ["case"]


@admin.register(Document)
class DocumentAdmin(SimpleHistoryAdmin):
    list_display = ["original_name", "kind", "case", "size", "uploaded_at"]
    list_filter = ["kind"]
    raw_id_fields = ["case"]


@admin.register(Note)
class NoteAdmin(SimpleHistoryAdmin):
    list_display = ["case", "author", "created_at"]
    raw_id_fields = ["case"]


@admin.register(ExitQuestionnaire)
class ExitQuestionnaireAdmin(SimpleHistoryAdmin):
    list_display = ["case", "exit_date", "situation"]
    list_filter = ["situation"]
    raw_id_fields = ["case"]


@admin.register(FollowUp)
class FollowUpAdmin(SimpleHistoryAdmin):
    list_display = ["case", "kind", "due_on", "done_on", "situation"]
    list_filter = ["kind", "situation"]
    raw_id_fields = ["case"]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["accessed_at", "user", "beneficiary", "kind", "organization"]
    list_filter = ["kind"]
    raw_id_fields = ["beneficiary", "user"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
