"""factory_boy factories for the cases models (other helpers may append factories at the end)."""

import datetime as dt

import factory
from django.utils import timezone

from cases.models import (
    AccessLog,
    Action,
    AidApplication,
    Appointment,
    Barrier,
    BarrierCategory,
    Beneficiary,
    Case,
    CaseBarrier,
    ConsentRecord,
    Diagnostic,
    Document,
    FollowUp,
    Goal,
    Note,
    Registration,
    Workshop,
)
from cases.models.beneficiaries import name_key
from cases.services.participations import record_participation
from organizations.models import Membership
from tests.factories import MembershipFactory, OrganizationFactory


def _today() -> dt.date:
    return timezone.localdate()


class BeneficiaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiary

    organization = factory.SubFactory(OrganizationFactory)
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    name_key = factory.LazyAttribute(lambda o: name_key(o.first_name, o.last_name))
    birth_date = dt.date(1990, 5, 17)
    sex = Beneficiary.Sex.FEMALE


class ConsentRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentRecord

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    organization = factory.SelfAttribute("beneficiary.organization")
    scope = ConsentRecord.Scope.PROCESSING
    given = True
    given_on = factory.LazyFunction(_today)


class CaseFactory(factory.django.DjangoModelFactory):
    """A case at intake; pass ``organization=`` or ``beneficiary=`` and the other follows."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    beneficiary = factory.SubFactory(
        BeneficiaryFactory, organization=factory.SelfAttribute("..organization")
    )
    status = Case.Status.INTAKE
    opened_on = factory.LazyFunction(lambda: _today() - dt.timedelta(days=30))

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        # A case always belongs to its beneficiary's platform.
        beneficiary = kwargs.get("beneficiary")
        if beneficiary is not None:
            kwargs["organization"] = beneficiary.organization
        return kwargs

    @factory.post_generation
    def participation(obj, create, extracted, **kwargs):
        # As lifecycle.open_case does: the situation at entry, from the person's file.
        if create:
            record_participation(obj)


class BarrierCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BarrierCategory

    code = factory.Sequence(lambda n: f"categorie-test-{n}")
    label = factory.Sequence(lambda n: f"Catégorie de test {n}")


class BarrierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Barrier

    category = factory.SubFactory(BarrierCategoryFactory)
    code = factory.Sequence(lambda n: f"frein-test-{n}")
    label = factory.Sequence(lambda n: f"Frein de test {n}")


class DiagnosticFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Diagnostic

    case = factory.SubFactory(CaseFactory)
    kind = Diagnostic.Kind.ENTRY
    done_on = factory.LazyFunction(_today)


class CaseBarrierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseBarrier

    case = factory.SubFactory(CaseFactory)
    barrier = factory.SubFactory(BarrierFactory)
    identified_on = factory.LazyFunction(_today)


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    case = factory.SubFactory(CaseFactory)
    title = factory.Sequence(lambda n: f"Objectif {n}")


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    goal = factory.SubFactory(GoalFactory)
    title = factory.Sequence(lambda n: f"Action {n}")
    due_date = factory.LazyFunction(lambda: _today() + dt.timedelta(days=7))


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    case = factory.SubFactory(CaseFactory)
    organization = factory.SelfAttribute("case.organization")
    staff = factory.SubFactory(
        MembershipFactory, organization=factory.SelfAttribute("..case.organization")
    )
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1))


class WorkshopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workshop

    organization = factory.SubFactory(OrganizationFactory)
    coach = factory.SubFactory(
        MembershipFactory,
        organization=factory.SelfAttribute("..organization"),
        role=Membership.Role.COACH,
    )
    kind = Workshop.Kind.BIKE_SCHOOL
    title = factory.Sequence(lambda n: f"Vélo-école {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=2))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=2))
    capacity = 8


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    workshop = factory.SubFactory(WorkshopFactory)
    case = factory.SubFactory(
        CaseFactory, organization=factory.SelfAttribute("..workshop.organization")
    )


class AidApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AidApplication

    case = factory.SubFactory(CaseFactory)
    aid_name = "Aide au permis de conduire"
    funder_name = "Département du Nord"
    amount_requested = 500


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    case = factory.SubFactory(CaseFactory)
    kind = Document.Kind.IDENTITY
    file = factory.django.FileField(filename="piece.pdf", data=b"%PDF-1.4 test")
    original_name = "piece-identite.pdf"
    content_type = "application/pdf"
    size = 13


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Note

    case = factory.SubFactory(CaseFactory)
    body = "Entretien téléphonique : la personne a trouvé une formation."


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    case = factory.SubFactory(
        CaseFactory,
        status=Case.Status.CLOSED,
        opened_on=factory.LazyFunction(lambda: _today() - dt.timedelta(days=300)),
        closed_on=factory.LazyFunction(lambda: _today() - dt.timedelta(days=200)),
        exit_reason=Case.ExitReason.GOALS_MET,
    )
    kind = FollowUp.Kind.MONTH_6
    due_on = factory.LazyFunction(_today)


class AccessLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessLog

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    organization = factory.SelfAttribute("beneficiary.organization")
    kind = AccessLog.Kind.VIEW
