"""The scope and period pickers of the statistics pages."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from .periods import Period
from .scopes import Scope

FIRST_YEAR = 2020


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def fixed_periods(scope: Scope, *, today: dt.date | None = None) -> list[tuple[str, str, Period]]:
    """Periods a reader outside the platform may choose: the agreement's, then calendar years."""
    today = today or timezone.localdate()
    periods = []
    agreement = scope.agreement
    first_year, last_year = FIRST_YEAR, today.year
    if agreement is not None:
        period = Period(agreement.start_date, agreement.end_date)
        periods.append((f"{period.start:%Y-%m-%d}_{period.end:%Y-%m-%d}",
                        f"Toute la convention ({period})", period))  # fmt: skip
        first_year, last_year = agreement.start_date.year, min(agreement.end_date.year, today.year)
    elif scope.agreements:
        first_year = min(a.start_date.year for a in scope.agreements)
    for year in range(last_year, first_year - 1, -1):
        period = Period.year(year)
        periods.append((f"{period.start:%Y-%m-%d}_{period.end:%Y-%m-%d}", f"Année {year}", period))
    return periods


class FixedPeriodForm(forms.Form):
    """For funders and the observatory: one of the fixed periods."""

    period = forms.ChoiceField(label="Période")

    def __init__(self, *args, scope: Scope, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.periods = fixed_periods(scope)
        self.fields["period"].choices = [(key, label) for key, label, _ in self.periods]
        self.fields["period"].initial = self.periods[0][0]

    def chosen_period(self) -> Period:
        key = self.cleaned_data.get("period") if self.is_valid() else None
        chosen = {k: p for k, _, p in self.periods}
        return chosen.get(key, self.periods[0][2])


class FreePeriodForm(forms.Form):
    """For the platform's own figures: any period (the current year by default)."""

    start = forms.DateField(label="Du", widget=date_input(), required=False)
    end = forms.DateField(label="Au (inclus)", widget=date_input(), required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "La fin de la période doit suivre son début.")
        if start and end and (end - start).days > 3660:
            self.add_error("end", "Choisissez une période de dix ans au plus.")
        return cleaned

    def chosen_period(self) -> Period:
        year = timezone.localdate().year
        start = dt.date(year, 1, 1)
        end = dt.date(year, 12, 31)
        if self.is_valid():
            start = self.cleaned_data.get("start") or start
            end = self.cleaned_data.get("end") or dt.date(start.year, 12, 31)
            if end < start:
                end = dt.date(start.year, 12, 31)
        return Period(start, end)


def presets(today: dt.date | None = None) -> list[tuple[str, Period]]:
    today = today or timezone.localdate()
    last_12 = Period(today.replace(day=1) - dt.timedelta(days=365), today)
    return [
        (f"Année {today.year}", Period.year(today.year)),
        (f"Année {today.year - 1}", Period.year(today.year - 1)),
        ("Douze derniers mois", Period(last_12.start.replace(day=1), today)),
    ]
