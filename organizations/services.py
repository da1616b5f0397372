"""Domain operations on organisations, members, invitations, sites and funding agreements.

Each function is keyword-only, runs in one transaction, locks what it changes and raises
``DomainError`` with a French message when a rule refuses the operation. Views, the API, the
admin and commands all go through them.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .errors import DomainError
from .models import (
    ROLES_BY_KIND,
    FundingAgreement,
    Invitation,
    Membership,
    Organization,
    SecurityEvent,
    Site,
    Territory,
    User,
    default_invitation_expiry,
    hash_token,
)
from .security import record_security_event

logger = logging.getLogger(__name__)

Role = Membership.Role
COVERAGE_LEVELS = (Territory.Level.EPCI, Territory.Level.COMMUNE)


# --- Checks shared by the operations ------------------------------------------------------------


def _ensure_admin_of(by: Membership, organization: Organization) -> None:
    if not (by.is_active and by.role == Role.ADMIN and by.organization_id == organization.pk):
        raise DomainError(
            "Seul·e un·e administrateur·rice de l'organisation peut faire cette opération.",
            code="not_admin",
        )


def _ensure_role_allowed(organization: Organization, role: str) -> None:
    if role not in ROLES_BY_KIND[organization.kind]:
        allowed = ", ".join(Role(r).label.lower() for r in ROLES_BY_KIND[organization.kind])
        raise DomainError(
            f"Ce rôle n'existe pas pour une organisation de type « "
            f"{organization.get_kind_display().lower()} » : choisissez parmi {allowed}.",
            code="role_not_allowed",
            field="role",
        )


def _ensure_platform(organization: Organization, what: str) -> None:
    if not organization.is_platform:
        raise DomainError(
            f"Seule une plateforme de mobilité peut gérer {what}.", code="not_platform"
        )


def _other_active_admins(membership: Membership) -> int:
    return (
        Membership.objects.active()
        .for_organization(membership.organization)
        .filter(role=Role.ADMIN)
        .exclude(pk=membership.pk)
        .count()
    )


def _ensure_not_last_admin(membership: Membership, action: str) -> None:
    if (
        membership.role == Role.ADMIN
        and membership.is_active
        and not _other_active_admins(membership)
    ):
        raise DomainError(
            f"Impossible de {action} : c'est le ou la dernier·e administrateur·rice de "
            "l'organisation. Nommez d'abord un·e autre administrateur·rice.",
            code="last_admin",
        )


def _locked_membership(membership: Membership) -> Membership:
    return (
        Membership.objects.select_for_update()
        .select_related("organization", "user")
        .get(pk=membership.pk)
    )


# --- Invitations --------------------------------------------------------------------------------


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def invitation_link(token: str) -> str:
    return settings.SITE_URL + reverse("accounts:invitation_accept", args=[token])


def _send_invitation_email(invitation: Invitation, token: str, inviter: User | None) -> None:
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "role": invitation.get_role_display(),
        "inviter": inviter.get_full_name() or inviter.email if inviter else "",
        "link": invitation_link(token),
        "expires_at": invitation.expires_at,
    }
    subject = f"Invitation à rejoindre {invitation.organization.name} sur Mobicase"
    body = render_to_string("accounts/invitation_email.txt", context)
    EmailMessage(subject, body, to=[invitation.email]).send()


def _mail_invitation_on_commit(invitation: Invitation, token: str, inviter: User | None) -> None:
    transaction.on_commit(lambda: _send_invitation_email(invitation, token, inviter), robust=True)


def invite_member(
    *,
    organization: Organization,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    by: Membership,
) -> tuple[Invitation, str]:
    """Invite a person by e-mail to join the organisation; return the invitation and raw token."""
    email = User.objects.normalize_email(email.strip()).lower()
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        _ensure_admin_of(by, organization)
        _ensure_role_allowed(organization, role)
        existing = (
            Membership.objects.for_organization(organization)
            .filter(user__email__iexact=email)
            .first()
        )
        if existing is not None and existing.is_active:
            raise DomainError(
                "Cette personne est déjà membre de l'organisation.",
                code="already_member",
                field="email",
            )
        if existing is not None:
            raise DomainError(
                "Cette personne a déjà été membre : réactivez son accès depuis la liste "
                "des membres.",
                code="inactive_member",
                field="email",
            )
        if (
            Invitation.objects.for_organization(organization)
            .pending()
            .filter(email__iexact=email)
            .exists()
        ):
            raise DomainError(
                "Une invitation est déjà en attente pour cette adresse : renvoyez-la depuis la "
                "liste des membres.",
                code="already_invited",
                field="email",
            )
        token, token_hash = _new_token()
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            role=role,
            token_hash=token_hash,
            invited_by=by.user,
        )
        _mail_invitation_on_commit(invitation, token, by.user)
    return invitation, token


def resend_invitation(*, invitation: Invitation, by: Membership) -> tuple[Invitation, str]:
    """Send a fresh link (a new token, a new expiry) for an invitation not yet accepted."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("organization")
            .get(pk=invitation.pk)
        )
        _ensure_admin_of(by, invitation.organization)
        if invitation.accepted_at is not None:
            raise DomainError("Cette invitation a déjà été acceptée.", code="used")
        if invitation.revoked_at is not None:
            raise DomainError(
                "Cette invitation a été annulée : invitez à nouveau la personne.", code="revoked"
            )
        token, invitation.token_hash = _new_token()
        invitation.expires_at = default_invitation_expiry()
        invitation.invited_by = by.user
        invitation.save(update_fields=["token_hash", "expires_at", "invited_by"])
        _mail_invitation_on_commit(invitation, token, by.user)
    return invitation, token


def revoke_invitation(*, invitation: Invitation, by: Membership) -> Invitation:
    """Cancel an invitation so that its link no longer works."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("organization")
            .get(pk=invitation.pk)
        )
        _ensure_admin_of(by, invitation.organization)
        if invitation.accepted_at is not None:
            raise DomainError(
                "Cette invitation a déjà été acceptée : désactivez plutôt le membre.", code="used"
            )
        if invitation.revoked_at is not None:
            raise DomainError("Cette invitation est déjà annulée.", code="revoked")
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def find_invitation(token: str) -> Invitation | None:
    """Return the invitation a raw token opens, whatever its state."""
    return (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


def check_invitation_usable(invitation: Invitation | None) -> Invitation:
    """Raise a DomainError telling why an invitation can no longer be accepted."""
    if invitation is None:
        raise DomainError(
            "Ce lien d'invitation n'est pas valide. Vérifiez que vous avez copié le lien en "
            "entier, ou demandez une nouvelle invitation.",
            code="unknown",
        )
    organization = invitation.organization
    if invitation.accepted_at is not None:
        raise DomainError(
            "Cette invitation a déjà été utilisée. Connectez-vous avec votre adresse e-mail et "
            "votre mot de passe.",
            code="used",
        )
    if invitation.revoked_at is not None:
        raise DomainError(
            f"Cette invitation a été annulée par {organization.name}. Si vous pensez qu'il "
            "s'agit d'une erreur, contactez la personne qui vous a invité·e.",
            code="revoked",
        )
    if invitation.is_expired:
        expired_on = timezone.localtime(invitation.expires_at).strftime("%d/%m/%Y")
        raise DomainError(
            f"Cette invitation a expiré le {expired_on}. Demandez à l'administrateur·rice de "
            f"{organization.name} de vous en envoyer une nouvelle.",
            code="expired",
        )
    if not organization.is_active:
        raise DomainError(
            f"L'organisation {organization.name} n'est plus active sur Mobicase.",
            code="inactive_organization",
        )
    return invitation


def accept_invitation(
    *,
    token: str,
    user: User | None = None,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
) -> Membership:
    """Join the organisation of an invitation, creating the account when there is none."""
    with transaction.atomic():
        invitation = check_invitation_usable(
            Invitation.objects.select_for_update()
            .select_related("organization")
            .filter(token_hash=hash_token(token))
            .first()
        )
        organization = invitation.organization
        if user is None:
            if User.objects.filter(email__iexact=invitation.email).exists():
                raise DomainError(
                    "Un compte Mobicase existe déjà pour cette adresse : connectez-vous pour "
                    "accepter l'invitation.",
                    code="account_exists",
                )
            user = _create_invited_user(invitation, first_name, last_name, password)
        elif user.email.lower() != invitation.email.lower():
            raise DomainError(
                f"Cette invitation est adressée à {invitation.email}, pas à {user.email}. "
                "Déconnectez-vous puis ouvrez à nouveau le lien.",
                code="wrong_user",
            )
        _ensure_role_allowed(organization, invitation.role)
        membership = (
            Membership.objects.select_for_update()
            .for_organization(organization)
            .filter(user=user)
            .first()
        )
        if membership is not None and membership.is_active:
            raise DomainError(
                f"Vous êtes déjà membre de {organization.name}.", code="already_member"
            )
        if membership is None:
            membership = Membership(user=user, organization=organization, role=invitation.role)
            membership._history_user = user
            membership.save()
        else:
            membership.role = invitation.role
            membership.is_active = True
            membership.deactivated_at = None
            membership._history_user = user
            membership.save(update_fields=["role", "is_active", "deactivated_at"])
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
    return membership


def _create_invited_user(
    invitation: Invitation, first_name: str, last_name: str, password: str | None
) -> User:
    first_name = first_name.strip() or invitation.first_name
    last_name = last_name.strip() or invitation.last_name
    if not first_name or not last_name:
        raise DomainError("Indiquez votre prénom et votre nom.", code="name_required")
    if not password:
        raise DomainError(
            "Choisissez un mot de passe.", code="password_required", field="password1"
        )
    candidate = User(email=invitation.email, first_name=first_name, last_name=last_name)
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as error:
        raise DomainError(
            " ".join(error.messages), code="weak_password", field="password1"
        ) from error
    return User.objects.create_user(
        invitation.email, password, first_name=first_name, last_name=last_name
    )


# --- Members ------------------------------------------------------------------------------------


def change_role(
    *,
    membership: Membership,
    role: str,
    by: Membership,
    sites: Iterable[Site] | None = None,
    request: HttpRequest | None = None,
) -> Membership:
    """Give a member another role (and, on a platform, the sites they work at)."""
    with transaction.atomic():
        membership = _locked_membership(membership)
        organization = membership.organization
        _ensure_admin_of(by, organization)
        _ensure_role_allowed(organization, role)
        if membership.role == Role.ADMIN and role != Role.ADMIN:
            _ensure_not_last_admin(membership, "retirer le rôle d'administrateur·rice")
        if membership.role != role:
            before = membership.get_role_display()
            membership.role = role
            fields = ["role"]
            if role != Role.ADVISOR and membership.can_export_data:
                # The export right belongs to advisors (admins always have it).
                membership.can_export_data = False
                fields.append("can_export_data")
            membership._history_user = by.user
            membership.save(update_fields=fields)
            record_security_event(
                SecurityEvent.Kind.MEMBER_CHANGED,
                request=request,
                user=by.user,
                organization=organization,
                detail=f"{membership.user.email} : {before} → {membership.get_role_display()}",
            )
        if sites is not None:
            sites = list(sites)
            if any(site.organization_id != organization.pk for site in sites):
                raise DomainError(
                    "Choisissez uniquement des sites de votre organisation.",
                    code="foreign_site",
                    field="sites",
                )
            membership.sites.set(sites)
    return membership


def end_user_sessions(
    user: User, *, except_session_key: str | None = None, tokens: bool = True
) -> int:
    """Log the user out everywhere: delete their sessions and API tokens; return the count.

    Sessions verified by a second factor are sessions like the others: they end too.
    """
    from django.contrib.sessions.models import Session
    from rest_framework.authtoken.models import Token

    user_id = str(user.pk)
    session_keys = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(AUTH_SESSION_KEY) == user_id
        and session.session_key != except_session_key
    ]
    deleted, _ = Session.objects.filter(session_key__in=session_keys).delete()
    if tokens:
        Token.objects.filter(user=user).delete()
    return deleted


def deactivate_member(
    *, membership: Membership, by: Membership, request: HttpRequest | None = None
) -> Membership:
    """Withdraw a member's access; end their sessions when no other organisation remains."""
    with transaction.atomic():
        membership = _locked_membership(membership)
        _ensure_admin_of(by, membership.organization)
        if not membership.is_active:
            raise DomainError("Ce membre est déjà désactivé.", code="already_inactive")
        _ensure_not_last_admin(membership, "désactiver ce compte")
        membership.is_active = False
        membership.deactivated_at = timezone.now()
        membership._history_user = by.user
        membership.save(update_fields=["is_active", "deactivated_at"])
        if not Membership.objects.active().for_user(membership.user).exists():
            end_user_sessions(membership.user)
        record_security_event(
            SecurityEvent.Kind.MEMBER_DEACTIVATED,
            request=request,
            user=by.user,
            organization=membership.organization,
            detail=membership.user.email,
        )
    return membership


def set_export_right(
    *,
    membership: Membership,
    allowed: bool,
    by: Membership,
    request: HttpRequest | None = None,
) -> Membership:
    """Grant or withdraw an advisor's right to export personal data (logged)."""
    with transaction.atomic():
        membership = _locked_membership(membership)
        organization = membership.organization
        _ensure_admin_of(by, organization)
        _ensure_platform(organization, "le droit d'export")
        if membership.can_export_data == allowed:
            return membership
        if allowed and membership.role != Role.ADVISOR:
            raise DomainError(
                "Le droit d'export s'accorde à un·e conseiller·e : les administrateur·rices "
                "l'ont toujours, les formateur·rices jamais.",
                code="export_role",
                field="can_export_data",
            )
        membership.can_export_data = allowed
        membership._history_user = by.user
        membership.save(update_fields=["can_export_data"])
        verb = "accordé à" if allowed else "retiré à"
        record_security_event(
            SecurityEvent.Kind.MEMBER_CHANGED,
            request=request,
            user=by.user,
            organization=organization,
            detail=f"Droit d'export des données personnelles {verb} {membership.user.email}",
        )
    return membership


def reactivate_member(*, membership: Membership, by: Membership) -> Membership:
    """Give a deactivated member their access back, with their former role."""
    with transaction.atomic():
        membership = _locked_membership(membership)
        _ensure_admin_of(by, membership.organization)
        if membership.is_active:
            raise DomainError("Ce membre est déjà actif.", code="already_active")
        if not membership.user.is_active:
            raise DomainError(
                "Ce compte a été bloqué par l'équipe Mobicase : contactez le support.",
                code="user_inactive",
            )
        _ensure_role_allowed(membership.organization, membership.role)
        membership.is_active = True
        membership.deactivated_at = None
        membership._history_user = by.user
        membership.save(update_fields=["is_active", "deactivated_at"])
    return membership


# --- Profile ------------------------------------------------------------------------------------


def update_profile(*, user: User, first_name: str, last_name: str, phone: str = "") -> User:
    """Change the name and phone number a user shows to colleagues."""
    if not first_name.strip() or not last_name.strip():
        raise DomainError("Indiquez votre prénom et votre nom.", code="name_required")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.first_name = first_name.strip()
        user.last_name = last_name.strip()
        user.phone = phone.strip()
        user.save(update_fields=["first_name", "last_name", "phone"])
    return user


def lift_login_lockout(*, email: str) -> int:
    """Forget the failed logins of an address, as after a password reset; return the count."""
    from axes.models import AccessAttempt

    deleted, _ = AccessAttempt.objects.filter(username__iexact=email.strip()).delete()
    return deleted


# --- Sites --------------------------------------------------------------------------------------


def _ensure_site_name_free(organization: Organization, name: str, site: Site | None) -> None:
    taken = Site.objects.for_organization(organization).filter(name__iexact=name)
    if site is not None:
        taken = taken.exclude(pk=site.pk)
    if taken.exists():
        raise DomainError(
            "Un site de votre organisation porte déjà ce nom : choisissez-en un autre.",
            code="duplicate_site",
            field="name",
        )


SITE_FIELDS = ("name", "address", "postcode", "commune", "phone", "email", "opening_hours")


def create_site(
    *,
    organization: Organization,
    by: Membership,
    name: str,
    address: str = "",
    postcode: str = "",
    commune: Territory | None = None,
    phone: str = "",
    email: str = "",
    opening_hours: str = "",
) -> Site:
    """Open a new site (branch) of a platform."""
    name = name.strip()
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        _ensure_admin_of(by, organization)
        _ensure_platform(organization, "des sites")
        _ensure_site_name_free(organization, name, None)
        site = Site(
            organization=organization,
            name=name,
            address=address,
            postcode=postcode,
            commune=commune,
            phone=phone,
            email=email,
            opening_hours=opening_hours,
        )
        site._history_user = by.user
        site.save()
    return site


def update_site(
    *,
    site: Site,
    by: Membership,
    name: str,
    address: str = "",
    postcode: str = "",
    commune: Territory | None = None,
    phone: str = "",
    email: str = "",
    opening_hours: str = "",
) -> Site:
    """Change a site's name, address and contact details."""
    name = name.strip()
    with transaction.atomic():
        site = Site.objects.select_for_update().select_related("organization").get(pk=site.pk)
        _ensure_admin_of(by, site.organization)
        _ensure_site_name_free(site.organization, name, site)
        site.name, site.address, site.postcode, site.commune = name, address, postcode, commune
        site.phone, site.email, site.opening_hours = phone, email, opening_hours
        site._history_user = by.user
        site.save(update_fields=list(SITE_FIELDS))
    return site


def _set_site_active(site: Site, by: Membership, active: bool) -> Site:
    with transaction.atomic():
        site = Site.objects.select_for_update().select_related("organization").get(pk=site.pk)
        _ensure_admin_of(by, site.organization)
        if site.is_active == active:
            state = "ouvert" if active else "fermé"
            raise DomainError(f"Ce site est déjà {state}.", code="unchanged")
        site.is_active = active
        site._history_user = by.user
        site.save(update_fields=["is_active"])
    return site


def deactivate_site(*, site: Site, by: Membership) -> Site:
    """Close a site: it stays in the history but is no longer offered."""
    return _set_site_active(site, by, False)


def reactivate_site(*, site: Site, by: Membership) -> Site:
    """Reopen a closed site."""
    return _set_site_active(site, by, True)


# --- Organisation settings ----------------------------------------------------------------------


def set_coverage(
    *, organization: Organization, territories: Iterable[Territory], by: Membership
) -> Organization:
    """Set the EPCIs and communes where a platform accompanies people."""
    territories = list(territories)
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        _ensure_admin_of(by, organization)
        _ensure_platform(organization, "un territoire couvert")
        wrong = [t for t in territories if t.level not in COVERAGE_LEVELS]
        if wrong:
            names = ", ".join(str(t) for t in wrong)
            raise DomainError(
                f"Le territoire couvert se compose d'EPCI ou de communes ; retirez : {names}.",
                code="coverage_level",
                field="coverage",
            )
        organization._history_user = by.user
        organization.coverage.set(territories)
    return organization


def update_organization(
    *,
    organization: Organization,
    by: Membership,
    name: str,
    siret: str = "",
    network: str = "",
    address: str = "",
    postcode: str = "",
    commune: Territory | None = None,
    email: str = "",
    phone: str = "",
    website: str = "",
    description: str = "",
    coverage: Iterable[Territory] | None = None,
    two_factor_required: bool | None = None,
    request: HttpRequest | None = None,
) -> Organization:
    """Change the organisation's identity and contact details (and a platform's coverage).

    ``two_factor_required`` (when given) makes two-factor authentication mandatory for every
    member, or leaves it to the roles that always need it; the change is logged.
    """
    from .validators import validate_siret

    siret = "".join((siret or "").split())
    if siret:
        try:
            validate_siret(siret)
        except ValidationError as error:
            raise DomainError(error.messages[0], code="siret", field="siret") from error
    if not name.strip():
        raise DomainError("Indiquez le nom de l'organisation.", code="name", field="name")
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        _ensure_admin_of(by, locked)
        locked.name, locked.siret, locked.network = name.strip(), siret, network
        locked.address, locked.postcode, locked.commune = address, postcode, commune
        locked.email, locked.phone, locked.website = email, phone, website
        locked.description = description
        policy_changed = (
            two_factor_required is not None and locked.two_factor_required != two_factor_required
        )
        if policy_changed:
            locked.two_factor_required = two_factor_required
        locked._history_user = by.user
        locked.save(
            update_fields=[
                "name", "siret", "network", "address", "postcode", "commune",
                "email", "phone", "website", "description", "two_factor_required",
            ]
        )  # fmt: skip
        if policy_changed:
            record_security_event(
                SecurityEvent.Kind.TWO_FACTOR_POLICY,
                request=request,
                user=by.user,
                organization=locked,
                detail=(
                    "Obligatoire pour tous les membres"
                    if two_factor_required
                    else "Obligatoire seulement pour les rôles qui l'exigent"
                ),
            )
        if coverage is not None:
            set_coverage(organization=locked, territories=coverage, by=by)
    return locked


# --- Funding agreements -------------------------------------------------------------------------


def save_funding_agreement(
    *,
    organization: Organization,
    by: Membership,
    agreement: FundingAgreement | None = None,
    funder: Organization,
    programme: str,
    start_date: date,
    end_date: date,
    reference: str = "",
    amount: Decimal | None = None,
    is_fse_plus: bool = False,
    territories: Iterable[Territory] = (),
    target_participants: int | None = None,
    notes: str = "",
) -> FundingAgreement:
    """Create or change a funding agreement carried by a platform."""
    if end_date < start_date:
        raise DomainError(
            "La fin de la convention doit être le même jour ou après son début.",
            code="period",
            field="end_date",
        )
    if funder.kind != Organization.Kind.FUNDER or not funder.is_active:
        raise DomainError(
            "Choisissez un financeur actif parmi les organisations financeuses.",
            code="not_funder",
            field="funder",
        )
    if amount is not None and amount < 0:
        raise DomainError("Le montant ne peut pas être négatif.", code="amount", field="amount")
    territories = list(territories)
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        _ensure_admin_of(by, organization)
        _ensure_platform(organization, "des conventions de financement")
        if agreement is None:
            agreement = FundingAgreement(organization=organization)
        else:
            agreement = FundingAgreement.objects.select_for_update().get(pk=agreement.pk)
            if agreement.organization_id != organization.pk:
                raise DomainError(
                    "Cette convention appartient à une autre plateforme.", code="foreign"
                )
        agreement.funder = funder
        agreement.programme = programme.strip()
        agreement.reference = reference.strip()
        agreement.start_date, agreement.end_date = start_date, end_date
        agreement.amount, agreement.is_fse_plus = amount, is_fse_plus
        agreement.target_participants, agreement.notes = target_participants, notes
        agreement._history_user = by.user
        agreement.save()
        agreement.territories.set(territories)
    return agreement
