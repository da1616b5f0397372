"""The FSE+ API routes, included under /api/v1/fse-plus/ in the API's namespace."""

from django.urls import path

from .api_fse import FseParticipantsView

urlpatterns = [
    path("participants/", FseParticipantsView.as_view(), name="fse-plus-participants"),
]
