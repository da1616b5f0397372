from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import FsePlusIndicator


@admin.register(FsePlusIndicator)
class FsePlusIndicatorAdmin(SimpleHistoryAdmin):
    """The FSE+ indicator list: Mobicase staff correct labels and definitions, with history."""

    list_display = [
        "code",
        "label_fr",
        "kind",
        "label_fr_is_official",
        "is_confirmed",
        "is_active",
        "position",
    ]
    list_filter = ["kind", "is_confirmed", "label_fr_is_official", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["code", "label_fr", "label_en"]
    ordering = ["position", "code"]
    fieldsets = [
        (None, {"fields": ["code", "kind", "unit", "position", "is_active"]}),
        ("Libellés", {"fields": ["label_fr", "label_fr_is_official", "label_en", "definition"]}),
        ("Vérification", {"fields": ["is_confirmed", "source"]}),
    ]
