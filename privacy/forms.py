"""Forms of the personal data pages: a request of the person, its answer, the erasure."""

from __future__ import annotations

from django import forms

from cases.forms_people import date_input

from .models import RightsRequest


class RightsRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label="Demande", choices=[("", "— Choisissez —"), *RightsRequest.Kind.choices]
    )
    received_on = forms.DateField(label="Reçue le", widget=date_input())
    comment = forms.CharField(
        label="Précisions",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Ce qui est demandé, sans nom ni coordonnées : le registre est conservé après "
        "l'anonymisation du dossier.",
    )


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Réponse", choices=[("", "— Choisissez —"), *RightsRequest.Outcome.choices]
    )
    handled_on = forms.DateField(label="Répondue le", widget=date_input())
    comment = forms.CharField(
        label="Ce qui a été fait",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Par exemple : copie remise en main propre, adresse corrigée. Sans nom ni "
        "coordonnées.",
    )


class ErasureForm(forms.Form):
    received_on = forms.DateField(label="Demande d'effacement reçue le", widget=date_input())
    confirm = forms.BooleanField(
        label="Je confirme : l'identité, les coordonnées, les textes libres et les documents "
        "de cette personne seront effacés définitivement.",
        error_messages={"required": "Cochez la case pour confirmer l'anonymisation."},
    )


class RegisterFilterForm(forms.Form):
    PENDING, ALL = "pending", "all"

    etat = forms.ChoiceField(
        label="État",
        required=False,
        choices=[(PENDING, "En attente de réponse"), (ALL, "Toutes les demandes")],
    )
    demande = forms.ChoiceField(
        label="Demande", required=False, choices=[("", "Toutes"), *RightsRequest.Kind.choices]
    )

    def filter(self, requests):
        if not self.is_valid():
            return requests.pending()
        data = self.cleaned_data
        if data["etat"] != self.ALL:
            requests = requests.pending()
        if data["demande"]:
            requests = requests.filter(kind=data["demande"])
        return requests
