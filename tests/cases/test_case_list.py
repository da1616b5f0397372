"""The case list (« Personnes accompagnées »), its CSV export and the advisor's « À faire »."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import AccessLog, Case
from tests.cases.factories import (
    ActionFactory,
    AppointmentFactory,
    BeneficiaryFactory,
    CaseBarrierFactory,
    CaseFactory,
    FollowUpFactory,
    WorkshopFactory,
)
from tests.factories import FundingAgreementFactory, SiteFactory, TerritoryFactory

TODAY = timezone.localdate()
LIST_QUERIES = 9  # session, user, memberships, 4 filter choice lists, count, page


def make_cases(organization, advisor, count: int) -> list[Case]:
    site = SiteFactory(organization=organization)
    commune = TerritoryFactory()
    agreement = FundingAgreementFactory(organization=organization)
    cases = []
    for n in range(count):
        case = CaseFactory(
            beneficiary=BeneficiaryFactory(
                organization=organization, last_name=f"Nom{n:03d}", commune=commune
            ),
            advisor=advisor,
            site=site,
        )
        case.funding_agreements.add(agreement)
        CaseBarrierFactory(case=case)
        cases.append(case)
    return cases


def case_row(page: str, case: Case) -> bool:
    return reverse("cases:case_detail", args=[case.id]) in page


# --- Access -------------------------------------------------------------------------------------


@pytest.mark.role_check("cases:case_list", "cases:case_export", "cases:todo")
def test_coaches_referrers_and_funders_cannot_list_cases(login, bob, remi, fanny):
    for member in (bob, remi, fanny):
        client = login(member)
        for name in ("cases:case_list", "cases:case_export", "cases:todo"):
            assert client.get(reverse(name)).status_code == 403, (member, name)


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse("cases:case_list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.cross_tenant("cases:case_list", "cases:case_export")
def test_another_platforms_cases_never_show_in_the_list_or_the_export(login, alice, chloe):
    alice.can_export_data = True
    alice.save(update_fields=["can_export_data"])
    theirs = CaseFactory(organization=chloe.organization, advisor=chloe)
    mine = CaseFactory(organization=alice.organization, advisor=alice)
    page = login(alice).get(reverse("cases:case_list"), {"perimetre": "all"}).content.decode()
    assert case_row(page, mine) and not case_row(page, theirs)
    export = login(alice).get(reverse("cases:case_export"), {"perimetre": "all"})
    text = export.content.decode("utf-8-sig")
    assert mine.beneficiary.last_name in text
    assert theirs.beneficiary.last_name not in text


# --- Search and filters -------------------------------------------------------------------------


def test_the_search_ignores_accents_and_case(login, alice):
    emilie = CaseFactory(
        beneficiary=BeneficiaryFactory(
            organization=alice.organization, first_name="Émilie", last_name="Lefèvre"
        ),
        advisor=alice,
    )
    other = CaseFactory(organization=alice.organization, advisor=alice)
    page = login(alice).get(reverse("cases:case_list"), {"q": "EMILIE lefevre"}).content.decode()
    assert case_row(page, emilie) and not case_row(page, other)


def test_an_advisor_sees_her_own_cases_by_default_and_can_widen(login, alice, adele):
    mine = CaseFactory(organization=alice.organization, advisor=alice)
    theirs = CaseFactory(organization=alice.organization, advisor=adele)
    client = login(alice)
    page = client.get(reverse("cases:case_list")).content.decode()
    assert case_row(page, mine) and not case_row(page, theirs)
    page = client.get(reverse("cases:case_list"), {"perimetre": "all"}).content.decode()
    assert case_row(page, mine) and case_row(page, theirs)


def test_an_admin_sees_the_whole_platform_by_default(login, alice, adele):
    case = CaseFactory(organization=alice.organization, advisor=alice)
    assert case_row(login(adele).get(reverse("cases:case_list")).content.decode(), case)


def test_the_side_panel_filters_by_status_site_barrier_origin_agreement_and_period(login, alice):
    site = SiteFactory(organization=alice.organization)
    agreement = FundingAgreementFactory(organization=alice.organization)
    target = CaseFactory(
        organization=alice.organization, advisor=alice, site=site,
        status=Case.Status.IN_PROGRESS, origin=Case.Origin.REFERRAL,
        opened_on=TODAY - dt.timedelta(days=10),
    )  # fmt: skip
    target.funding_agreements.add(agreement)
    barrier = CaseBarrierFactory(case=target).barrier
    decoy = CaseFactory(
        organization=alice.organization, advisor=alice, opened_on=TODAY - dt.timedelta(days=90)
    )
    client = login(alice)
    for filters in (
        {"statut": "in_progress"},
        {"statut": "open"},
        {"site": str(site.pk)},
        {"frein": str(barrier.pk)},
        {"origine": "referral"},
        {"convention": str(agreement.pk)},
        {"entree_du": (TODAY - dt.timedelta(days=30)).isoformat()},
        {"conseiller": str(alice.pk), "entree_au": TODAY.isoformat(), "statut": "in_progress"},
    ):
        page = client.get(reverse("cases:case_list"), filters).content.decode()
        assert case_row(page, target), filters
        if filters != {"statut": "open"}:
            assert not case_row(page, decoy), filters


def test_the_list_is_paginated_by_25(login, alice):
    make_cases(alice.organization, alice, 27)
    client = login(alice)
    page = client.get(reverse("cases:case_list")).content.decode()
    assert "Page 1 sur 2" in page and "NOM024" in page
    assert "NOM025" not in page
    page = client.get(reverse("cases:case_list"), {"page": 2}).content.decode()
    assert "NOM025" in page and "NOM026" in page and "NOM000" not in page


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_query_count_does_not_grow_with_the_cases(
    login, alice, count, django_assert_num_queries
):
    make_cases(alice.organization, alice, count)
    client = login(alice)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("cases:case_list"), {"perimetre": "all", "statut": "open"})
    assert response.status_code == 200


def test_an_htmx_request_gets_only_the_results_fragment(login, alice):
    case = CaseFactory(organization=alice.organization, advisor=alice)
    response = login(alice).get(reverse("cases:case_list"), headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="case-results"')
    assert case_row(page, case)
    assert "<html" not in page and "Rechercher une personne" not in page
    assert "HX-Request" in response["Vary"]


# --- Export -------------------------------------------------------------------------------------


def test_the_export_follows_the_filters_and_logs_each_person_exported(login, alice):
    alice.can_export_data = True
    alice.save(update_fields=["can_export_data"])
    kept = CaseFactory(
        beneficiary=BeneficiaryFactory(
            organization=alice.organization, first_name="Inès", last_name="Moreau",
            birth_date=dt.date(1988, 2, 3),
        ),
        advisor=alice, status=Case.Status.IN_PROGRESS,
    )  # fmt: skip
    CaseFactory(organization=alice.organization, advisor=alice, status=Case.Status.CLOSING)
    response = login(alice).get(reverse("cases:case_export"), {"statut": "in_progress"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Nom", "Prénom", "Date de naissance"]
    assert rows[1][:3] == ["Moreau", "Inès", "03/02/1988"]
    assert len(rows) == 2
    log = AccessLog.objects.get()
    assert (log.beneficiary, log.kind, log.user) == (kept.beneficiary, "export", alice.user)


# --- À faire ------------------------------------------------------------------------------------


@pytest.mark.cross_tenant("cases:todo")
def test_the_todo_list_never_shows_another_platforms_work(login, alice, chloe):
    theirs = FollowUpFactory(
        case__organization=chloe.organization,
        case__advisor=chloe,
        case__beneficiary__last_name="Arrageois",
    )
    page = login(alice).get(reverse("cases:todo")).content.decode()
    assert "ARRAGEOIS" not in page
    assert "ARRAGEOIS" in login(chloe).get(reverse("cases:todo")).content.decode()
    assert theirs.case.organization == chloe.organization


def test_the_todo_list_gathers_follow_ups_overdue_actions_and_todays_sessions(login, alice, adele):
    follow_up = FollowUpFactory(
        case__organization=alice.organization, case__advisor=alice,
        case__beneficiary__last_name="Suivi",
    )  # fmt: skip
    late = ActionFactory(
        goal__case=CaseFactory(
            organization=alice.organization, advisor=alice,
            beneficiary__last_name="Retard",
        ),
        title="Déposer le dossier d'aide au permis", due_date=TODAY - dt.timedelta(days=3),
    )  # fmt: skip
    ActionFactory(
        goal__case=late.goal.case, title="Action pas encore due",
        due_date=TODAY + dt.timedelta(days=3),
    )  # fmt: skip
    soon = timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0)
    AppointmentFactory(
        case=CaseFactory(
            organization=alice.organization, advisor=alice, beneficiary__last_name="Rendezvous"
        ),
        staff=alice, starts_at=soon,
    )  # fmt: skip
    WorkshopFactory(organization=alice.organization, title="Vélo-école du jour", starts_at=soon)
    FollowUpFactory(
        case__organization=alice.organization, case__advisor=adele,
        case__beneficiary__last_name="Collegue",
    )  # fmt: skip
    page = login(alice).get(reverse("cases:todo")).content.decode()
    assert reverse("cases:follow_up_record", args=[follow_up.case_id, follow_up.id]) in page
    assert "Déposer le dossier d&#x27;aide au permis" in page
    assert "Action pas encore due" not in page
    assert "RENDEZVOUS" in page and "Vélo-école du jour" in page
    assert "COLLEGUE" not in page
    assert "COLLEGUE" in login(adele).get(reverse("cases:todo")).content.decode()
