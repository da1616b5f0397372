"""Demo fleet for ``seed_demo``: vehicles, accessories and solidarity tariffs on each demo
platform, with loans in every state (reserved, active, overdue, returned, cancelled), their
inspections, a waiting list, incidents and maintenance.

Dates are relative to the day of seeding, as for the demo cases, so that the planning shows
today's loans; the same seed gives the same fleet. Rows are bulk-inserted.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from cases.models import Beneficiary, Case
from organizations.demo import DemoLogin, demo_platforms
from organizations.models import FundingAgreement, Membership, Organization, Site

from .checklists import damage_checklist
from .models import (
    Accessory,
    Incident,
    Inspection,
    Loan,
    MaintenancePlan,
    MaintenanceRecord,
    SolidarityPricing,
    Vehicle,
    WaitingListEntry,
)

Kind = Vehicle.Kind
Status = Loan.Status
BATCH = 2000
# Loans under way whose contract the seed prints (WeasyPrint, about half a second each).
CONTRACTS_PER_PLATFORM = 2

# (code prefix, kind, make, model, daily fee, monthly fee, deposit, motorised plate?)
FLEET = [
    ("VAE", Kind.E_BIKE, "Moustache", "Samedi 28.3", "2.00", "40.00", "150.00"),
    ("VAE", Kind.E_BIKE, "Decathlon", "Elops 920E", "2.00", "40.00", "150.00"),
    ("VAE", Kind.E_BIKE, "Gitane", "e-City", "2.00", "40.00", "150.00"),
    ("VEL", Kind.BIKE, "Decathlon", "Riverside 120", "1.00", "15.00", "50.00"),
    ("CAR", Kind.CARGO_BIKE, "Yuba", "Spicy Curry", "3.00", "60.00", "300.00"),
    ("SC", Kind.SCOOTER, "Peugeot", "Kisbee 50", "4.00", "80.00", "200.00"),
    ("SCE", Kind.E_SCOOTER, "Niu", "MQi+", "4.00", "80.00", "200.00"),
    ("VL", Kind.CAR, "Renault", "Clio IV", "8.00", "150.00", "300.00"),
    ("VL", Kind.CAR, "Dacia", "Sandero", "8.00", "150.00", "300.00"),
    ("VSP", Kind.LICENCE_FREE_CAR, "Aixam", "City", "6.00", "120.00", "300.00"),
]
INSURERS = ["MAIF", "MACIF", "Groupama Nord-Est", "AXA"]
GARAGES = ["Garage solidaire de l'Artois", "Cycles Lebrun", "Atelier vélo Les Ateliers", "Speedy"]
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTVWXYZ"


def seed_vehicles(*, rng: random.Random, size: str) -> list[DemoLogin]:
    """Create the fleet and its loans on every demo platform."""
    today = timezone.localdate()
    for platform in demo_platforms().order_by("slug"):
        _PlatformFleet(platform, rng=rng, today=today).build()
    return []


def _aware(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


class _PlatformFleet:
    def __init__(self, platform: Organization, *, rng: random.Random, today: date) -> None:
        self.platform, self.rng, self.today = platform, rng, today
        self.sites = list(Site.objects.for_organization(platform).order_by("name"))
        staff = Membership.objects.active().for_organization(platform).select_related("user")
        self.users = [m.user for m in staff.filter(role__in=("admin", "advisor")).order_by("pk")]
        cases = (
            Case.objects.for_organization(platform)
            .open()
            .select_related("beneficiary")
            .order_by("opened_on", "pk")
        )
        self.cases = list(cases)
        self.drivers = [
            c
            for c in self.cases
            if c.beneficiary.driving_licence == Beneficiary.DrivingLicence.LICENCE_B
        ] or self.cases
        self.rows: dict = defaultdict(list)
        self.inspections: list[tuple[Inspection, list[Accessory]]] = []
        self.loan_accessories: list[tuple[Loan, Accessory]] = []

    def user(self):
        return self.rng.choice(self.users) if self.users else None

    def build(self) -> None:
        if not self.cases:
            return
        vehicles = [self._vehicle(i, spec) for i, spec in enumerate(FLEET, start=1)]
        pricings = self._pricings()
        for index, vehicle in enumerate(vehicles):
            self._accessories(vehicle)
            self._maintenance(vehicle, index)
            self._loans(vehicle, index, pricings)
        self._waiting_list()
        self._flush()
        self._contracts()

    def _contracts(self) -> None:
        """Print the contract of the loans under way, as staff do at check-out (real PDFs)."""
        from .services.handover import store_contract

        staff = (
            Membership.objects.active()
            .for_organization(self.platform)
            .filter(role__in=("admin", "advisor"))
            .order_by("pk")
            .first()
        )
        if staff is None:
            return
        under_way = [
            loan
            for loan in self.rows[Loan]
            if loan.status in (Loan.Status.ACTIVE, Loan.Status.OVERDUE)
        ]
        for loan in under_way[:CONTRACTS_PER_PLATFORM]:
            store_contract(loan, by=staff)

    # --- the fleet ----------------------------------------------------------------------------

    def _vehicle(self, number: int, spec) -> Vehicle:
        prefix, kind, make, model, daily, monthly, deposit = spec
        rng = self.rng
        motorised = kind in (Kind.SCOOTER, Kind.E_SCOOTER, Kind.CAR, Kind.LICENCE_FREE_CAR)
        plate = ""
        if motorised:
            letters = "".join(rng.choice(PLATE_LETTERS) for _ in range(4))
            plate = f"{letters[:2]}-{rng.randint(100, 999)}-{letters[2:]}"
        acquired = self.today - timedelta(days=rng.randint(200, 1500))
        vehicle = Vehicle(
            organization=self.platform,
            site=self.sites[number % len(self.sites)] if self.sites else None,
            code=f"{prefix}-{number:02d}",
            kind=kind,
            make=make,
            model_name=model,
            plate=plate,
            frame_number="" if motorised else f"WB{rng.randint(10**7, 10**8 - 1)}",
            marking="" if motorised else f"BICY{rng.randint(10**7, 10**8 - 1)}",
            insurer=rng.choice(INSURERS),
            policy_number=f"FL-{rng.randint(10000, 99999)}",
            # One motorised vehicle's insurance runs out within the month: the reminder shows it.
            insurance_expiry=self.today
            + timedelta(days=20 if number == 6 else rng.randint(60, 400)),
            odometer_km=rng.randint(20000, 120000) if kind == Kind.CAR else rng.randint(300, 9000),
            acquired_on=acquired,
            acquisition_value=Decimal(rng.choice([900, 1800, 2400, 3200, 6500, 9500])),
            daily_fee=Decimal(daily),
            monthly_fee=Decimal(monthly),
            deposit_amount=Decimal(deposit),
            created_at=_aware(acquired),
        )
        self.rows[Vehicle].append(vehicle)
        return vehicle

    def _accessories(self, vehicle: Vehicle) -> None:
        kinds = {
            Kind.E_BIKE: [Accessory.Kind.CHARGER, Accessory.Kind.LOCK, Accessory.Kind.HELMET],
            Kind.BIKE: [Accessory.Kind.LOCK, Accessory.Kind.HELMET],
            Kind.CARGO_BIKE: [Accessory.Kind.CHARGER, Accessory.Kind.CHILD_SEAT],
            Kind.SCOOTER: [Accessory.Kind.HELMET, Accessory.Kind.LOCK],
            Kind.E_SCOOTER: [Accessory.Kind.HELMET, Accessory.Kind.BATTERY],
            Kind.CAR: [Accessory.Kind.CHILD_SEAT],
        }.get(vehicle.kind, [])
        for kind in kinds:
            label = f"{Accessory.Kind(kind).label} {vehicle.code}"
            self.rows[Accessory].append(
                Accessory(organization=self.platform, kind=kind, label=label, vehicle=vehicle)
            )

    def _pricings(self) -> list[SolidarityPricing]:
        agreements = FundingAgreement.objects.filter(
            organization=self.platform, end_date__gte=self.today
        ).order_by("start_date", "pk")
        pricings = []
        for agreement in agreements[:1]:
            for label, fee, days in (
                ("Voiture 1 € par jour", "1.00", 60),
                ("Vélo 10 € par mois", "0.33", 90),
            ):
                pricing = SolidarityPricing(
                    organization=self.platform,
                    agreement=agreement,
                    label=label,
                    daily_fee=Decimal(fee),
                    max_days=days,
                )
                self.rows[SolidarityPricing].append(pricing)
                pricings.append(pricing)
        return pricings

    def _maintenance(self, vehicle: Vehicle, index: int) -> None:
        rng = self.rng
        last = self.today - timedelta(days=rng.randint(20, 150))
        plan = MaintenancePlan(
            organization=self.platform,
            vehicle=vehicle,
            label="Révision"
            if vehicle.kind in (Kind.CAR, Kind.LICENCE_FREE_CAR)
            else "Contrôle atelier",
            interval_days=180,
            last_done_on=last,
            last_done_km=max(vehicle.odometer_km - 800, 0),
            next_due_on=last + timedelta(days=180),
        )
        if vehicle.kind == Kind.CAR:
            plan.interval_km = 15000
            plan.next_due_km = plan.last_done_km + 15000
        if index == 2:  # one plan is overdue: this vehicle cannot leave until serviced
            plan.next_due_on = self.today - timedelta(days=3)
        self.rows[MaintenancePlan].append(plan)
        if vehicle.kind in (Kind.E_BIKE, Kind.CARGO_BIKE):
            self.rows[MaintenancePlan].append(
                MaintenancePlan(
                    organization=self.platform,
                    vehicle=vehicle,
                    label="Vérification freins et pneus",
                    after_each_loan=True,
                    last_done_on=last,
                )
            )
        self.rows[MaintenanceRecord].append(
            MaintenanceRecord(
                organization=self.platform,
                vehicle=vehicle,
                plan=plan,
                label=plan.label,
                garage=rng.choice(GARAGES),
                start_date=last - timedelta(days=2),
                end_date=last,
                cost=Decimal(rng.choice([35, 60, 90, 180, 240])),
                odometer_km=plan.last_done_km,
                recorded_by=self.user(),
            )
        )
        if index == 4:  # at the garage right now
            vehicle.status = Vehicle.Status.MAINTENANCE
            self.rows[MaintenanceRecord].append(
                MaintenanceRecord(
                    organization=self.platform,
                    vehicle=vehicle,
                    label="Remplacement de la batterie",
                    garage=rng.choice(GARAGES),
                    start_date=self.today - timedelta(days=2),
                    recorded_by=self.user(),
                )
            )

    # --- loans --------------------------------------------------------------------------------

    def _case_for(self, vehicle: Vehicle) -> Case:
        pool = self.drivers if vehicle.kind == Kind.CAR else self.cases
        return self.rng.choice(pool)

    def _loan(self, vehicle: Vehicle, status: str, start: date, end: date, pricing=None) -> Loan:
        rng = self.rng
        case = self._case_for(vehicle)
        days = (end - start).days
        mode = Loan.PricingMode.SOLIDARITY if pricing else Loan.PricingMode.DAILY
        price = (pricing.daily_fee if pricing else vehicle.daily_fee) * days
        deposit_status = {
            Status.RESERVED: Loan.DepositStatus.PENDING,
            Status.CANCELLED: Loan.DepositStatus.PENDING,
            Status.ACTIVE: Loan.DepositStatus.HELD,
            Status.OVERDUE: Loan.DepositStatus.HELD,
            Status.RETURNED: rng.choice(
                [
                    Loan.DepositStatus.RETURNED,
                    Loan.DepositStatus.RETURNED,
                    Loan.DepositStatus.RETAINED,
                ]
            ),
        }[status]
        loan = Loan(
            organization=self.platform,
            vehicle=vehicle,
            case=case,
            start_date=start,
            end_date=end,
            status=status,
            pricing_mode=mode,
            daily_fee=vehicle.daily_fee,
            monthly_fee=vehicle.monthly_fee,
            solidarity_pricing=pricing,
            price_total=price.quantize(Decimal("0.01")),
            deposit_amount=vehicle.deposit_amount,
            deposit_status=deposit_status,
            created_by=self.user(),
            created_at=_aware(start - timedelta(days=rng.randint(2, 15)), 14),
        )
        if status in (Status.ACTIVE, Status.OVERDUE, Status.RETURNED):
            loan.deposit_received_on = start
            loan.checked_out_at = _aware(start, 9)
            loan.checked_out_by = loan.created_by
            self._inspection(loan, Inspection.Kind.CHECK_OUT, start, vehicle.odometer_km, [])
        if status == Status.RETURNED:
            loan.returned_at = _aware(end, 17)
            loan.checked_in_by = self.user()
            loan.deposit_settled_on = end
            damaged = rng.random() < 0.4
            codes = [rng.choice(damage_checklist(vehicle.kind))[0]] if damaged else []
            self._inspection(
                loan,
                Inspection.Kind.CHECK_IN,
                end,
                vehicle.odometer_km + rng.randint(40, 900),
                codes,
            )
            if loan.deposit_status == Loan.DepositStatus.RETAINED:
                loan.deposit_retained_amount = Decimal("40.00")
                loan.deposit_retained_reason = "Antivol non rendu"
            if damaged:
                self.rows[Incident].append(
                    Incident(
                        organization=self.platform,
                        vehicle=vehicle,
                        loan=loan,
                        kind=Incident.Kind.DAMAGE,
                        occurred_on=end - timedelta(days=1),
                        description="Dégât constaté à l'état des lieux de retour.",
                        cost=Decimal(rng.choice([25, 60, 120])),
                        borne_by=rng.choice(list(Incident.BorneBy.values)[1:]),
                        recorded_by=loan.checked_in_by,
                    )
                )
        if status == Status.CANCELLED:
            loan.cancelled_at = _aware(start - timedelta(days=1), 11)
            loan.cancel_reason = "La personne a trouvé une solution de covoiturage."
        self.rows[Loan].append(loan)
        for accessory in (a for a in self.rows[Accessory] if a.vehicle is vehicle):
            self.loan_accessories.append((loan, accessory))
        return loan

    def _inspection(self, loan: Loan, kind: str, day: date, km: int, damages: list) -> None:
        energy = None if loan.vehicle.kind == Kind.BIKE else self.rng.choice([25, 50, 75, 100])
        self.rows[Inspection].append(
            Inspection(
                organization=self.platform,
                loan=loan,
                kind=kind,
                odometer_km=km,
                energy_level=energy,
                damages=damages,
                performed_by=loan.created_by,
                performed_at=_aware(day, 9 if kind == Inspection.Kind.CHECK_OUT else 17),
                comments="" if not damages else "Dégât signalé par la personne au retour.",
            )
        )

    def _loans(self, vehicle: Vehicle, index: int, pricings: list) -> None:
        """Lay a past, a present and a future loan on each vehicle, never overlapping."""
        rng, today = self.rng, self.today
        car_pricing = next((p for p in pricings if p.daily_fee == Decimal("1.00")), None)
        pricing = car_pricing if vehicle.kind == Kind.CAR and index % 2 else None
        past_start = today - timedelta(days=rng.randint(70, 110))
        self._loan(
            vehicle, Status.RETURNED, past_start, past_start + timedelta(days=30), pricing=pricing
        )
        if index == 4:  # at the garage: only a cancelled booking
            self._loan(
                vehicle, Status.CANCELLED, today + timedelta(days=3), today + timedelta(days=10)
            )
            return
        if index in (0, 5, 7):
            self._loan(
                vehicle,
                Status.ACTIVE,
                today - timedelta(days=rng.randint(3, 20)),
                today + timedelta(days=rng.randint(1, 25)),
                pricing=pricing,
            )
            vehicle.status = Vehicle.Status.ON_LOAN
        elif index in (1, 8):
            self._loan(
                vehicle,
                Status.OVERDUE,
                today - timedelta(days=35),
                today - timedelta(days=rng.randint(1, 6)),
            )
            vehicle.status = Vehicle.Status.ON_LOAN
        later = today + timedelta(days=30 + rng.randint(0, 10))
        if index not in (2, 9):
            self._loan(vehicle, Status.RESERVED, later, later + timedelta(days=rng.randint(7, 45)))
            if vehicle.status == Vehicle.Status.AVAILABLE:
                vehicle.status = Vehicle.Status.RESERVED
        if index == 3:
            self._loan(vehicle, Status.CANCELLED, later, later + timedelta(days=5))

    def _waiting_list(self) -> None:
        for offset, kind in enumerate((Kind.CAR, Kind.E_BIKE, Kind.CAR)):
            case = self.rng.choice(self.drivers if kind == Kind.CAR else self.cases)
            if any(e.case is case and e.kind == kind for e in self.rows[WaitingListEntry]):
                continue
            start = self.today + timedelta(days=2 + 3 * offset)
            self.rows[WaitingListEntry].append(
                WaitingListEntry(
                    organization=self.platform,
                    case=case,
                    kind=kind,
                    wanted_from=start,
                    wanted_until=start + timedelta(days=60),
                    created_by=self.user(),
                    created_at=_aware(self.today - timedelta(days=5 - offset), 10),
                    notes="Prise de poste en intérim : horaires décalés, pas de bus avant 7 h.",
                )
            )

    # --- writing ------------------------------------------------------------------------------

    def _flush(self) -> None:
        for model in (
            Vehicle,
            Accessory,
            SolidarityPricing,
            MaintenancePlan,
            MaintenanceRecord,
            Loan,
            Inspection,
            Incident,
            WaitingListEntry,
        ):
            model.objects.bulk_create(self.rows[model], batch_size=BATCH)
        through = Loan.accessories.through
        through.objects.bulk_create(
            [
                through(loan_id=loan.pk, accessory_id=accessory.pk)
                for loan, accessory in self.loan_accessories
            ],
            batch_size=BATCH,
        )
        present = Inspection.accessories_present.through
        lent = defaultdict(list)
        for loan, accessory in self.loan_accessories:
            lent[loan.pk].append(accessory)
        present.objects.bulk_create(
            [
                present(inspection_id=inspection.pk, accessory_id=accessory.pk)
                for inspection in self.rows[Inspection]
                for accessory in lent[inspection.loan.pk]
            ],
            batch_size=BATCH,
        )
