"""Case data: beneficiaries, cases and lifecycle, diagnostics, plans, sessions, records."""

from .beneficiaries import AccessLog, Beneficiary, ConsentRecord, age_on, name_key, search_key
from .cases import (
    ANONYMISED_ENDINGS,
    OPEN_STATUSES,
    TRANSITIONS,
    Case,
    CaseStatus,
    CaseTransition,
)
from .diagnostics import (
    Barrier,
    BarrierCategory,
    CaseBarrier,
    Diagnostic,
    DiagnosticItem,
    Severity,
)
from .imports import ImportJob
from .participations import Answer, IscedBand, Participation
from .plans import Action, Goal
from .records import (
    EMPLOYED_SITUATIONS,
    AidApplication,
    Document,
    ExitQuestionnaire,
    FollowUp,
    Note,
    Situation,
)
from .sessions import (
    Appointment,
    Curriculum,
    Registration,
    Skill,
    SkillAssessment,
    Workshop,
)

__all__ = [
    "ANONYMISED_ENDINGS",
    "EMPLOYED_SITUATIONS",
    "OPEN_STATUSES",
    "TRANSITIONS",
    "AccessLog",
    "Action",
    "AidApplication",
    "Answer",
    "Appointment",
    "Barrier",
    "BarrierCategory",
    "Beneficiary",
    "Case",
    "CaseBarrier",
    "CaseStatus",
    "CaseTransition",
    "ConsentRecord",
    "Curriculum",
    "Diagnostic",
    "DiagnosticItem",
    "Document",
    "ExitQuestionnaire",
    "FollowUp",
    "Goal",
    "ImportJob",
    "IscedBand",
    "Note",
    "Participation",
    "Registration",
    "Severity",
    "Situation",
    "Skill",
    "SkillAssessment",
    "Workshop",
    "age_on",
    "name_key",
    "search_key",
]
