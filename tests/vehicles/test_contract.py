"""The loan contract PDF: what it prints, read back with pdftotext (poppler-utils)."""

import subprocess
from decimal import Decimal

import pytest

from tests.vehicles.factories import AccessoryFactory, InspectionFactory, days
from vehicles import services
from vehicles.contract import load_for_contract, render_contract_pdf
from vehicles.models import Loan


def pdf_text(pdf: bytes) -> str:
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    # Join what the layout splits: non-breaking spaces and runs of spaces become one space.
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


@pytest.fixture
def car_loan(case, car, alice):
    helmet = AccessoryFactory(
        organization=alice.organization, kind="child_seat", label="Siège bébé"
    )
    loan = services.reserve(
        case=case,
        vehicle=car,
        by=alice,
        start_date=days(0),
        end_date=days(20),
        accessories=[helmet],
    )
    return loan


def test_the_contract_names_the_parties_the_vehicle_the_period_and_the_amounts(
    car_loan, car, alice
):
    InspectionFactory(loan=car_loan, odometer_km=84100, damages=["rear"], energy_level=75)

    text = pdf_text(render_contract_pdf(load_for_contract(car_loan)))

    assert "Contrat de prêt de véhicule" in text
    assert "Hélène LEFÈVRE" in text
    assert alice.organization.name in text
    assert car.plate in text
    assert "Renault Clio" in text
    assert "160,00 €" in text  # 20 days at 8 €
    assert "8,00 € par jour" in text
    assert "300,00 €" in text  # the deposit
    assert "Siège bébé" in text
    assert "Arrière (pare-chocs, hayon)" in text
    assert "84100 km" in text
    assert f"{days(20).day} " in text and "Signatures" in text
    assert "Pour la plateforme" in text and "L'emprunteur·se" in text


def test_the_contract_prints_the_solidarity_tariff_and_its_agreement(case, car, alice):
    from tests.vehicles.factories import SolidarityPricingFactory

    pricing = SolidarityPricingFactory(organization=alice.organization)
    case.funding_agreements.add(pricing.agreement)
    loan = services.reserve(
        case=case,
        vehicle=car,
        by=alice,
        start_date=days(1),
        end_date=days(31),
        pricing_mode=Loan.PricingMode.SOLIDARITY,
        solidarity_pricing=pricing,
    )

    text = pdf_text(render_contract_pdf(load_for_contract(loan)))

    assert "Voiture 1 € par jour : 1,00 € par jour, dans la limite de 60 jours" in text
    assert pricing.agreement.programme in text
    assert "30,00 €" in text


def test_the_contract_is_stored_with_the_loan_and_reprinted_after_an_extension(
    car_loan, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        loan = services.store_contract(car_loan, by=alice)
    first = loan.contract.name
    assert first.endswith(".pdf")
    assert loan.contract_generated_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        services.extend(loan, new_end_date=days(25), by=alice, reason="Essai prolongé")
    loan.refresh_from_db()
    assert not loan.contract
    assert not loan.contract.storage.exists(first)

    loan = services.store_contract(loan, by=alice)
    text = pdf_text(loan.contract.read())
    assert "Essai prolongé" in text
    assert "200,00 €" in text
    assert loan.price_total == Decimal("200.00")
