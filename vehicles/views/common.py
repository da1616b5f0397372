"""Helpers the fleet and loan views share: role checks, scoped fetches, form errors."""

from __future__ import annotations

from django import forms
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404

from organizations.errors import DomainError
from organizations.models import Membership, Organization
from organizations.tenancy import role_required

from ..models import Loan, Vehicle

Role = Membership.Role
PLATFORMS = (Organization.Kind.PLATFORM,)

# Admins and advisors of a platform run the fleet and lend vehicles; coaches, referrers and
# funders do not see it.
fleet_staff_required = role_required(Role.ADMIN, Role.ADVISOR, kinds=PLATFORMS)
fleet_admin_required = role_required(Role.ADMIN, kinds=PLATFORMS)


def get_vehicle(request: HttpRequest, vehicle_id) -> Vehicle:
    """Return a vehicle of the current platform, else 404."""
    vehicles = Vehicle.objects.visible_to(request.membership).select_related("site")
    return get_object_or_404(vehicles, id=vehicle_id)


def get_loan(request: HttpRequest, loan_id) -> Loan:
    """Return a loan of the current platform with its vehicle and person, else 404."""
    loans = (
        Loan.objects.visible_to(request.membership)
        .with_list_data()
        .select_related("vehicle__site", "solidarity_pricing__agreement")
    )
    return get_object_or_404(loans, id=loan_id)


def add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Show a refusal next to its field when the form has it, else at the top."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def image_content_type(stream) -> str:
    """The type of a stored photo read from its first bytes, never from its name."""
    head = stream.read(12)
    stream.seek(0)
    for signature, content_type in IMAGE_SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    # Not an image we accept (an old upload): the browser downloads it rather than show it.
    return "application/octet-stream"


def stream_file(field_file, *, filename: str, inline: bool = False) -> FileResponse:
    """Stream a stored file of the current platform; photos shown inline with their real type."""
    try:
        stream = field_file.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404("Ce fichier n'est plus disponible.") from missing
    if not inline:
        return FileResponse(stream, as_attachment=True, filename=filename)
    content_type = image_content_type(stream)
    as_attachment = content_type == "application/octet-stream"
    return FileResponse(
        stream, as_attachment=as_attachment, filename=filename, content_type=content_type
    )
