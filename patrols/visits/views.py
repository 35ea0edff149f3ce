"""Pages of the risk → visit loop, mounted at ``/visits/`` (namespace ``visits``): the list and
page of the visits for station staff and village auxiliary officers, and the grid worker's phone
page with the check-in button."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from core.errors import service_call
from core.submissions import ClientKeyViewMixin, submit
from core.views import PageMixin, ScopedListView
from governance.capabilities import may
from stations.evidence import verify_distance_m
from stations.models import VisitOutcome

from . import selectors, services
from .forms import VisitCheckInForm, VisitFilterForm


def _decorate(visits, now):
    for v in visits:
        v.done_at = selectors.done_at(v)
        v.verified_at = selectors.verified_at(v)
        v.state = "done" if v.done_at else ("overdue" if v.due_at < now else "open")
        v.on_time = bool(v.done_at and v.done_at <= v.due_at)
    return visits


class VisitListView(ScopedListView):
    template_name = "patrols/visits/list.html"
    nav_key = "visits"
    page_title = gettext_lazy("核查走访任务")
    filter_form_class = VisitFilterForm

    def get(self, request, *args, **kwargs):
        if may(request.user, "ui.phone_first"):
            return redirect("visits:mobile")
        return super().get(request, *args, **kwargs)

    def get_queryset(self, filters):
        return selectors.risk_visit_list(
            user=self.request.user, status=filters.get("status", ""), search=filters.get("q", "")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _decorate(context["object_list"], timezone.now())
        return context


class VisitDetailView(PageMixin, TemplateView):
    template_name = "patrols/visits/detail.html"
    nav_key = "visits"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        visit = selectors.risk_visit_get(user=self.request.user, pk=kwargs["pk"])
        _decorate([visit], timezone.now())
        context.update(
            visit=visit,
            check_ins=selectors.visit_check_ins(visit),
            page_title=_("核查走访 · 案件 %(n)s") % {"n": visit.case.number},
            may_check_in=services.may_check_in_for(self.request.user, visit),
            form=VisitCheckInForm(),
            verify_distance=int(verify_distance_m()),
            breadcrumbs=[(_("核查走访任务"), reverse("visits:list"))],
        )
        return context


class VisitCheckInView(LoginRequiredMixin, ClientKeyViewMixin, View):
    """POST: an assignee checks in for the visit (outcome, GPS optional): a grid worker in the
    grid, an officer or auxiliary officer in the village."""

    client_key_in_dispatch = False

    def post(self, request, pk):
        visit = selectors.risk_visit_get(user=request.user, pk=pk)  # 404 outside scope
        if not services.may_check_in_for(request.user, visit):  # then 403
            raise PermissionDenied(_("只有该任务的核查人员可以为其签到。"))
        refused = self.read_client_key()  # then a malformed client key: 400
        if refused is not None:
            return refused
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("visits:detail", args=[pk])
        form = VisitCheckInForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(target)
        photo = request.FILES.get("photo")
        with service_call(request=request) as call:
            record, _made = submit(  # ``client_key``: a resend answers as the first, no second check-in
                user=request.user,
                form="patrols.visit_check_in",
                client_key=self.client_key,
                create=lambda: services.visit_check_in_with_photo(
                    actor=request.user, visit=visit, photo=photo, **form.cleaned_data
                ),
            )
        if call.refused:
            return redirect(target)
        if record.verified:
            messages.success(request, _("已签到,定位核实,核查走访完成。"))
        else:
            messages.warning(request, _("已签到,核查走访完成;未能核实定位(未定位或距离网格、村过远)。"))
        return redirect(target)


class MobileVisitListView(LoginRequiredMixin, TemplateView):
    """The grid worker's phone page: the visits of their grid, each with a check-in button."""

    template_name = "patrols/visits/mobile.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        page = Paginator(selectors.risk_visit_list(user=self.request.user), 20).get_page(
            self.request.GET.get("page")
        )
        visits = _decorate(list(page.object_list), now)
        mine = selectors.assigned_visit_ids(user=self.request.user, visit_ids=[v.pk for v in visits])
        grids = set(selectors.my_grids(self.request.user).values_list("pk", flat=True))
        for v in visits:
            v.may_check_in = v.pk in mine and v.grid_id in grids and v.state != "done"
        context.update(
            visits=visits,
            page_obj=page,
            page_title=_("核查走访"),
            back_url="/m/",
            outcomes=VisitOutcome.choices,
        )
        return context
