"""factory_boy factories shared by every app's tests."""

import factory
from django.utils.text import slugify

from organizations.models import (
    FundingAgreement,
    Membership,
    Organization,
    Site,
    Territory,
    User,
)

DEFAULT_PASSWORD = "mot-de-passe-de-test-2026"


class TerritoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Territory
        django_get_or_create = ("level", "code")

    level = Territory.Level.COMMUNE
    code = factory.Sequence(lambda n: f"59{n:03d}")
    name = factory.Sequence(lambda n: f"Commune {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = Organization.Kind.PLATFORM

    class Params:
        referrer = factory.Trait(kind=Organization.Kind.REFERRER, network="france-travail")
        funder = factory.Trait(kind=Organization.Kind.FUNDER, network="departements")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Site {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.ADVISOR


class FundingAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingAgreement

    organization = factory.SubFactory(OrganizationFactory)
    funder = factory.SubFactory(OrganizationFactory, funder=True)
    programme = factory.Sequence(lambda n: f"Programme mobilité {n}")
    start_date = "2026-01-01"
    end_date = "2026-12-31"
