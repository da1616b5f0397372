"""The members' catalogue pages: who may open or act (403), what another tenant sees (404),
and lists whose query count does not grow with rows."""

import pytest
from django.urls import reverse

from catalog import services
from catalog.models import Aid, ChangeProposal

from .factories import AidFactory, ChangeProposalFactory


@pytest.fixture
def world(places, adele, alice, basile, chloe):
    """Entries of platform A (draft, proposed, published) and of platform B (draft)."""
    a_draft = AidFactory(name="Brouillon de A", owner=adele.organization, coverage=[places.hdf],
                         status=Aid.Status.DRAFT)  # fmt: skip
    a_published = AidFactory(name="Publiée par A", owner=adele.organization,
                             coverage=[places.hdf])  # fmt: skip
    b_draft = AidFactory(name="Brouillon de B", owner=basile.organization, coverage=[places.hdf],
                         status=Aid.Status.DRAFT)  # fmt: skip
    a_proposal = ChangeProposalFactory(aid=a_published, organization=alice.organization,
                                       proposed_by=alice.user)  # fmt: skip
    b_proposal = ChangeProposalFactory(aid=b_draft, organization=basile.organization,
                                       proposed_by=basile.user)  # fmt: skip
    return {
        "a_draft": a_draft,
        "a_published": a_published,
        "b_draft": b_draft,
        "a_proposal": a_proposal,
        "b_proposal": b_proposal,
    }


AID_PAGES = ["catalog:aid_detail", "catalog:aid_edit", "catalog:aid_propose"]
LIST_PAGES = ["catalog:manage", "catalog:stale", "catalog:proposals", "catalog:aid_create"]


@pytest.mark.cross_tenant(
    "catalog:aid_detail", "catalog:aid_edit", "catalog:aid_propose", "catalog:aid_review"
)
def test_another_platform_gets_404_on_an_unpublished_entry(login, chloe, world):
    client = login(chloe)
    aid = world["a_draft"]
    for name in AID_PAGES:
        assert client.get(reverse(name, args=[aid.id])).status_code == 404, name
    response = client.post(reverse("catalog:aid_review", args=[aid.id]), {"decision": "publish"})
    assert response.status_code == 404
    aid.refresh_from_db()
    assert aid.status == Aid.Status.DRAFT


@pytest.mark.cross_tenant("catalog:proposal_review")
def test_a_proposal_is_seen_only_by_its_author_and_the_entry_owner(login, chloe, alice, world):
    url = reverse("catalog:proposal_review", args=[world["a_proposal"].id])
    assert login(chloe).get(url).status_code == 404
    assert login(chloe).post(url, {"decision": "accept"}).status_code == 404
    assert login(alice).get(url).status_code == 200
    other = reverse("catalog:proposal_review", args=[world["b_proposal"].id])
    assert login(alice).get(other).status_code == 404


@pytest.mark.cross_tenant("catalog:manage", "catalog:stale", "catalog:proposals", "catalog:match")
def test_lists_never_show_another_platform_unpublished_entries(login, alice, world, places):
    client = login(alice)
    world["b_draft"].last_verified_on = None
    world["b_draft"].save()
    manage = client.get(reverse("catalog:manage")).content.decode()
    assert "Brouillon de A" in manage and "Publiée par A" in manage
    assert "Brouillon de B" not in manage
    assert "Brouillon de B" not in client.get(reverse("catalog:stale")).content.decode()
    proposals = client.get(reverse("catalog:proposals")).content.decode()
    assert "Publiée par A" in proposals and "Brouillon de B" not in proposals
    match = client.get(reverse("catalog:match"), {"commune": "59350"}).content.decode()
    assert "Publiée par A" in match
    assert "Brouillon de B" not in match and "Brouillon de A" not in match


@pytest.mark.cross_tenant("catalog:aid_create")
def test_a_new_entry_belongs_to_the_creator_platform_only(login, alice, chloe, places):
    login(alice).post(
        reverse("catalog:aid_create"),
        {
            "name": "Nouvelle aide",
            "description": "Une aide toute neuve.",
            "kind": Aid.Kind.OTHER,
            "provider_name": "Commune",
            "communes": "59350",
            "intent": "draft",
        },
    )
    aid = Aid.objects.get(name="Nouvelle aide")
    assert aid.owner == alice.organization
    assert login(chloe).get(reverse("catalog:aid_detail", args=[aid.id])).status_code == 404


@pytest.mark.role_check(
    "catalog:manage",
    "catalog:aid_create",
    "catalog:stale",
    "catalog:proposals",
    "catalog:aid_detail",
    "catalog:aid_edit",
    "catalog:aid_propose",
    "catalog:aid_review",
    "catalog:proposal_review",
)
def test_referrers_and_funders_cannot_open_the_catalogue_management(login, remi, fanny, world):
    aid = world["a_published"]
    proposal = world["a_proposal"]
    urls = [reverse(name) for name in LIST_PAGES] + [
        reverse(name, args=[aid.id]) for name in AID_PAGES
    ]
    urls.append(reverse("catalog:proposal_review", args=[proposal.id]))
    for member in (remi, fanny):
        client = login(member)
        for url in urls:
            assert client.get(url).status_code == 403, (member, url)
        review = reverse("catalog:aid_review", args=[aid.id])
        assert client.post(review, {"decision": "archive"}).status_code == 403


@pytest.mark.role_check("catalog:aid_edit", "catalog:aid_review", "catalog:proposal_review")
def test_only_the_owner_admin_edits_publishes_and_reviews(login, alice, bob, basile, world):
    aid, proposal = world["a_published"], world["a_proposal"]
    for member in (alice, bob, basile):
        client = login(member)
        assert client.get(reverse("catalog:aid_edit", args=[aid.id])).status_code == 403
        response = client.post(
            reverse("catalog:aid_review", args=[aid.id]), {"decision": "archive"}
        )
        assert response.status_code == 403
    response = login(alice).post(
        reverse("catalog:proposal_review", args=[proposal.id]), {"decision": "accept"}
    )
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ChangeProposal.Status.PENDING
    aid.refresh_from_db()
    assert aid.status == Aid.Status.PUBLISHED


@pytest.mark.role_check("catalog:match")
def test_the_match_page_is_for_members_of_any_organisation(client, login, remi, fanny, places):
    AidFactory(name="Permis régional", coverage=[places.hdf])
    response = client.get(reverse("catalog:match"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    for member in (remi, fanny):
        html = login(member).get(reverse("catalog:match"), {"commune": "Lille"}).content.decode()
        assert "Permis régional" in html


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    for name in LIST_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302 and "connexion" in response.url, name


def test_the_detail_page_offers_what_the_member_may_do(login, adele, alice, chloe, world):
    aid = world["a_published"]
    url = reverse("catalog:aid_detail", args=[aid.id])
    admin_page = login(adele).get(url).content.decode()
    assert "Modifier" in admin_page and "Archiver" in admin_page
    other_page = login(chloe).get(url).content.decode()
    assert "Proposer une modification" in other_page and "Archiver" not in other_page


def test_the_management_list_query_count_does_not_grow(login, alice, places):
    client = login(alice)
    AidFactory(owner=alice.organization, coverage=[places.hdf])
    baseline = _count(client, reverse("catalog:manage"))
    for _ in range(6):
        aid = AidFactory(owner=alice.organization, coverage=[places.hdf, places.mel])
        ChangeProposalFactory(aid=aid, organization=alice.organization)
        AidFactory(coverage=[places.mel])
    assert _count(client, reverse("catalog:manage")) == baseline


def test_the_stale_and_proposals_lists_query_counts_do_not_grow(login, adele, alice, places):
    client = login(adele)
    for name in ("catalog:stale", "catalog:proposals"):
        AidFactory(owner=adele.organization, coverage=[places.hdf], last_verified_on=None)
        baseline = _count(client, reverse(name))
        for _ in range(5):
            aid = AidFactory(owner=adele.organization, coverage=[places.hdf], last_verified_on=None)
            ChangeProposalFactory(aid=aid, organization=alice.organization, proposed_by=alice.user)
        assert _count(client, reverse(name)) == baseline, name


def test_the_detail_page_query_count_does_not_grow_with_history(login, adele, places):
    client = login(adele)
    aid = services.create_aid(by=adele, values=_values(places), intent="publish")
    url = reverse("catalog:aid_detail", args=[aid.id])
    baseline = _count(client, url)
    for n in range(5):
        services.update_aid(aid=aid, by=adele, values={"amount_text": f"{n} €"})
    assert _count(client, url) == baseline


def _count(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _values(places) -> dict:
    return {
        "name": "Garage solidaire",
        "description": "Réparations à prix solidaire.",
        "kind": Aid.Kind.REPAIR,
        "provider_name": "Association",
        "coverage": [places.pas_de_calais],
    }
