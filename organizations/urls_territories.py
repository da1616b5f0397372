from django.urls import path

from . import views_territories as views

app_name = "territories"
urlpatterns = [
    path("communes/", views.commune_search, name="commune_search"),
]
