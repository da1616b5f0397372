"""How long a person's file stays active: N years after the last contact coming from them.

The CNIL framework for social support (délibération 2021-028) keeps the data of a person while
the accompaniment goes on, then no longer than ``PERSONAL_DATA_RETENTION_YEARS`` years after the
last contact coming from the person; after that the file is anonymised (``privacy`` app).
Settings are read at call time, never at import.
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings

ANONYMISED_LABEL = "Personne anonymisée"


def retention_years() -> int:
    return settings.PERSONAL_DATA_RETENTION_YEARS


def warning_days() -> int:
    return settings.PERSONAL_DATA_WARNING_DAYS


def contact_cutoff(day: date) -> date:
    """The latest last-contact day whose file is due for anonymisation on ``day``."""
    return day - relativedelta(years=retention_years())


def anonymisation_date(last_contact_on: date) -> date:
    """The first day on which a file last contacted on ``last_contact_on`` is anonymised."""
    day = last_contact_on + relativedelta(years=retention_years())
    # From 29 February, adding years lands on the 28th: one day too early for the cutoff.
    if contact_cutoff(day) < last_contact_on:
        day += timedelta(days=1)
    return day
