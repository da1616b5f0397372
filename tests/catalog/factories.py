"""Factories for the catalogue tests."""

import datetime as dt

import factory

from catalog.models import Aid, ChangeProposal
from catalog.services import coverage_label_of
from tests.factories import OrganizationFactory


class AidFactory(factory.django.DjangoModelFactory):
    """A published aid; pass ``coverage=[territory, …]`` (or ``nationwide=True``)."""

    class Meta:
        model = Aid
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Aide à la mobilité n° {n}")
    description = "Une aide pour se déplacer vers l'emploi."
    kind = Aid.Kind.FINANCIAL
    provider_name = "Région Hauts-de-France"
    thematiques = factory.LazyFunction(lambda: ["mobilite--financer-ma-mobilite"])
    publics = factory.LazyFunction(lambda: ["tous-publics"])
    status = Aid.Status.PUBLISHED
    owner = factory.SubFactory(OrganizationFactory)
    last_verified_on = factory.LazyFunction(dt.date.today)

    @factory.post_generation
    def coverage(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.coverage.set(extracted)
            obj.coverage_label = coverage_label_of(extracted, nationwide=obj.nationwide)
            obj.save_without_historical_record()


class ChangeProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeProposal

    aid = factory.SubFactory(AidFactory)
    organization = factory.SubFactory(OrganizationFactory)
    changes = factory.LazyFunction(lambda: {"amount_text": "Jusqu'à 600 €"})
