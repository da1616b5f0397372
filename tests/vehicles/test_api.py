"""/api/v1/vehicles/ and /api/v1/loans/: scoped, role-checked, the same rules as the pages."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.vehicles.factories import LoanFactory, VehicleFactory, days, today
from vehicles.models import Loan

VEHICLES = "/api/v1/vehicles/"
LOANS = "/api/v1/loans/"
JSON = "application/json"


def loan_url(loan, action: str = "") -> str:
    return f"{LOANS}{loan.pk}/" + (f"{action}/" if action else "")


@pytest.fixture
def reserved(case, ebike):
    return LoanFactory(
        vehicle=ebike,
        case=case,
        start_date=today(),
        end_date=days(14),
        deposit_amount=Decimal("150"),
        deposit_status=Loan.DepositStatus.PENDING,
    )


@pytest.mark.cross_tenant("api:vehicle-list", "api:loan-list")
def test_the_lists_show_the_fleet_and_loans_of_the_platform_only(
    login, alice, ebike, reserved, other_vehicle
):
    LoanFactory(vehicle=other_vehicle)
    client = login(alice)

    vehicles = client.get(VEHICLES).json()
    loans = client.get(LOANS).json()

    assert [v["code"] for v in vehicles["results"]] == ["VAE-01"]
    assert vehicles["results"][0]["kind_label"] == "Vélo à assistance électrique"
    assert [loan["id"] for loan in loans["results"]] == [str(reserved.pk)]
    assert loans["results"][0]["person"]["full_name"] == "Hélène LEFÈVRE"


@pytest.mark.cross_tenant(
    "api:vehicle-detail",
    "api:loan-detail",
    "api:loan-check-out",
    "api:loan-check-in",
    "api:loan-extend",
    "api:loan-cancel",
)
def test_another_platform_gets_404_on_a_vehicle_a_loan_and_its_actions(
    login, chloe, ebike, reserved
):
    client = login(chloe)

    assert client.get(f"{VEHICLES}{ebike.pk}/").status_code == 404
    assert client.get(loan_url(reserved)).status_code == 404
    for action, data in [
        ("check-out", {"odometer_km": 5000, "energy_level": 100}),
        ("check-in", {"odometer_km": 5000, "energy_level": 100}),
        ("extend", {"new_end_date": days(30).isoformat()}),
        ("cancel", {"reason": "Pirate"}),
    ]:
        response = client.post(loan_url(reserved, action), data, content_type=JSON)
        assert response.status_code == 404, action
    reserved.refresh_from_db()
    assert (reserved.status, reserved.end_date) == (Loan.Status.RESERVED, days(14))


@pytest.mark.role_check(
    "api:vehicle-list",
    "api:vehicle-detail",
    "api:loan-list",
    "api:loan-detail",
    "api:loan-check-out",
    "api:loan-check-in",
    "api:loan-extend",
    "api:loan-cancel",
)
def test_coaches_referrers_and_funders_get_403_and_anonymous_401(
    login, client, bob, remi, fanny, ebike, reserved
):
    paths = [VEHICLES, f"{VEHICLES}{ebike.pk}/", LOANS, loan_url(reserved)]
    actions = ["check-out", "check-in", "extend", "cancel"]
    for member in (bob, remi, fanny):
        member_client = login(member)
        for path in paths:
            assert member_client.get(path).status_code == 403, path
        for action in actions:
            assert member_client.post(loan_url(reserved, action), {}).status_code == 403
        assert member_client.post(LOANS, {}).status_code == 403
    for path in paths:
        assert client.get(path).status_code == 401
    reserved.refresh_from_db()
    assert reserved.status == Loan.Status.RESERVED


def test_a_reservation_through_the_api_and_a_second_one_overlapping_gets_409(
    login, alice, case, ebike
):
    client = login(alice)
    payload = {
        "case": str(case.pk),
        "vehicle": str(ebike.pk),
        "start_date": days(1).isoformat(),
        "end_date": days(8).isoformat(),
    }

    created = client.post(LOANS, payload, content_type=JSON)
    clash = client.post(
        LOANS,
        {**payload, "start_date": days(7).isoformat(), "end_date": days(9).isoformat()},
        content_type=JSON,
    )
    back_to_back = client.post(
        LOANS,
        {**payload, "start_date": days(8).isoformat(), "end_date": days(9).isoformat()},
        content_type=JSON,
    )

    assert created.status_code == 201
    assert created.json()["price_total"] == "14.00"
    assert clash.status_code == 409
    assert clash.json() == {
        "detail": f"Ce véhicule est déjà réservé du {days(1):%d/%m/%Y} au {days(8):%d/%m/%Y} : "
        "choisissez une autre période ou un autre véhicule.",
        "code": "double_booking",
    }
    assert back_to_back.status_code == 201


def test_a_vehicle_of_another_platform_is_not_found_for_a_reservation(
    login, alice, case, other_vehicle
):
    response = login(alice).post(
        LOANS,
        {
            "case": str(case.pk),
            "vehicle": str(other_vehicle.pk),
            "start_date": days(1).isoformat(),
            "end_date": days(8).isoformat(),
        },
        content_type=JSON,
    )

    assert response.status_code == 400
    assert response.json()["vehicle"] == [
        f"Introuvable dans votre organisation : « {other_vehicle.pk} »."
    ]
    assert not Loan.objects.exists()


def test_check_out_extend_and_check_in_through_the_api(login, alice, reserved):
    client = login(alice)

    refused = client.post(
        loan_url(reserved, "check-out"),
        {"odometer_km": 1200, "energy_level": 100},
        content_type=JSON,
    )
    out = client.post(
        loan_url(reserved, "check-out"),
        {"odometer_km": 1200, "energy_level": 100, "damages": ["rack"], "deposit_received": True},
        content_type=JSON,
    )
    extended = client.post(
        loan_url(reserved, "extend"), {"new_end_date": days(20).isoformat()}, content_type=JSON
    )
    backwards = client.post(
        loan_url(reserved, "check-in"),
        {"odometer_km": 1100, "energy_level": 50},
        content_type=JSON,
    )
    back = client.post(
        loan_url(reserved, "check-in"),
        {"odometer_km": 1240, "energy_level": 50, "damages": ["rack", "brakes"]},
        content_type=JSON,
    )

    assert refused.status_code == 400
    assert refused.json()["detail"] == "La caution de 150,00\u00a0€ n'a pas été encaissée."
    assert out.status_code == 200 and out.json()["status"] == "active"
    assert extended.json()["end_date"] == days(20).isoformat()
    assert extended.json()["price_total"] == "40.00"
    assert backwards.status_code == 400
    assert backwards.json()["field"] == "odometer_km"
    assert back.status_code == 200
    body = back.json()
    assert body["status"] == "returned"
    assert body["deposit_status"] == "returned"
    assert [i["kind"] for i in body["inspections"]] == ["check_out", "check_in"]
    assert body["extensions"][0]["new_end_date"] == days(20).isoformat()


def test_check_in_before_check_out_and_cancel_through_the_api(login, alice, reserved):
    client = login(alice)

    early = client.post(
        loan_url(reserved, "check-in"),
        {"odometer_km": 1300, "energy_level": 50},
        content_type=JSON,
    )
    cancelled = client.post(loan_url(reserved, "cancel"), {"reason": "Annulé"}, content_type=JSON)

    assert early.status_code == 400
    assert early.json()["code"] == "not_checked_out"
    assert cancelled.json()["status"] == "cancelled"


def test_the_loan_list_keeps_a_constant_number_of_queries(login, alice, case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(alice)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LOANS).status_code == 200
            assert client.get(VEHICLES).status_code == 200
        return len(queries)

    LoanFactory(vehicle=VehicleFactory(organization=alice.organization), case=case)
    few = count()
    for _ in range(4):
        LoanFactory(vehicle=VehicleFactory(organization=alice.organization), case=case)

    assert count() == few


def test_the_schema_documents_the_fleet_endpoints(client):
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()

    assert "/api/v1/loans/{id}/check-out/" in schema["paths"]
    assert "409" in schema["paths"]["/api/v1/loans/"]["post"]["responses"]
    assert schema["paths"]["/api/v1/vehicles/"]["get"]["summary"] == "Véhicules du parc"
