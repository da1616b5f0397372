"""Catalogue URLs: the public search under /aides/, the members' pages under /catalogue/."""

from django.urls import path

from . import views, views_public

app_name = "catalog"
urlpatterns = [
    path("aides/", views_public.search, name="search"),
    path("aides/communes/", views_public.communes, name="communes"),
    path("aides/<uuid:aid_id>/", views_public.aid_public, name="aid_public"),
    path("catalogue/", views.manage, name="manage"),
    path("catalogue/nouvelle/", views.aid_create, name="aid_create"),
    path("catalogue/a-verifier/", views.stale, name="stale"),
    path("catalogue/correspondance/", views.match, name="match"),
    path("catalogue/propositions/", views.proposals, name="proposals"),
    path(
        "catalogue/propositions/<uuid:proposal_id>/",
        views.proposal_review,
        name="proposal_review",
    ),
    path("catalogue/<uuid:aid_id>/", views.aid_detail, name="aid_detail"),
    path("catalogue/<uuid:aid_id>/modifier/", views.aid_edit, name="aid_edit"),
    path("catalogue/<uuid:aid_id>/proposer/", views.aid_propose, name="aid_propose"),
    path("catalogue/<uuid:aid_id>/decision/", views.aid_review, name="aid_review"),
]
