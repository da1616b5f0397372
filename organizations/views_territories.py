"""Territories are public reference data (INSEE): any member may search them."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .tenancy import membership_required
from .territories import SEARCH_LIMIT, commune_option_label, search_communes


@require_GET
@membership_required
def commune_search(request: HttpRequest) -> HttpResponse:
    """Return up to 20 communes matching the typed text, as <option>s for a datalist (htmx).

    The text comes in ``q``, or in the parameter named by ``champ`` (what CommuneInput sends).
    No tenant object is read: every member sees the same communes.
    """
    text = request.GET.get("q") or request.GET.get(request.GET.get("champ") or "q", "")
    communes = search_communes(text[:100], limit=SEARCH_LIMIT)
    options = [(commune, commune_option_label(commune)) for commune in communes]
    return render(request, "organizations/_commune_options.html", {"options": options})
