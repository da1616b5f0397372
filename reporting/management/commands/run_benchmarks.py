"""Time the pages and API lists people use most, on the current (large) database.

Run through ``make bench``, which seeds ``seed_demo --size large`` into its own database first.
Each target is requested through Django's full stack (middleware, templates, serializers) with
the test client; the figures are wall-clock times on this machine, with the query count of one
request. Benchmarks never run in the test suite.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.models import Case
from organizations.models import Membership, Organization
from organizations.tenancy import SESSION_KEY
from reporting import bench


@dataclass
class Result:
    name: str
    url: str
    runs: int
    median_ms: float
    p95_ms: float
    max_ms: float
    queries: int
    status: int


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class Command(BaseCommand):
    help = "Mesure les temps de réponse des listes et pages principales (médiane, p95, requêtes)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--runs", type=int, default=30)
        parser.add_argument("--json", dest="json_path", help="Écrit aussi les résultats en JSON.")

    def handle(self, *args, runs: int, json_path: str | None, **options) -> None:
        platform = (
            Organization.objects.platforms()
            .annotate(n=Count("cases"))
            .order_by("-n", "slug")
            .first()
        )
        if platform is None or platform.n == 0:
            raise CommandError(
                "Aucun accompagnement en base : lancez d'abord "
                "`manage.py seed_demo --size large` (ou `make bench`)."
            )
        advisor = (
            Membership.objects.filter(organization=platform, role=Membership.Role.ADVISOR)
            .select_related("user")
            .order_by("can_export_data", "user__email")  # one who needs no second factor
            .first()
        )
        client = Client()
        client.force_login(advisor.user)
        session = client.session
        session[SESSION_KEY] = str(platform.pk)
        device = TOTPDevice.objects.filter(user=advisor.user, confirmed=True).first()
        if device is not None:  # as after a real login with the code
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        case = Case.objects.for_organization(platform).order_by("-opened_on", "id").first()

        total_cases = Case.objects.count()
        self.stdout.write(
            f"Base : {total_cases} accompagnements, plateforme mesurée « {platform.name} » "
            f"({platform.n} accompagnements), {runs} requêtes par cible, "
            f"moteur {connection.vendor}."
        )
        targets: list[tuple[str, Callable[[], str]]] = [
            ("Liste des accompagnements", lambda: reverse("cases:case_list")),
            ("Liste filtrée (recherche « mar »)", lambda: reverse("cases:case_list") + "?q=mar"),
            (
                "Fiche accompagnement (synthèse)",
                lambda: reverse("cases:case_detail", args=[case.pk]),
            ),
            (
                "Historique de l'accompagnement",
                lambda: reverse("cases:case_history", args=[case.pk]),
            ),
            ("API : liste des accompagnements", lambda: reverse("api:case-list")),
            ("API : liste des personnes", lambda: reverse("api:beneficiary-list")),
            ("API : liste des rendez-vous", lambda: reverse("api:appointment-list")),
            ("Statistiques de la plateforme (année)", lambda: reverse("reporting:dashboard")),
            ("API : statistiques de la plateforme", lambda: reverse("api:stats")),
        ]
        results: list[Result] = []
        for name, url_of in targets:
            try:
                url = url_of()
            except NoReverseMatch:
                self.stderr.write(f"{name} : page absente, ignorée.")
                continue
            results.append(self.measure(client, name, url, runs))
        self.report(results)
        reporting = bench.run(
            runs=min(runs, 10), write=self.stdout.write, today=timezone.localdate()
        )
        if json_path:
            with open(json_path, "w", encoding="utf-8") as fh:
                json.dump(
                    {"pages": [asdict(r) for r in results], "reporting": reporting},
                    fh,
                    ensure_ascii=False,
                    indent=2,
                )

    def measure(self, client: Client, name: str, url: str, runs: int) -> Result:
        for _ in range(3):  # warm caches and connections
            client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        query_count = len(queries.captured_queries)  # read now: later requests reset the log
        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
        return Result(
            name=name,
            url=url,
            runs=runs,
            median_ms=round(statistics.median(timings), 1),
            p95_ms=round(percentile(timings, 0.95), 1),
            max_ms=round(max(timings), 1),
            queries=query_count,
            status=response.status_code,
        )

    def report(self, results: list[Result]) -> None:
        header = f"{'cible':<40} {'statut':>6} {'médiane':>9} {'p95':>9} {'max':>9} {'req.':>5}"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for r in results:
            flag = "" if r.p95_ms < 150 else "  > 150 ms"
            if r.status != 200:
                flag += "  RÉPONSE INATTENDUE"
            self.stdout.write(
                f"{r.name:<40} {r.status:>6} {r.median_ms:>7.1f}ms {r.p95_ms:>7.1f}ms "
                f"{r.max_ms:>7.1f}ms {r.queries:>5}{flag}"
            )
