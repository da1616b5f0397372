"""The REST API: version 1 under /api/v1/, schema at /api/schema/, docs at /api/docs/.

Swagger UI and ReDoc load their assets from drf-spectacular-sidecar (our static files), no CDN.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from django.utils.csp import CSP
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from cases import api as cases_api
from cases import api_aids as cases_api_aids
from catalog import api as catalog_api
from organizations import api_views as organization_api
from privacy import api as privacy_api
from referrals import api as referrals_api
from reporting import api as reporting_api
from vehicles import api as vehicles_api

router = SimpleRouter(trailing_slash=True)
organization_api.register(router)
cases_api.register(router)
catalog_api.register(router)
referrals_api.register(router)
vehicles_api.register(router)


def docs_csp(view):
    """Let Swagger UI and ReDoc inject their styles and workers (scripts still need the nonce).

    Both build their styles at run time (ReDoc through styled-components) without a nonce; the
    documentation pages hold no data.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response._csp_config = {
            **settings.SECURE_CSP,
            "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
            "worker-src": [CSP.SELF, "blob:"],  # ReDoc's search runs in a worker it builds
        }
        return response

    return wrapper


app_name = "api"
urlpatterns = [
    path("v1/me/", organization_api.MeView.as_view(), name="me"),
    # Any id reaches the view (as on the router's routes) so that a bad one gets a JSON 404.
    re_path(
        r"^v1/beneficiaries/(?P<id>[^/.]+)/aids/$",
        cases_api_aids.BeneficiaryAidsView.as_view(),
        name="beneficiary-aids",
    ),
    path("v1/stats/", reporting_api.StatsView.as_view(), name="stats"),
    path("v1/stats/scopes/", reporting_api.ScopeListView.as_view(), name="stats-scopes"),
    path(
        "v1/beneficiaries/<uuid:id>/export/",
        privacy_api.BeneficiaryExportView.as_view(),
        name="beneficiary-export",
    ),
    path("v1/", include(router.urls)),
    path("v1/fse-plus/", include("reporting.urls_fse_api")),
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    path(
        "docs/",
        login_not_required(
            docs_csp(
                SpectacularSwaggerView.as_view(
                    url_name="api:schema",
                    title="API Mobicase",
                    template_name="api/swagger_ui.html",
                )
            )
        ),
        name="docs",
    ),
    path(
        "redoc/",
        login_not_required(
            docs_csp(
                SpectacularRedocView.as_view(
                    url_name="api:schema", title="API Mobicase", template_name="api/redoc.html"
                )
            )
        ),
        name="redoc",
    ),
]
