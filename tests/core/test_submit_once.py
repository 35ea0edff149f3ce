import uuid

import pytest

from core.models import ClientSubmission
from core.submissions import submit


@pytest.mark.django_db
def test_same_key_creates_once(django_user_model):
    user = django_user_model.objects.create_user(username="u-submit-once", password="x")
    key = uuid.uuid4()
    calls = []

    def create():
        calls.append(1)
        return ClientSubmission.objects.create(
            user=user, form="inner", client_key=uuid.uuid4(), object_ref="x:1"
        )

    first = submit(user=user, form="t", client_key=key, create=create)[0]
    second = submit(user=user, form="t", client_key=key, create=create)[0]
    assert first.pk == second.pk
    assert len(calls) == 1
    assert ClientSubmission.objects.filter(form="t").count() == 1
