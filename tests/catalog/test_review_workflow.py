"""Collaborative editing: any platform proposes, the entry's owner (or Mobicase staff) reviews,
and the history says who changed what, and when."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog import services
from catalog.models import Aid, ChangeProposal
from organizations.errors import ConflictError, DomainError

from .factories import AidFactory


def create_form(places, **overrides) -> dict:
    data = {
        "name": "Garage solidaire du Ternois",
        "description": "Réparations à prix solidaire.",
        "kind": Aid.Kind.REPAIR,
        "provider_name": "Association Garage du Ternois",
        "thematiques": ["mobilite--entretenir-reparer-son-vehicule"],
        "publics": ["tous-publics"],
        "departements": [places.pas_de_calais.pk],
        "communes": "",
        "amount_text": "15 € de l'heure",
    }
    data.update(overrides)
    return data


@pytest.fixture
def published(adele, places) -> Aid:
    """An aid platform A keeps, published."""
    return AidFactory(
        name="Location de vélos",
        owner=adele.organization,
        coverage=[places.mel],
        amount_text="10 € par mois",
        amount_max=Decimal("10"),
    )


def test_an_advisor_adds_an_entry_that_waits_for_review(login, alice, places):
    response = login(alice).post(
        reverse("catalog:aid_create"), {**create_form(places), "intent": "propose"}
    )
    aid = Aid.objects.get()
    assert response.url == reverse("catalog:aid_detail", args=[aid.id])
    assert aid.status == Aid.Status.PROPOSED
    assert aid.owner == alice.organization
    assert list(aid.coverage.all()) == [places.pas_de_calais]
    record = aid.history.get()
    assert record.history_user == alice.user
    assert record.history_change_reason == "Création"


def test_an_advisor_asking_to_publish_only_proposes(alice, places):
    values = {**_values(places), "name": "Essai"}
    aid = services.create_aid(by=alice, values=values, intent="publish")
    assert aid.status == Aid.Status.PROPOSED


def test_an_admin_publishes_a_new_entry_at_once(login, adele, places):
    login(adele).post(reverse("catalog:aid_create"), {**create_form(places), "intent": "publish"})
    assert Aid.objects.get().status == Aid.Status.PUBLISHED


def test_a_form_with_errors_keeps_what_was_typed(login, alice, places):
    response = login(alice).post(
        reverse("catalog:aid_create"), {**create_form(places, min_age=40, max_age=30)}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "L&#x27;âge minimum (40 ans) dépasse l&#x27;âge maximum (30 ans)" in html
    assert 'value="Garage solidaire du Ternois"' in html
    assert Aid.objects.count() == 0


def test_the_owner_admin_publishes_a_proposed_entry_and_it_counts_as_verified(
    login, adele, alice, places
):
    aid = services.create_aid(by=alice, values=_values(places), intent="propose")
    login(adele).post(reverse("catalog:aid_review", args=[aid.id]), {"decision": "publish"})
    aid.refresh_from_db()
    assert aid.status == Aid.Status.PUBLISHED
    assert aid.last_verified_on == dt.date.today()
    assert aid.history.latest().history_user == adele.user


def test_returning_an_entry_to_draft_says_what_to_fix(adele, alice, places):
    aid = services.create_aid(by=alice, values=_values(places), intent="propose")
    with pytest.raises(DomainError, match="ce qu'il faut reprendre"):
        services.decide(aid=aid, by=adele, decision="draft")
    services.decide(aid=aid, by=adele, decision="draft", comment="Ajoutez la source")
    aid.refresh_from_db()
    assert aid.status == Aid.Status.DRAFT
    assert aid.history.latest().history_change_reason == "Renvoyée en brouillon : Ajoutez la source"


def test_an_advisor_cannot_publish_but_can_submit_a_draft(login, alice, places):
    aid = services.create_aid(by=alice, values=_values(places), intent="draft")
    client = login(alice)
    response = client.post(reverse("catalog:aid_review", args=[aid.id]), {"decision": "publish"})
    assert response.status_code == 403
    client.post(reverse("catalog:aid_review", args=[aid.id]), {"decision": "propose"})
    aid.refresh_from_db()
    assert aid.status == Aid.Status.PROPOSED


def test_a_published_entry_is_changed_by_proposal_and_review(login, chloe, adele, published):
    form = _edit_form(published, amount_text="12 € par mois", amount_max="12")
    response = login(chloe).post(
        reverse("catalog:aid_propose", args=[published.id]),
        {**form, "comment": "Nouveau tarif voté"},
    )
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.amount_text == "10 € par mois"  # nothing changes before the review
    proposal = ChangeProposal.objects.get()
    assert proposal.changes == {"amount_text": "12 € par mois", "amount_max": "12.00"}
    assert proposal.organization == chloe.organization

    page = login(adele).get(reverse("catalog:proposal_review", args=[proposal.id]))
    html = page.content.decode()
    assert "10 € par mois" in html and "12 € par mois" in html and "Nouveau tarif voté" in html

    login(adele).post(
        reverse("catalog:proposal_review", args=[proposal.id]), {"decision": "accept"}
    )
    published.refresh_from_db()
    proposal.refresh_from_db()
    assert published.amount_text == "12 € par mois"
    assert published.amount_max == Decimal("12")
    assert proposal.status == ChangeProposal.Status.ACCEPTED
    assert proposal.reviewed_by == adele.user
    record = published.history.latest()
    assert record.history_user == adele.user
    assert record.history_change_reason.startswith("Proposition de Chloé Test")


def test_the_history_shows_who_changed_which_fields_and_when(login, adele, published):
    services.update_aid(aid=published, by=adele, values={"amount_text": "11 €", "min_age": 18})
    html = login(adele).get(reverse("catalog:aid_detail", args=[published.id])).content.decode()
    assert "Adèle Test" in html
    assert "Montant ou tarif, Âge minimum" in html


def test_a_proposal_that_would_break_the_entry_is_refused_at_once(chloe, published):
    with pytest.raises(DomainError) as error:
        services.propose_changes(aid=published, by=chloe, values={"min_age": 40, "max_age": 20})
    assert error.value.field == "min_age"
    with pytest.raises(DomainError, match="Vous n'avez rien changé"):
        services.propose_changes(aid=published, by=chloe, values={"amount_text": "10 € par mois"})
    assert ChangeProposal.objects.count() == 0


def test_a_refusal_needs_a_reason_and_changes_nothing(login, adele, chloe, published):
    proposal = services.propose_changes(aid=published, by=chloe, values={"amount_text": "gratuit"})
    client = login(adele)
    url = reverse("catalog:proposal_review", args=[proposal.id])
    response = client.post(url, {"decision": "reject"})
    assert "Dites en une phrase pourquoi" in response.content.decode()
    client.post(url, {"decision": "reject", "review_comment": "Le tarif n'a pas changé."})
    proposal.refresh_from_db()
    published.refresh_from_db()
    assert proposal.status == ChangeProposal.Status.REJECTED
    assert published.amount_text == "10 € par mois"


def test_a_proposal_is_reviewed_once(adele, chloe, published):
    proposal = services.propose_changes(aid=published, by=chloe, values={"amount_text": "9 €"})
    services.review_proposal(proposal=proposal, by=adele, accept=True)
    with pytest.raises(ConflictError, match="déjà été relue"):
        services.review_proposal(proposal=proposal, by=adele, accept=False, comment="Non")


def test_only_the_owner_admin_or_staff_reviews(alice, basile, chloe, published):
    proposal = services.propose_changes(aid=published, by=chloe, values={"amount_text": "9 €"})
    for member in (alice, basile):
        with pytest.raises(services.Forbidden):
            services.review_proposal(proposal=proposal, by=member, accept=True)
    basile.user.is_staff = True
    basile.user.save()
    services.review_proposal(proposal=proposal, by=basile, accept=True)
    published.refresh_from_db()
    assert published.amount_text == "9 €"


def test_the_owner_admin_edits_a_published_entry_directly(login, adele, published):
    form = _edit_form(published, name="Location de vélos électriques")
    response = login(adele).post(reverse("catalog:aid_edit", args=[published.id]), form)
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.name == "Location de vélos électriques"
    assert published.status == Aid.Status.PUBLISHED


def test_marking_an_entry_verified_removes_it_from_the_stale_list(login, adele, places):
    old = AidFactory(
        name="Vieille fiche", owner=adele.organization, coverage=[places.hdf],
        last_verified_on=dt.date.today() - dt.timedelta(days=400),
    )  # fmt: skip
    client = login(adele)
    assert "Vieille fiche" in client.get(reverse("catalog:stale")).content.decode()
    client.post(reverse("catalog:aid_review", args=[old.id]), {"decision": "verify"})
    assert "Vieille fiche" not in client.get(reverse("catalog:stale")).content.decode()


def test_an_archived_entry_takes_no_more_proposals(adele, chloe, published):
    services.decide(aid=published, by=adele, decision="archive")
    with pytest.raises(ConflictError, match="archivée"):
        services.propose_changes(aid=published, by=chloe, values={"amount_text": "9 €"})


# --- helpers -----------------------------------------------------------------------------------


def _values(places) -> dict:
    return {
        "name": "Garage solidaire",
        "description": "Réparations à prix solidaire.",
        "kind": Aid.Kind.REPAIR,
        "provider_name": "Association",
        "coverage": [places.pas_de_calais],
    }


def _edit_form(aid: Aid, **overrides) -> dict:
    """The edit form as the browser sends it, unchanged but for ``overrides``."""
    from catalog.forms import AidForm

    form = AidForm(instance=aid)
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value in (None, False):
            continue
        if name in ("regions", "departements", "epcis"):
            data[name] = [t.pk for t in value]
        elif value is True:
            data[name] = "on"
        else:
            data[name] = value
    data.update(overrides)
    return data
