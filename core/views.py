"""Base classes for pages, and the project-level endpoints (health check).

Views stay thin: a list calls one scoped selector, a detail page the ``*_get`` selector (404
outside scope), a form page one service. ``ServiceFormMixin`` runs the service through
``core.errors.service_call``, the one place where service errors become form errors or a 403;
``ScopedListView`` is the one place for search, filters and pagination.
"""

from typing import TYPE_CHECKING, Any

from celery import current_app
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import BadRequest, PermissionDenied, RequestDataTooBig
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found
from django.views.generic import TemplateView
from django_celery_beat.models import PeriodicTask
from rest_framework import exceptions as drf_exceptions

from . import capabilities
from .errors import service_call
from .forms import ListFilterForm
from .limits import body_too_big_message
from .versions import use_version

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


# --- Pages ---------------------------------------------------------------------------
class PageMixin(LoginRequiredMixin):
    """Anonymous users go to the login page; every page names its navigation entry.
    ``can_manage`` (shows the create/edit buttons) is the user's ``manage_capability``."""

    nav_key = ""
    page_title: "StrOrPromise" = ""
    manage_capability = "reference.manage"

    def get_page_title(self) -> str:
        return str(self.page_title)

    def get_breadcrumbs(self) -> list[tuple[str, str]]:
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            nav_key=self.nav_key,
            page_title=self.get_page_title(),
            breadcrumbs=self.get_breadcrumbs(),
            can_manage=capabilities.may(self.request.user, self.manage_capability),
        )
        return context


class ScopedListView(PageMixin, TemplateView):
    """A paginated list: ``filter_form_class`` parses ``?q=`` and the filters, ``get_queryset``
    passes them to the app's scoped selector."""

    filter_form_class: type[ListFilterForm] = ListFilterForm
    create_url_name = ""
    paginator_class: type[Paginator] = Paginator  # ``core.pagination.LargeListPaginator`` for huge lists

    def get_queryset(self, filters: dict[str, Any]):
        raise NotImplementedError

    def render_to_response(self, context, **response_kwargs):
        """A filter that could not be read (an id beyond any record, a date outside the calendar's
        range) is shown above the results and the page answers 400; an htmx refresh keeps 200 so
        that the results (with the message) are swapped in."""
        form = context.get("filter_form")
        if form is not None and form.errors and not self.request.headers.get("HX-Request"):
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filter_form = self.filter_form_class(self.request.GET or None, user=self.request.user)
        filters = filter_form.values()
        queryset = self.get_queryset(filters)
        if not queryset.ordered:  # aggregate queries drop Meta.ordering; pages need a stable order
            queryset = queryset.order_by(*queryset.model._meta.ordering, "pk")
        paginator = self.paginator_class(queryset, settings.PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        context.update(
            filter_form=filter_form,
            filters=filters,
            page_obj=page,
            object_list=page.object_list,
            is_filtered=bool(filters),
            create_url=reverse(self.create_url_name)
            if self.create_url_name and context["can_manage"]
            else "",
        )
        return context


class ScopedDetailView(PageMixin, TemplateView):
    """``get_object`` calls the app's ``*_get(user=…, pk=…)`` selector, which 404s outside scope."""

    def get_object(self):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def get_page_title(self) -> str:
        return str(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.object
        return context


class ServiceFormMixin(PageMixin):
    """Create and edit pages. The order of checks is fixed: anonymous → login page; the object
    (or parent object) is read through its scoped selector → 404 outside scope; a role that may
    not write → 403; then the form parses the input, ``perform`` calls the service, and any
    error it raises lands on the form (``NotPermitted`` → 403). Nothing is written unless the
    service succeeds."""

    template_name: str | None = "form.html"
    success_message: "StrOrPromise" = ""
    submit_label: "StrOrPromise" = gettext_lazy("保存")

    def get_object(self):
        """The object edited, or the parent a new object is added to; ``None`` for plain creates."""
        return None

    write_capability = "reference.manage"

    def may_write(self, user) -> bool:
        return capabilities.may(user, self.write_capability)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        if not self.may_write(request.user):
            raise PermissionDenied(_("您的角色只能查看,不能新增或修改。"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def perform(self, form):
        """Call the service with the parsed input; return the object to show next."""
        raise NotImplementedError

    def get_success_message(self, obj) -> str:
        return self.success_message % {"name": obj}

    def get_success_url(self, obj) -> str:
        raise NotImplementedError

    def get_cancel_url(self) -> str:
        return ""

    def form_valid(self, form):
        with service_call(form=form) as call:
            obj = self.perform(form)
        if call.refused:
            if getattr(self.object, "pk", None):
                self.object.refresh_from_db()  # the service may have set fields before refusing
            return self.form_invalid(form)
        messages.success(self.request, self.get_success_message(obj))
        return redirect(self.get_success_url(obj))

    def form_invalid(self, form):
        if form.errors:
            messages.error(self.request, _("提交的内容有误,请按提示修改后再保存。"))
        return super().form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(object=self.object, cancel_url=self.get_cancel_url(), submit_label=self.submit_label)
        return context


class ModelEditMixin(ServiceFormMixin):
    """Edit pages bind the ModelForm to the object being edited. A versioned object
    (``core.models.Versioned``) travels with the version the page showed (hidden ``version``
    field, kept across a re-shown form); when someone saved it in between, the service's
    conditional update refuses (409) and the page shows the latest values to check again."""

    conflicted = False

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.object
        if self.conflicted:  # the latest values, not the ones that lost
            kwargs.pop("data", None)
            kwargs.pop("files", None)
        return kwargs

    def form_valid(self, form):
        if getattr(self.object, "version", None) is None:
            return super().form_valid(form)
        with service_call(form=form) as call:
            use_version(self.object, self.request)  # the version the page showed
            obj = self.perform(form)
        if call.status == 409:
            self.object.refresh_from_db()
            self.conflicted = True
            messages.error(
                self.request, _("%(msg)s 页面已显示最新内容,请核对后再保存。") % {"msg": call.message}
            )
            response = self.render_to_response(self.get_context_data(form=self.get_form()))
            response.status_code = 409
            return response
        if call.refused:
            self.object.refresh_from_db()  # the service may have set fields before refusing
            return self.form_invalid(form)
        messages.success(self.request, self.get_success_message(obj))
        return redirect(self.get_success_url(obj))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        version = getattr(self.object, "version", None)
        if version is not None:
            posted = self.request.POST.get("version", "") if self.request.method == "POST" else ""
            # a form shown again keeps the version its author first saw
            context["form_version"] = posted if posted.isdigit() and not self.conflicted else version
        return context

    def get_cancel_url(self) -> str:
        return self.get_success_url(self.object)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler400``: the page of a request that could not be read (a malformed period or month,
    a body too large), with the reason. Raise ``django.core.exceptions.BadRequest(message)``."""
    if isinstance(exception, RequestDataTooBig):
        message = body_too_big_message()
    else:
        message = str(exception) if isinstance(exception, BadRequest) else ""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message or str(drf_exceptions.ParseError.default_detail)}, status=400)
    return render(request, "400.html", {"message": message}, status=400)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: JSON under /api/ (an unknown route answers like an unknown record, with
    DRF's message), the 404 page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(drf_exceptions.NotFound.default_detail)}, status=404)
    return page_not_found(request, exception or Http404())


def prefill(request, *names: str) -> dict:
    """Initial values for a create form from the query string (``?village=3``)."""
    return {name: request.GET[name] for name in names if request.GET.get(name, "").isdigit()}


# --- Health check -----------------------------------------------------------------------
HEARTBEAT_TASK = "core.heartbeat"


def _database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001  (report any failure as a state, never crash the probe)
        return {"ok": False, "vendor": connection.vendor, "error": str(exc)[:200]}


def _broker_state() -> dict:
    transport = settings.CELERY_BROKER_URL.split("://", 1)[0]
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": transport}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "transport": transport, "error": str(exc)[:200]}


def _scheduler_state() -> dict:
    try:
        beat = PeriodicTask.objects.filter(task=HEARTBEAT_TASK).values("last_run_at").first()
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": str(exc)[:200]}
    last = beat["last_run_at"].isoformat() if beat and beat["last_run_at"] else None
    return {"configured": beat is not None, "last_heartbeat": last}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """``{"status": "ok"|"degraded"}`` for anyone (load balancers, monitors); the details
    (database vendor, broker transport, scheduler) only for signed-in staff."""
    database = _database_state()
    broker = _broker_state()
    body: dict = {"status": "ok" if database["ok"] and broker["ok"] else "degraded"}
    if request.user.is_authenticated and request.user.is_staff:
        body.update(database=database, broker=broker, scheduler=_scheduler_state())
    return JsonResponse(body, status=200)
