"""Referral pages, mounted under /prescriptions/."""

from django.urls import path

from .views import platform, referrer, shared

app_name = "referrals"
urlpatterns = [
    # Referrer
    path("orienter/", referrer.directory_view, name="directory"),
    path("nouvelle/", referrer.create, name="create"),
    path("envoyees/", referrer.sent_list, name="sent"),
    path("<uuid:referral_id>/modifier/", referrer.edit, name="edit"),
    path("<uuid:referral_id>/supprimer/", referrer.draft_delete, name="draft_delete"),
    path("<uuid:referral_id>/envoyee/", referrer.confirmation, name="confirmation"),
    path("<uuid:referral_id>/retirer/", referrer.withdraw, name="withdraw"),
    path(
        "<uuid:referral_id>/pieces-jointes/ajouter/", referrer.attachment_add, name="attachment_add"
    ),
    path(
        "<uuid:referral_id>/pieces-jointes/<uuid:attachment_id>/retirer/",
        referrer.attachment_delete,
        name="attachment_delete",
    ),
    # Platform
    path("recues/", platform.inbox, name="inbox"),
    path("statistiques/", platform.stats, name="stats"),
    path("reglages/", platform.settings_view, name="settings"),
    path("<uuid:referral_id>/examiner/", platform.start_review, name="start_review"),
    path("<uuid:referral_id>/mettre-en-attente/", platform.hold, name="hold"),
    path("<uuid:referral_id>/reprendre/", platform.resume, name="resume"),
    path("<uuid:referral_id>/accepter/", platform.accept, name="accept"),
    path("<uuid:referral_id>/refuser/", platform.refuse, name="refuse"),
    path("<uuid:referral_id>/transferer/", platform.transfer, name="transfer"),
    path("<uuid:referral_id>/annuler/", platform.cancel, name="cancel"),
    path("<uuid:referral_id>/rouvrir/", platform.reopen, name="reopen"),
    # Both sides
    path("notifications/", shared.preferences, name="preferences"),
    path("<uuid:referral_id>/", shared.detail, name="detail"),
    path("<uuid:referral_id>/messages/", shared.thread, name="thread"),
    path(
        "<uuid:referral_id>/pieces-jointes/<uuid:attachment_id>/",
        shared.attachment_download,
        name="attachment_download",
    ),
    path("<uuid:referral_id>/synthese.pdf", shared.diagnostic_pdf, name="diagnostic_pdf"),
]
