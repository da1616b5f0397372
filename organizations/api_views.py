"""API endpoints of the organisations app."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .api import MembershipSerializer, OrganizationScopedMixin


class MeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    memberships = MembershipSerializer(many=True)
    current_membership = MembershipSerializer(allow_null=True)


class MeView(OrganizationScopedMixin, APIView):
    """The authenticated user, its memberships and the organisation in force."""

    @extend_schema(responses=MeSerializer, summary="Utilisateur connecté et organisation en cours")
    def get(self, request: Request) -> Response:
        user = request.user
        memberships = request._request.user_memberships or _load_memberships(user)
        data = {
            "id": user.pk,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "memberships": memberships,
            "current_membership": self.membership,
        }
        return Response(MeSerializer(data).data)


def _load_memberships(user):
    from .tenancy import active_memberships

    return active_memberships(user)


def register(router) -> None:
    """Register this app's viewsets on the API router."""
