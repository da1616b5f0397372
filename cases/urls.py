"""Case URLs, one module per area so that each stays small."""

from .views import pathway, people, sessions

app_name = "cases"
urlpatterns = [*people.urlpatterns, *pathway.urlpatterns, *sessions.urlpatterns]
