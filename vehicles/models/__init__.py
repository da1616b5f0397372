"""The vehicles models: the fleet (fleet.py) and the loans (loans.py)."""

from ..checklists import VehicleKind
from .fleet import (
    Accessory,
    MaintenancePlan,
    MaintenanceRecord,
    SolidarityPricing,
    Vehicle,
)
from .loans import (
    BLOCKING_STATUSES,
    NO_DOUBLE_BOOKING,
    OUT_STATUSES,
    Incident,
    Inspection,
    InspectionPhoto,
    Loan,
    LoanExtension,
    LoanStatus,
    WaitingListEntry,
)

__all__ = [
    "BLOCKING_STATUSES",
    "NO_DOUBLE_BOOKING",
    "OUT_STATUSES",
    "Accessory",
    "Incident",
    "Inspection",
    "InspectionPhoto",
    "Loan",
    "LoanExtension",
    "LoanStatus",
    "MaintenancePlan",
    "MaintenanceRecord",
    "SolidarityPricing",
    "Vehicle",
    "VehicleKind",
    "WaitingListEntry",
]
