"""No double booking under concurrency, on PostgreSQL (the exclusion constraint and row locks).

These tests fire reservations of one vehicle from several threads at the same moment, each on its
own database connection, and need committed data: they run with ``transaction=True`` and only on
PostgreSQL (CI sets ``DATABASE_URL``); SQLite serialises every write transaction anyway.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, connection, connections, transaction

from organizations.errors import ConflictError
from tests.conftest import client_for
from tests.vehicles.factories import LoanFactory, days
from vehicles import services
from vehicles.models import Loan
from vehicles.services import loans as loan_services

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="L'exclusion de chevauchement et les verrous de ligne se testent sur PostgreSQL "
        "(DATABASE_URL=postgres://…) ; SQLite sérialise déjà toute écriture.",
    ),
    pytest.mark.django_db(transaction=True),
]

THREADS = 6


def _all_at_once(work, count: int = THREADS) -> list:
    """Run ``work(i)`` in ``count`` threads released together; return results or exceptions."""
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait()
        try:
            return work(i)
        except Exception as error:  # the test inspects what each thread got
            return error
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_concurrent_reservations_of_one_vehicle_let_exactly_one_through(case, ebike, alice):
    def book(i):
        # Overlapping periods, all different: [1, 15), [2, 16), … so each thread truly races.
        return services.reserve(
            case=case, vehicle=ebike, by=alice, start_date=days(1 + i), end_date=days(15 + i)
        )

    results = _all_at_once(book)

    booked = [r for r in results if isinstance(r, Loan)]
    refused = [r for r in results if isinstance(r, ConflictError)]
    assert len(booked) == 1, results
    assert len(refused) == THREADS - 1, results
    assert all("Ce véhicule est déjà réservé" in error.message for error in refused)
    assert Loan.objects.filter(vehicle=ebike).count() == 1


def test_concurrent_reservations_through_the_api_answer_409_to_all_but_one(case, ebike, alice):
    payload = {
        "case": str(case.pk),
        "vehicle": str(ebike.pk),
        "start_date": days(3).isoformat(),
        "end_date": days(10).isoformat(),
    }

    def post(i):
        response = client_for(alice).post(
            "/api/v1/loans/", payload, content_type="application/json"
        )
        return response.status_code, response.json()

    results = _all_at_once(post)

    codes = sorted(code for code, _ in results)
    assert codes == [201] + [409] * (THREADS - 1), results
    conflicts = [body["detail"] for code, body in results if code == 409]
    assert all(detail.startswith("Ce véhicule est déjà réservé") for detail in conflicts)
    assert Loan.objects.filter(vehicle=ebike).count() == 1


def test_the_exclusion_constraint_refuses_overlapping_rows_written_around_the_services(ebike):
    LoanFactory(vehicle=ebike, start_date=days(1), end_date=days(10))
    LoanFactory(vehicle=ebike, start_date=days(10), end_date=days(12))  # back to back: fine
    LoanFactory(vehicle=ebike, start_date=days(2), end_date=days(5), status=Loan.Status.CANCELLED)

    with pytest.raises(IntegrityError, match="loan_no_double_booking"), transaction.atomic():
        LoanFactory(vehicle=ebike, start_date=days(9), end_date=days(11))


def test_a_constraint_violation_reaches_the_user_as_a_french_conflict(
    case, ebike, alice, monkeypatch
):
    LoanFactory(vehicle=ebike, case=case, start_date=days(1), end_date=days(10))
    # Let the service miss the overlap, as a check racing another transaction would.
    monkeypatch.setattr(loan_services, "find_overlap", lambda *args, **kwargs: None)

    with pytest.raises(ConflictError, match="Ce véhicule est déjà réservé sur cette période"):
        services.reserve(case=case, vehicle=ebike, by=alice, start_date=days(5), end_date=days(8))

    assert Loan.objects.filter(vehicle=ebike).count() == 1
