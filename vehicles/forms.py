"""Forms of the fleet and loan pages. They validate what was typed; the services apply the rules."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from organizations.models import FundingAgreement, Organization, Site

from .checklists import ENERGY_LEVELS, VehicleKind, damage_checklist, energy_label
from .models import (
    Accessory,
    Incident,
    Loan,
    MaintenancePlan,
    SolidarityPricing,
    Vehicle,
)
from .services.fleet import VEHICLE_FIELDS

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_PHOTOS = 10
MAX_PHOTO_BYTES = 8 * 1024 * 1024
KIND_CHOICES = [("", "Tous les types"), *VehicleKind.choices]
# Photos are shown in the browser: only the formats it displays, recognised by their content.
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
PHOTO_REFUSED = (
    "Cette photo n'est pas une image JPEG, PNG ou WebP : prenez-la de nouveau, ou enregistrez-la "
    "dans l'un de ces formats."
)


def check_photo_format(photo) -> None:
    """Refuse an image whose content (read by Pillow) is not JPEG, PNG or WebP."""
    image = getattr(photo, "image", None)  # set by forms.ImageField once Pillow opened the file
    if image is None or image.format not in PHOTO_FORMATS:
        raise forms.ValidationError(PHOTO_REFUSED)


def _sites(organization: Organization):
    return Site.objects.for_organization(organization).active().order_by("name")


def _vehicles(organization: Organization):
    return Vehicle.objects.for_organization(organization).in_service().order_by("kind", "code")


def _accessories(organization: Organization):
    return Accessory.objects.for_organization(organization).active().select_related("vehicle")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.ImageField):
    """Several photos in one input (the phone's camera opens on mobile)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"})
        )
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None) -> list:
        files = data if isinstance(data, list | tuple) else [data]
        files = [f for f in files if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(f"Ajoutez {MAX_PHOTOS} photos au plus.")
        cleaned = [super(PhotosField, self).clean(f, initial) for f in files]
        if any(f.size > MAX_PHOTO_BYTES for f in cleaned):
            raise forms.ValidationError("Chaque photo doit peser moins de 8 Mo.")
        for photo in cleaned:
            check_photo_format(photo)
        return cleaned


# --- Fleet ------------------------------------------------------------------------------------


class VehicleForm(forms.ModelForm):
    class Meta:
        model = Vehicle
        fields = list(VEHICLE_FIELDS)
        widgets = {
            "insurance_expiry": DATE_WIDGET,
            "acquired_on": DATE_WIDGET,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.organization = organization
        self.fields["site"].queryset = _sites(organization)

    def validate_unique(self) -> None:
        """The service checks the fleet number (with the right message); skip the model's."""

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if isinstance(photo, UploadedFile):
            check_photo_format(photo)
        return photo

    def vehicle_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        photo = data.pop("photo", None)
        if photo is False:
            data["photo"] = ""
        elif photo is not None and photo != self.instance.photo:
            data["photo"] = photo
        return data


class AccessoryForm(forms.Form):
    kind = forms.ChoiceField(label="Type", choices=Accessory.Kind.choices)
    label = forms.CharField(label="Désignation", max_length=120, required=False)
    serial_number = forms.CharField(label="Numéro de série", max_length=60, required=False)
    vehicle = forms.ModelChoiceField(
        label="Véhicule habituel", queryset=Vehicle.objects.none(), required=False
    )
    is_active = forms.BooleanField(label="En service", required=False, initial=True)
    notes = forms.CharField(label="Remarques", max_length=250, required=False)

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].queryset = _vehicles(organization)


class SolidarityPricingForm(forms.Form):
    agreement = forms.ModelChoiceField(
        label="Convention qui finance", queryset=FundingAgreement.objects.none()
    )
    label = forms.CharField(
        label="Nom du tarif", max_length=120, help_text="Par exemple : « Voiture 1 € par jour »."
    )
    daily_fee = forms.DecimalField(
        label="Prix par jour payé par la personne (€)", min_value=0, decimal_places=2
    )
    max_days = forms.IntegerField(
        label="Durée maximale (jours)",
        min_value=1,
        max_value=730,
        help_text="Prolongations comprises.",
    )
    is_active = forms.BooleanField(label="Proposé", required=False, initial=True)

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agreement"].queryset = FundingAgreement.objects.filter(
            organization=organization
        ).select_related("funder")


class MaintenancePlanForm(forms.Form):
    label = forms.CharField(label="Entretien", max_length=120, help_text="Révision, freins…")
    interval_days = forms.IntegerField(label="Tous les (jours)", min_value=1, required=False)
    interval_km = forms.IntegerField(label="Tous les (km)", min_value=1, required=False)
    after_each_loan = forms.BooleanField(label="Après chaque prêt", required=False)
    last_done_on = forms.DateField(label="Dernier entretien le", required=False, widget=DATE_WIDGET)
    last_done_km = forms.IntegerField(label="Au compteur (km)", min_value=0, required=False)
    is_active = forms.BooleanField(label="Actif", required=False, initial=True)

    def clean(self) -> dict:
        data = super().clean()
        if not (
            data.get("interval_days") or data.get("interval_km") or data.get("after_each_loan")
        ):
            self.add_error(
                "interval_days",
                "Indiquez une fréquence : tous les N jours, tous les N km, ou après chaque prêt.",
            )
        return data


class MaintenanceRecordForm(forms.Form):
    plan = forms.ModelChoiceField(
        label="Plan d'entretien", queryset=MaintenancePlan.objects.none(), required=False
    )
    label = forms.CharField(label="Intervention", max_length=200, required=False)
    garage = forms.CharField(label="Garage ou atelier", max_length=200, required=False)
    start_date = forms.DateField(label="Immobilisé à partir du", widget=DATE_WIDGET)
    end_date = forms.DateField(
        label="Disponible de nouveau le",
        required=False,
        widget=DATE_WIDGET,
        help_text="Laissez vide si le véhicule est encore au garage.",
    )
    cost = forms.DecimalField(label="Coût (€)", min_value=0, decimal_places=2, required=False)
    odometer_km = forms.IntegerField(label="Compteur (km)", min_value=0, required=False)
    notes = forms.CharField(
        label="Remarques", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, vehicle: Vehicle, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = vehicle.maintenance_plans.active().order_by("label")

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("label") and not data.get("plan"):
            self.add_error("label", "Indiquez l'intervention, ou choisissez un plan d'entretien.")
        return data


class MaintenanceFinishForm(forms.Form):
    end_date = forms.DateField(
        label="Disponible de nouveau le", widget=DATE_WIDGET, initial=timezone.localdate
    )
    cost = forms.DecimalField(label="Coût (€)", min_value=0, decimal_places=2, required=False)
    odometer_km = forms.IntegerField(label="Compteur (km)", min_value=0, required=False)
    notes = forms.CharField(
        label="Remarques", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LoanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Loan) -> str:
        return (
            f"{obj.case.beneficiary.full_name}, du {obj.start_date:%d/%m/%Y} au "
            f"{obj.end_date:%d/%m/%Y}"
        )


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(label="Nature", choices=Incident.Kind.choices)
    occurred_on = forms.DateField(
        label="Survenu le", widget=DATE_WIDGET, initial=timezone.localdate
    )
    loan = LoanChoiceField(label="Pendant le prêt de", queryset=Loan.objects.none(), required=False)
    description = forms.CharField(
        label="Ce qui s'est passé", widget=forms.Textarea(attrs={"rows": 3})
    )
    reference = forms.CharField(
        label="Référence",
        max_length=80,
        required=False,
        help_text="Numéro de l'avis de contravention ou de la déclaration de sinistre.",
    )
    cost = forms.DecimalField(label="Coût (€)", min_value=0, decimal_places=2, required=False)
    borne_by = forms.ChoiceField(
        label="À la charge de", choices=Incident.BorneBy.choices, required=False
    )
    resolved_on = forms.DateField(label="Réglé le", required=False, widget=DATE_WIDGET)

    def __init__(self, *args, vehicle: Vehicle, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["loan"].queryset = (
            Loan.objects.filter(vehicle=vehicle)
            .exclude(status=Loan.Status.CANCELLED)
            .select_related("case__beneficiary")
            .order_by("-start_date")
        )

    def incident_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("loan", None)
        data["borne_by"] = data.get("borne_by") or ""
        return data


# --- Reservations and loans -------------------------------------------------------------------


class PeriodForm(forms.Form):
    """The kind of vehicle and the period wanted (a GET search before choosing the vehicle)."""

    kind = forms.ChoiceField(label="Type de véhicule", choices=VehicleKind.choices)
    start_date = forms.DateField(label="Départ le", widget=DATE_WIDGET)
    end_date = forms.DateField(
        label="Retour prévu le",
        widget=DATE_WIDGET,
        help_text="Le jour où la personne rapporte le véhicule.",
    )

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end <= start:
            self.add_error("end_date", "La date de retour doit être après la date de départ.")
        return data


class VehicleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Vehicle) -> str:
        where = f" — {obj.site.name}" if obj.site_id else ""
        return f"{obj.code} · {obj.label}{where}"


class AccessoryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Accessory) -> str:
        usual = f" (avec {obj.vehicle.code})" if obj.vehicle_id else ""
        return f"{obj}{usual}"


class ReservationForm(PeriodForm):
    vehicle = VehicleChoiceField(
        label="Véhicule", queryset=Vehicle.objects.none(), widget=forms.RadioSelect
    )
    pricing_mode = forms.ChoiceField(
        label="Tarification",
        choices=Loan.PricingMode.choices,
        initial=Loan.PricingMode.DAILY,
        widget=forms.RadioSelect,
    )
    solidarity_pricing = forms.ModelChoiceField(
        label="Tarif solidaire",
        queryset=SolidarityPricing.objects.none(),
        required=False,
        help_text="Seuls les tarifs des conventions rattachées à l'accompagnement sont proposés.",
    )
    deposit_amount = forms.DecimalField(
        label="Caution (€)",
        min_value=0,
        decimal_places=2,
        required=False,
        help_text="Laissez vide pour la caution habituelle du véhicule ; 0 pour aucune caution.",
    )
    accessories = AccessoryChoiceField(
        label="Accessoires prêtés",
        queryset=Accessory.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label="Remarques", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, case, vehicles, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("kind", "start_date", "end_date"):
            self.fields[name].widget = forms.HiddenInput()
        self.fields["vehicle"].queryset = vehicles
        self.fields["solidarity_pricing"].queryset = (
            SolidarityPricing.objects.for_organization(case.organization)
            .active()
            .filter(agreement__cases=case)
            .select_related("agreement")
        )
        self.fields["accessories"].queryset = _accessories(case.organization)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("pricing_mode") == Loan.PricingMode.SOLIDARITY and not data.get(
            "solidarity_pricing"
        ):
            self.add_error("solidarity_pricing", "Choisissez le tarif solidaire.")
        return data


class WaitingListForm(forms.Form):
    kind = forms.ChoiceField(label="Type de véhicule", choices=VehicleKind.choices)
    wanted_from = forms.DateField(label="À partir du", widget=DATE_WIDGET)
    wanted_until = forms.DateField(label="Retour souhaité le", widget=DATE_WIDGET)
    site = forms.ModelChoiceField(
        label="Site souhaité", queryset=Site.objects.none(), required=False
    )
    notes = forms.CharField(label="Remarques", max_length=250, required=False)

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = _sites(organization)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Motif de l'annulation",
        max_length=250,
        help_text="Par exemple : la personne a trouvé une autre solution.",
    )


class ExtendForm(forms.Form):
    new_end_date = forms.DateField(label="Nouvelle date de retour", widget=DATE_WIDGET)
    reason = forms.CharField(label="Motif", max_length=250, required=False)


class _InspectionForm(forms.Form):
    odometer_km = forms.IntegerField(label="Compteur (km)", min_value=0)
    energy_level = forms.TypedChoiceField(
        label="Niveau",
        choices=[("", "Choisissez le niveau"), *ENERGY_LEVELS],
        coerce=int,
        empty_value=None,
    )
    damages = forms.MultipleChoiceField(
        label="Éléments abîmés", required=False, widget=forms.CheckboxSelectMultiple
    )
    comments = forms.CharField(
        label="Observations", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(label="Photos", help_text="10 photos au plus, 8 Mo chacune.")

    def __init__(self, *args, loan: Loan, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        kind = loan.vehicle.kind
        self.fields["damages"].choices = damage_checklist(kind)
        label = energy_label(kind)
        if label:
            self.fields["energy_level"].label = label
        else:
            del self.fields["energy_level"]
        self.fields["odometer_km"].initial = loan.vehicle.odometer_km

    def inspection_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.setdefault("energy_level", None)
        return data


class CheckOutForm(_InspectionForm):
    accessories = AccessoryChoiceField(
        label="Accessoires remis",
        queryset=Accessory.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    deposit_received = forms.BooleanField(label="Caution reçue", required=False)

    def __init__(self, *args, loan: Loan, **kwargs) -> None:
        super().__init__(*args, loan=loan, **kwargs)
        self.fields["accessories"].queryset = _accessories(loan.organization)
        self.fields["accessories"].initial = [a.pk for a in loan.accessories.all()]
        if loan.deposit_status != Loan.DepositStatus.PENDING:
            del self.fields["deposit_received"]
        else:
            self.fields[
                "deposit_received"
            ].label = f"Caution de {loan.deposit_amount:.2f} € reçue".replace(".", ",")


class CheckInForm(_InspectionForm):
    accessories_returned = AccessoryChoiceField(
        label="Accessoires rendus",
        queryset=Accessory.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    deposit_retained_amount = forms.DecimalField(
        label="Montant retenu sur la caution (€)",
        min_value=0,
        decimal_places=2,
        required=False,
        initial=Decimal("0"),
        help_text="0 : la caution est restituée en entier.",
    )
    deposit_retained_reason = forms.CharField(
        label="Motif de la retenue", max_length=250, required=False
    )

    def __init__(self, *args, loan: Loan, departure=None, **kwargs) -> None:
        super().__init__(*args, loan=loan, **kwargs)
        lent = loan.accessories.all()
        self.fields["accessories_returned"].queryset = lent
        self.fields["accessories_returned"].initial = [a.pk for a in lent]
        if departure is not None:
            self.fields["damages"].initial = departure.damages
            self.fields["odometer_km"].initial = departure.odometer_km
        if loan.deposit_status != Loan.DepositStatus.HELD:
            del self.fields["deposit_retained_amount"]
            del self.fields["deposit_retained_reason"]

    def inspection_data(self) -> dict[str, Any]:
        data = super().inspection_data()
        if data.get("deposit_retained_amount") is None:
            data["deposit_retained_amount"] = Decimal("0")
        return data


# --- Lists ------------------------------------------------------------------------------------


class VehicleFilterForm(forms.Form):
    kind = forms.ChoiceField(label="Type", choices=KIND_CHOICES, required=False)
    status = forms.ChoiceField(
        label="Statut", choices=[("", "Tous les statuts"), *Vehicle.Status.choices], required=False
    )
    site = forms.ModelChoiceField(
        label="Site", queryset=Site.objects.none(), required=False, empty_label="Tous les sites"
    )

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = _sites(organization)


class PlanningForm(forms.Form):
    start = forms.DateField(label="À partir du", required=False, widget=DATE_WIDGET)
    days = forms.TypedChoiceField(
        label="Durée",
        coerce=int,
        required=False,
        choices=[(28, "4 semaines"), (14, "2 semaines"), (56, "8 semaines")],
    )
    kind = forms.ChoiceField(label="Type", choices=KIND_CHOICES, required=False)

    def period(self) -> tuple:
        data = self.cleaned_data if self.is_valid() else {}
        today = timezone.localdate()
        start = data.get("start") or today - timedelta(days=today.weekday())
        return start, data.get("days") or 28, data.get("kind") or ""


class UtilisationForm(forms.Form):
    start = forms.DateField(label="Du", required=False, widget=DATE_WIDGET)
    end = forms.DateField(
        label="Au (exclu)", required=False, widget=DATE_WIDGET, help_text="Jour exclu."
    )

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", "La fin de la période doit être après son début.")
        if start and end and (end - start).days > 731:
            self.add_error("end", "Choisissez une période de deux ans au plus.")
        return data

    def period(self) -> tuple:
        data = self.cleaned_data if self.is_valid() else {}
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=90)
        return start, end
