from django.contrib import admin
from django.urls import include, path

from organizations import views as organization_views

admin.site.site_header = "Administration Mobicase"
admin.site.site_title = "Mobicase"
admin.site.index_title = "Administration technique"

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"

urlpatterns = [
    path("", organization_views.home, name="home"),
    path("healthz", organization_views.healthz, name="healthz"),
    path("organisation/changer/", organization_views.switch, name="switch_organization"),
    path("compte/", include("organizations.urls_accounts")),
    path("organisation/", include("organizations.urls")),
    path("territoires/", include("organizations.urls_territories")),
    path("fse-plus/", include("reporting.urls_fse")),
    path("", include("catalog.urls")),
    path("", include("cases.urls")),
    path("prescriptions/", include("referrals.urls")),
    path("", include("vehicles.urls")),
    path("", include("reporting.urls")),
    path("", include("privacy.urls")),
    path("api/", include("config.api_urls")),
    path("admin/", admin.site.urls),
]

# Uploaded files are never served as static media: only scoped download views stream them.
