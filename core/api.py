"""The API's building blocks every app uses: the write permission, the scoped viewset base,
stable ordering and the ``?search=`` documentation. Errors are mapped by
``core.errors.api_exception_handler`` (DRF's ``EXCEPTION_HANDLER``).

Viewsets stay thin: reads come from the app's selectors (scoped to ``request.user``, so an
object outside the scope is a 404), writes go to the app's services with the serializer's
validated data. Nothing is deleted through the API: records are archived or deactivated.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.serializers import BaseSerializer

from . import capabilities
from .forms import SEARCH_FIELD
from .limits import ID_MAX
from .versions import use_version


# --- Permission ---------------------------------------------------------------------------
class CapabilityPermission(BasePermission):
    """Everyone signed in may read (what they see is their scope); a write needs the capability
    the viewset names for the action in ``action_capabilities``, else its ``write_capability``
    (``None``: the service alone decides, e.g. by the station the body names), looked up in the
    capability table (``core.capabilities``).

    On a detail route the check waits for the object: an object outside the scope is a 404
    before any 403. Methods a viewset does not offer fall through to 405."""

    message = _("您没有执行此操作的权限。")

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS or getattr(view, "action", None) is None:
            return True
        if getattr(view, "detail", False):
            return True
        return self._may_write(request.user, view)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return self._may_write(request.user, view)

    @staticmethod
    def _may_write(user, view) -> bool:
        return bool(view.may_write(user))


class MayCreate(BasePermission):
    """For viewsets whose write rule lives in the service (which station, which village): a role
    that can never make the record gets 403 before its input is parsed, as everywhere else
    (404 → 403 → 400). The viewset names the test in ``may_create(user)``; the service still
    checks the object the body names."""

    message = _("您没有执行此操作的权限。")

    def has_permission(self, request, view) -> bool:
        if getattr(view, "action", None) != "create":
            return True
        return bool(view.may_create(request.user))


# --- Viewset base -------------------------------------------------------------------------
SEARCH_PARAMETER = OpenApiParameter(
    "search", str, description=_("按名称、编号等关键字搜索(由各列表的 selector 决定搜索字段)")
)


class StableOrderingFilter(OrderingFilter):
    """``?ordering=`` with the primary key as the last tie-break, so pages never overlap."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not {"pk", "-pk", "id", "-id"} & set(ordering):
            ordering.append("pk")
        return ordering


def searchable(viewset):
    """Document ``?search=`` on the list of a viewset whose selector takes ``search``."""
    return extend_schema_view(list=extend_schema(parameters=[SEARCH_PARAMETER]))(viewset)


class IdLookupMixin:
    """A detail route's id that is not a record number (``/cases/abc/``, a number beyond what the
    database holds) is a 404 with a message, before any query."""

    lookup_field = "pk"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        value = kwargs.get(getattr(self, "lookup_url_kwarg", None) or self.lookup_field)
        if value is not None and not valid_id(value):
            raise NotFound(_("编号无效:记录编号应为正整数。"))


def valid_id(value: object) -> bool:
    text = str(value)
    return text.isascii() and text.isdigit() and 0 < int(text) <= ID_MAX


class ScopedViewSet(IdLookupMixin, viewsets.GenericViewSet):
    """``get_queryset`` calls the app's selector with ``user=request.user``; detail routes look
    the object up in that queryset, so an object outside the scope is a 404.

    ``update_serializer_class`` (when set) serves PATCH, for fields fixed at creation. PUT and
    DELETE are not offered (405). Lists are ordered explicitly (``ordering``, overridable with
    ``?ordering=`` among ``ordering_fields``): the selectors' counts make GROUP BY queries, to
    which a model's Meta.ordering does not apply, and pages need a stable order."""

    permission_classes = [IsAuthenticated, CapabilityPermission]
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    ordering: tuple[str, ...] = ("pk",)
    ordering_fields: tuple[str, ...] = ()
    http_method_names = ["get", "post", "patch", "head", "options"]
    update_serializer_class: type[BaseSerializer] | None = None
    write_capability: str | None = "reference.manage"
    action_capabilities: dict[str, str] = {}

    def may_write(self, user: Any) -> bool:
        code = self.action_capabilities.get(getattr(self, "action", None) or "", self.write_capability)
        return code is None or capabilities.may(user, code)

    def search_term(self) -> str:
        if getattr(self, "action", None) != "list":
            return ""
        text = self.request.query_params.get("search", "")
        try:  # the list pages' ``?q=`` field, so both channels refuse the same terms
            return SEARCH_FIELD.clean(text).strip()
        except DjangoValidationError as error:
            raise ValidationError({"search": error.messages}) from error

    def get_serializer_class(self):
        if self.action in ("update", "partial_update") and self.update_serializer_class is not None:
            return self.update_serializer_class
        return super().get_serializer_class()

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        context["in_list"] = getattr(self, "action", None) == "list"
        return context

    def get_object(self):
        """A write to one record carries the version its author saw (``If-Match``, the ``ETag``
        of its GET, or a ``version`` field): the service's conditional update turns a stale one
        into a 409 that changes nothing."""
        obj = super().get_object()
        if self.request.method not in SAFE_METHODS and getattr(obj, "version", None) is not None:
            use_version(obj, self.request)
        return obj

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        single = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field) is not None or (
            getattr(self, "action", None) == "create"
        )
        if (
            single
            and 200 <= response.status_code < 300
            and isinstance(data, dict)
            and isinstance(data.get("version"), int)
            and not response.has_header("ETag")
        ):
            response["ETag"] = f'"{data["version"]}"'  # sent back as If-Match by the next write
        return response

    def reload(self, obj: Model) -> Model:
        """The object a service just wrote, read back through the selector (with its counts)."""
        return self.get_queryset().get(pk=obj.pk)


class ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    pass


class CreateReadUpdateViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ReadViewSet):
    pass
