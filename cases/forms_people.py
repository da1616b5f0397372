"""Forms of the people pages: a person's file, consents, the case, its list filters, its exit."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from cases.models import (
    Barrier,
    Beneficiary,
    Case,
    CaseStatus,
    ConsentRecord,
    Situation,
)
from cases.services.people import BENEFICIARY_FIELDS, birth_date_error
from organizations.fields import CommuneField
from organizations.models import FundingAgreement, Membership, Organization, Site

Role = Membership.Role


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def caseworkers_of(organization: Organization):
    return (
        Membership.objects.for_organization(organization)
        .active()
        .filter(role__in=(Role.ADMIN, Role.ADVISOR))
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "id")
    )


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return obj.user.get_full_name() or obj.user.email


class AgreementChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: FundingAgreement) -> str:
        return f"{obj.programme} (du {obj.start_date:%d/%m/%Y} au {obj.end_date:%d/%m/%Y})"


class BeneficiaryForm(forms.ModelForm):
    """A person's identity, contact, address and situation."""

    commune = CommuneField(required=False)

    class Meta:
        model = Beneficiary
        fields = list(BENEFICIARY_FIELDS)
        widgets = {
            "birth_date": date_input(),
            "job_seeker_since": date_input(),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "postcode": forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
        }
        help_texts = {
            "birth_date": "Par exemple 17/05/1990.",
            "is_qpv_resident": "Quartier prioritaire de la politique de la ville.",
            "sex": "Tel que la personne le déclare (indicateurs FSE+).",
        }

    def __init__(self, *args, entry_date=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.entry_date = entry_date
        self.fields["birth_date"].required = True
        self.fields["birth_date"].error_messages["required"] = (
            "Indiquez la date de naissance : elle sert à repérer les doublons et aux "
            "indicateurs des financeurs."
        )
        self.fields["is_qpv_resident"].widget.choices = [
            ("unknown", "Non renseigné"),
            ("true", "Oui"),
            ("false", "Non"),
        ]
        if not self.instance._state.adding and self.instance.commune_id:
            self.initial["commune"] = self.instance.commune

    def clean_birth_date(self):
        birth_date = self.cleaned_data.get("birth_date")
        error = birth_date_error(birth_date, on=self.entry_date)
        if error:
            raise forms.ValidationError(error)
        return birth_date

    def clean_postcode(self) -> str:
        postcode = self.cleaned_data.get("postcode", "").strip()
        if postcode and not (len(postcode) == 5 and postcode.isdigit()):
            raise forms.ValidationError("Le code postal compte 5 chiffres, par exemple 59000.")
        return postcode

    def clean_job_seeker_since(self):
        day = self.cleaned_data.get("job_seeker_since")
        if day and day > timezone.localdate():
            raise forms.ValidationError(
                "La date d'inscription à France Travail ne peut pas être dans le futur."
            )
        return day


class ConsentsForm(forms.Form):
    """The consents collected when a person enters."""

    consent_processing = forms.BooleanField(
        label=ConsentRecord.Scope.PROCESSING.label,
        help_text="Obligatoire : sans cet accord, le dossier ne peut pas être ouvert.",
        error_messages={
            "required": (
                "Recueillez l'accord de la personne pour le traitement de ses données : "
                "il est nécessaire pour ouvrir un accompagnement."
            )
        },
    )
    consent_share_with_referrer = forms.BooleanField(
        label=ConsentRecord.Scope.SHARE_WITH_REFERRER.label, required=False
    )
    consent_fse_reporting = forms.BooleanField(
        label=ConsentRecord.Scope.FSE_REPORTING.label, required=False
    )
    consent_given_on = forms.DateField(
        label="Date du recueil", widget=date_input(), required=False,
        help_text="Aujourd'hui si vous laissez vide.",
    )  # fmt: skip

    def clean_consent_given_on(self):
        day = self.cleaned_data.get("consent_given_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError("La date du recueil ne peut pas être dans le futur.")
        return day

    def scopes(self) -> list[str]:
        return [
            scope
            for scope in ConsentRecord.Scope.values
            if self.cleaned_data.get(f"consent_{scope}")
        ]


class CaseForm(forms.ModelForm):
    """Who follows the case, where, why and under which agreements."""

    advisor = MemberChoiceField(
        label="Conseiller·e", queryset=Membership.objects.none(), required=False,
        empty_label="— Personne pour l'instant —",
    )  # fmt: skip
    funding_agreements = AgreementChoiceField(
        label="Conventions", queryset=FundingAgreement.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Les conventions qui financent cet accompagnement.",
    )  # fmt: skip

    class Meta:
        model = Case
        fields = [
            "opened_on", "advisor", "site", "origin", "origin_detail", "objective",
            "job_start_date", "funding_agreements",
        ]  # fmt: skip
        widgets = {
            "opened_on": date_input(),
            "job_start_date": date_input(),
            "objective": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["advisor"].queryset = caseworkers_of(organization)
        self.fields["site"].queryset = Site.objects.for_organization(organization).active()
        self.fields["site"].empty_label = "— Aucun site —"
        self.fields["funding_agreements"].queryset = (
            FundingAgreement.objects.for_organization(organization)
            .filter(organization=organization)
            .order_by("-start_date", "programme")
        )
        if not self.instance._state.adding:
            del self.fields["opened_on"]
        else:
            self.fields["opened_on"].initial = timezone.localdate
            self.fields["opened_on"].help_text = "Aujourd'hui par défaut."

    def clean_opened_on(self):
        day = self.cleaned_data.get("opened_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError("La date d'entrée ne peut pas être dans le futur.")
        return day


class ExitForm(forms.Form):
    """The exit questionnaire: the situation within four weeks of leaving."""

    exit_date = forms.DateField(label="Date de sortie", widget=date_input())
    exit_reason = forms.ChoiceField(
        label="Motif de sortie", choices=[("", "— Choisissez —"), *Case.ExitReason.choices]
    )
    situation = forms.ChoiceField(
        label="Situation de la personne à la sortie",
        choices=[("", "— Choisissez —"), *Situation.choices],
        help_text="Dans les quatre semaines qui suivent la sortie.",
    )
    qualification_gained = forms.BooleanField(label="Qualification obtenue", required=False)
    licence_gained = forms.BooleanField(label="Permis ou code obtenu", required=False)
    mobility_autonomy = forms.BooleanField(
        label="Se déplace de façon autonome pour son projet", required=False
    )
    comment = forms.CharField(
        label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class FollowUpForm(forms.Form):
    """The contact made with the person three or six months after the exit."""

    done_on = forms.DateField(label="Date du contact", widget=date_input())
    reached = forms.TypedChoiceField(
        label="La personne a-t-elle été jointe ?",
        choices=[("true", "Oui"), ("false", "Non")],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
    )
    situation = forms.ChoiceField(
        label="Situation de la personne",
        choices=[("", "— Choisissez —"), *Situation.choices],
        required=False,
    )
    improved_situation = forms.TypedChoiceField(
        label="Situation professionnelle améliorée",
        choices=[("", "Non renseigné"), ("true", "Oui"), ("false", "Non")],
        coerce=lambda value: value == "true",
        empty_value=None,
        required=False,
        help_text=(
            "La personne était en emploi à l'entrée : a-t-elle depuis un emploi plus stable, un "
            "temps plein, un poste plus qualifié ou une promotion ? (indicateur FSE+)"
        ),
    )
    comment = forms.CharField(
        label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, ask_improvement: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not ask_improvement:
            del self.fields["improved_situation"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reached") and not cleaned.get("situation"):
            self.add_error("situation", "Indiquez la situation de la personne jointe.")
        return cleaned


class ConsentForm(forms.Form):
    """One consent recorded after the entry."""

    scope = forms.ChoiceField(
        label="Objet", choices=[("", "— Choisissez —"), *ConsentRecord.Scope.choices]
    )
    given_on = forms.DateField(label="Date du recueil", widget=date_input())
    comment = forms.CharField(label="Précision", max_length=250, required=False)


class ContactForm(forms.Form):
    """A contact that came from the person, which extends how long their file is kept."""

    on = forms.DateField(
        label="Date du contact",
        widget=date_input(),
        help_text="Un appel, une visite, un message de la personne : le jour où il a eu lieu.",
    )


class CaseFilterForm(forms.Form):
    """The filters of the case list (a GET form: every value is optional)."""

    MINE, ALL = "mine", "all"
    OPEN = "open"

    q = forms.CharField(
        label="Rechercher une personne", required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Nom ou prénom"}),
    )  # fmt: skip
    perimetre = forms.ChoiceField(
        label="Accompagnements",
        choices=[(MINE, "Mes accompagnements"), (ALL, "Toute la plateforme")],
        required=False,
        widget=forms.RadioSelect,
    )
    statut = forms.ChoiceField(
        label="Statut",
        choices=[("", "Tous"), (OPEN, "En cours (tous statuts ouverts)"), *CaseStatus.choices],
        required=False,
    )
    conseiller = MemberChoiceField(
        label="Conseiller·e", queryset=Membership.objects.none(), required=False,
        empty_label="Tous",
    )  # fmt: skip
    site = forms.ModelChoiceField(
        label="Site", queryset=Site.objects.none(), required=False, empty_label="Tous"
    )
    frein = forms.ModelChoiceField(
        label="Frein", queryset=Barrier.objects.none(), required=False, empty_label="Tous"
    )
    origine = forms.ChoiceField(
        label="Origine", choices=[("", "Toutes"), *Case.Origin.choices], required=False
    )
    convention = forms.ModelChoiceField(
        label="Convention", queryset=FundingAgreement.objects.none(), required=False,
        empty_label="Toutes",
    )  # fmt: skip
    entree_du = forms.DateField(label="Entrée depuis le", required=False, widget=date_input())
    entree_au = forms.DateField(label="Entrée jusqu'au", required=False, widget=date_input())

    def __init__(self, data, *, membership: Membership) -> None:
        data = data.copy()
        if not data.get("perimetre"):
            data["perimetre"] = self.MINE if membership.role == Role.ADVISOR else self.ALL
        super().__init__(data)
        organization = membership.organization
        self.fields["conseiller"].queryset = caseworkers_of(organization)
        self.fields["site"].queryset = Site.objects.for_organization(organization).order_by("name")
        self.fields["frein"].queryset = Barrier.objects.available_to(organization).select_related(
            "category"
        )
        self.fields["convention"].queryset = (
            FundingAgreement.objects.for_organization(organization)
            .filter(organization=organization)
            .order_by("-start_date", "programme")
        )
        self.fields["convention"].label_from_instance = lambda a: a.programme

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("entree_du"), cleaned.get("entree_au")
        if start and end and end < start:
            self.add_error("entree_au", "La fin de la période doit suivre son début.")
        return cleaned

    def filter(self, cases, *, membership: Membership):
        """Apply the valid filters to an already scoped queryset of cases."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("q"):
            people = Beneficiary.objects.for_organization(membership.organization).search(data["q"])
            cases = cases.filter(beneficiary__in=people)
        if data.get("perimetre", self.MINE) == self.MINE:
            cases = cases.followed_by(membership)
        if data.get("statut") == self.OPEN:
            cases = cases.open()
        elif data.get("statut"):
            cases = cases.filter(status=data["statut"])
        for field, lookup in (
            ("conseiller", "advisor"),
            ("site", "site"),
            ("frein", "barriers__barrier"),
            ("origine", "origin"),
            ("convention", "funding_agreements"),
        ):
            if data.get(field):
                cases = cases.filter(**{lookup: data[field]})
        if data.get("entree_du"):
            cases = cases.filter(opened_on__gte=data["entree_du"])
        if data.get("entree_au"):
            cases = cases.filter(opened_on__lte=data["entree_au"])
        return cases

    def active_count(self) -> int:
        """How many filters narrow the list (for the « n filtres » hint)."""
        if not self.is_valid():
            return 0
        skipped = {"q", "perimetre"}
        return sum(1 for name, value in self.cleaned_data.items() if name not in skipped and value)


class AccessLogFilterForm(forms.Form):
    q = forms.CharField(
        label="Personne", required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Nom ou prénom"}),
    )  # fmt: skip
    personne = forms.UUIDField(required=False, widget=forms.HiddenInput)
    utilisateur = forms.ModelChoiceField(
        label="Consulté par", queryset=Membership.objects.none(), required=False,
        empty_label="Tout le monde",
    )  # fmt: skip

    def __init__(self, data, *, organization: Organization) -> None:
        super().__init__(data)
        self.fields["utilisateur"].queryset = (
            Membership.objects.for_organization(organization)
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "id")
        )
        self.fields["utilisateur"].label_from_instance = lambda m: (
            m.user.get_full_name() or m.user.email
        )


__all__ = [
    "AccessLogFilterForm",
    "BeneficiaryForm",
    "CaseFilterForm",
    "CaseForm",
    "ConsentForm",
    "ConsentsForm",
    "ExitForm",
    "FollowUpForm",
]
