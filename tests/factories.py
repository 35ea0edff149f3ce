"""Test data builders. Reference data with rules goes through the services; these factories
only fill in plausible defaults (valid ID numbers and phones, unique codes)."""

import itertools

import factory

from governance.models import User
from governance.validators import id_check_digit

_seq = itertools.count(1)


def make_id_number(n: int | None = None, *, birth: str = "19850612", area: str = "511132") -> str:
    """A valid 18-digit resident ID (GB 11643 checksum) that is unique per call."""
    n = next(_seq) if n is None else n
    first17 = f"{area}{birth}{n % 1000:03d}"
    return first17 + id_check_digit(first17)


def make_phone(n: int | None = None) -> str:
    n = next(_seq) if n is None else n
    return f"139{n % 100_000_000:08d}"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password("test-pass-123")
    role = ""
