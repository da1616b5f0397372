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

    def __init__(self, *args, membership: Membership, **kwargs) -> None:
        organization = membership.organization
        kwargs.setdefault(
            "initial",
            {"role": membership.role, "sites": [site.pk for site in membership.sites.all()]},
        )
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(organization)
        if organization.is_platform:
            self.fields["sites"].queryset = Site.objects.for_organization(organization).active()
        else:
            del self.fields["sites"]


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
            "email", "phone", "website", "description",
        ]  # fmt: skip
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel"}),
            "postcode": forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
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
