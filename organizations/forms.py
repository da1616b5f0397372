"""Forms of the account pages and of the organisation admin pages. They validate; services write."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.db.models import Case, Value, When

from .fields import CommuneField
from .models import (
    FundingAgreement,
    Membership,
    Organization,
    Site,
    Territory,
    User,
)
from .services import COVERAGE_LEVELS
from .validators import validate_siret

PASSWORD_HELP = "Au moins 12 caractères ; évitez un mot de passe courant ou proche de votre nom."


class TerritoryChoiceField(forms.ModelMultipleChoiceField):
    """Several territories in a list labelled with their level."""

    def label_from_instance(self, obj: Territory) -> str:
        return f"{obj.get_level_display()} — {obj}"


# Regions first, then départements, EPCIs and communes.
LEVEL_ORDER = Case(
    *(When(level=level, then=Value(rank)) for rank, level in enumerate(Territory.Level.values))
)


# --- Accounts -----------------------------------------------------------------------------------


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": (
            "Adresse e-mail ou mot de passe incorrect. Vérifiez votre saisie : les majuscules "
            "comptent dans le mot de passe."
        ),
        "inactive": "Ce compte est désactivé. Contactez l'administrateur·rice de votre structure.",
    }

    def __init__(self, request=None, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.label = "Adresse e-mail"
        username.widget.input_type = "email"
        username.widget.attrs.update({"autocomplete": "email", "autofocus": True})
        self.fields["password"].label = "Mot de passe"


class TwoFactorCodeForm(forms.Form):
    """One code: from the authentication application, or a backup code."""

    code = forms.CharField(
        label="Code de vérification",
        max_length=20,
        help_text="Le code à 6 chiffres affiché par votre application d'authentification, ou "
        "l'un de vos codes de secours.",
        error_messages={"required": "Saisissez le code affiché par votre application."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, backup_allowed: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not backup_allowed:
            code = self.fields["code"]
            code.help_text = "Le code à 6 chiffres affiché maintenant par l'application."
            code.widget.attrs.update({"inputmode": "numeric", "pattern": "[0-9 ]*"})


class ProfileForm(forms.Form):
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    phone = forms.CharField(
        label="Téléphone", max_length=30, required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )  # fmt: skip


class InvitationAcceptForm(forms.Form):
    """Name and password of a person who joins through an invitation."""

    first_name = forms.CharField(
        label="Prénom", max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )  # fmt: skip
    last_name = forms.CharField(
        label="Nom", max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )  # fmt: skip
    password1 = forms.CharField(
        label="Mot de passe", strip=False, help_text=PASSWORD_HELP,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )  # fmt: skip
    password2 = forms.CharField(
        label="Confirmation du mot de passe", strip=False,
        help_text="Saisissez le même mot de passe une seconde fois.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )  # fmt: skip

    def __init__(self, *args, email: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error(
                "password2",
                "Les deux mots de passe ne sont pas identiques : saisissez-les à nouveau.",
            )
        elif password1:
            candidate = User(
                email=self.email,
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password1, user=candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


# --- Members ------------------------------------------------------------------------------------


def _role_choices(organization: Organization) -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in organization.allowed_roles()]


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Adresse e-mail",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text="L'invitation est envoyée à cette adresse ; le lien reste valable 7 jours.",
    )
    first_name = forms.CharField(label="Prénom", max_length=150, required=False)
    last_name = forms.CharField(label="Nom", max_length=150, required=False)
    role = forms.ChoiceField(label="Rôle")

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(organization)


class MemberForm(forms.Form):
    role = forms.ChoiceField(label="Rôle")
    sites = forms.ModelMultipleChoiceField(
        label="Sites",
        queryset=Site.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Les sites où cette personne travaille.",
    )

    can_export_data = forms.BooleanField(
        label="Droit d'export des données personnelles",
        required=False,
        help_text=(
            "Pour un·e conseiller·e : exporter des listes de personnes (CSV, fichiers FSE+). "
            "Impose la double authentification. Les administrateur·rices l'ont toujours."
        ),
    )

    def __init__(self, *args, membership: Membership, **kwargs) -> None:
        organization = membership.organization
        kwargs.setdefault(
            "initial",
            {
                "role": membership.role,
                "sites": [site.pk for site in membership.sites.all()],
                "can_export_data": membership.can_export_data,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(organization)
        if organization.is_platform:
            self.fields["sites"].queryset = Site.objects.for_organization(organization).active()
        else:
            del self.fields["sites"]
            del self.fields["can_export_data"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("can_export_data") and cleaned.get("role") != Membership.Role.ADVISOR:
            self.add_error(
                "can_export_data",
                "Le droit d'export s'accorde à un·e conseiller·e : les administrateur·rices "
                "l'ont toujours, les formateur·rices jamais.",
            )
        return cleaned


# --- Sites --------------------------------------------------------------------------------------


class SiteForm(forms.ModelForm):
    commune = CommuneField(required=False)

    class Meta:
        model = Site
        fields = ["name", "address", "postcode", "commune", "phone", "email", "opening_hours"]
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel"}),
            "postcode": forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
        }
        help_texts = {"opening_hours": "Par exemple : du lundi au vendredi, 9 h à 12 h 30."}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["commune"] = self.instance.commune  # shown as "Lille (59350)"


# --- Organisation settings ----------------------------------------------------------------------


class OrganizationSettingsForm(forms.ModelForm):
    siret = forms.CharField(
        label="SIRET", max_length=20, required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 17}),
        help_text="14 chiffres (vous le trouvez sur annuaire-entreprises.data.gouv.fr).",
    )  # fmt: skip
    commune = CommuneField(required=False)
    coverage = TerritoryChoiceField(
        label="Territoire couvert",
        queryset=Territory.objects.filter(level__in=COVERAGE_LEVELS).order_by(LEVEL_ORDER, "name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=(
            "Les EPCI ou communes où la plateforme accompagne des personnes ; les prescripteurs "
            "vous trouvent par ce territoire. Maintenez Ctrl (ou Cmd) pour en choisir plusieurs."
        ),
        error_messages={
            "invalid_choice": (
                "Choisissez uniquement des EPCI ou des communes (« %(value)s » n'en est pas un)."
            ),
        },
    )

    class Meta:
        model = Organization
        fields = [
            "name", "siret", "network", "address", "postcode", "commune",
            "email", "phone", "website", "description", "two_factor_required",
        ]  # fmt: skip
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel"}),
            "postcode": forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
        }
        labels = {
            "two_factor_required": "Double authentification obligatoire pour tous les membres",
        }
        help_texts = {
            "two_factor_required": (
                "Chaque membre devra configurer une application d'authentification à sa "
                "prochaine page. Elle l'est toujours pour les administrateur·rices de "
                "plateforme et pour les membres qui ont le droit d'export."
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        organization: Organization = self.instance
        self.initial["commune"] = organization.commune
        self.fields["network"].choices = [("", "— Aucun —"), *self.fields["network"].choices[1:]]
        if organization.is_platform:
            self.initial["coverage"] = [t.pk for t in organization.coverage.all()]
        else:
            del self.fields["coverage"]

    def clean_siret(self) -> str:
        siret = "".join(self.cleaned_data["siret"].split())
        if siret:
            validate_siret(siret)
        return siret


# --- Funding agreements -------------------------------------------------------------------------


class FundingAgreementForm(forms.ModelForm):
    territories = TerritoryChoiceField(
        label="Territoires",
        queryset=Territory.objects.order_by(LEVEL_ORDER, "name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text="Les territoires où la convention finance l'accompagnement.",
    )

    class Meta:
        model = FundingAgreement
        fields = [
            "funder", "programme", "reference", "start_date", "end_date", "amount",
            "is_fse_plus", "target_participants", "territories", "notes",
        ]  # fmt: skip
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        labels = {"amount": "Montant (€)"}
        help_texts = {"end_date": "Le même jour que le début ou après."}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["funder"].queryset = Organization.objects.funders().active()
        self.fields["funder"].empty_label = "— Choisissez un financeur —"
        self.fields["funder"].error_messages["invalid_choice"] = (
            "Choisissez un financeur dans la liste."
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error(
                "end_date",
                "La fin de la convention doit être le même jour ou après son début "
                f"({start.strftime('%d/%m/%Y')}).",
            )
        return cleaned


class PasswordResetRequestForm(PasswordResetForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Adresse e-mail"
        self.fields["email"].help_text = (
            "L'adresse avec laquelle vous vous connectez. Si elle correspond à un compte, vous "
            "recevez un lien pour choisir un nouveau mot de passe."
        )


class SecurityLogFilterForm(forms.Form):
    """Filters of the security log: event type, member, period."""

    kind = forms.ChoiceField(label="Événement", required=False)
    member = forms.ChoiceField(label="Membre", required=False)
    start = forms.DateField(
        label="Du", required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Saisissez une date valide, par exemple 01/03/2026."},
    )  # fmt: skip
    end = forms.DateField(
        label="Au", required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Saisissez une date valide, par exemple 31/03/2026."},
    )  # fmt: skip

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from .models import SecurityEvent

        self.fields["kind"].choices = [("", "Tous"), *SecurityEvent.Kind.choices]
        members = (
            Membership.objects.for_organization(organization)
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "user__email")
        )
        self.fields["member"].choices = [("", "Tous")] + [
            (str(m.user_id), f"{m.user.get_full_name() or m.user.email} ({m.user.email})")
            for m in members
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "La fin de la période doit être le même jour ou après son début.")
        return cleaned

    def filter(self, events):
        if not self.is_valid():
            return events
        data = self.cleaned_data
        if data.get("kind"):
            events = events.filter(kind=data["kind"])
        if data.get("member"):
            events = events.filter(user_id=data["member"])
        if data.get("start"):
            events = events.filter(at__date__gte=data["start"])
        if data.get("end"):
            events = events.filter(at__date__lte=data["end"])
        return events
