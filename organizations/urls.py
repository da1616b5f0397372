from django.urls import path

from . import views_admin as views

app_name = "organizations"
urlpatterns = [
    path("membres/", views.members, name="members"),
    path("membres/inviter/", views.member_invite, name="member_invite"),
    path("membres/<uuid:membership_id>/", views.member_edit, name="member_edit"),
    path(
        "membres/<uuid:membership_id>/desactiver/",
        views.member_deactivate,
        name="member_deactivate",
    ),
    path(
        "membres/<uuid:membership_id>/reactiver/",
        views.member_reactivate,
        name="member_reactivate",
    ),
    path(
        "membres/<uuid:membership_id>/double-authentification/reinitialiser/",
        views.member_two_factor_reset,
        name="member_two_factor_reset",
    ),
    path("journal-de-securite/", views.security_log, name="security_log"),
    path(
        "invitations/<uuid:invitation_id>/renvoyer/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "invitations/<uuid:invitation_id>/annuler/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("sites/", views.sites, name="sites"),
    path("sites/nouveau/", views.site_create, name="site_create"),
    path("sites/<uuid:site_id>/", views.site_edit, name="site_edit"),
    path("sites/<uuid:site_id>/fermer/", views.site_deactivate, name="site_deactivate"),
    path("sites/<uuid:site_id>/rouvrir/", views.site_reactivate, name="site_reactivate"),
    path("parametres/", views.settings, name="settings"),
    path("conventions/", views.agreements, name="agreements"),
    path("conventions/nouvelle/", views.agreement_create, name="agreement_create"),
    path("conventions/<uuid:agreement_id>/", views.agreement_detail, name="agreement_detail"),
    path(
        "conventions/<uuid:agreement_id>/modifier/",
        views.agreement_edit,
        name="agreement_edit",
    ),
]
