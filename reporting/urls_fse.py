"""The FSE+ pages, under /fse-plus/."""

from django.urls import path

from .views import fse as views_fse

app_name = "fse"
urlpatterns = [
    path("", views_fse.indicators, name="indicators"),
    path("export.csv", views_fse.export, name="export"),
    path("definitions/", views_fse.definitions, name="definitions"),
]
