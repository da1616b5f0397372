"""``/api/v1/stats/``: the indicators of a scope over a period, as the reports print them."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from organizations.api import HasMembershipRole, TokenClientMixin, error_responses

from .engine import compute
from .periods import Period
from .scopes import check_period, is_suppressed_for, resolve_scope, scope_choices


class CellSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="Vide si la case est masquée.")
    display = serializers.CharField(help_text="La valeur en français, « < 5 » ou « s » si masquée.")
    count = serializers.IntegerField(
        allow_null=True, help_text="Effectif sur lequel porte un taux, une moyenne ou un montant."
    )
    suppressed = serializers.BooleanField()


class BreakdownSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    additive = serializers.BooleanField(
        help_text="Les cases s'additionnent pour donner la valeur de l'indicateur."
    )
    withheld = serializers.BooleanField(
        help_text="Répartition non publiée : aucune combinaison de cases masquées ne la protège."
    )
    cells = CellSerializer(many=True)


class IndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    definition = serializers.CharField()
    unit = serializers.ChoiceField(
        choices=["people", "cases", "count", "percent", "days", "days_mean", "hours", "euros"]
    )
    section = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="Vide si masquée ou sans objet.")
    display = serializers.CharField()
    count = serializers.IntegerField(
        allow_null=True, help_text="Effectif sur lequel porte un taux, une moyenne ou un montant."
    )
    count_unit = serializers.CharField(
        allow_blank=True, help_text="Ce que compte `count` (« sorties », « décisions »…)."
    )
    suppressed = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)
    breakdowns = BreakdownSerializer(many=True)


class ScopeSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=["platform", "site", "agreement", "funder", "territory"])


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class StatsSerializer(serializers.Serializer):
    scope = ScopeSerializer()
    period = PeriodSerializer()
    suppressed = serializers.BooleanField(
        help_text="Vrai pour un lecteur extérieur à la plateforme : effectifs de 1 à 4 masqués."
    )
    indicators = IndicatorSerializer(many=True)


class StatsQuerySerializer(serializers.Serializer):
    scope = serializers.CharField(required=False, allow_blank=True)
    start = serializers.DateField(
        required=False, error_messages={"invalid": "Date invalide : utilisez AAAA-MM-JJ."}
    )
    end = serializers.DateField(
        required=False, error_messages={"invalid": "Date invalide : utilisez AAAA-MM-JJ."}
    )
    indicator = serializers.ListField(child=serializers.CharField(), required=False)

    def validate_indicator(self, codes: list[str]) -> list[str]:
        from .indicators import REGISTRY

        unknown = [c for c in codes if c not in REGISTRY]
        if unknown:
            raise serializers.ValidationError(f"Indicateur inconnu : {', '.join(unknown)}.")
        return codes


SCOPE_HELP = (
    "Périmètre : `platform` (votre plateforme), `site:<uuid>`, `agreement:<uuid>`, `funder` "
    "(toutes les conventions d'un financeur), `territory:all`, `territory:<niveau>:<code>` "
    "(observatoire : `region`, `departement` ou `epci`, par exemple `territory:epci:200093201`). "
    "Sans périmètre : tout ce que vous pouvez voir (une plateforme : elle-même ; un financeur : "
    "ses conventions ensemble ; les autres : l'observatoire de tous les territoires). Un "
    "périmètre que vous ne pouvez pas lire répond 404."
)


class StatsView(TokenClientMixin, APIView):
    """The indicators of a scope over a period."""

    permission_classes = [permissions.IsAuthenticated, HasMembershipRole]

    @extend_schema(
        parameters=[
            OpenApiParameter("scope", OpenApiTypes.STR, description=SCOPE_HELP),
            OpenApiParameter(
                "start",
                OpenApiTypes.DATE,
                description="Premier jour (AAAA-MM-JJ). Par défaut : le 1er janvier.",
            ),
            OpenApiParameter(
                "end",
                OpenApiTypes.DATE,
                description="Dernier jour, inclus. Par défaut : aujourd'hui.",
            ),
            OpenApiParameter(
                "indicator",
                OpenApiTypes.STR,
                many=True,
                description="Ne renvoyer que ces indicateurs (code, répétable).",
            ),
        ],
        responses={200: StatsSerializer, **error_responses(400)},
        summary="Indicateurs d'un périmètre sur une période",
        description=(
            "Chaque indicateur est un objet avec son `code`, son `label`, sa `definition`, sa "
            "`value` et ses répartitions. Hors de la plateforme (financeur, observatoire), les "
            "effectifs de 1 à 4 sont masqués (`display` « < 5 ») avec des cases "
            "complémentaires (« s ») pour qu'aucune ne se retrouve par soustraction, et la "
            "période doit être une année civile complète ou celle de la convention."
        ),
        tags=["statistiques"],
    )
    def get(self, request: Request) -> Response:
        query = StatsQuerySerializer(
            data={
                **request.query_params.dict(),
                "indicator": request.query_params.getlist("indicator"),
            }
        )
        query.is_valid(raise_exception=True)
        params = query.validated_data
        membership = request._request.membership
        scope = resolve_scope(membership, params.get("scope"))
        period = _period(params.get("start"), params.get("end"))
        suppressed = is_suppressed_for(membership, scope)
        check_period(scope, period, suppressed=suppressed)
        codes = params.get("indicator") or None
        if scope.kind == "territory":
            # The same figures for every caller, costly across all platforms: kept a while.
            key = f"stats:{scope.code}:{period.start}:{period.end}:{','.join(codes or [])}"
            indicators = cache.get_or_set(
                key, lambda: _indicators(scope, period, suppressed, codes), TERRITORY_CACHE_SECONDS
            )
        else:
            indicators = _indicators(scope, period, suppressed, codes)
        return Response(
            {
                "scope": {"code": scope.code, "label": scope.label, "kind": scope.kind},
                "period": {"start": period.start, "end": period.end},
                "suppressed": suppressed,
                "indicators": indicators,
            }
        )


TERRITORY_CACHE_SECONDS = 30 * 60


def _indicators(scope, period: Period, suppressed: bool, codes) -> list[dict]:
    report = compute(scope, period, suppress=suppressed, codes=codes)
    return [result.as_dict() for result in report.results]


def _period(start: dt.date | None, end: dt.date | None) -> Period:
    """The period asked for; a missing bound completes the calendar year of the other one
    (the current year when neither is given)."""
    year = (start or end or timezone.localdate()).year
    return Period(start or dt.date(year, 1, 1), end or dt.date(year, 12, 31))


class ScopeListView(TokenClientMixin, generics.ListAPIView):
    """The scopes the caller may read."""

    permission_classes = [permissions.IsAuthenticated, HasMembershipRole]
    serializer_class = ScopeSerializer
    filter_backends: list = []

    def get_queryset(self) -> list:
        if getattr(self, "swagger_fake_view", False):
            return []
        return scope_choices(self.request._request.membership)

    @extend_schema(
        responses={200: ScopeSerializer(many=True), **error_responses()},
        summary="Périmètres que vous pouvez consulter",
        description="Les valeurs possibles du paramètre `scope` de `/api/v1/stats/`.",
        tags=["statistiques"],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)
