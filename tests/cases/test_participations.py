"""A case's FSE+ data at entry on its page, and « situation professionnelle améliorée » at six
months for people employed at entry."""

import datetime as dt
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Answer, FollowUp, Participation
from cases.services import lifecycle
from organizations.errors import DomainError
from tests.cases.factories import BeneficiaryFactory
from tests.reporting.fse_world import participant


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


@pytest.fixture
def case(alice):
    return participant(None, platform=alice.organization, entry=days_ago(40), status="employed")


def edit_url(case) -> str:
    return reverse("cases:participation_edit", args=[case.pk])


def form_data(participation: Participation, **changes) -> dict:
    data = {
        "sex": participation.sex,
        "age_at_entry": participation.age_at_entry,
        "labour_market_status": participation.labour_market_status,
        "isced_band": participation.isced_band,
        "is_qpv_resident": "unknown",
        "disability": "",
        "third_country_national": "",
        "foreign_background": "",
        "minority": "",
        "homeless": "",
        "sensitive_questions_asked_on": "",
    }
    return {**data, **changes}


def test_the_summary_shows_the_fse_data_at_entry_without_the_sensitive_answers(login, alice, case):
    Participation.objects.filter(case=case).update(
        disability=Answer.YES, sensitive_questions_asked_on=days_ago(30)
    )

    page = unescape(login(alice).get(reverse("cases:case_detail", args=[case.pk])).content.decode())

    assert "Données FSE+ à l'entrée" in page
    assert f"posées le {days_ago(30):%d/%m/%Y}" in page
    assert edit_url(case) in page
    assert "Situation de handicap" not in page


def test_an_advisor_records_a_refusal_to_answer_as_a_refusal(login, alice, case):
    participation = case.participation

    response = login(alice).post(
        edit_url(case),
        form_data(participation, disability="declined", minority="no", homeless="yes"),
    )

    assert response.status_code == 302
    participation.refresh_from_db()
    assert participation.disability == Answer.DECLINED
    assert participation.minority == Answer.NO
    assert participation.homeless == Answer.YES
    assert participation.third_country_national == Answer.NOT_ASKED
    # Answers recorded without a date: asked on the entry date.
    assert participation.sensitive_questions_asked_on == participation.entry_date
    assert participation.history.latest().history_user == alice.user


def test_the_form_offers_the_three_answers_and_the_date_asked(login, alice, case):
    page = login(alice).get(edit_url(case)).content.decode()

    assert "Ne souhaite pas répondre" in page
    assert "Question non posée" in page
    assert "Date à laquelle les questions ont été posées" in page


def test_questions_cannot_have_been_asked_before_the_entry(login, alice, case):
    participation = case.participation

    response = login(alice).post(
        edit_url(case),
        form_data(
            participation,
            disability="no",
            sensitive_questions_asked_on=(participation.entry_date - dt.timedelta(days=1)),
        ),
    )

    assert response.status_code == 200
    assert "Les questions ne peuvent pas avoir été posées avant l'entrée." in unescape(
        response.content.decode()
    )
    participation.refresh_from_db()
    assert participation.disability == Answer.NOT_ASKED


@pytest.mark.cross_tenant("cases:participation_edit")
def test_another_platform_gets_a_404_on_the_fse_data_of_a_case(login, chloe, case):
    client = login(chloe)

    assert client.get(edit_url(case)).status_code == 404
    assert (
        client.post(edit_url(case), form_data(case.participation, disability="yes")).status_code
        == 404
    )
    case.participation.refresh_from_db()
    assert case.participation.disability == Answer.NOT_ASKED


@pytest.mark.role_check("cases:participation_edit")
def test_coaches_and_referrers_do_not_open_the_fse_data(login, client, bob, remi, case):
    assert login(bob).get(edit_url(case)).status_code == 403
    assert login(remi).get(edit_url(case)).status_code == 403
    assert client.get(edit_url(case)).status_code == 302


# --- Six months after the exit ----------------------------------------------------------------


def closed_case(alice, status: str):
    person = BeneficiaryFactory(organization=alice.organization, labour_market_status=status)
    case = lifecycle.open_case(beneficiary=person, by=alice, opened_on=days_ago(300))
    lifecycle.move_case(case, to_status="closing", by=alice)
    return lifecycle.close_case(
        case,
        by=alice,
        exit_date=days_ago(190),
        exit_reason="job_or_training",
        situation="job_short",
    )


def follow_up_url(case, kind: str) -> str:
    follow_up = FollowUp.objects.get(case=case, kind=kind)
    return reverse("cases:follow_up_record", args=[case.pk, follow_up.pk])


def test_the_six_month_follow_up_asks_about_an_improved_situation_of_people_employed_at_entry(
    login, alice
):
    employed = closed_case(alice, "employed")
    unemployed = closed_case(alice, "unemployed")
    client = login(alice)

    assert (
        "Situation professionnelle améliorée"
        in client.get(follow_up_url(employed, FollowUp.Kind.MONTH_6)).content.decode()
    )
    assert (
        "Situation professionnelle améliorée"
        not in client.get(follow_up_url(employed, FollowUp.Kind.MONTH_3)).content.decode()
    )
    assert (
        "Situation professionnelle améliorée"
        not in client.get(follow_up_url(unemployed, FollowUp.Kind.MONTH_6)).content.decode()
    )


def test_the_improved_situation_is_recorded_with_the_follow_up(login, alice):
    case = closed_case(alice, "employed")

    response = login(alice).post(
        follow_up_url(case, FollowUp.Kind.MONTH_6),
        {
            "done_on": timezone.localdate().isoformat(),
            "reached": "true",
            "situation": "job_permanent",
            "improved_situation": "true",
        },
    )

    assert response.status_code == 302
    follow_up = FollowUp.objects.get(case=case, kind=FollowUp.Kind.MONTH_6)
    assert follow_up.improved_situation is True


def test_the_improved_situation_is_refused_for_someone_not_employed_at_entry(alice):
    case = closed_case(alice, "unemployed")
    follow_up = FollowUp.objects.get(case=case, kind=FollowUp.Kind.MONTH_6)

    with pytest.raises(DomainError) as refused:
        lifecycle.record_follow_up(
            follow_up,
            by=alice,
            done_on=timezone.localdate(),
            reached=True,
            situation="job_permanent",
            improved_situation=True,
        )
    assert refused.value.field == "improved_situation"
