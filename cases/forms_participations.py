"""The FSE+ participation of a case: its situation at entry and the sensitive questions."""

from __future__ import annotations

from django import forms

from cases.models import Participation
from cases.services.participations import EDITABLE_FIELDS, SENSITIVE_FIELDS


class ParticipationForm(forms.ModelForm):
    """Correct the situation at entry, or record the answers to the sensitive questions."""

    class Meta:
        model = Participation
        fields = EDITABLE_FIELDS
        labels = {
            "disability": "Situation de handicap",
            "third_country_national": "Nationalité d'un pays hors Union européenne",
            "foreign_background": "Origine étrangère (née à l'étranger, ou parent né à l'étranger)",
            "minority": "Appartenance à une minorité (y compris une communauté marginalisée, "
            "comme les Roms)",
            "homeless": "Sans domicile ou en situation d'exclusion du logement",
            "sensitive_questions_asked_on": "Date à laquelle les questions ont été posées",
        }
        help_texts = {
            "age_at_entry": "Calculé à partir de la date de naissance ; à corriger seulement si "
            "elle est inconnue.",
            "long_term_unemployed": "Inscrit·e à France Travail depuis 12 mois ou plus à l'entrée.",
            "sensitive_questions_asked_on": "Par défaut, la date d'entrée dès qu'une réponse est "
            "enregistrée.",
        }
        widgets = {
            **dict.fromkeys(SENSITIVE_FIELDS, forms.RadioSelect),
            "sensitive_questions_asked_on": forms.DateInput(
                attrs={"type": "date"}, format="%Y-%m-%d"
            ),
        }

    def situation_fields(self) -> list[forms.BoundField]:
        """The situation at entry (status, age, education, minimum income…)."""
        return [self[name] for name in EDITABLE_FIELDS if name not in SENSITIVE_QUESTIONS]

    def sensitive_fields(self) -> list[forms.BoundField]:
        """The sensitive questions and the date they were asked."""
        return [self[name] for name in SENSITIVE_QUESTIONS]


SENSITIVE_QUESTIONS = (*SENSITIVE_FIELDS, "sensitive_questions_asked_on")
