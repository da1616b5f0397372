"""French formats for amounts printed outside templates (messages, e-mails, the contract)."""

from __future__ import annotations

from decimal import Decimal

CENT = Decimal("0.01")


def french_amount(value: Decimal | None) -> str:
    """Format an amount the French way: 1 234,50 €."""
    value = (value or Decimal("0")).quantize(CENT)
    whole, cents = f"{value:,.2f}".split(".")
    return f"{whole.replace(',', '\u202f')},{cents}\u00a0€"
