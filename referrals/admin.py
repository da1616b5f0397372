"""Technical administration (Mobicase staff): read-mostly, the workflow goes through services."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Attachment,
    IdempotencyRecord,
    Message,
    NotificationPreference,
    Referral,
    ReferralSettings,
    ReferralTransition,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class TransitionInline(ReadOnlyInline):
    model = ReferralTransition
    fields = [
        "at",
        "kind",
        "from_status",
        "to_status",
        "organization",
        "to_organization",
        "by",
        "comment",
    ]
    readonly_fields = fields


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ["created_at", "author_organization", "author", "body"]
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["uploaded_at", "original_name", "content_type", "size", "uploaded_by"]
    readonly_fields = fields


@admin.register(Referral)
class ReferralAdmin(SimpleHistoryAdmin):
    """Statuses change through referrals.services (the workflow), never from here."""

    list_display = ["__str__", "status", "sender_organization", "organization", "sent_at"]
    list_filter = ["status", "organization", "sender_organization"]
    search_fields = ["last_name", "first_name", "email"]
    list_select_related = ["organization", "sender_organization"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "status", "organization", "original_platform", "sender_organization", "sender", "case",
        "created_at", "updated_at", "sent_at", "received_at", "first_answered_at",
        "decided_at", "closed_at", "reminded_at", "consent_given_on", "consent_text",
    ]  # fmt: skip
    autocomplete_fields = ["commune", "employer_commune"]
    filter_horizontal = ["barriers"]
    inlines = [TransitionInline, MessageInline, AttachmentInline]


@admin.register(ReferralSettings)
class ReferralSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["organization", "expiry_days", "reminder_days"]
    list_select_related = ["organization"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = [
        "membership",
        "new_referrals",
        "status_changes",
        "messages",
        "reminders",
        "daily_digest",
        "last_digest_on",
    ]
    list_select_related = ["membership__user", "membership__organization"]
    raw_id_fields = ["membership"]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["key", "sender_organization", "referral", "response_status", "created_at"]
    list_select_related = ["sender_organization", "referral"]
    readonly_fields = [
        "sender_organization",
        "key",
        "request_hash",
        "referral",
        "response_status",
        "response_body",
        "created_at",
    ]
