"""factory_boy factories of referrals."""

import datetime as dt

import factory
from django.utils import timezone

from referrals.models import CONSENT_TEXT, Message, Referral
from tests.factories import MembershipFactory, OrganizationFactory


class ReferralFactory(factory.django.DjangoModelFactory):
    """A referral as the referrer filled it in; pass ``sender=`` and ``organization=``.

    With ``status="sent"`` (or any later status) ``sent_at`` and ``received_at`` are set.
    """

    class Meta:
        model = Referral

    organization = factory.SubFactory(OrganizationFactory)
    sender = factory.SubFactory(
        MembershipFactory,
        organization=factory.SubFactory(OrganizationFactory, referrer=True),
        role="referrer",
    )
    sender_organization = factory.SelfAttribute("sender.organization")
    status = "draft"
    first_name = "Camille"
    last_name = "Dubois"
    birth_date = dt.date(1994, 6, 2)
    phone = "06 12 34 56 78"
    email = "camille.dubois@exemple.fr"
    objective = "Se rendre à son nouveau poste d'agent·e logistique à Lesquin, horaires décalés."
    consent_given_on = factory.LazyFunction(timezone.localdate)
    consent_text = CONSENT_TEXT
    sent_at = factory.LazyAttribute(lambda o: None if o.status == "draft" else timezone.now())
    received_at = factory.SelfAttribute("sent_at")


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    referral = factory.SubFactory(ReferralFactory)
    author = factory.SelfAttribute("referral.sender")
    author_organization = factory.SelfAttribute("author.organization")
    body = "Bonjour, la personne est joignable le matin."
