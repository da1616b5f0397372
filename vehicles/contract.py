"""The loan contract as a PDF (WeasyPrint): parties, vehicle, period, price, deposit, accessories,
conditions and signature boxes, in French, ready to print and sign."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .checklists import damage_labels, energy_label
from .formats import french_amount
from .models import Inspection, Loan

CONDITIONS = [
    "Le véhicule est prêté pour les déplacements liés à l'insertion professionnelle de "
    "l'emprunteur·se (emploi, formation, démarches) ; il ne peut être ni prêté, ni sous-loué, "
    "ni utilisé par une autre personne.",
    "L'emprunteur·se en prend soin, le range dans un lieu sûr et l'attache avec l'antivol "
    "fourni ; il ou elle signale sans délai toute panne, tout dégât, accident ou vol.",
    "Les amendes et contraventions commises pendant le prêt sont à la charge de l'emprunteur·se.",
    "Le véhicule est rendu à la date prévue, au site indiqué, avec ses accessoires, dans l'état "
    "constaté au départ (usure normale exceptée). Une prolongation se demande avant la date de "
    "retour.",
    "La caution est restituée au retour du véhicule ; tout ou partie peut en être retenu, sur "
    "justificatif, pour couvrir des dégâts, des accessoires manquants ou une franchise "
    "d'assurance.",
    "La plateforme peut mettre fin au prêt si ces conditions ne sont pas respectées.",
]


def _inspection_summary(loan: Loan, inspection: Inspection | None) -> dict | None:
    if inspection is None:
        return None
    return {
        "odometer_km": inspection.odometer_km,
        "energy_label": energy_label(loan.vehicle.kind),
        "energy_level": inspection.energy_level,
        "damages": damage_labels(loan.vehicle.kind, inspection.damages),
        "comments": inspection.comments,
    }


def contract_context(loan: Loan) -> dict:
    """Everything the contract prints, amounts already in French format."""
    departure = next(
        (i for i in loan.inspections.all() if i.kind == Inspection.Kind.CHECK_OUT), None
    )
    pricing = loan.solidarity_pricing
    return {
        "loan": loan,
        "platform": loan.organization,
        "vehicle": loan.vehicle,
        "site": loan.vehicle.site,
        "person": loan.case.beneficiary,
        "advisor": loan.case.advisor.user if loan.case.advisor_id else None,
        "accessories": list(loan.accessories.all()),
        "extensions": list(loan.extensions.all()),
        "departure": _inspection_summary(loan, departure),
        "pricing": pricing,
        "agreement": pricing.agreement if pricing else None,
        "amounts": {
            "daily_fee": french_amount(pricing.daily_fee if pricing else loan.daily_fee),
            "monthly_fee": french_amount(loan.monthly_fee),
            "price_total": french_amount(loan.price_total),
            "deposit": french_amount(loan.deposit_amount),
        },
        "conditions": CONDITIONS,
        "generated_at": timezone.localtime(),
        "site_url": settings.SITE_URL,
    }


def load_for_contract(loan: Loan) -> Loan:
    """Re-read the loan with everything the contract prints, in a few queries."""
    return (
        Loan.objects.select_related(
            "organization__commune",
            "vehicle__site__commune",
            "case__beneficiary__commune",
            "case__advisor__user",
            "solidarity_pricing__agreement__funder",
        )
        .prefetch_related("accessories", "extensions", "inspections")
        .get(pk=loan.pk)
    )


def render_contract_pdf(loan: Loan) -> bytes:
    """Render the contract of a loan as PDF bytes."""
    from weasyprint import HTML

    with translation.override("fr"):
        html = render_to_string("vehicles/contract.html", contract_context(loan))
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
