"""Case URLs, one module per area so that each stays small."""

from .views import aid_matches, imports, participations, pathway, people, sessions

app_name = "cases"
urlpatterns = [
    *people.urlpatterns,
    *pathway.urlpatterns,
    *sessions.urlpatterns,
    *imports.urlpatterns,
    *aid_matches.urlpatterns,
    *participations.urlpatterns,
]
