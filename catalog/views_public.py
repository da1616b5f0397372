"""The public catalogue: the aids of a commune for a profile, and an aid's page.

No login, and nothing typed is stored: the search is a GET form whose URL can be shared.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from organizations.territories import SEARCH_LIMIT, commune_option_label, search_communes

from .forms import ProfileForm, resolve_commune
from .matching import match_aids
from .models import Aid, AidQuerySet


def search_context(request: HttpRequest, *, on: date, queryset: AidQuerySet) -> dict:
    """Run a profile search from the GET parameters; shared by the public and member pages."""
    form = ProfileForm(request.GET or None)
    context = {
        "form": form,
        "on": on,
        "commune": None,
        "suggestions": [],
        "matches": [],
        "commune_text": "",
        "searched": False,
    }
    if not form.is_bound or not form.is_valid():
        context["searched"] = form.is_bound
        return context
    text = form.cleaned_data["commune"]
    commune, suggestions = resolve_commune(text)
    context.update(commune=commune, commune_text=text, searched=True)
    context["suggestions"] = [(c, _with_commune(request, c.code)) for c in suggestions]
    if commune is not None:
        thematique = form.cleaned_data.get("thematique")
        aids = queryset.with_thematique(thematique) if thematique else queryset
        context["matches"] = match_aids(form.profile(commune), on=on, queryset=aids)
    return context


def _with_commune(request: HttpRequest, code: str) -> str:
    params = request.GET.copy()
    params["commune"] = code
    return f"{request.path}?{params.urlencode()}"


def render_search(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """Render the whole page, or only the results for an htmx request."""
    if getattr(request, "htmx", False):
        template = f"{template}#results"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_not_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """The aids and services available in a commune, for the situation ticked."""
    context = search_context(request, on=timezone.localdate(), queryset=Aid.objects.published())
    return render_search(request, "catalog/search.html", context)


@login_not_required
@require_GET
def aid_public(request: HttpRequest, aid_id) -> HttpResponse:
    """A published aid: what it brings, for whom, where, and how to ask for it."""
    aids = Aid.objects.published().select_related("provider").prefetch_related("coverage")
    aid = get_object_or_404(aids, id=aid_id)
    # "retour" holds the search's query string only: the way back stays on the search page.
    back = request.GET.get("retour", "")[:1000]
    back_url = reverse("catalog:search") + (f"?{back}" if back else "")
    context = {"aid": aid, "today": timezone.localdate(), "back_url": back_url}
    return render(request, "catalog/aid_public.html", context)


@login_not_required
@require_GET
def communes(request: HttpRequest) -> HttpResponse:
    """Commune suggestions for the public search (INSEE reference data, no tenant data)."""
    text = request.GET.get("q") or request.GET.get(request.GET.get("champ") or "q", "")
    rows = search_communes(text[:100], limit=SEARCH_LIMIT)
    options = [(commune, commune_option_label(commune)) for commune in rows]
    return render(request, "organizations/_commune_options.html", {"options": options})
