"""The domain operations of the fleet and its loans; views, API, admin and commands call them.

Each function is keyword-only, runs in one transaction, locks what it changes and raises
``DomainError`` (or ``ConflictError`` for a double booking) with a French message.
"""

from ..formats import french_amount
from .common import refresh_vehicle_status
from .fleet import (
    create_vehicle,
    finish_maintenance,
    record_incident,
    record_maintenance,
    retire_vehicle,
    save_accessory,
    save_maintenance_plan,
    save_solidarity_pricing,
    update_incident,
    update_vehicle,
)
from .handover import NotEligible, check_in, check_out, eligibility_problems, store_contract
from .loans import cancel, compute_price, extend, find_overlap, mark_overdue, reserve
from .waiting import add_to_waiting_list, cancel_waiting_entry

__all__ = [
    "NotEligible",
    "add_to_waiting_list",
    "cancel",
    "cancel_waiting_entry",
    "check_in",
    "check_out",
    "compute_price",
    "create_vehicle",
    "eligibility_problems",
    "extend",
    "find_overlap",
    "finish_maintenance",
    "french_amount",
    "mark_overdue",
    "record_incident",
    "record_maintenance",
    "refresh_vehicle_status",
    "reserve",
    "retire_vehicle",
    "save_accessory",
    "save_maintenance_plan",
    "save_solidarity_pricing",
    "store_contract",
    "update_incident",
    "update_vehicle",
]
