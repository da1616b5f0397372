"""Fleet and loan URLs (mounted at the site root; the case tab lives under accompagnements/)."""

from .views import fleet, loans, planning

app_name = "vehicles"
urlpatterns = [
    *planning.urlpatterns,
    *fleet.urlpatterns,
    *loans.urlpatterns,
]
