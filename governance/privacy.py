"""Who sees personal data (ID-card numbers, phone numbers) in full.

Lists, exports and change histories always mask; a detail page or API detail shows the full value
only to roles that work with the person (the capability ``personal_data.view`` of
``governance.capabilities``), and every such full display is written to the access log
(``PersonalDataAccess``): through ``shown`` (pages), ``PersonalDataMixin`` (API) and ``reveal``."""

from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from core.errors import DomainError, NotPermitted

from .capabilities import may
from .models import PersonalDataAccess
from .validators import mask_id_number, mask_phone


def may_see_personal_data(user: Any) -> bool:
    """The capability ``personal_data.view``."""
    return may(user, "personal_data.view")


def shown_id_number(user, value: str, *, in_list: bool = False) -> str:
    return value if (value and not in_list and may_see_personal_data(user)) else mask_id_number(value)


def shown_phone(user, value: str, *, in_list: bool = False) -> str:
    return value if (value and not in_list and may_see_personal_data(user)) else mask_phone(value)


# --- The access log (PersonalDataAccess) --------------------------------------------------
# The personal-data fields of any record, and how each is masked.
PERSONAL_FIELDS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "caller_phone": mask_phone,
    "leader_phone": mask_phone,
}


def masked_value(field: str, value: Any) -> Any:
    """A recorded value as a history shows it: a personal field (``phone``, ``party.phone``,
    ``id_number`` …) masked, whoever looks (a history is not a place to read a number: the
    record's page reveals it, recorded); anything else unchanged."""
    mask = PERSONAL_FIELDS.get(field.rsplit(".", 1)[-1])
    return mask(value) if mask is not None and isinstance(value, str) and value else value


def masked_changes(changes: dict[str, Any] | None) -> dict[str, Any]:
    """A timeline row's ``{field: [old, new]}`` with every personal value masked."""
    return {
        key: [masked_value(key, v) for v in pair] if isinstance(pair, list) else pair
        for key, pair in (changes or {}).items()
    }


# The records whose numbers can be revealed, by model label ("disputes.party"): each app registers
# a function (user, pk) → the object through its scoped selector (404 outside the scope), in its
# AppConfig.ready, so that governance needs no import of the apps above it.
REVEALERS: dict[str, Callable[[Any, int], Any]] = {}


def register_revealer(label: str, get: Callable[[Any, int], Any]) -> None:
    REVEALERS[label] = get


def may_reveal(user: Any) -> bool:
    """The capability ``personal_data.reveal``: one tap shows a full number, on the records the
    user's scope reaches (a mediator their cases, an auxiliary officer their village)."""
    return may(user, "personal_data.reveal")


def _address(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def record_access(*, actor, obj, fields, kind: str, where: str = "", reason: str = "", request=None) -> None:
    """Append one row per field of ``obj`` shown in full to ``actor``."""
    if not getattr(actor, "is_authenticated", False) or obj is None or obj.pk is None:
        return
    content_type = ContentType.objects.get_for_model(obj)
    subject = str(
        getattr(obj, "name", "") or getattr(obj, "caller_name", "") or getattr(obj, "full_name", "") or obj
    )[:128]
    rows = [
        PersonalDataAccess(
            actor=actor,
            content_type=content_type,
            object_id=obj.pk,
            subject=subject,
            field=field,
            kind=kind,
            where=(where or (request.path if request is not None else ""))[:255],
            reason=reason[:200],
            address=_address(request),
        )
        for field in fields
    ]
    buffer = getattr(request, BUFFER, None) if request is not None else None
    if buffer is not None and kind == PersonalDataAccess.Kind.DISPLAY:
        buffer.extend(rows)  # written once at the end of the request (AccessLogMiddleware)
    else:
        PersonalDataAccess.objects.bulk_create(rows)


BUFFER = "_personal_data_shown"


class AccessLogMiddleware:
    """Collects the full displays of one request (a page listing twenty officers with their
    phones) and writes them in one INSERT once the response is rendered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        setattr(request, BUFFER, [])
        response = self.get_response(request)
        rows = getattr(request, BUFFER, [])
        if rows:
            PersonalDataAccess.objects.bulk_create(rows)
        return response


def shown(request, obj, field: str, *, in_list: bool = False) -> str:
    """``obj.<field>`` as ``request.user`` may see it; a full display is recorded."""
    value = str(getattr(obj, field, "") or "")
    user = getattr(request, "user", None)
    if not value or in_list or not may_see_personal_data(user):
        return PERSONAL_FIELDS[field](value) if value else value
    record_access(actor=user, obj=obj, fields=[field], kind=PersonalDataAccess.Kind.DISPLAY, request=request)
    return value


def reveal(*, actor, obj, field: str, request=None, reason: str = "") -> str:
    """The full ``obj.<field>`` for someone who must contact the person, recorded. ``obj`` was
    reached through the actor's scoped selector (outside the scope: 404 before this)."""
    if field not in PERSONAL_FIELDS or not hasattr(obj, field):
        raise DomainError(_("该字段不是可查看的个人信息。"), field="field")
    if not (may_reveal(actor) or may_see_personal_data(actor)):
        raise NotPermitted(_("您的角色不能查看完整号码。"))
    value = str(getattr(obj, field) or "")
    if value:
        record_access(
            actor=actor,
            obj=obj,
            fields=[field],
            kind=PersonalDataAccess.Kind.REVEAL,
            request=request,
            reason=reason,
        )
    return value
