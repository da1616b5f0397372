"""The FSE+ page's choice of an agreement and a period (a GET form)."""

from __future__ import annotations

from django import forms

from organizations.errors import DomainError
from organizations.models import FundingAgreement

from .periods import Period


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FsePeriodForm(forms.Form):
    """An FSE+ agreement of the platform and a period, by default the agreement's own."""

    convention = forms.ChoiceField(label="Convention cofinancée par le FSE+")
    debut = forms.DateField(label="Du", widget=_date_input())
    fin = forms.DateField(label="Au", widget=_date_input())

    def __init__(self, query, *, agreements: list[FundingAgreement], agreement: FundingAgreement):
        data = {
            "convention": str(agreement.pk),
            "debut": query.get("debut") or agreement.start_date.isoformat(),
            "fin": query.get("fin") or agreement.end_date.isoformat(),
        }
        super().__init__(data)
        self.fields["convention"].choices = [
            (str(a.pk), f"{a.programme} (du {a.start_date:%d/%m/%Y} au {a.end_date:%d/%m/%Y})")
            for a in agreements
        ]
        self.period: Period | None = None

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("debut"), cleaned.get("fin")
        if start and end:
            try:
                self.period = Period(start, end)
            except DomainError as error:
                self.add_error("fin" if error.field == "end" else None, error.message)
        return cleaned
