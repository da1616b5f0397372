"""Forms of the referral pages: the referral itself, the platform's answers, the thread."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from cases.models import Barrier, Beneficiary
from cases.services.people import birth_date_error
from organizations.fields import CommuneField
from organizations.models import Membership, Organization

from .models import CONSENT_TEXT, NotificationPreference, Referral, RefusalReason
from .services import REFERRAL_FIELDS

Role = Membership.Role


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlatformChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return obj.name


class BarrierChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Barrier) -> str:
        return obj.label

    def group_by_category(self) -> None:
        """Show the checkboxes under their category (the values stay the barriers' ids)."""
        groups: dict[str, list[tuple[str, str]]] = {}
        for barrier in self.queryset:
            groups.setdefault(barrier.category.label, []).append((str(barrier.pk), barrier.label))
        self.widget.choices = list(groups.items())


def active_platforms():
    return Organization.objects.platforms().active().order_by("name", "id")


class DirectoryForm(forms.Form):
    commune = CommuneField(
        label="Commune où habite la personne",
        error_messages={"required": "Indiquez la commune où habite la personne."},
    )


class ReferralForm(forms.ModelForm):
    """What a referrer tells the platform; only sending checks that it is complete."""

    organization = PlatformChoiceField(
        queryset=active_platforms(),
        label="Plateforme de mobilité",
        empty_label="Choisissez une plateforme",
        error_messages={"required": "Choisissez la plateforme vers laquelle orienter la personne."},
    )
    commune = CommuneField(
        required=False,
        label="Commune de résidence",
        help_text="Obligatoire pour envoyer. Tapez le début du nom, le code postal ou le code "
        "INSEE.",
    )
    employer_commune = CommuneField(
        required=False,
        label="Commune de l'employeur ou de la formation",
        help_text="Tapez le début du nom, le code postal ou le code INSEE.",
    )
    barriers = BarrierChoiceField(
        queryset=Barrier.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Ce que vous avez constaté",
        help_text="La plateforme fera son propre diagnostic.",
    )
    consent = forms.BooleanField(
        required=False,
        label=f"J'atteste que : {CONSENT_TEXT[:1].lower()}{CONSENT_TEXT[1:]}",
        help_text="Obligatoire pour envoyer la prescription.",
    )
    attachment = forms.FileField(
        required=False,
        label="Pièce jointe (facultatif)",
        help_text="CV, promesse d'embauche, convocation… PDF, image ou document texte, 10 Mo "
        "au plus.",
    )
    attachment_description = forms.CharField(
        required=False, max_length=250, label="Description de la pièce jointe"
    )

    class Meta:
        model = Referral
        fields = [
            "organization", "first_name", "last_name", "sex", "birth_date", "phone", "email",
            "address", "postcode", "commune", "france_travail_id", "labour_market_status",
            "receives_rsa", "driving_licence", "has_car_access", "has_two_wheeler_access",
            "has_bike_access", "barriers", "barriers_comment", "objective", "job_interview_on",
            "job_start_on", "training_start_on", "employer_commune", "working_hours", "consent",
            "consent_given_on", "share_follow_up_with_referrer", "share_diagnostic_with_referrer",
            "coverage_override_reason",
        ]  # fmt: skip
        widgets = {
            "birth_date": date_input(),
            "job_interview_on": date_input(),
            "job_start_on": date_input(),
            "training_start_on": date_input(),
            "consent_given_on": date_input(),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "postcode": forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
            "barriers_comment": forms.Textarea(attrs={"rows": 3}),
            "objective": forms.Textarea(attrs={"rows": 4}),
            "coverage_override_reason": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "first_name": "Obligatoire pour envoyer.",
            "last_name": "Obligatoire pour envoyer.",
            "birth_date": "Aide la plateforme à retrouver la personne si elle est déjà suivie.",
            "phone": "Un téléphone ou un e-mail est obligatoire pour envoyer.",
            "objective": "Obligatoire pour envoyer. Le projet de la personne : emploi, formation, "
            "démarches, trajets à faire.",
            "consent_given_on": "Le jour où la personne a donné son accord.",
            "share_follow_up_with_referrer": "Si la personne l'accepte, vous verrez la date "
            "d'entrée, le prochain rendez-vous et sa situation à la sortie. Elle peut retirer cet "
            "accord à tout moment auprès de la plateforme.",
            "share_diagnostic_with_referrer": "Si la personne l'accepte, vous pourrez télécharger "
            "la synthèse du diagnostic mobilité une fois l'accompagnement commencé.",
            "coverage_override_reason": "Seulement si la plateforme ne couvre pas la commune de "
            "la personne : expliquez pourquoi vous l'orientez vers elle.",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["barriers"].queryset = (
            Barrier.objects.filter(organization=None, is_active=True)
            .select_related("category")
            .order_by("category__position", "position", "label")
        )
        self.fields["barriers"].group_by_category()
        if not self.instance._state.adding:
            self.initial["consent"] = bool(self.instance.consent_text)
            for name in ("commune", "employer_commune"):
                if getattr(self.instance, f"{name}_id"):
                    self.initial[name] = getattr(self.instance, name)
        elif not self.is_bound:
            self.initial.setdefault("consent_given_on", timezone.localdate())

    def clean_birth_date(self):
        birth_date = self.cleaned_data.get("birth_date")
        error = birth_date_error(birth_date)
        if error:
            raise forms.ValidationError(error)
        return birth_date

    def clean_postcode(self) -> str:
        postcode = (self.cleaned_data.get("postcode") or "").strip()
        if postcode and not (len(postcode) == 5 and postcode.isdigit()):
            raise forms.ValidationError("Le code postal compte 5 chiffres, par exemple 59000.")
        return postcode

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("consent") and not data.get("consent_given_on"):
            self.add_error(
                "consent_given_on", "Indiquez le jour où la personne a donné son accord."
            )
        return data

    def referral_data(self) -> dict[str, Any]:
        """The cleaned values, as the services take them."""
        data = {name: self.cleaned_data.get(name) for name in REFERRAL_FIELDS}
        for name, value in data.items():
            if value is None and name not in (
                "birth_date", "commune", "employer_commune", "job_interview_on",
                "job_start_on", "training_start_on", "consent_given_on",
            ):  # fmt: skip
                data[name] = ""
        consent = bool(self.cleaned_data.get("consent"))
        data["consent_text"] = CONSENT_TEXT if consent else ""
        if not consent:
            data["consent_given_on"] = None
        return data

    def attachments(self) -> list[tuple[Any, str]]:
        uploaded = self.cleaned_data.get("attachment")
        description = self.cleaned_data.get("attachment_description") or ""
        return [(uploaded, description)] if uploaded else []


class AcceptForm(forms.Form):
    """Link the person already followed, or create their file; choose who follows them."""

    beneficiary = forms.ChoiceField(
        label="Dossier de la personne", widget=forms.RadioSelect, initial="new"
    )
    advisor = forms.ModelChoiceField(
        queryset=Membership.objects.none(),
        required=False,
        label="Conseiller·e référent·e",
        empty_label="À choisir plus tard",
    )

    def __init__(self, *args, duplicates: list[Beneficiary], caseworkers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.duplicates = {str(person.pk): person for person in duplicates}
        choices = [
            (
                key,
                f"Rattacher à {person.full_name}, né·e le {person.birth_date:%d/%m/%Y}",
            )
            for key, person in self.duplicates.items()
        ]
        new_label = (
            "C'est une autre personne : créer un nouveau dossier"
            if duplicates
            else "Créer le dossier de la personne"
        )
        self.fields["beneficiary"].choices = [*choices, ("new", new_label)]
        self.fields["advisor"].queryset = caseworkers
        self.fields["advisor"].label_from_instance = lambda m: (
            m.user.get_full_name() or m.user.email
        )

    def chosen_beneficiary(self) -> Beneficiary | None:
        return self.duplicates.get(self.cleaned_data["beneficiary"])


class RefuseForm(forms.Form):
    reason = forms.ChoiceField(
        label="Motif du refus",
        choices=RefusalReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez le motif du refus."},
    )
    comment = forms.CharField(
        label="Message au prescripteur",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoire pour « Autre motif ». Proposez une autre solution si vous en "
        "connaissez une.",
    )
    share_reason_with_person = forms.BooleanField(
        label="Le motif peut être communiqué à la personne",
        required=False,
        help_text="Sinon, le prescripteur est prévenu que le motif est confidentiel.",
    )


class HoldForm(forms.Form):
    reason = forms.CharField(
        label="Ce que vous attendez pour reprendre l'examen",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Le prescripteur le verra : un justificatif, un rappel de la personne…",
        error_messages={"required": "Indiquez ce que vous attendez pour reprendre l'examen."},
    )


class TransferForm(forms.Form):
    to_platform = PlatformChoiceField(
        queryset=Organization.objects.none(),
        label="Plateforme à qui transférer",
        empty_label="Choisissez une plateforme",
        error_messages={"required": "Choisissez la plateforme à qui transférer la prescription."},
    )
    comment = forms.CharField(
        label="Pourquoi ce transfert",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="La plateforme destinataire et le prescripteur le verront.",
    )

    def __init__(self, *args, current: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_platform"].queryset = active_platforms().exclude(pk=current.pk)


class CommentForm(forms.Form):
    comment = forms.CharField(
        label="Commentaire (facultatif)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Votre message",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Le message est vide : écrivez-le."},
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="Fichier",
        help_text="PDF, image (JPEG, PNG, WebP) ou document texte (DOCX, ODT), 10 Mo au plus.",
        error_messages={"required": "Choisissez un fichier."},
    )
    description = forms.CharField(label="Description", max_length=250, required=False)


class SettingsForm(forms.Form):
    expiry_days = forms.IntegerField(
        label="Délai d'expiration (jours)",
        min_value=1,
        max_value=365,
        help_text="Une prescription envoyée restée sans première réponse expire après ce délai ; "
        "le prescripteur en est prévenu.",
    )
    reminder_days = forms.IntegerField(
        label="Relance après (jours)",
        min_value=1,
        max_value=364,
        help_text="L'équipe reçoit un rappel quand une prescription attend depuis ce délai.",
    )


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["new_referrals", "status_changes", "messages", "reminders", "daily_digest"]

    def __init__(self, *args, platform: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not platform:
            del self.fields["new_referrals"]
            del self.fields["reminders"]
            self.fields[
                "status_changes"
            ].help_text = "Un e-mail quand la plateforme répond à l'une de vos prescriptions."


class PeriodForm(forms.Form):
    start = forms.DateField(label="Du", widget=date_input(), required=False)
    end = forms.DateField(label="Au", widget=date_input(), required=False)

    def period(self):
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=365)
        return (start, end) if start <= end else (end, start)


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(label="Statut", required=False)

    def __init__(self, *args, choices, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Tous les statuts"), *choices]
