"""Forms of the catalogue: an entry, a person's profile for matching, reviews."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from organizations.fields import CommuneInput
from organizations.models import Organization, Territory
from organizations.territories import (
    CODE_IN_LABEL,
    CODE_ONLY,
    find_commune_by_name,
    search_communes,
)

from . import taxonomies
from .matching import Profile
from .models import Aid, Benefit, LabourMarketStatus, LicenceStatus
from .services import EDITABLE_FIELDS

DATE_WIDGET = {"attrs": {"type": "date"}, "format": "%Y-%m-%d"}
DATE_ERRORS = {"invalid": "Saisissez une date valide, par exemple 25/11/2026."}
COMMUNE_CODE = re.compile(r"\b(\d{5}|2[AB]\d{3})\b", re.IGNORECASE)


def _no_colon_after_checkboxes(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput):
            field.label_suffix = ""


def _checkboxes(label: str, choices, help_text: str = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
        error_messages={"invalid_choice": "Choix inconnu : « %(value)s »."},
    )


def _territories(label: str, queryset, help_text: str = "") -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=queryset,
        required=False,
        help_text=help_text,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        error_messages={"invalid_choice": "Territoire inconnu : « %(value)s »."},
    )


class AidForm(forms.ModelForm):
    """A catalogue entry; the coverage is picked by level, communes typed by INSEE code."""

    thematiques = _checkboxes(
        "Thématiques (data·inclusion)", taxonomies.thematique_choices(mobility_only=True)
    )
    publics = _checkboxes(
        "Publics (data·inclusion)",
        taxonomies.public_choices(),
        "« Tous publics » ne se combine pas avec d'autres publics.",
    )
    regions = _territories("Régions couvertes", Territory.objects.regions().order_by("name"))
    departements = _territories(
        "Départements couverts", Territory.objects.departements().order_by("code")
    )
    epcis = _territories(
        "Intercommunalités (EPCI) couvertes", Territory.objects.epcis().order_by("name")
    )
    communes = forms.CharField(
        label="Communes couvertes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Codes INSEE à 5 chiffres, séparés par des virgules ou un par ligne.",
    )
    labour_market_statuses = _checkboxes(
        "Situations admises", LabourMarketStatus.choices, "Aucune case cochée : toutes."
    )
    required_benefits = _checkboxes(
        "Minima sociaux exigés",
        Benefit.choices,
        "La personne doit percevoir l'un des minima cochés ; aucun : pas de condition.",
    )
    licence_statuses = _checkboxes(
        "Situations de permis admises", LicenceStatus.choices, "Aucune case cochée : toutes."
    )
    provider = forms.ModelChoiceField(
        label="Organisme (s'il utilise Mobicase)",
        queryset=Organization.objects.active().order_by("name"),
        required=False,
        empty_label="— Aucun : nommez-le ci-dessous —",
    )

    class Meta:
        model = Aid
        fields = [name for name in EDITABLE_FIELDS if name != "coverage"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "other_conditions": forms.Textarea(attrs={"rows": 3}),
            "how_to_apply": forms.Textarea(attrs={"rows": 3}),
            "valid_from": forms.DateInput(**DATE_WIDGET),
            "valid_until": forms.DateInput(**DATE_WIDGET),
            "last_verified_on": forms.DateInput(**DATE_WIDGET),
        }
        error_messages = dict.fromkeys(
            ("valid_from", "valid_until", "last_verified_on"), DATE_ERRORS
        )

    COVERAGE_FIELDS = ("nationwide", "regions", "departements", "epcis", "communes")
    CRITERIA_FIELDS = (
        "min_age",
        "max_age",
        "labour_market_statuses",
        "required_benefits",
        "qpv_only",
        "rural_only",
        "licence_statuses",
        "requires_job_or_training_start",
        "max_days_before_start",
        "max_days_after_start",
        "min_distance_km",
        "other_conditions",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _no_colon_after_checkboxes(self)
        instance: Aid = self.instance
        # Thematiques outside mobility (from an import) are kept, not offered.
        mobility = {value for value, _ in taxonomies.thematique_choices(mobility_only=True)}
        self.other_thematiques = [t for t in instance.thematiques if t not in mobility]
        if not instance._state.adding and not self.is_bound:
            by_level: dict[str, list[Territory]] = {}
            for territory in instance.coverage.all():
                by_level.setdefault(territory.level, []).append(territory)
            Level = Territory.Level
            self.initial["regions"] = by_level.get(Level.REGION, [])
            self.initial["departements"] = by_level.get(Level.DEPARTEMENT, [])
            self.initial["epcis"] = by_level.get(Level.EPCI, [])
            self.initial["communes"] = ", ".join(
                t.code for t in sorted(by_level.get(Level.COMMUNE, []), key=lambda t: t.code)
            )

    def coverage_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.COVERAGE_FIELDS]

    def criteria_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.CRITERIA_FIELDS]

    def other_fields(self) -> list[forms.BoundField]:
        grouped = set(self.COVERAGE_FIELDS) | set(self.CRITERIA_FIELDS)
        return [field for field in self.visible_fields() if field.name not in grouped]

    def clean_thematiques(self) -> list[str]:
        return list(self.cleaned_data["thematiques"]) + self.other_thematiques

    def clean_communes(self) -> list[Territory]:
        text = self.cleaned_data.get("communes", "")
        tokens = [t for t in re.split(r"[\s,;]+", text) if t]
        codes = []
        for token in tokens:
            if not COMMUNE_CODE.fullmatch(token):
                raise forms.ValidationError(
                    f"« {token} » n'est pas un code INSEE de commune (5 caractères, par exemple "
                    "59350 pour Lille)."
                )
            codes.append(token.upper())
        found = {t.code: t for t in Territory.objects.communes().filter(code__in=codes)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise forms.ValidationError(
                f"Commune inconnue : {', '.join(unknown)}. Vérifiez le code INSEE (ce n'est pas "
                "le code postal) ou demandez le chargement du référentiel des territoires."
            )
        return list(dict.fromkeys(found[code] for code in codes))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        coverage = [
            *cleaned.get("regions", []),
            *cleaned.get("departements", []),
            *cleaned.get("epcis", []),
            *(cleaned.get("communes") or []),
        ]
        cleaned["coverage"] = coverage
        covered_fields_ok = not any(
            name in self.errors for name in ("regions", "departements", "epcis", "communes")
        )
        if covered_fields_ok and not coverage and not cleaned.get("nationwide"):
            self.add_error(
                "communes",
                "Indiquez au moins un territoire couvert (région, département, EPCI ou commune), "
                "ou cochez « toute la France ».",
            )
        return cleaned

    def values(self) -> dict[str, Any]:
        """The entry's values, as the services take them."""
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}


class ProposalForm(AidForm):
    comment = forms.CharField(
        label="Message pour la relecture",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Par exemple : « Nouveau montant voté en janvier, voir le règlement ».",
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Décision",
        choices=[
            ("publish", "Publier"),
            ("draft", "Renvoyer en brouillon"),
            ("propose", "Proposer à la relecture"),
            ("archive", "Archiver"),
            ("verify", "Marquer comme vérifiée"),
        ],
    )
    comment = forms.CharField(label="Commentaire", required=False, max_length=90)


class ProposalReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="Décision",
        choices=[("accept", "Accepter et appliquer"), ("reject", "Refuser")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez d'accepter ou de refuser la proposition."},
    )
    review_comment = forms.CharField(
        label="Réponse",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Obligatoire pour un refus : la personne qui a proposé la lira.",
    )


# --- Profile (public search, referrers, members) ---------------------------------------------


class PublicCommuneInput(CommuneInput):
    """The commune input of the public search: suggestions from the public endpoint."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id') or 'id_' + name}-communes"
        attrs.update(
            {
                "list": list_id,
                "hx-get": f"{reverse('catalog:communes')}?{urlencode({'champ': name})}",
                "hx-trigger": "input changed delay:300ms",
                "hx-target": f"#{list_id}",
                "hx-sync": "this:replace",
                # Suggestions must never become the page's address (the form may push its URL).
                "hx-push-url": "false",
            }
        )
        html = forms.TextInput.render(self, name, value, attrs, renderer)
        return html + format_html('<datalist id="{}"></datalist>', list_id)


def _yes_or_unknown(label: str) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False)


class ProfileForm(forms.Form):
    """A person's situation, typed for one search and never stored."""

    commune = forms.CharField(
        label="Commune",
        max_length=100,
        required=False,
        widget=PublicCommuneInput(),
        help_text="Le nom, le code postal ou le code INSEE de la commune où vit la personne.",
    )
    age = forms.IntegerField(
        label="Âge", required=False, min_value=0, max_value=120,
        error_messages={"invalid": "Saisissez un âge en années, par exemple 24."},
    )  # fmt: skip
    situation = forms.ChoiceField(
        label="Situation",
        required=False,
        choices=[("", "Non précisée"), *LabourMarketStatus.choices],
    )
    licence = forms.ChoiceField(
        label="Permis de conduire",
        required=False,
        choices=[("", "Non précisé"), *LicenceStatus.choices],
    )
    rsa = _yes_or_unknown("Perçoit le RSA")
    ass = _yes_or_unknown("Perçoit l'ASS")
    aah = _yes_or_unknown("Perçoit l'AAH")
    qpv = _yes_or_unknown("Habite un quartier prioritaire (QPV)")
    job_start = forms.DateField(
        label="Reprise d'emploi ou entrée en formation le",
        required=False,
        widget=forms.DateInput(**DATE_WIDGET),
        error_messages=DATE_ERRORS,
    )
    distance = forms.IntegerField(
        label="Trajet domicile-travail ou formation (km)", required=False, min_value=0,
        max_value=1000, error_messages={"invalid": "Saisissez une distance en kilomètres."},
    )  # fmt: skip
    thematique = forms.ChoiceField(
        label="Besoin",
        required=False,
        choices=[("", "Tous les besoins"), *taxonomies.thematique_choices(mobility_only=True)],
    )

    FLAG_FIELDS = ("rsa", "ass", "aah", "qpv")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _no_colon_after_checkboxes(self)

    def flag_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.FLAG_FIELDS]

    def situation_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("age", "situation", "licence", "job_start", "distance")]

    def profile(self, commune: Territory | None) -> Profile:
        """The profile of a valid form: an unticked box is unknown, not "no"."""
        data = self.cleaned_data
        return Profile(
            commune=commune,
            age=data.get("age"),
            labour_market_status=data.get("situation") or None,
            receives_rsa=data.get("rsa") or None,
            receives_ass=data.get("ass") or None,
            receives_aah=data.get("aah") or None,
            is_qpv_resident=data.get("qpv") or None,
            driving_licence=data.get("licence") or None,
            job_or_training_start=data.get("job_start"),
            distance_to_work_km=data.get("distance"),
        )


def resolve_commune(text: str) -> tuple[Territory | None, list[Territory]]:
    """Return the commune meant by ``text`` (name, postcode or INSEE code), else suggestions."""
    text = (text or "").strip()[:100]
    if not text:
        return None, []
    communes = Territory.objects.communes()
    match = CODE_ONLY.fullmatch(text) or CODE_IN_LABEL.fullmatch(text)
    if match:
        code = match.group(1).upper()
        commune = communes.filter(code=code).first()
        if commune is not None:
            return commune, []
        by_postcode = list(
            communes.filter(
                Q(postcodes=code)
                | Q(postcodes__startswith=f"{code} ")
                | Q(postcodes__endswith=f" {code}")
                | Q(postcodes__contains=f" {code} ")
            ).order_by("name")[:20]
        )
        if len(by_postcode) == 1:
            return by_postcode[0], []
        return None, by_postcode or search_communes(code)
    exact = find_commune_by_name(text)
    if len(exact) == 1:
        return exact[0], []
    return None, exact or search_communes(text)
