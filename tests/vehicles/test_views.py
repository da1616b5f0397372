"""The fleet and loan pages: tenancy and roles on every URL, the guided flows, query counts."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from cases.models import AccessLog, Beneficiary
from tests.vehicles.factories import (
    AccessoryFactory,
    IncidentFactory,
    InspectionFactory,
    LoanFactory,
    MaintenancePlanFactory,
    MaintenanceRecordFactory,
    SolidarityPricingFactory,
    VehicleFactory,
    WaitingListEntryFactory,
    days,
    today,
)
from vehicles.models import (
    Accessory,
    Incident,
    Inspection,
    InspectionPhoto,
    Loan,
    MaintenancePlan,
    MaintenanceRecord,
    SolidarityPricing,
    Vehicle,
    WaitingListEntry,
)

Status = Loan.Status


def png(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def world(alice, case, ebike):
    """Platform A's fleet: a reservation, a loan out with a photo, maintenance, an incident."""
    organization = alice.organization
    reserved = LoanFactory(vehicle=ebike, case=case, start_date=today(), end_date=days(10))
    ebike.photo.save("velo.png", png(), save=True)
    scooter = VehicleFactory(organization=organization, code="SC-01", scooter=True)
    out = LoanFactory(
        vehicle=scooter, case=case, status=Status.ACTIVE, start_date=days(-5), end_date=days(5)
    )
    departure = InspectionFactory(loan=out, odometer_km=scooter.odometer_km)
    photo = InspectionPhoto(organization=organization, inspection=departure)
    photo.image.save("depart.png", png(), save=True)
    return {
        "case": case,
        "vehicle": ebike,
        "loan": reserved,
        "out": out,
        "photo": photo,
        "plan": MaintenancePlanFactory(vehicle=ebike),
        "record": MaintenanceRecordFactory(vehicle=scooter, start_date=days(20), end_date=None),
        "incident": IncidentFactory(vehicle=ebike, loan=reserved),
        "accessory": AccessoryFactory(
            organization=organization, vehicle=ebike, label="Casque Abus n°7"
        ),
        "pricing": SolidarityPricingFactory(organization=organization),
        "entry": WaitingListEntryFactory(case=case, kind=Vehicle.Kind.CAR),
    }


def url(name: str, world) -> str:
    args = {
        "vehicle_detail": ["vehicle"],
        "vehicle_edit": ["vehicle"],
        "vehicle_retire": ["vehicle"],
        "vehicle_photo": ["vehicle"],
        "plan_create": ["vehicle"],
        "plan_edit": ["vehicle", "plan"],
        "maintenance_create": ["vehicle"],
        "maintenance_finish": ["record.vehicle", "record"],
        "incident_create": ["vehicle"],
        "incident_edit": ["vehicle", "incident"],
        "accessory_edit": ["accessory"],
        "pricing_edit": ["pricing"],
        "waiting_cancel": ["entry"],
        "case_loans": ["case"],
        "loan_create": ["case"],
        "waiting_add": ["case"],
        "loan_detail": ["loan"],
        "loan_cancel": ["loan"],
        "loan_check_out": ["loan"],
        "loan_check_in": ["out"],
        "loan_extend": ["loan"],
        "loan_contract": ["loan"],
        "inspection_photo": ["out", "photo"],
    }.get(name.split(":")[1], [])

    def resolve(path):
        obj = world[path.split(".")[0]]
        for attr in path.split(".")[1:]:
            obj = getattr(obj, attr)
        return obj.pk

    return reverse(name, args=[resolve(arg) for arg in args])


OBJECT_PAGES = [
    "vehicles:vehicle_detail",
    "vehicles:vehicle_edit",
    "vehicles:vehicle_photo",
    "vehicles:plan_create",
    "vehicles:plan_edit",
    "vehicles:maintenance_create",
    "vehicles:maintenance_finish",
    "vehicles:incident_create",
    "vehicles:incident_edit",
    "vehicles:accessory_edit",
    "vehicles:case_loans",
    "vehicles:loan_create",
    "vehicles:waiting_add",
    "vehicles:loan_detail",
    "vehicles:loan_cancel",
    "vehicles:loan_check_out",
    "vehicles:loan_check_in",
    "vehicles:loan_extend",
    "vehicles:loan_contract",
    "vehicles:inspection_photo",
]
OBJECT_WRITES = [
    ("vehicles:vehicle_edit", {"code": "PIRATE", "kind": "bike", "make": "X", "odometer_km": 1}),
    ("vehicles:vehicle_retire", {}),
    ("vehicles:plan_create", {"label": "Pirate", "interval_days": 10}),
    ("vehicles:plan_edit", {"label": "Pirate", "interval_days": 10}),
    ("vehicles:maintenance_create", {"label": "Pirate", "start_date": "2026-01-01"}),
    ("vehicles:maintenance_finish", {"end_date": "2026-01-01"}),
    ("vehicles:incident_create", {"kind": "fine", "occurred_on": "2026-01-01", "description": "x"}),
    ("vehicles:incident_edit", {"kind": "fine", "occurred_on": "2026-01-01", "description": "x"}),
    ("vehicles:accessory_edit", {"kind": "lock", "label": "Pirate"}),
    ("vehicles:waiting_cancel", {}),
    ("vehicles:loan_create", {"kind": "e_bike"}),
    ("vehicles:waiting_add", {"kind": "car"}),
    ("vehicles:loan_cancel", {"reason": "Pirate"}),
    ("vehicles:loan_check_out", {"odometer_km": 99999}),
    ("vehicles:loan_check_in", {"odometer_km": 99999}),
    ("vehicles:loan_extend", {"new_end_date": "2030-01-01"}),
]
ADMIN_PAGES = ["vehicles:pricing_list", "vehicles:pricing_create", "vehicles:pricing_edit"]
LIST_PAGES = [
    "vehicles:vehicle_list",
    "vehicles:vehicle_create",
    "vehicles:accessory_list",
    "vehicles:accessory_create",
    "vehicles:planning",
    "vehicles:utilisation",
    "vehicles:loan_list",
    "vehicles:waiting_list",
]


def snapshot():
    return (
        sorted(Loan.objects.values_list("status", "end_date", "cancel_reason")),
        sorted(Vehicle.objects.values_list("code", "status")),
        MaintenancePlan.objects.count(),
        sorted(MaintenanceRecord.objects.values_list("label", "end_date")),
        sorted(Incident.objects.values_list("kind", "description")),
        sorted(Accessory.objects.values_list("label", flat=True)),
        sorted(WaitingListEntry.objects.values_list("status", flat=True)),
        Inspection.objects.count(),
    )


# --- Tenancy and roles on every URL -------------------------------------------------------------


@pytest.mark.cross_tenant(
    "vehicles:vehicle_detail",
    "vehicles:vehicle_edit",
    "vehicles:vehicle_retire",
    "vehicles:vehicle_photo",
    "vehicles:plan_create",
    "vehicles:plan_edit",
    "vehicles:maintenance_create",
    "vehicles:maintenance_finish",
    "vehicles:incident_create",
    "vehicles:incident_edit",
    "vehicles:accessory_edit",
    "vehicles:waiting_cancel",
    "vehicles:case_loans",
    "vehicles:loan_create",
    "vehicles:waiting_add",
    "vehicles:loan_detail",
    "vehicles:loan_cancel",
    "vehicles:loan_check_out",
    "vehicles:loan_check_in",
    "vehicles:loan_extend",
    "vehicles:loan_contract",
    "vehicles:inspection_photo",
)
def test_an_advisor_of_another_platform_gets_404_on_every_fleet_object(world, chloe, login):
    client = login(chloe)
    before = snapshot()

    for name in OBJECT_PAGES:
        assert client.get(url(name, world)).status_code == 404, name
    for name, data in OBJECT_WRITES:
        assert client.post(url(name, world), data).status_code == 404, name

    assert snapshot() == before
    assert not AccessLog.objects.exists()
    assert not world["loan"].contract


@pytest.mark.cross_tenant("vehicles:pricing_edit")
def test_an_admin_of_another_platform_gets_404_on_a_tariff(world, basile, login):
    client = login(basile)

    assert client.get(url("vehicles:pricing_edit", world)).status_code == 404
    assert client.post(url("vehicles:pricing_edit", world), {"label": "x"}).status_code == 404


@pytest.mark.cross_tenant(
    "vehicles:vehicle_list",
    "vehicles:accessory_list",
    "vehicles:planning",
    "vehicles:utilisation",
    "vehicles:loan_list",
    "vehicles:waiting_list",
    "vehicles:pricing_list",
)
def test_lists_of_another_platform_show_none_of_our_fleet(world, chloe, basile, login):
    other = VehicleFactory(organization=chloe.organization, code="ARRAS-01")
    LoanFactory(vehicle=other)
    pages = [*LIST_PAGES, "vehicles:pricing_list"]

    for member in (chloe, basile):
        client = login(member)
        for name in pages:
            if name == "vehicles:pricing_list" and member is chloe:
                continue
            response = client.get(url(name, world))
            assert response.status_code == 200, name
            content = response.content.decode()
            for foreign in ("VAE-01", "SC-01", "LEFÈVRE", "Abus n°7", "Voiture 1 € par jour"):
                assert foreign not in content, (name, foreign)
    assert "ARRAS-01" in login(chloe).get(reverse("vehicles:vehicle_list")).content.decode()


@pytest.mark.cross_tenant(
    "vehicles:vehicle_create", "vehicles:accessory_create", "vehicles:pricing_create"
)
def test_forms_of_another_platform_cannot_point_at_our_rows(world, chloe, basile, login):
    accessory = login(chloe).post(
        reverse("vehicles:accessory_create"),
        {"kind": "helmet", "label": "Intrus", "vehicle": world["vehicle"].pk, "is_active": "on"},
    )
    pricing = login(basile).post(
        reverse("vehicles:pricing_create"),
        {
            "agreement": world["pricing"].agreement.pk,
            "label": "Intrus",
            "daily_fee": "1",
            "max_days": "30",
        },
    )
    vehicle = login(chloe).post(
        reverse("vehicles:vehicle_create"),
        {
            "code": "VAE-01",
            "kind": "bike",
            "make": "Intrus",
            "odometer_km": 0,
            "daily_fee": "1",
            "deposit_amount": "0",
            "site": world["vehicle"].site_id or "",
        },
    )

    assert accessory.status_code == 200
    assert pricing.status_code == 200
    assert not Accessory.objects.filter(label="Intrus").exists()
    assert not SolidarityPricing.objects.filter(label="Intrus").exists()
    # The fleet numbers are per platform: Chloé may use « VAE-01 » for her own bike.
    assert vehicle.status_code == 302
    assert Vehicle.objects.get(code="VAE-01", make="Intrus").organization == chloe.organization


ALL_PAGES = [*LIST_PAGES, *OBJECT_PAGES, *ADMIN_PAGES]
ALL_WRITES = [
    *OBJECT_WRITES,
    ("vehicles:vehicle_create", {"code": "X", "kind": "bike", "make": "X", "odometer_km": 0}),
    ("vehicles:accessory_create", {"kind": "lock"}),
    ("vehicles:pricing_create", {"label": "X", "daily_fee": "1", "max_days": "10"}),
    ("vehicles:pricing_edit", {"label": "X", "daily_fee": "1", "max_days": "10"}),
]


@pytest.mark.parametrize("who", ["bob", "remi", "fanny"])
@pytest.mark.role_check(
    "vehicles:vehicle_list",
    "vehicles:vehicle_create",
    "vehicles:vehicle_detail",
    "vehicles:vehicle_edit",
    "vehicles:vehicle_retire",
    "vehicles:vehicle_photo",
    "vehicles:plan_create",
    "vehicles:plan_edit",
    "vehicles:maintenance_create",
    "vehicles:maintenance_finish",
    "vehicles:incident_create",
    "vehicles:incident_edit",
    "vehicles:accessory_list",
    "vehicles:accessory_create",
    "vehicles:accessory_edit",
    "vehicles:pricing_list",
    "vehicles:pricing_create",
    "vehicles:pricing_edit",
    "vehicles:planning",
    "vehicles:utilisation",
    "vehicles:loan_list",
    "vehicles:waiting_list",
    "vehicles:waiting_cancel",
    "vehicles:case_loans",
    "vehicles:loan_create",
    "vehicles:waiting_add",
    "vehicles:loan_detail",
    "vehicles:loan_cancel",
    "vehicles:loan_check_out",
    "vehicles:loan_check_in",
    "vehicles:loan_extend",
    "vehicles:loan_contract",
    "vehicles:inspection_photo",
)
def test_coaches_referrers_and_funders_get_403_on_every_fleet_page(world, login, who, request):
    client = login(request.getfixturevalue(who))
    before = snapshot()

    for name in ALL_PAGES:
        assert client.get(url(name, world)).status_code == 403, name
    for name, data in ALL_WRITES:
        assert client.post(url(name, world), data).status_code == 403, name

    assert snapshot() == before


def test_advisors_manage_the_fleet_but_only_admins_the_solidarity_tariffs(world, alice, login):
    client = login(alice)

    assert client.get(reverse("vehicles:vehicle_create")).status_code == 200
    for name in ADMIN_PAGES:
        assert client.get(url(name, world)).status_code == 403, name


def test_anonymous_visitors_are_sent_to_the_login_page(world, client):
    for name in ALL_PAGES:
        response = client.get(url(name, world))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:login")), name


# --- Reservation from the case page ----------------------------------------------------------


def test_the_case_page_has_a_loans_tab(world, alice, login):
    response = login(alice).get(reverse("vehicles:case_loans", args=[world["case"].pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'aria-current="page">Prêts de véhicules</a>' in content
    assert "VAE-01" in content and "SC-01" in content
    assert AccessLog.objects.filter(beneficiary=world["case"].beneficiary).count() == 1


def test_an_advisor_reserves_an_ebike_for_a_case(case, ebike, alice, login):
    client = login(alice)
    search = {"kind": "e_bike", "start_date": days(2), "end_date": days(30)}
    page = client.get(reverse("vehicles:loan_create", args=[case.pk]), search)
    assert "VAE-01" in page.content.decode()

    response = client.post(
        reverse("vehicles:loan_create", args=[case.pk]),
        {
            **search,
            "vehicle": ebike.pk,
            "pricing_mode": "daily",
            "deposit_amount": "50",
            "notes": "Pour la période d'essai",
        },
    )

    loan = Loan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("vehicles:loan_detail", args=[loan.pk])
    assert (loan.start_date, loan.end_date, loan.deposit_amount) == (
        days(2),
        days(30),
        Decimal("50.00"),
    )


def test_a_vehicle_booked_meanwhile_shows_the_conflict_and_keeps_what_was_typed(
    case, ebike, alice, login
):
    VehicleFactory(organization=alice.organization, code="VAE-02")
    LoanFactory(vehicle=ebike, start_date=days(5), end_date=days(9))
    data = {
        "kind": "e_bike",
        "start_date": days(2),
        "end_date": days(30),
        "vehicle": ebike.pk,
        "pricing_mode": "daily",
        "notes": "Prise de poste chez Leroy Merlin",
    }

    response = login(alice).post(reverse("vehicles:loan_create", args=[case.pk]), data)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Ce véhicule est déjà réservé du" in content
    assert "Prise de poste chez Leroy Merlin" in content
    assert "VAE-02" in content  # the vehicles still free are offered instead
    assert Loan.objects.count() == 1


def test_the_last_free_vehicle_booked_meanwhile_leads_to_the_waiting_list(
    case, ebike, alice, login
):
    LoanFactory(vehicle=ebike, start_date=days(5), end_date=days(9))
    data = {
        "kind": "e_bike",
        "start_date": days(2),
        "end_date": days(30),
        "vehicle": ebike.pk,
        "pricing_mode": "daily",
    }

    response = login(alice).post(reverse("vehicles:loan_create", args=[case.pk]), data)

    content = response.content.decode()
    assert "Ce véhicule est déjà réservé du" in content
    assert "Aucun véhicule de ce type n'est libre" in content
    assert "kind=e_bike" in content  # the waiting-list link keeps the search


def test_no_free_vehicle_offers_the_waiting_list(case, ebike, alice, login):
    LoanFactory(vehicle=ebike, start_date=days(1), end_date=days(40))
    client = login(alice)

    page = client.get(
        reverse("vehicles:loan_create", args=[case.pk]),
        {"kind": "e_bike", "start_date": days(2), "end_date": days(30)},
    )
    assert "Inscrire la personne en liste d'attente" in page.content.decode()
    response = client.post(
        reverse("vehicles:waiting_add", args=[case.pk]),
        {"kind": "e_bike", "wanted_from": days(2), "wanted_until": days(30)},
    )

    assert response.status_code == 302
    entry = WaitingListEntry.objects.get()
    listing = client.get(reverse("vehicles:waiting_list")).content.decode()
    assert case.beneficiary.full_name in listing
    assert client.post(reverse("vehicles:waiting_cancel", args=[entry.pk])).status_code == 302
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.CANCELLED


# --- Check-out, check-in, extension, cancellation ----------------------------------------------


@pytest.fixture
def today_loan(case, ebike):
    return LoanFactory(
        vehicle=ebike,
        case=case,
        start_date=today(),
        end_date=days(14),
        deposit_amount=Decimal("150"),
        deposit_status=Loan.DepositStatus.PENDING,
    )


def test_the_check_out_page_lists_why_a_car_cannot_leave(case, car, alice, helene, login):
    Beneficiary.objects.filter(pk=helene.pk).update(driving_licence="none")
    loan = LoanFactory(vehicle=car, case=case, start_date=today(), end_date=days(5))
    client = login(alice)

    page = client.get(reverse("vehicles:loan_check_out", args=[loan.pk]))
    response = client.post(
        reverse("vehicles:loan_check_out", args=[loan.pk]),
        {"odometer_km": car.odometer_km, "energy_level": 50, "comments": "Plein à moitié"},
    )

    assert "Permis B requis pour une voiture" in page.content.decode()
    assert response.status_code == 200
    content = response.content.decode()
    assert "Le véhicule ne peut pas partir" in content
    assert "Plein à moitié" in content  # nothing typed is lost
    loan.refresh_from_db()
    assert loan.status == Status.RESERVED


def test_an_advisor_checks_out_an_ebike_with_photos_and_prints_the_contract(
    today_loan, alice, login
):
    helmet = AccessoryFactory(organization=alice.organization, label="Casque bleu")
    client = login(alice)

    response = client.post(
        reverse("vehicles:loan_check_out", args=[today_loan.pk]),
        {
            "odometer_km": 1210,
            "energy_level": 100,
            "damages": ["rack"],
            "accessories": [helmet.pk],
            "deposit_received": "on",
            "photos": [png("avant.png"), png("arriere.png")],
        },
    )

    assert response.status_code == 302
    today_loan.refresh_from_db()
    assert today_loan.status == Status.ACTIVE
    assert today_loan.deposit_status == Loan.DepositStatus.HELD
    assert InspectionPhoto.objects.filter(inspection__loan=today_loan).count() == 2
    contract = client.get(reverse("vehicles:loan_contract", args=[today_loan.pk]))
    assert contract.status_code == 200
    assert b"".join(contract.streaming_content).startswith(b"%PDF")
    today_loan.refresh_from_db()
    assert today_loan.contract.name.endswith(".pdf")


def test_check_in_notes_a_new_damage_and_the_loan_page_highlights_it(today_loan, alice, login):
    client = login(alice)
    client.post(
        reverse("vehicles:loan_check_out", args=[today_loan.pk]),
        {"odometer_km": 1210, "energy_level": 100, "deposit_received": "on"},
    )
    page = client.get(reverse("vehicles:loan_check_in", args=[today_loan.pk]))
    assert page.status_code == 200

    response = client.post(
        reverse("vehicles:loan_check_in", args=[today_loan.pk]),
        {
            "odometer_km": 1260,
            "energy_level": 25,
            "damages": ["brakes"],
            "deposit_retained_amount": "0",
            "comments": "Frein arrière qui frotte",
        },
    )

    assert response.status_code == 302
    detail = client.get(reverse("vehicles:loan_detail", args=[today_loan.pk])).content.decode()
    assert "Nouveaux dégâts : Freins." in detail
    assert "50 km parcourus" in detail
    assert "<mark>-75 points</mark>" in detail
    today_loan.refresh_from_db()
    assert today_loan.status == Status.RETURNED
    assert today_loan.deposit_status == Loan.DepositStatus.RETURNED


def test_check_in_of_a_vehicle_not_yet_out_is_refused(today_loan, alice, login):
    response = login(alice).post(
        reverse("vehicles:loan_check_in", args=[today_loan.pk]), {"odometer_km": 2000}
    )

    assert response.status_code == 302
    assert not Inspection.objects.exists()


def test_an_odometer_going_backwards_is_shown_next_to_the_field(today_loan, alice, login):
    client = login(alice)
    client.post(
        reverse("vehicles:loan_check_out", args=[today_loan.pk]),
        {"odometer_km": 1210, "energy_level": 100, "deposit_received": "on"},
    )

    response = client.post(
        reverse("vehicles:loan_check_in", args=[today_loan.pk]),
        {"odometer_km": 1100, "energy_level": 50},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["odometer_km"] == [
        "Le compteur indique 1100 km au retour, moins que les 1210 km relevés au départ : "
        "vérifiez le relevé."
    ]


def test_an_advisor_extends_then_cancels_a_reservation(world, alice, login):
    client = login(alice)
    loan = world["loan"]

    extended = client.post(
        reverse("vehicles:loan_extend", args=[loan.pk]),
        {"new_end_date": days(12), "reason": "Contrat prolongé"},
    )
    cancelled = client.post(
        reverse("vehicles:loan_cancel", args=[loan.pk]), {"reason": "Mission annulée"}
    )

    assert extended.status_code == 302
    assert cancelled.status_code == 302
    loan.refresh_from_db()
    assert (loan.end_date, loan.status) == (days(12), Status.CANCELLED)


def test_an_incident_is_declared_from_the_loan(world, alice, login):
    loan = world["out"]
    response = login(alice).post(
        reverse("vehicles:incident_create", args=[loan.vehicle_id]) + f"?pret={loan.pk}",
        {
            "kind": "fine",
            "occurred_on": days(-1),
            "loan": loan.pk,
            "description": "Stationnement gênant",
            "cost": "35",
            "borne_by": "beneficiary",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("vehicles:loan_detail", args=[loan.pk])
    incident = Incident.objects.get(kind="fine")
    assert (incident.loan, incident.cost, incident.borne_by) == (loan, Decimal("35"), "beneficiary")


def test_an_incident_form_named_with_a_loan_that_is_no_uuid_answers_404(world, alice, login):
    vehicle = world["out"].vehicle
    url = reverse("vehicles:incident_create", args=[vehicle.pk])

    assert login(alice).get(url + "?pret=abc").status_code == 404


# --- Fleet management -------------------------------------------------------------------------


def test_an_advisor_adds_and_edits_a_vehicle(alice, login):
    client = login(alice)
    data = {
        "code": "VL-09",
        "kind": "car",
        "make": "Dacia",
        "model_name": "Sandero",
        "plate": "FG-123-HJ",
        "odometer_km": 52000,
        "daily_fee": "6",
        "deposit_amount": "300",
        "insurance_expiry": days(200),
    }

    created = client.post(reverse("vehicles:vehicle_create"), data)
    vehicle = Vehicle.objects.get(code="VL-09")
    duplicate = client.post(reverse("vehicles:vehicle_create"), data)
    edited = client.post(
        reverse("vehicles:vehicle_edit", args=[vehicle.pk]), {**data, "odometer_km": 51000}
    )

    assert created.status_code == 302
    assert "Le numéro de parc « VL-09 » est déjà utilisé" in duplicate.content.decode()
    assert "Le compteur ne peut pas reculer" in edited.content.decode()
    assert vehicle.organization == alice.organization


def test_maintenance_immobilises_the_vehicle_until_finished(world, alice, login):
    client = login(alice)
    vehicle = world["vehicle"]
    world["loan"].delete()

    started = client.post(
        reverse("vehicles:maintenance_create", args=[vehicle.pk]),
        {"label": "Révision annuelle", "garage": "Cycles Lebrun", "start_date": today()},
    )
    vehicle.refresh_from_db()
    assert started.status_code == 302
    assert vehicle.status == Vehicle.Status.MAINTENANCE
    record = MaintenanceRecord.objects.get(label="Révision annuelle")

    finished = client.post(
        reverse("vehicles:maintenance_finish", args=[vehicle.pk, record.pk]),
        {"end_date": today(), "cost": "80"},
    )

    vehicle.refresh_from_db()
    assert finished.status_code == 302
    assert vehicle.status == Vehicle.Status.AVAILABLE


def test_a_maintenance_plan_needs_a_frequency(world, alice, login):
    client = login(alice)
    vehicle = world["vehicle"]

    refused = client.post(reverse("vehicles:plan_create", args=[vehicle.pk]), {"label": "Pneus"})
    accepted = client.post(
        reverse("vehicles:plan_create", args=[vehicle.pk]),
        {"label": "Pneus", "interval_km": 3000, "is_active": "on"},
    )

    assert "Indiquez une fréquence" in refused.content.decode()
    assert accepted.status_code == 302
    assert MaintenancePlan.objects.get(label="Pneus").next_due_km == vehicle.odometer_km + 3000


def test_a_vehicle_with_a_pending_reservation_cannot_be_retired(world, alice, login):
    response = login(alice).post(url("vehicles:vehicle_retire", world), follow=True)

    assert "enregistrez son retour ou annulez-le" in response.content.decode()
    world["vehicle"].refresh_from_db()
    assert world["vehicle"].status != Vehicle.Status.RETIRED


def test_an_admin_creates_a_solidarity_tariff_and_edits_accessories(world, adele, login):
    client = login(adele)

    tariff = client.post(
        reverse("vehicles:pricing_create"),
        {
            "agreement": world["pricing"].agreement.pk,
            "label": "Scooter 2 € par jour",
            "daily_fee": "2",
            "max_days": "90",
            "is_active": "on",
        },
    )
    accessory = client.post(
        url("vehicles:accessory_edit", world),
        {"kind": "helmet", "label": "Casque rouge", "is_active": "on"},
    )

    assert tariff.status_code == 302
    assert SolidarityPricing.objects.get(label="Scooter 2 € par jour").max_days == 90
    assert accessory.status_code == 302
    world["accessory"].refresh_from_db()
    assert world["accessory"].label == "Casque rouge"
    assert client.get(reverse("vehicles:pricing_list")).status_code == 200


def test_the_photos_are_served_only_through_the_scoped_views(world, alice, login):
    client = login(alice)

    vehicle_photo = client.get(url("vehicles:vehicle_photo", world))
    inspection_photo = client.get(url("vehicles:inspection_photo", world))

    assert vehicle_photo.status_code == 200
    assert inspection_photo.status_code == 200
    assert b"".join(inspection_photo.streaming_content).startswith(b"\x89PNG")


# --- Pages with a constant number of queries ---------------------------------------------------


def _queries(client, path: str, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, params or {}).status_code == 200
    return len(queries)


def _more_fleet(organization, case, count: int) -> None:
    for i in range(count):
        vehicle = VehicleFactory(organization=organization)
        LoanFactory(
            vehicle=vehicle,
            case=case,
            status=Status.ACTIVE,
            start_date=days(-3 - i),
            end_date=days(4 + i),
        )
        LoanFactory(vehicle=vehicle, case=case, start_date=days(10 + i), end_date=days(20 + i))
        MaintenancePlanFactory(vehicle=vehicle)
        MaintenanceRecordFactory(vehicle=vehicle, start_date=days(25), end_date=None)
        AccessoryFactory(organization=organization, vehicle=vehicle)
        WaitingListEntryFactory(case=case, kind=Vehicle.Kind.CARGO_BIKE if i % 2 else "car")
        SolidarityPricingFactory(organization=organization)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("vehicles:vehicle_list", None),
        ("vehicles:planning", None),
        ("vehicles:planning", {"days": 56, "kind": "e_bike"}),
        ("vehicles:utilisation", {"start": days(-30), "end": days(30)}),
        ("vehicles:loan_list", None),
        ("vehicles:loan_list", {"statut": "tous"}),
        ("vehicles:waiting_list", None),
        ("vehicles:accessory_list", None),
        ("vehicles:pricing_list", None),
        ("vehicles:case_loans", None),
    ],
)
def test_fleet_pages_keep_a_constant_number_of_queries(world, adele, login, name, params):
    client = login(adele)
    path = url(name, world)
    organization, case = adele.organization, world["case"]
    _more_fleet(organization, case, 2)
    few = _queries(client, path, params)

    _more_fleet(organization, case, 5)
    many = _queries(client, path, params)

    assert many == few


def test_the_planning_lays_loans_and_stays_on_the_days(world, alice, login):
    response = login(alice).get(reverse("vehicles:planning"), {"start": today(), "days": 14})

    content = response.content.decode()
    assert "cell--reserved" in content and "cell--active" in content
    assert "Hélène L." in content
    rows = {row.vehicle.code: row for row in response.context["rows"]}
    reserved = next(cell for cell in rows["VAE-01"].cells if cell.loan)
    assert reserved.span == 10
    assert sum(cell.span for cell in rows["SC-01"].cells) == 14


def test_the_utilisation_counts_loan_days_over_available_days(world, alice, login):
    response = login(alice).get(
        reverse("vehicles:utilisation"), {"start": days(-5), "end": days(15)}
    )

    by_vehicle = {usage.vehicle.code: usage for usage in response.context["by_vehicle"]}
    assert by_vehicle["VAE-01"].loan_days == 10
    assert by_vehicle["VAE-01"].available_days == 20
    assert by_vehicle["VAE-01"].rate == Decimal("50.0")
    assert by_vehicle["SC-01"].loan_days == 10
    assert response.context["total"].loan_days == 20
