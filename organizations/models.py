"""Tenants, people and territories: the ground every other app stands on."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .validators import validate_siret

DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def network_choices() -> list[tuple[str, str]]:
    """Return the data·inclusion carrier networks (reseaux-porteurs), vendored."""
    with open(DATA_DIR / "data-inclusion" / "reseaux-porteurs.json", encoding="utf-8") as fh:
        rows = json.load(fh)
    return sorted(((row["value"], row["label"]) for row in rows), key=lambda r: r[1].lower())


# --- Territories ---------------------------------------------------------------------------


class TerritoryQuerySet(models.QuerySet):
    def communes(self) -> TerritoryQuerySet:
        return self.filter(level=Territory.Level.COMMUNE)

    def epcis(self) -> TerritoryQuerySet:
        return self.filter(level=Territory.Level.EPCI)

    def departements(self) -> TerritoryQuerySet:
        return self.filter(level=Territory.Level.DEPARTEMENT)

    def regions(self) -> TerritoryQuerySet:
        return self.filter(level=Territory.Level.REGION)

    def commune(self, code: str) -> Territory | None:
        return self.communes().filter(code=code).first()


class Territory(models.Model):
    """An administrative territory of the INSEE COG: region, département, EPCI or commune."""

    class Level(models.TextChoices):
        REGION = "region", "Région"
        DEPARTEMENT = "departement", "Département"
        EPCI = "epci", "EPCI"
        COMMUNE = "commune", "Commune"

    level = models.CharField("niveau", max_length=12, choices=Level.choices)
    code = models.CharField("code INSEE", max_length=9, help_text="Code INSEE, ou SIREN d'un EPCI")
    name = models.CharField("nom", max_length=200)
    kind = models.CharField(
        "type", max_length=20, blank=True, help_text="Pour un EPCI : CA, CC, CU, ME…"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="parent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    region = models.ForeignKey(
        "self",
        verbose_name="région",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": "region"},
    )
    departement = models.ForeignKey(
        "self",
        verbose_name="département",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": "departement"},
    )
    epci = models.ForeignKey(
        "self",
        verbose_name="EPCI",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="member_communes",
        limit_choices_to={"level": "epci"},
    )
    postcodes = models.CharField(
        "codes postaux", max_length=200, blank=True, help_text="Séparés par des espaces"
    )
    population = models.PositiveIntegerField("population", null=True, blank=True)
    is_rural = models.BooleanField(
        "commune rurale", null=True, blank=True, help_text="Vide quand l'information manque"
    )

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        verbose_name = "territoire"
        verbose_name_plural = "territoires"
        ordering = ["level", "code"]
        constraints = [
            models.UniqueConstraint(fields=["level", "code"], name="territory_unique_level_code")
        ]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["code"])]

    def __str__(self) -> str:
        if self.level == self.Level.COMMUNE:
            return f"{self.name} ({self.code})"
        return self.name

    @property
    def postcode_list(self) -> list[str]:
        return self.postcodes.split()

    def commune_codes(self) -> set[str]:
        """Return the INSEE codes of every commune inside this territory."""
        communes = Territory.objects.communes()
        match self.level:
            case self.Level.COMMUNE:
                return {self.code}
            case self.Level.EPCI:
                communes = communes.filter(epci=self)
            case self.Level.DEPARTEMENT:
                communes = communes.filter(departement=self)
            case self.Level.REGION:
                communes = communes.filter(region=self)
        return set(communes.values_list("code", flat=True))

    def contains_commune(self, commune: Territory) -> bool:
        match self.level:
            case self.Level.COMMUNE:
                return self.pk == commune.pk
            case self.Level.EPCI:
                return commune.epci_id == self.pk
            case self.Level.DEPARTEMENT:
                return commune.departement_id == self.pk
            case self.Level.REGION:
                return commune.region_id == self.pk
        return False


# --- Users ---------------------------------------------------------------------------------


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=(username or "").strip())

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address; belongs to organisations by membership."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField("adresse e-mail", unique=True)
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField(
        "équipe Mobicase", default=False, help_text="Accès à l'interface d'administration."
    )
    date_joined = models.DateTimeField("inscrit le", default=timezone.now)
    two_factor_enrolment_due = models.BooleanField(
        "doit réactiver la double authentification",
        default=False,
        help_text="Après une réinitialisation par un·e administrateur·rice : à la prochaine "
        "connexion, la personne configure de nouveau son application.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email


# --- Organisations -------------------------------------------------------------------------


class OrganizationQuerySet(models.QuerySet):
    def active(self) -> OrganizationQuerySet:
        return self.filter(is_active=True)

    def platforms(self) -> OrganizationQuerySet:
        return self.filter(kind=Organization.Kind.PLATFORM)

    def referrers(self) -> OrganizationQuerySet:
        return self.filter(kind=Organization.Kind.REFERRER)

    def funders(self) -> OrganizationQuerySet:
        return self.filter(kind=Organization.Kind.FUNDER)

    def for_user(self, user) -> OrganizationQuerySet:
        return self.filter(
            memberships__user=user, memberships__is_active=True, is_active=True
        ).distinct()

    def covering_commune(self, commune: Territory) -> OrganizationQuerySet:
        """Return the platforms whose coverage includes this commune (directly or by its EPCI)."""
        ids = [commune.pk] + [t for t in (commune.epci_id, commune.departement_id) if t]
        return self.platforms().active().filter(coverage__in=ids).distinct()


class Organization(models.Model):
    """A tenant: a mobility platform, a referrer organisation or a funder."""

    class Kind(models.TextChoices):
        PLATFORM = "platform", "Plateforme de mobilité"
        REFERRER = "referrer", "Prescripteur"
        FUNDER = "funder", "Financeur"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant court", max_length=80, unique=True)
    kind = models.CharField("type", max_length=12, choices=Kind.choices)
    network = models.CharField(
        "réseau",
        max_length=60,
        blank=True,
        choices=network_choices,
        help_text="Réseau porteur (référentiel data·inclusion), par exemple France Travail.",
    )
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[validate_siret])
    address = models.CharField("adresse", max_length=250, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    commune = models.ForeignKey(
        Territory,
        verbose_name="commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": "commune"},
    )
    email = models.EmailField("e-mail de contact", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    website = models.URLField("site web", blank=True)
    description = models.TextField("présentation", blank=True)
    coverage = models.ManyToManyField(
        Territory,
        verbose_name="territoire couvert",
        blank=True,
        related_name="covering_organizations",
        help_text="EPCI ou communes où la plateforme accompagne des personnes.",
    )
    is_active = models.BooleanField("active", default=True)
    two_factor_required = models.BooleanField(
        "double authentification obligatoire pour tous les membres",
        default=False,
        help_text=(
            "Elle l'est toujours pour les administrateur·rices de plateforme et pour les "
            "membres qui ont le droit d'exporter des données personnelles."
        ),
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at"], m2m_fields=[coverage])

    class Meta:
        verbose_name = "organisation"
        verbose_name_plural = "organisations"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_platform(self) -> bool:
        return self.kind == self.Kind.PLATFORM

    @property
    def is_referrer(self) -> bool:
        return self.kind == self.Kind.REFERRER

    @property
    def is_funder(self) -> bool:
        return self.kind == self.Kind.FUNDER

    def allowed_roles(self) -> list[Membership.Role]:
        return ROLES_BY_KIND[self.kind]


class SiteQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> SiteQuerySet:
        return self.filter(organization=organization)

    def active(self) -> SiteQuerySet:
        return self.filter(is_active=True)


class Site(models.Model):
    """A branch of a mobility platform (antenne, garage, local vélo-école)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name="organisation", on_delete=models.CASCADE, related_name="sites"
    )
    name = models.CharField("nom", max_length=200)
    address = models.CharField("adresse", max_length=250, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    commune = models.ForeignKey(
        Territory,
        verbose_name="commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": "commune"},
    )
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("e-mail", blank=True)
    opening_hours = models.CharField("horaires d'accueil", max_length=250, blank=True)
    is_active = models.BooleanField("actif", default=True)

    objects = SiteQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "site"
        verbose_name_plural = "sites"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="site_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def active(self) -> MembershipQuerySet:
        return self.filter(is_active=True, organization__is_active=True, user__is_active=True)

    def for_user(self, user) -> MembershipQuerySet:
        return self.filter(user=user)

    def for_organization(self, organization: Organization) -> MembershipQuerySet:
        return self.filter(organization=organization)


class Membership(models.Model):
    """A user's role in one organisation."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Administrateur·rice"
        ADVISOR = "advisor", "Conseiller·e mobilité"
        COACH = "coach", "Formateur·rice"
        REFERRER = "referrer", "Prescripteur·rice"
        FUNDER = "funder", "Financeur"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name="organisation",
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField("rôle", max_length=12, choices=Role.choices)
    sites = models.ManyToManyField(Site, verbose_name="sites", blank=True, related_name="members")
    can_export_data = models.BooleanField(
        "droit d'export des données personnelles",
        default=False,
        help_text=(
            "Exports de listes de personnes, dossiers complets et fichiers FSE+. Toujours "
            "accordé aux administrateur·rices de plateforme ; impose la double authentification."
        ),
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    deactivated_at = models.DateTimeField("désactivée le", null=True, blank=True)

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = "appartenance"
        verbose_name_plural = "appartenances"
        ordering = ["organization__name", "user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="membership_unique_user_organization"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organization} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def is_platform_staff(self) -> bool:
        return self.role in (self.Role.ADMIN, self.Role.ADVISOR, self.Role.COACH)

    @property
    def is_platform_admin(self) -> bool:
        return self.is_admin and self.organization.kind == Organization.Kind.PLATFORM

    @property
    def may_export_personal_data(self) -> bool:
        """Platform admins, and advisors their admin granted the export right."""
        if self.organization.kind != Organization.Kind.PLATFORM:
            return False
        return self.is_admin or (self.role == self.Role.ADVISOR and self.can_export_data)

    @property
    def requires_two_factor(self) -> bool:
        """Two-factor authentication is mandatory for this member (else optional)."""
        return (
            self.is_platform_admin
            or self.may_export_personal_data
            or self.organization.two_factor_required
        )


ROLES_BY_KIND: dict[str, list[Membership.Role]] = {
    Organization.Kind.PLATFORM: [
        Membership.Role.ADMIN,
        Membership.Role.ADVISOR,
        Membership.Role.COACH,
    ],
    Organization.Kind.REFERRER: [Membership.Role.ADMIN, Membership.Role.REFERRER],
    Organization.Kind.FUNDER: [Membership.Role.ADMIN, Membership.Role.FUNDER],
}


class InvitationQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> InvitationQuerySet:
        return self.filter(organization=organization)

    def pending(self) -> InvitationQuerySet:
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def default_invitation_expiry():
    return timezone.now() + timedelta(days=settings.INVITATION_VALIDITY_DAYS)


class Invitation(models.Model):
    """An e-mailed link that lets a person set a password and join an organisation."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization,
        verbose_name="organisation",
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    email = models.EmailField("adresse e-mail")
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    role = models.CharField("rôle", max_length=12, choices=Membership.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="invité·e par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("envoyée le", auto_now_add=True)
    expires_at = models.DateTimeField("expire le", default=default_invitation_expiry)
    accepted_at = models.DateTimeField("acceptée le", null=True, blank=True)
    revoked_at = models.DateTimeField("annulée le", null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "invitation"
        verbose_name_plural = "invitations"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired


# --- Funding agreements --------------------------------------------------------------------


class FundingAgreementQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> FundingAgreementQuerySet:
        """Agreements a platform carries or a funder finances."""
        return self.filter(Q(organization=organization) | Q(funder=organization))

    def visible_to(self, membership: Membership) -> FundingAgreementQuerySet:
        return self.for_organization(membership.organization)

    def active_on(self, day) -> FundingAgreementQuerySet:
        return self.filter(start_date__lte=day, end_date__gte=day)


class FundingAgreement(models.Model):
    """A convention: a funder finances a platform's programme over a period and territories."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization,
        verbose_name="plateforme",
        on_delete=models.CASCADE,
        related_name="funding_agreements",
        limit_choices_to={"kind": "platform"},
    )
    funder = models.ForeignKey(
        Organization,
        verbose_name="financeur",
        on_delete=models.PROTECT,
        related_name="funded_agreements",
        limit_choices_to={"kind": "funder"},
    )
    programme = models.CharField("programme", max_length=200)
    reference = models.CharField("référence de la convention", max_length=80, blank=True)
    start_date = models.DateField("début")
    end_date = models.DateField("fin")
    amount = models.DecimalField("montant", max_digits=12, decimal_places=2, null=True, blank=True)
    is_fse_plus = models.BooleanField("cofinancement FSE+", default=False)
    territories = models.ManyToManyField(
        Territory, verbose_name="territoires", blank=True, related_name="+"
    )
    target_participants = models.PositiveIntegerField(
        "objectif de personnes accompagnées", null=True, blank=True
    )
    notes = models.TextField("remarques", blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    objects = FundingAgreementQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at"], m2m_fields=[territories])

    class Meta:
        verbose_name = "convention de financement"
        verbose_name_plural = "conventions de financement"
        ordering = ["-start_date", "programme"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="funding_agreement_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme} ({self.funder})"


# --- Security log --------------------------------------------------------------------------


class SecurityEventQuerySet(models.QuerySet):
    def for_organization(self, organization: Organization) -> SecurityEventQuerySet:
        """Events of the organisation, and account events of its members (logins, 2FA…)."""
        members = Membership.objects.for_organization(organization).values("user_id")
        return self.filter(
            Q(organization=organization) | Q(organization__isnull=True, user_id__in=members)
        )


class SecurityEvent(models.Model):
    """A security-relevant event: login, failure, lockout, 2FA change, export, denial."""

    class Kind(models.TextChoices):
        LOGIN = "login", "Connexion"
        LOGIN_FAILED = "login_failed", "Échec de connexion"
        LOCKOUT = "lockout", "Compte bloqué après des échecs"
        LOGOUT = "logout", "Déconnexion"
        PASSWORD_CHANGED = "password_changed", "Mot de passe changé"
        PASSWORD_RESET = "password_reset", "Réinitialisation du mot de passe demandée"
        TWO_FACTOR_ENABLED = "2fa_enabled", "Double authentification activée"
        TWO_FACTOR_DISABLED = "2fa_disabled", "Double authentification désactivée"
        TWO_FACTOR_FAILED = "2fa_failed", "Code de double authentification refusé"
        TWO_FACTOR_BACKUP_USED = "2fa_backup", "Code de secours utilisé"
        TWO_FACTOR_BACKUP_RENEWED = "2fa_backup_new", "Codes de secours renouvelés"
        TWO_FACTOR_RESET = "2fa_reset", "Double authentification réinitialisée par un·e admin"
        TWO_FACTOR_POLICY = "2fa_policy", "Double authentification exigée ou non pour tous"
        EXPORT = "export", "Export de données"
        PERMISSION_DENIED = "denied", "Accès refusé"
        RATE_LIMITED = "rate_limited", "Trop de tentatives"
        MEMBER_CHANGED = "member_changed", "Rôle ou droits d'un membre modifiés"
        MEMBER_DEACTIVATED = "member_off", "Membre désactivé"

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField("événement", max_length=16, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(
        "identifiant saisi", max_length=254, blank=True, help_text="Pour un échec de connexion."
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name="organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    user_agent = models.CharField("navigateur", max_length=250, blank=True)
    path = models.CharField("adresse", max_length=250, blank=True)
    detail = models.CharField("détail", max_length=500, blank=True)
    at = models.DateTimeField("le", default=timezone.now, db_index=True)

    objects = SecurityEventQuerySet.as_manager()

    class Meta:
        verbose_name = "événement de sécurité"
        verbose_name_plural = "journal de sécurité"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organization", "at"]), models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.at:%d/%m/%Y %H:%M}"
