"""Forms of the sessions pages: appointments, workshops, registrations, attendance and skills.

They validate what was typed; the services in ``cases.services.sessions`` apply the rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django import forms
from django.db.models import Count, Q
from django.utils import timezone

from cases.models import Appointment, Case, Curriculum, Registration, Skill, Workshop
from organizations.models import Membership, Organization, Site

Role = Membership.Role
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user.get_full_name() or obj.user.email} ({obj.get_role_display().lower()})"


def staff_of(organization: Organization):
    return (
        Membership.objects.active()
        .for_organization(organization)
        .filter(role__in=(Role.ADMIN, Role.ADVISOR, Role.COACH))
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "id")
    )


def sites_of(organization: Organization):
    return Site.objects.for_organization(organization).active().order_by("name")


class AppointmentForm(forms.Form):
    kind = forms.ChoiceField(label="Objet", choices=Appointment.Kind.choices)
    starts_at = forms.DateTimeField(label="Date et heure", widget=DATETIME_WIDGET)
    duration_minutes = forms.IntegerField(
        label="Durée (minutes)", min_value=5, max_value=600, initial=60
    )
    staff = StaffChoiceField(label="Avec", queryset=Membership.objects.none(), required=False)
    site = forms.ModelChoiceField(label="Site", queryset=Site.objects.none(), required=False)
    location = forms.CharField(
        label="Lieu",
        max_length=200,
        required=False,
        help_text="Si le rendez-vous n'a pas lieu sur un site : adresse, visio, téléphone…",
    )

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_of(organization)
        self.fields["site"].queryset = sites_of(organization)


class AppointmentStatusForm(forms.Form):
    status = forms.ChoiceField(label="Statut", choices=Appointment.Status.choices)
    notes = forms.CharField(
        label="Compte rendu", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class WorkshopChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Workshop) -> str:
        seats = max(obj.capacity - obj.confirmed_count, 0)
        left = f"{seats} place(s) libre(s)" if seats else "complet : liste d'attente"
        return f"{obj.title} — {timezone.localtime(obj.starts_at):%d/%m/%Y %H:%M} ({left})"


class RegistrationForm(forms.Form):
    workshop = WorkshopChoiceField(label="Atelier", queryset=Workshop.objects.none())

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        taken = Registration.objects.filter(case=case).exclude(status=Registration.Status.CANCELLED)
        self.fields["workshop"].queryset = (
            Workshop.objects.for_organization(case.organization)
            .filter(starts_at__gt=timezone.now(), status=Workshop.Status.SCHEDULED)
            .exclude(id__in=taken.values("workshop_id"))
            .annotate(confirmed_count=confirmed_count())
            .order_by("starts_at", "id")
        )


class SkillChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Skill) -> str:
        return f"{obj.get_curriculum_display()} — {obj.label} (sur {obj.scale_max})"


class SkillAssessmentForm(forms.Form):
    skill = SkillChoiceField(label="Compétence", queryset=Skill.objects.none())
    value = forms.IntegerField(label="Niveau ou note", min_value=0)
    assessed_on = forms.DateField(label="Évalué le", widget=DATE_WIDGET)

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        kwargs.setdefault("initial", {"assessed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["skill"].queryset = Skill.objects.available_to(organization).order_by(
            "curriculum", "position", "label"
        )


class WorkshopForm(forms.Form):
    kind = forms.ChoiceField(label="Type d'atelier", choices=Curriculum.choices)
    title = forms.CharField(label="Intitulé", max_length=200)
    starts_at = forms.DateTimeField(label="Début", widget=DATETIME_WIDGET)
    ends_at = forms.DateTimeField(label="Fin", widget=DATETIME_WIDGET)
    capacity = forms.IntegerField(label="Nombre de places", min_value=1, max_value=500, initial=8)
    coach = StaffChoiceField(label="Animé par", queryset=Membership.objects.none())
    site = forms.ModelChoiceField(label="Site", queryset=Site.objects.none(), required=False)
    description = forms.CharField(
        label="Programme", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["coach"].queryset = staff_of(organization)
        self.fields["site"].queryset = sites_of(organization)

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", "L'atelier doit finir après son début.")
        return cleaned


def workshop_initial(workshop: Workshop) -> dict:
    return {
        "kind": workshop.kind,
        "title": workshop.title,
        "starts_at": timezone.localtime(workshop.starts_at),
        "ends_at": timezone.localtime(workshop.ends_at),
        "capacity": workshop.capacity,
        "coach": workshop.coach_id,
        "site": workshop.site_id,
        "description": workshop.description,
    }


class WorkshopFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Type d'atelier", choices=[("", "Tous"), *Curriculum.choices], required=False
    )
    site = forms.ModelChoiceField(
        label="Site", queryset=Site.objects.none(), required=False, empty_label="Tous"
    )
    semaine = forms.DateField(label="À partir de la semaine du", required=False, widget=DATE_WIDGET)

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites_of(organization)


def confirmed_count() -> Count:
    return Count("registrations", filter=Q(registrations__status=Registration.Status.CONFIRMED))


def waitlisted_count() -> Count:
    return Count("registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED))


# --- Attendance sheet ---------------------------------------------------------------------------


@dataclass
class SkillEntry:
    skill: Skill
    field: forms.BoundField
    latest: int | None


@dataclass
class SheetRow:
    registration: Registration
    attendance: forms.BoundField
    skills: list[SkillEntry] = field(default_factory=list)


class AttendanceSheetForm(forms.Form):
    """One attendance choice per confirmed attendee and one level per skill of the curriculum.

    ``current`` holds the values already assessed during this workshop (to correct them) and
    ``latest`` the person's latest value before, shown as a reminder.
    """

    def __init__(
        self,
        *args,
        registrations: Iterable[Registration],
        skills: Iterable[Skill],
        current: dict[tuple, int],
        latest: dict[tuple, int],
        **kwargs,
    ) -> None:
        self.registrations = list(registrations)
        self.skills = list(skills)
        self.latest = latest
        self.current = current
        initial = {}
        for registration in self.registrations:
            initial[f"att-{registration.pk}"] = registration.attendance
            for skill in self.skills:
                value = current.get((registration.case_id, skill.pk))
                if value is not None:
                    initial[f"lvl-{registration.pk}-{skill.pk}"] = value
        super().__init__(*args, initial=initial, **kwargs)
        for registration in self.registrations:
            name = registration.case.beneficiary.full_name
            self.fields[f"att-{registration.pk}"] = forms.ChoiceField(
                label=f"Présence de {name}",
                choices=Registration.Attendance.choices,
                widget=forms.RadioSelect,
                required=False,
            )
            for skill in self.skills:
                self.fields[f"lvl-{registration.pk}-{skill.pk}"] = forms.IntegerField(
                    label=f"{skill.label} (0 à {skill.scale_max})",
                    min_value=0,
                    max_value=skill.scale_max,
                    required=False,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                )

    def rows(self) -> list[SheetRow]:
        rows = []
        for registration in self.registrations:
            row = SheetRow(registration, self[f"att-{registration.pk}"])
            for skill in self.skills:
                row.skills.append(
                    SkillEntry(
                        skill,
                        self[f"lvl-{registration.pk}-{skill.pk}"],
                        self.latest.get((registration.case_id, skill.pk)),
                    )
                )
            rows.append(row)
        return rows

    def marks(self) -> dict[str, str]:
        return {
            str(registration.pk): self.cleaned_data[f"att-{registration.pk}"]
            for registration in self.registrations
        }

    def levels(self) -> dict[tuple[Case, Skill], int]:
        levels = {}
        for registration in self.registrations:
            for skill in self.skills:
                value = self.cleaned_data[f"lvl-{registration.pk}-{skill.pk}"]
                unchanged = value == self.current.get((registration.case_id, skill.pk))
                if value is not None and not unchanged:
                    levels[(registration.case, skill)] = value
        return levels
