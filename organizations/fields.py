"""Form fields for territories: a commune typed by its INSEE code or picked in suggestions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from .models import Territory
from .territories import CODE_IN_LABEL, CODE_ONLY, find_commune_by_name


class CommuneInput(forms.TextInput):
    """A text input whose suggestions come from the commune search endpoint (htmx + datalist).

    The input sends its own value under its own name; ``champ`` tells the endpoint that name.
    """

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id') or self.attrs.get('id') or 'id_' + name}-communes"
        search_url = reverse("territories:commune_search")
        attrs.update(
            {
                "list": list_id,
                "hx-get": f"{search_url}?{urlencode({'champ': name})}",
                "hx-trigger": "input changed delay:300ms",
                "hx-target": f"#{list_id}",
                "hx-sync": "this:replace",
                # Suggestions must never become the page's address (the form may push its URL).
                "hx-push-url": "false",
            }
        )
        html = super().render(name, value, attrs, renderer)
        return html + format_html('<datalist id="{}"></datalist>', list_id)


class CommuneField(forms.ModelChoiceField):
    """Choose a commune by INSEE code, by "Name (code)" as suggested, or by its exact name."""

    widget = CommuneInput
    default_error_messages = {
        "invalid_choice": (
            "Commune inconnue : « %(value)s ». Saisissez le code INSEE à 5 chiffres "
            "ou choisissez une commune dans la liste."
        ),
        "ambiguous": (
            "Plusieurs communes s'appellent « %(value)s ». Choisissez la bonne dans la liste "
            "ou saisissez son code INSEE à 5 chiffres."
        ),
    }

    def __init__(self, *, queryset=None, **kwargs) -> None:
        kwargs.setdefault("label", "Commune")
        kwargs.setdefault(
            "help_text", "Tapez le début du nom, le code postal ou le code INSEE de la commune."
        )
        if queryset is None:
            queryset = Territory.objects.communes()
        super().__init__(queryset=queryset, to_field_name="code", empty_label=None, **kwargs)

    def to_python(self, value: Any) -> Territory | None:
        if value in self.empty_values:
            return None
        if isinstance(value, Territory):
            return value if self.queryset.filter(pk=value.pk).exists() else self._unknown(value)
        text = str(value).strip()
        match = CODE_ONLY.fullmatch(text) or CODE_IN_LABEL.fullmatch(text)
        if match:
            commune = self.queryset.filter(code=match.group(1).upper()).first()
            return commune or self._unknown(text)
        communes = find_commune_by_name(text, queryset=self.queryset)
        if len(communes) > 1:
            raise ValidationError(
                self.error_messages["ambiguous"], code="ambiguous", params={"value": text}
            )
        return communes[0] if communes else self._unknown(text)

    def _unknown(self, value: Any):
        raise ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )

    def prepare_value(self, value: Any) -> Any:
        """Show a stored commune as "Lille (59350)"; typed text is shown back unchanged."""
        if isinstance(value, Territory):
            return str(value)
        if isinstance(value, int):  # a ModelForm's initial value is the primary key
            commune = self.queryset.filter(pk=value).first()
            return str(commune) if commune else ""
        return value

    def has_changed(self, initial: Any, data: Any) -> bool:
        if self.disabled:
            return False
        try:
            new = self.to_python(data)
        except ValidationError:
            return True
        old = initial.pk if isinstance(initial, Territory) else initial
        return (new.pk if new else None) != (old if old not in self.empty_values else None)
