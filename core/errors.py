"""Domain errors, and the one place where they become answers.

Services raise ``DomainError`` (a rule refused the write: 400), ``NotPermitted`` (the actor may
see the object but not change it: 403), ``NotFound`` (the object does not exist for this actor:
404), ``ConflictError`` (someone changed it first: 409), or Django's ``ValidationError`` from a
model's ``full_clean`` (400 with field errors).

Every channel maps them here and nowhere else:

* pages: ``service_call(form=…, request=…)`` — a context manager around the service call that
  puts the error on the form (on the field it names, when the form has it) or in a page message,
  turns ``NotPermitted`` into a 403 and ``NotFound`` into a 404, and tells the view the status;
* the API: ``api_exception_handler`` (DRF's ``EXCEPTION_HANDLER``) — 400/403/404/409 with field
  errors;
* anything else that needs the words (admin messages, import reports, job logs):
  ``error_messages(err)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from .limits import body_too_big_message


class DomainError(Exception):
    """A rule refused the write. ``field`` names the input at fault, when there is one."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def as_dict(self) -> dict[str, list[str]]:
        key = self.field or api_settings.NON_FIELD_ERRORS_KEY
        return {key: [self.message]}


class NotPermitted(DomainError):
    """The actor may see the object but may not make this change (read-only role)."""

    status_code = 403

    def __init__(self, message: str = "", **kwargs: Any):
        super().__init__(message or _("您没有执行此操作的权限。"), code="not_permitted", **kwargs)


class NotFound(DomainError):
    """The object does not exist for this actor (it may exist outside their scope): 404."""

    status_code = 404

    def __init__(self, message: str = "", **kwargs: Any):
        kwargs.setdefault("code", "not_found")
        super().__init__(message or _("对象不存在或不在您的辖区内。"), **kwargs)


class ConflictError(DomainError):
    """Someone else changed the object first, or the move is no longer allowed: 409."""

    status_code = 409


# --- The words and the status -------------------------------------------------------------
def error_status(err: Exception) -> int:
    if isinstance(err, DomainError):
        return err.status_code
    return 400


def error_messages(err: Exception) -> list[str]:
    """The messages of a domain or validation error, for a page message, a log or a report."""
    if isinstance(err, DomainError):
        return [err.message]
    if isinstance(err, ValidationError):
        return list(err.messages)
    return [str(err)]


def error_text(err: Exception) -> str:
    return ";".join(error_messages(err))


def error_dict(err: Exception) -> dict[str, list[str]]:
    """Field → messages, with the non-field key of the API for the rest."""
    if isinstance(err, DomainError):
        return err.as_dict()
    if isinstance(err, ValidationError) and hasattr(err, "error_dict"):
        body: dict[str, list[str]] = {}
        for name, texts in err.message_dict.items():
            key = api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name
            body.setdefault(key, []).extend(texts)
        return body
    return {api_settings.NON_FIELD_ERRORS_KEY: error_messages(err)}


# --- Forms --------------------------------------------------------------------------------
def add_to_form(form: Any, err: Exception) -> None:
    """Put a service's error on the form: on the field it names when the form has that field,
    otherwise at the top of the form (prefixed with the field's label when it has one). A form
    whose fields are named differently from the service's arguments maps them in
    ``service_fields`` (service name → form field)."""
    field_map: dict[str, str] | None = getattr(form, "service_fields", None)

    def target(name: str | None) -> str | None:
        if field_map is not None:
            return field_map.get(name or "")
        return name if name in form.fields else None

    if isinstance(err, DomainError):
        form.add_error(target(err.field), err.message)
        return
    if isinstance(err, ValidationError) and hasattr(err, "error_dict"):
        for name, errors in err.error_dict.items():
            if target(name):
                # the formatted texts: a model field's messages carry %(value)s-style params
                form.add_error(target(name), ValidationError(errors).messages)
                continue
            label = "" if name == NON_FIELD_ERRORS else _field_label(form, name)
            for text in ValidationError(errors).messages:
                form.add_error(None, f"{label}:{text}" if label else text)
        return
    for text in error_messages(err):
        form.add_error(None, text)


def _field_label(form: Any, name: str) -> str:
    model = getattr(getattr(form, "_meta", None), "model", None)
    if model is None:
        return ""
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001  (not a model field: show the message alone)
        return ""


# --- Pages --------------------------------------------------------------------------------
@dataclass
class ServiceCall:
    """What ``service_call`` found: ``refused`` is true when the service raised a domain or
    validation error (nothing was written), with its ``status`` and ``messages``."""

    error: Exception | None = None
    messages: list[str] = field(default_factory=list)
    status: int = 200

    @property
    def refused(self) -> bool:
        return self.error is not None

    @property
    def message(self) -> str:
        return ";".join(self.messages)


@contextmanager
def service_call(
    *, form: Any = None, request: HttpRequest | None = None, forbidden: str = "raise"
) -> Iterator[ServiceCall]:
    """Run a service call inside ``with``; map what it raises, once for every page::

        with service_call(form=form) as call:
            obj = services.thing_create(actor=request.user, **form.cleaned_data)
        if call.refused:
            return self.form_invalid(form)

    ``NotPermitted`` → 403 (``PermissionDenied``) and ``NotFound`` → 404 (``Http404``), unless
    ``forbidden="return"`` (a JSON answer of the caller's own); any other domain or validation
    error goes on ``form`` when given, else into a page message on ``request``, and the block
    ends with ``call.refused`` set."""
    call = ServiceCall()
    try:
        yield call
    except (DomainError, ValidationError) as err:
        call.error, call.messages, call.status = err, error_messages(err), error_status(err)
        if forbidden == "raise" and isinstance(err, NotPermitted):
            raise PermissionDenied(err.message) from err
        if forbidden == "raise" and isinstance(err, NotFound):
            raise Http404(err.message) from err
        if form is not None:
            add_to_form(form, err)
        elif request is not None:
            for text in call.messages:
                messages.error(request, text)


# --- The API ------------------------------------------------------------------------------
def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler: domain errors → their status (400/403/404/409) with field
    errors; Django validation errors (from the services' ``full_clean``) → 400 with field
    errors; ``Http404`` → 404 whether the object does not exist or is outside the scope; the
    rest as DRF does it."""
    if isinstance(exc, DomainError | ValidationError):
        set_rollback()
        return Response(error_dict(exc), status=error_status(exc))
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": body_too_big_message()}, status=400)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    return drf_exception_handler(exc, context)
