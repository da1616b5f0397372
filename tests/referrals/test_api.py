"""The referrals API: referrer systems send with an idempotency key; platforms answer."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import Case, ConsentRecord
from organizations.api_services import provision_api_token
from referrals.models import IdempotencyRecord, Referral, ReferralStatus
from tests.cases.factories import BeneficiaryFactory, CaseFactory, ConsentRecordFactory

from .factories import ReferralFactory

Status = ReferralStatus
LIST = reverse("api:referral-list")


def token_client(membership) -> APIClient:
    token, _ = Token.objects.get_or_create(user=membership.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def url(referral, name: str = "detail") -> str:
    return reverse(f"api:referral-{name}", kwargs={"id": referral.pk})


def body(platform, **overrides) -> dict:
    data = {
        "platform": str(platform.pk),
        "first_name": "Nour",
        "last_name": "Haddad",
        "birth_date": "1996-03-14",
        "phone": "0611223344",
        "commune": "59350",
        "objective": "Prendre son poste en logistique à 5 h.",
        "job_start_on": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
        "barriers": ["no-licence", "atypical-hours"],
        "consent_given_on": timezone.localdate().isoformat(),
        "consent_text": "La personne accepte d'être orientée et que ses données soient transmises.",
    }
    data.update(overrides)
    return data


REFERRER_FIELDS = {
    "id", "status", "status_label", "platform", "original_platform", "first_name", "last_name",
    "created_at", "sent_at", "first_answered_at", "decided_at", "closed_at", "on_hold_reason",
    "refusal_reason", "refusal_comment", "share_reason_with_person", "follow_up_shared",
    "follow_up_notice", "case_opened_on", "next_appointment_at", "outcome_summary",
}  # fmt: skip


# --- Creating, with an idempotency key ------------------------------------------------------------


def test_a_referrer_system_sends_a_referral_with_its_organisation_token(remi, alice, territories):
    access = provision_api_token(organization=remi.organization, email="si@ft.example.org")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {access.token}")

    response = client.post(LIST, body(alice.organization), format="json")

    assert response.status_code == 201, response.json()
    referral = Referral.objects.get()
    assert response.json()["id"] == str(referral.pk)
    assert set(response.json()) == REFERRER_FIELDS
    assert referral.status == Status.SENT
    assert referral.sender.user.email == "si@ft.example.org"
    assert sorted(referral.barriers.values_list("code", flat=True)) == [
        "atypical-hours",
        "no-licence",
    ]


def test_the_same_key_and_body_twice_gives_one_referral_and_the_same_answer(
    remi, alice, territories, django_capture_on_commit_callbacks, mailoutbox
):
    client = token_client(remi)
    headers = {"HTTP_IDEMPOTENCY_KEY": "ft-2026-000123"}

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(LIST, body(alice.organization), format="json", **headers)
        again = client.post(LIST, body(alice.organization), format="json", **headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Referral.objects.count() == 1
    assert len(mailoutbox) == 1  # the platform is told once


def test_the_same_key_with_another_body_is_a_conflict(remi, alice, territories):
    client = token_client(remi)
    headers = {"HTTP_IDEMPOTENCY_KEY": "ft-2026-000124"}
    client.post(LIST, body(alice.organization), format="json", **headers)

    response = client.post(
        LIST, body(alice.organization, first_name="Autre"), format="json", **headers
    )

    assert response.status_code == 409
    assert response.json()["detail"].startswith("Cette clé d'idempotence a déjà servi")
    assert Referral.objects.count() == 1


def test_idempotency_keys_belong_to_their_organisation(remi, lucie, alice, territories):
    headers = {"HTTP_IDEMPOTENCY_KEY": "cle-commune"}
    token_client(remi).post(LIST, body(alice.organization), format="json", **headers)

    response = token_client(lucie).post(LIST, body(alice.organization), format="json", **headers)

    assert response.status_code == 201
    assert Referral.objects.count() == 2 and IdempotencyRecord.objects.count() == 2


def test_a_refused_request_is_not_remembered_under_its_key(remi, alice, territories):
    client = token_client(remi)
    headers = {"HTTP_IDEMPOTENCY_KEY": "ft-2026-000125"}
    refused = client.post(
        LIST, body(alice.organization, consent_given_on=None), format="json", **headers
    )

    assert refused.status_code == 400
    assert "Le consentement de la personne est obligatoire" in str(refused.json())
    fixed = client.post(LIST, body(alice.organization), format="json", **headers)
    assert fixed.status_code == 201


def test_a_platform_that_does_not_cover_the_commune_needs_a_reason(remi, chloe, territories):
    client = token_client(remi)

    refused = client.post(LIST, body(chloe.organization), format="json")
    assert refused.status_code == 400
    assert refused.json()["field"] == "coverage_override_reason"
    assert not Referral.objects.exists()

    sent = client.post(
        LIST, body(chloe.organization, coverage_override_reason="Déménage."), format="json"
    )
    assert sent.status_code == 201


def test_bad_input_gets_french_messages_per_field(remi, alice, territories):
    response = token_client(remi).post(
        LIST,
        body(alice.organization, commune="99999", barriers=["inconnu"], consent_text=""),
        format="json",
    )

    errors = response.json()
    assert response.status_code == 400
    assert errors["commune"] == ["Commune inconnue : code INSEE « 99999 »."]
    assert errors["barriers"] == ["Freins inconnus : inconnu."]
    assert "Le consentement de la personne est obligatoire" in errors["consent_text"][0]


# --- Reading: each side its fields -------------------------------------------------------------


def test_a_referrer_lists_only_its_referrals_with_only_its_fields(
    remi, lucie, alice, territories, django_assert_num_queries
):
    case = CaseFactory(organization=alice.organization)
    ConsentRecordFactory(
        beneficiary=case.beneficiary, scope=ConsentRecord.Scope.SHARE_WITH_REFERRER
    )
    mine = ReferralFactory(
        sender=remi, organization=alice.organization, status=Status.ACCEPTED, case=case
    )
    ReferralFactory(sender=lucie, organization=alice.organization, status=Status.SENT)
    ReferralFactory(sender=remi, organization=alice.organization, status=Status.DRAFT)
    client = token_client(remi)

    # Token with its user, memberships; count and page of referrals.
    with django_assert_num_queries(4):
        response = client.get(LIST)
    for _ in range(3):
        ReferralFactory(
            sender=remi,
            organization=alice.organization,
            status=Status.SENT,
            commune=territories["lille"],
        )
    with django_assert_num_queries(4):
        client.get(LIST)

    results = response.json()["results"]
    assert [r["id"] for r in results] == [str(mine.pk)]
    assert set(results[0]) == REFERRER_FIELDS
    assert results[0]["case_opened_on"] == case.opened_on.isoformat()
    detail = client.get(url(mine)).json()
    assert set(detail) == REFERRER_FIELDS
    assert "phone" not in detail and "case" not in detail


def test_a_platform_lists_the_referrals_addressed_to_it_with_everything(
    remi, alice, chloe, territories, no_licence, django_assert_num_queries
):
    ours = ReferralFactory(
        sender=remi,
        organization=alice.organization,
        status=Status.SENT,
        commune=territories["lille"],
    )
    ours.barriers.add(no_licence)
    ReferralFactory(sender=remi, organization=chloe.organization, status=Status.SENT)
    client = token_client(alice)

    with django_assert_num_queries(5):  # plus the barriers, prefetched
        response = client.get(LIST)
    for _ in range(3):
        ReferralFactory(
            sender=remi,
            organization=alice.organization,
            status=Status.SENT,
            commune=territories["lille"],
        ).barriers.add(no_licence)
    with django_assert_num_queries(5):
        client.get(LIST)

    results = response.json()["results"]
    assert [r["id"] for r in results] == [str(ours.pk)]
    assert results[0]["phone"] == "06 12 34 56 78"
    assert results[0]["barriers"] == [{"code": "no-licence", "label": "Pas de permis B"}]
    assert results[0]["sender_organization"]["name"] == "France Travail Lille Centre"


@pytest.mark.cross_tenant("api:referral-list", "api:referral-detail")
def test_other_organisations_see_nothing_of_a_referral(remi, lucie, chloe, sent_referral):
    for outsider in (lucie, chloe):
        client = token_client(outsider)
        assert client.get(LIST).json()["count"] == 0
        assert client.get(url(sent_referral)).status_code == 404


@pytest.mark.role_check("api:referral-list", "api:referral-detail")
@pytest.mark.parametrize("who", ["fanny", "bob"])
def test_funders_and_coaches_get_403_on_referrals(who, request, sent_referral):
    client = token_client(request.getfixturevalue(who))

    assert client.get(LIST).status_code == 403
    assert client.get(url(sent_referral)).status_code == 403
    assert client.post(LIST, {}, format="json").status_code == 403


def test_anonymous_calls_get_401(client, sent_referral):
    assert APIClient().get(LIST).status_code == 401


# --- Actions ------------------------------------------------------------------------------------


def test_a_platform_accepts_through_the_api_and_the_case_opens(alice, remi, sent_referral):
    Referral.objects.filter(pk=sent_referral.pk).update(share_follow_up_with_referrer=True)
    response = token_client(alice).post(url(sent_referral, "accept"), {}, format="json")

    assert response.status_code == 200, response.json()
    case = Case.objects.get()
    assert response.json()["status"] == Status.ACCEPTED
    assert response.json()["case"] == str(case.pk)
    seen_by_referrer = token_client(remi).get(url(sent_referral)).json()
    assert seen_by_referrer["status"] == Status.ACCEPTED
    assert seen_by_referrer["case_opened_on"] == case.opened_on.isoformat()


def test_accepting_a_possible_duplicate_answers_409_with_the_people(alice, sent_referral):
    known = BeneficiaryFactory(
        organization=alice.organization,
        first_name="Camille",
        last_name="Dubois",
        birth_date=dt.date(1994, 6, 2),
    )
    client = token_client(alice)

    conflict = client.post(url(sent_referral, "accept"), {}, format="json")
    assert conflict.status_code == 409
    assert conflict.json()["duplicates"] == [str(known.pk)]

    linked = client.post(
        url(sent_referral, "accept"), {"beneficiary": str(known.pk)}, format="json"
    )
    assert linked.status_code == 200
    assert Case.objects.get().beneficiary == known


def test_accepting_a_withdrawn_referral_is_refused_in_french(alice, remi, sent_referral):
    token_client(remi).post(url(sent_referral, "withdraw"), {"comment": "Trouvé."}, format="json")

    response = token_client(alice).post(url(sent_referral, "accept"), {}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Impossible d'accepter une prescription retirée par le prescripteur."
    )


def test_refuse_hold_and_transfer_through_the_api(alice, chloe, remi, territories):
    def sent():
        return ReferralFactory(
            sender=remi,
            organization=alice.organization,
            status="sent",
            commune=territories["lille"],
        )

    client = token_client(alice)
    refused, held, moved = sent(), sent(), sent()

    no_reason = client.post(url(refused, "refuse"), {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    assert (
        client.post(url(refused, "refuse"), {"reason": "no_capacity"}, format="json").json()[
            "refusal_reason"
        ]
        == "no_capacity"
    )
    assert (
        client.post(url(held, "hold"), {"reason": "CV attendu"}, format="json").json()[
            "on_hold_reason"
        ]
        == "CV attendu"
    )
    response = client.post(
        url(moved, "transfer"), {"platform": str(chloe.organization_id)}, format="json"
    )
    assert response.status_code == 200
    assert client.get(url(moved)).status_code == 404
    assert token_client(chloe).get(url(moved)).json()["original_platform"]["id"] == str(
        alice.organization_id
    )


@pytest.mark.cross_tenant(
    "api:referral-withdraw", "api:referral-accept", "api:referral-refuse", "api:referral-hold",
    "api:referral-transfer",
)  # fmt: skip
def test_actions_on_another_organisations_referral_answer_404(lucie, chloe, sent_referral):
    assert token_client(lucie).post(url(sent_referral, "withdraw"), {}).status_code == 404
    for action in ("accept", "refuse", "hold", "transfer"):
        response = token_client(chloe).post(url(sent_referral, action), {"reason": "x"})
        assert response.status_code == 404, action
    assert Referral.objects.get().status == Status.SENT


@pytest.mark.role_check(
    "api:referral-withdraw", "api:referral-accept", "api:referral-refuse", "api:referral-hold",
    "api:referral-transfer",
)  # fmt: skip
def test_each_side_gets_403_on_the_other_sides_actions(alice, remi, bob, fanny, sent_referral):
    assert token_client(alice).post(url(sent_referral, "withdraw"), {}).status_code == 403
    assert token_client(alice).post(LIST, {}, format="json").status_code == 403
    for action in ("accept", "refuse", "hold", "transfer"):
        for outsider in (remi, bob, fanny):
            response = token_client(outsider).post(url(sent_referral, action), {})
            assert response.status_code == 403, (action, outsider)
    assert Referral.objects.get().status == Status.SENT
