"""The indicators, each defined once; importing this package registers them all."""

from . import activity, pathway, results  # noqa: F401  (each module registers its indicators)
from .base import REGISTRY, SECTIONS, Indicator, ReportData

__all__ = ["REGISTRY", "SECTIONS", "Indicator", "ReportData"]
