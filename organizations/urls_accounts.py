from django.urls import path

from . import views_accounts as views
from . import views_two_factor

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.login, name="login"),
    path("deconnexion/", views.logout, name="logout"),
    path("profil/", views.profile, name="profile"),
    path("mot-de-passe/", views.password_change, name="password_change"),
    path("mot-de-passe/modifie/", views.password_change_done, name="password_change_done"),
    path("mot-de-passe/oublie/", views.password_reset, name="password_reset"),
    path("mot-de-passe/oublie/envoye/", views.password_reset_done, name="password_reset_done"),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/termine/",
        views.password_reset_complete,
        name="password_reset_complete",
    ),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("double-authentification/", views_two_factor.verify, name="two_factor_verify"),
    path("double-authentification/activer/", views_two_factor.setup, name="two_factor_setup"),
    path(
        "double-authentification/codes-de-secours/",
        views_two_factor.backup_codes,
        name="two_factor_backup_codes",
    ),
    path(
        "double-authentification/desactiver/",
        views_two_factor.disable,
        name="two_factor_disable",
    ),
]
