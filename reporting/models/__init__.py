"""Reporting's own rows: report jobs (PDFs made in the background) and FSE+ reference data."""

from .fse import FsePlusIndicator
from .jobs import ReportJob

__all__ = ["FsePlusIndicator", "ReportJob"]
