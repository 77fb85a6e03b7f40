"""factory-boy factories. Partner-owned factories create rows inside the partner's scope."""

from datetime import timedelta

import factory
from django.utils import timezone

from partners.models import Invitation, Membership, PartnerOrganization, Region
from prm.accounts.models import User
from prm.tenancy.scoping import partner_scope

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region-{n}")
    name = factory.Sequence(lambda n: f"Region {n}")
    countries = factory.LazyFunction(lambda: ["DE", "FR"])


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerOrganization

    name = factory.Sequence(lambda n: f"Partner {n} GmbH")
    legal_name = factory.LazyAttribute(lambda o: o.name)
    partner_type = PartnerOrganization.PartnerType.RESELLER
    country = "DE"
    region = factory.SubFactory(RegionFactory)
    default_language = "en"
    currency = "EUR"
    status = PartnerOrganization.Status.ACTIVE


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    preferred_language = "en"
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):  # noqa: N805 - factory-boy passes the object
        if create:
            from allauth.account.models import EmailAddress

            obj.save()
            EmailAddress.objects.get_or_create(user=obj, email=obj.email, defaults={"verified": True, "primary": True})


class StaffFactory(UserFactory):
    staff_role = User.StaffRole.CHANNEL_MANAGER


def make_member(*, partner, user=None, role=Membership.Role.USER, **flags) -> Membership:
    user = user or UserFactory()
    with partner_scope(partner):
        return Membership.objects.create(partner=partner, user=user, role=role, **flags)


def make_invitation(*, partner, email="invitee@example.com", role=Membership.Role.USER, invited_by=None, expires_at=None):
    """An invitation with a known raw token, returned as (invitation, raw_token)."""
    raw = Invitation.new_token()
    with partner_scope(partner):
        invitation = Invitation.objects.create(
            partner=partner, email=email, role=role, invited_by=invited_by, token_hash=Invitation.hash_token(raw),
            expires_at=expires_at or timezone.now() + timedelta(days=7),
        )
    return invitation, raw
