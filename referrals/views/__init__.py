"""Referral pages, one module per side (see urls.py)."""
