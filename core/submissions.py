"""Idempotent phone-form submissions: the same client key never creates twice.

Every phone form (page and API) carries ``client_key``, a UUID made on the phone
(``static/js/outbox.js``, or by the server in the hidden field of a page rendered without the
script). The view or API reads it with ``client_key_from`` (a malformed key is a 400 with a
Chinese message, nothing written) and wraps its service call in ``submit``:
a resend — after a timeout, from the phone's outbox when the network returns, twice at once —
answers with the record made the first time and never makes a second one. One
``ClientSubmission`` row per (user, form, client key); the unique constraint settles races.
"""

import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.models import ClientSubmission

M = TypeVar("M", bound=Model)

FIELD = "client_key"


def bad_key_message() -> str:
    return _("提交键 client_key 格式不正确(应为手机生成的 UUID),请刷新页面后重新提交。")


class ClientKeyError(DomainError):
    """A malformed client key: 400 on the field ``client_key``."""

    def __init__(self) -> None:
        super().__init__(bad_key_message(), field=FIELD, code="bad_client_key")


def parse_client_key(raw: Any) -> uuid.UUID | None:
    """The client key in ``raw`` (None when absent or empty); ClientKeyError when malformed."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, uuid.UUID):
        return raw
    try:
        return uuid.UUID(str(raw).strip())
    except (TypeError, ValueError, AttributeError):
        raise ClientKeyError() from None


def client_key_from(data: Mapping[str, Any]) -> uuid.UUID | None:
    return parse_client_key(data.get(FIELD))


def bad_key_response(request: HttpRequest) -> HttpResponse:
    """The page channel's answer to a malformed key: 400, JSON for scripts, text otherwise."""
    message = bad_key_message()
    if "application/json" in request.headers.get("Accept", "") or request.headers.get("X-Outbox"):
        return JsonResponse({"message": message, "errors": {FIELD: [message]}}, status=400)
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _ref(obj: Model) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def _load(ref: str) -> Model:
    label, pk = ref.rsplit(":", 1)
    model = apps.get_model(label)
    return model._default_manager.get(pk=pk)


def submit(*, user, form: str, client_key: uuid.UUID | None, create: Callable[[], M]) -> tuple[M, bool]:
    """Run create() once per (user, form, client_key): (the object, whether this call made it).

    Without a key (an old client) create() simply runs. A repeat returns the first object."""
    if client_key is None:
        return create(), True
    existing = ClientSubmission.objects.filter(user=user, form=form, client_key=client_key).first()
    if existing is not None:
        return _load(existing.object_ref), False  # type: ignore[return-value]
    try:
        with transaction.atomic():
            obj = create()
            ClientSubmission.objects.create(user=user, form=form, client_key=client_key, object_ref=_ref(obj))
            return obj, True
    except IntegrityError:
        # another request with the same key committed first (the unique constraint): its record
        stored = ClientSubmission.objects.filter(user=user, form=form, client_key=client_key).first()
        if stored is None:
            raise
        return _load(stored.object_ref), False  # type: ignore[return-value]


class ClientKeyViewMixin:
    """Pages: reads ``client_key`` from a POST into ``self.client_key`` (None when absent); a
    malformed one answers 400 before anything is written. Put it after the mixins that check
    the login. A view that finds its object (and so answers 404 outside the scope) in ``post``
    sets ``client_key_in_dispatch = False`` and calls ``read_client_key()`` after the lookup."""

    client_key: uuid.UUID | None = None
    client_key_in_dispatch = True

    def read_client_key(self) -> HttpResponse | None:
        """Set ``self.client_key``; the 400 answer when it is malformed, else None."""
        try:
            self.client_key = client_key_from(self.request.POST)
        except ClientKeyError:
            return bad_key_response(self.request)
        return None

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST" and self.client_key_in_dispatch:
            self.request = request
            refused = self.read_client_key()
            if refused is not None:
                return refused
        return super().dispatch(request, *args, **kwargs)


class SubmitOnceAPIMixin:
    """API: ``submit_api(request, form, create)`` — the body's ``client_key`` (400 when
    malformed, via the one error mapper) through ``submit``."""

    def submit_api(self, request, form: str, create: Callable[[], M]) -> tuple[M, bool]:
        key = client_key_from(request.data if hasattr(request.data, "get") else {})
        return submit(user=request.user, form=form, client_key=key, create=create)
