"""Forms of the pathway tabs (diagnostic, plan, aids, documents, notes). They validate input;
the services in cases/services/pathway.py apply the rules and write."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django import forms
from django.utils import timezone

from cases.models import (
    Action,
    AidApplication,
    Barrier,
    BarrierCategory,
    Case,
    CaseBarrier,
    Diagnostic,
    Document,
    Goal,
    Severity,
)
from organizations.models import Membership

DATE_WIDGET = {"attrs": {"type": "date"}, "format": "%Y-%m-%d"}


def _date_field(label: str, *, required: bool = False, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(**DATE_WIDGET),
        error_messages={"invalid": "Saisissez une date valide, par exemple 25/11/2026."},
    )


# --- Diagnostic ----------------------------------------------------------------------------------


@dataclass
class CategoryFields:
    category: BarrierCategory
    fields: list[forms.BoundField]


class DiagnosticForm(forms.Form):
    """A severity per barrier of the taxonomy, grouped by category."""

    kind = forms.ChoiceField(
        label="Type de diagnostic",
        choices=Diagnostic.Kind.choices,
        widget=forms.RadioSelect,
    )
    done_on = _date_field("Réalisé le", required=True)
    summary = forms.CharField(
        label="Synthèse",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Ne notez aucune information médicale : seules les catégories de santé comptent.",
    )

    def __init__(
        self,
        *args,
        barriers: Iterable[Barrier],
        previous: dict | None = None,
        default_kind: str = Diagnostic.Kind.ENTRY,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.barriers = list(barriers)
        self.fields["kind"].initial = default_kind
        self.fields["done_on"].initial = timezone.localdate()
        previous = previous or {}
        for barrier in self.barriers:
            self.fields[self.field_name(barrier)] = forms.TypedChoiceField(
                label=barrier.label,
                help_text=barrier.description,
                choices=Severity.choices,
                coerce=int,
                # Every radio group starts checked; a group left out means « no barrier ».
                required=False,
                empty_value=Severity.NONE,
                initial=previous.get(barrier.pk, Severity.NONE),
                widget=forms.RadioSelect(attrs={"class": "severity"}),
            )

    @staticmethod
    def field_name(barrier: Barrier) -> str:
        return f"barrier_{barrier.pk}"

    def categories(self) -> list[CategoryFields]:
        groups: dict = {}
        for barrier in self.barriers:
            group = groups.setdefault(barrier.category_id, CategoryFields(barrier.category, []))
            group.fields.append(self[self.field_name(barrier)])
        return list(groups.values())

    def severities(self) -> dict:
        return {b.pk: self.cleaned_data[self.field_name(b)] for b in self.barriers}


class CaseBarrierStatusForm(forms.Form):
    status = forms.ChoiceField(label="Statut du frein", choices=CaseBarrier.Status.choices)


# --- Plan ----------------------------------------------------------------------------------------


class GoalForm(forms.Form):
    title = forms.CharField(label="Objectif", max_length=200)
    description = forms.CharField(
        label="Précisions", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    target_date = _date_field("Échéance")

    def __init__(self, *args, with_status: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if with_status:
            self.fields["status"] = forms.ChoiceField(label="Statut", choices=Goal.Status.choices)

    @classmethod
    def initial_for(cls, goal: Goal) -> dict:
        return {
            "title": goal.title,
            "description": goal.description,
            "target_date": goal.target_date,
            "status": goal.status,
        }


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return obj.user.get_full_name() or obj.user.email


class BarrierChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: CaseBarrier) -> str:
        return f"{obj.barrier.label} ({obj.get_status_display().lower()})"


class ActionForm(forms.Form):
    goal = forms.ModelChoiceField(
        label="Objectif",
        queryset=Goal.objects.none(),
        error_messages={"invalid_choice": "Choisissez un objectif de ce plan d'action."},
    )
    title = forms.CharField(label="Action", max_length=200)
    due_date = _date_field("Échéance")
    responsible = MemberChoiceField(
        label="Responsable",
        queryset=Membership.objects.none(),
        required=False,
        empty_label="Personne en particulier",
        error_messages={"invalid_choice": "Choisissez un membre actif de la plateforme."},
    )
    barriers = BarrierChoiceField(
        label="Freins travaillés",
        queryset=CaseBarrier.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Les freins de la personne que cette action aide à lever.",
        error_messages={
            "invalid_choice": "Choisissez parmi les freins identifiés pour cette personne.",
            "invalid_pk_value": "Choisissez parmi les freins identifiés pour cette personne.",
        },
    )
    comment = forms.CharField(
        label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, case: Case, with_goal: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if with_goal:
            self.fields["goal"].queryset = Goal.objects.filter(case=case).exclude(
                status=Goal.Status.ABANDONED
            )
        else:
            del self.fields["goal"]
        self.fields["responsible"].queryset = (
            Membership.objects.active()
            .for_organization(case.organization)
            .filter(
                role__in=(Membership.Role.ADMIN, Membership.Role.ADVISOR, Membership.Role.COACH)
            )
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "user__email")
        )
        self.fields["barriers"].queryset = CaseBarrier.objects.filter(case=case).select_related(
            "barrier"
        )

    @classmethod
    def initial_for(cls, action: Action) -> dict:
        return {
            "title": action.title,
            "due_date": action.due_date,
            "responsible": action.responsible_id,
            "barriers": [cb.pk for cb in action.barriers.all()],
            "comment": action.comment,
        }


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label="Statut de l'action", choices=Action.Status.choices)


# --- Aids ----------------------------------------------------------------------------------------


class EuroField(forms.DecimalField):
    """An amount in euros as people type it: « 1 250,50 », « 1250.50 » or « 450 € »."""

    def to_python(self, value):
        if isinstance(value, str):
            value = re.sub(r"[\s€]", "", value)
        return super().to_python(value)


def _amount_field(label: str) -> EuroField:
    return EuroField(
        label=label,
        required=False,
        max_digits=9,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 10}),
        help_text="En euros, par exemple 450 ou 1 250,50.",
        error_messages={
            "invalid": "Saisissez un montant en euros, par exemple 1 250,50.",
            "max_decimal_places": "Deux chiffres après la virgule au plus.",
            "max_digits": "Ce montant est trop grand.",
            "max_whole_digits": "Ce montant est trop grand.",
        },
    )


class AidApplicationForm(forms.Form):
    aid_name = forms.CharField(label="Aide demandée", max_length=200)
    funder_name = forms.CharField(label="Financeur de l'aide", max_length=200, required=False)
    status = forms.ChoiceField(label="Statut", choices=AidApplication.Status.choices)
    amount_requested = _amount_field("Montant demandé (€)")
    amount_granted = _amount_field("Montant accordé (€)")
    submitted_on = _date_field("Déposée le")
    decided_on = _date_field("Décision le")
    comment = forms.CharField(
        label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_amount_requested(self):
        return self._clean_amount("amount_requested")

    def clean_amount_granted(self):
        return self._clean_amount("amount_granted")

    def _clean_amount(self, name: str):
        value = self.cleaned_data.get(name)
        if value is not None and value < 0:
            raise forms.ValidationError("Un montant ne peut pas être négatif.")
        return value

    @classmethod
    def initial_for(cls, application: AidApplication) -> dict:
        return {name: getattr(application, name) for name in cls.base_fields}


# --- Documents and notes -------------------------------------------------------------------------


class DocumentForm(forms.Form):
    file = forms.FileField(
        label="Fichier",
        help_text="PDF, image (JPEG, PNG, WebP) ou document texte (DOCX, ODT), 10 Mo au plus.",
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.webp,.docx,.odt"}),
        error_messages={
            "required": "Choisissez un fichier à déposer.",
            "empty": "Ce fichier est vide : choisissez un autre fichier.",
        },
    )
    kind = forms.ChoiceField(label="Type de document", choices=Document.Kind.choices)
    description = forms.CharField(label="Description", max_length=250, required=False)


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Nouvelle note",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Visible des conseiller·es de la plateforme. Aucune information médicale.",
        error_messages={"required": "La note est vide : écrivez-la."},
    )
