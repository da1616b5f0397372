"""Personal data URLs: the person's rights page, exports, anonymisation, the register."""

from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("personnes/<uuid:beneficiary_id>/donnees-personnelles/", views.rights, name="person"),
    path(
        "personnes/<uuid:beneficiary_id>/donnees-personnelles/export.pdf",
        views.export_pdf_view,
        name="export_pdf",
    ),
    path(
        "personnes/<uuid:beneficiary_id>/donnees-personnelles/export.json",
        views.export_json_view,
        name="export_json",
    ),
    path(
        "personnes/<uuid:beneficiary_id>/donnees-personnelles/export.zip",
        views.export_archive_view,
        name="export_archive",
    ),
    path(
        "personnes/<uuid:beneficiary_id>/donnees-personnelles/anonymisation/",
        views.preview,
        name="preview",
    ),
    path(
        "personnes/<uuid:beneficiary_id>/donnees-personnelles/anonymiser/",
        views.erase,
        name="erase",
    ),
    path("donnees-personnelles/demandes/", views.register, name="register"),
    path("donnees-personnelles/demandes/<uuid:request_id>/reponse/", views.answer, name="answer"),
]
