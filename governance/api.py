"""REST API (/api/v1/) for the territory and community forces, and the pieces every app's API
shares: the exception handler, the write permission and the scoped viewset base.

Viewsets stay thin: reads come from ``governance.selectors`` (scoped to ``request.user``, so an
object outside the scope is a 404), writes go to ``governance.services`` with the serializer's
validated data, and errors from the services are turned into responses in one place,
``exception_handler``. Nothing is deleted through the API: records are archived or deactivated.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from . import filters, scoping, selectors, services
from . import serializers as s
from .errors import DomainError


# --- Errors -------------------------------------------------------------------------------
def exception_handler(exc, context):
    """Domain errors → their status (400/403/409) with field errors; Django validation errors
    (from the services' ``full_clean``) → 400 with field errors; the rest as DRF does it
    (``Http404`` → 404, ``PermissionDenied`` → 403)."""
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        return Response(_validation_error_body(exc), status=400)
    if isinstance(exc, Http404):
        # The same answer whether the object does not exist or is outside the scope.
        exc = NotFound()
    return drf_exception_handler(exc, context)


def _validation_error_body(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        body = {}
        for field, messages in exc.message_dict.items():
            key = api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field
            body.setdefault(key, []).extend(messages)
        return body
    return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


# --- Permission ---------------------------------------------------------------------------
class ReferenceDataPermission(BasePermission):
    """Everyone signed in may read (what they see is their scope); writing needs a role that
    manages reference data, and some actions need the county command centre.

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
        if view.action in getattr(view, "county_wide_actions", ()):
            return scoping.is_county_wide(user)
        return bool(getattr(user, "can_manage_reference_data", False))


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


class ScopedViewSet(viewsets.GenericViewSet):
    """``get_queryset`` calls the app's selector with ``user=request.user``; detail routes look
    the object up in that queryset, so an object outside the scope is a 404.

    ``update_serializer_class`` (when set) serves PATCH, for fields fixed at creation. PUT and
    DELETE are not offered (405). Lists are ordered explicitly (``ordering``, overridable with
    ``?ordering=`` among ``ordering_fields``): the selectors' counts make GROUP BY queries, to
    which a model's Meta.ordering does not apply, and pages need a stable order."""

    permission_classes = [IsAuthenticated, ReferenceDataPermission]
    filter_backends = [DjangoFilterBackend, StableOrderingFilter]
    ordering: tuple[str, ...] = ("pk",)
    ordering_fields: tuple[str, ...] = ()
    http_method_names = ["get", "post", "patch", "head", "options"]
    update_serializer_class = None
    county_wide_actions: tuple[str, ...] = ()

    def search_term(self) -> str:
        if getattr(self, "action", None) != "list":
            return ""
        return self.request.query_params.get("search", "").strip()

    def get_serializer_class(self):
        if self.action in ("update", "partial_update") and self.update_serializer_class is not None:
            return self.update_serializer_class
        return super().get_serializer_class()

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        context["in_list"] = getattr(self, "action", None) == "list"
        return context

    def reload(self, obj: Model) -> Model:
        """The object a service just wrote, read back through the selector (with its counts)."""
        return self.get_queryset().get(pk=obj.pk)


class ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    pass


class CreateReadUpdateViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ReadViewSet):
    pass


# --- Regions ------------------------------------------------------------------------------
@searchable
class RegionViewSet(CreateReadUpdateViewSet):
    """行政区划。县指挥中心新增、归档、恢复;派出所民警可修正辖区内村(社区)的名称和户数人口。"""

    serializer_class = s.RegionSerializer
    ordering = ("code",)
    ordering_fields = ("code", "name", "population", "households")
    update_serializer_class = s.RegionUpdateSerializer
    filterset_class = filters.RegionFilter
    county_wide_actions = ("create", "archive", "restore")

    def get_queryset(self):
        return selectors.region_list(user=self.request.user, search=self.search_term())

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.region_create(
            actor=self.request.user, parent=data.pop("parent", None), **data
        )

    def perform_update(self, serializer):
        services.region_update(
            actor=self.request.user, region=serializer.instance, data=dict(serializer.validated_data)
        )

    @extend_schema(request=None, responses=s.RegionSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """归档(不删除):其下属区划须已归档;村(社区)下的网格同时停用。"""
        region = services.region_archive(actor=request.user, region=self.get_object())
        return Response(self.get_serializer(region).data)

    @extend_schema(request=None, responses=s.RegionSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """恢复已归档的区划。"""
        region = services.region_restore(actor=request.user, region=self.get_object())
        return Response(self.get_serializer(region).data)


# --- Grids and grid workers ---------------------------------------------------------------
@searchable
class GridViewSet(CreateReadUpdateViewSet):
    """网格。"""

    serializer_class = s.GridSerializer
    ordering = ("code",)
    ordering_fields = ("code", "name", "population", "households", "worker_count")
    update_serializer_class = s.GridUpdateSerializer
    filterset_class = filters.GridFilter

    def get_queryset(self):
        return selectors.grid_list(user=self.request.user, search=self.search_term(), include_inactive=True)

    def perform_create(self, serializer):
        grid = services.grid_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reload(grid)

    def perform_update(self, serializer):
        services.grid_update(
            actor=self.request.user, grid=serializer.instance, data=dict(serializer.validated_data)
        )


@searchable
class GridWorkerViewSet(CreateReadUpdateViewSet):
    """网格员、网格长。身份证号和电话在列表中打码。"""

    serializer_class = s.GridWorkerSerializer
    ordering = ("grid__code", "role", "name", "pk")
    ordering_fields = ("name", "stars", "since")
    filterset_class = filters.GridWorkerFilter

    def get_queryset(self):
        return selectors.grid_worker_list(
            user=self.request.user, search=self.search_term(), include_inactive=True
        )

    def perform_create(self, serializer):
        worker = services.grid_worker_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reload(worker)

    def perform_update(self, serializer):
        services.grid_worker_update(
            actor=self.request.user, worker=serializer.instance, data=dict(serializer.validated_data)
        )


# --- Mediators ----------------------------------------------------------------------------
@searchable
class MediatorViewSet(CreateReadUpdateViewSet):
    """德古、人民调解员、律师。"""

    serializer_class = s.MediatorSerializer
    ordering = ("township__code", "kind", "name", "pk")
    ordering_fields = ("name", "kind")
    filterset_class = filters.MediatorFilter

    def get_queryset(self):
        return selectors.mediator_list(
            user=self.request.user, search=self.search_term(), include_inactive=True
        )

    def perform_create(self, serializer):
        mediator = services.mediator_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reload(mediator)

    def perform_update(self, serializer):
        services.mediator_update(
            actor=self.request.user, mediator=serializer.instance, data=dict(serializer.validated_data)
        )


# --- Committees ---------------------------------------------------------------------------
@searchable
class CommitteeViewSet(CreateReadUpdateViewSet):
    """治保会(每村一个)。"""

    serializer_class = s.CommitteeSerializer
    ordering = ("village__code",)
    ordering_fields = ("name", "member_count")
    update_serializer_class = s.CommitteeUpdateSerializer
    filterset_class = filters.CommitteeFilter

    def get_queryset(self):
        return selectors.committee_list(user=self.request.user, search=self.search_term())

    def perform_create(self, serializer):
        committee = services.committee_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reload(committee)

    def perform_update(self, serializer):
        services.committee_update(
            actor=self.request.user, committee=serializer.instance, data=dict(serializer.validated_data)
        )


class CommitteeMemberViewSet(CreateReadUpdateViewSet):
    """治保会成员。主任由村党支部书记担任,副主任由村辅警担任。"""

    serializer_class = s.CommitteeMemberSerializer
    ordering = ("committee__village__code", "position", "name", "pk")
    ordering_fields = ("name", "joined_on")
    update_serializer_class = s.CommitteeMemberUpdateSerializer
    filterset_class = filters.CommitteeMemberFilter

    def get_queryset(self):
        return selectors.committee_member_list(user=self.request.user, include_inactive=True)

    def perform_create(self, serializer):
        member = services.committee_member_add(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reload(member)

    def perform_update(self, serializer):
        services.committee_member_update(
            actor=self.request.user, member=serializer.instance, data=dict(serializer.validated_data)
        )


# --- Volunteer teams ----------------------------------------------------------------------
@searchable
class VolunteerTeamViewSet(CreateReadUpdateViewSet):
    """群防群治队伍。"""

    serializer_class = s.VolunteerTeamSerializer
    ordering = ("region__code", "name")
    ordering_fields = ("name", "member_count", "founded_on")
    filterset_class = filters.VolunteerTeamFilter

    def get_queryset(self):
        return selectors.volunteer_team_list(
            user=self.request.user, search=self.search_term(), include_inactive=True
        )

    def perform_create(self, serializer):
        team = services.volunteer_team_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reload(team)

    def perform_update(self, serializer):
        services.volunteer_team_update(
            actor=self.request.user, team=serializer.instance, data=dict(serializer.validated_data)
        )


def register(router) -> None:
    router.register("regions", RegionViewSet, basename="regions")
    router.register("grids", GridViewSet, basename="grids")
    router.register("grid-workers", GridWorkerViewSet, basename="grid-workers")
    router.register("mediators", MediatorViewSet, basename="mediators")
    router.register("committees", CommitteeViewSet, basename="committees")
    router.register("committee-members", CommitteeMemberViewSet, basename="committee-members")
    router.register("volunteer-teams", VolunteerTeamViewSet, basename="volunteer-teams")
