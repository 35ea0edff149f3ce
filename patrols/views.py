"""Patrol pages: plans (list, create with a route, detail), a patrol's record, and the phone
page for a patrol in progress (check in at each checkpoint, add a finding, end). Findings
become a case or an incident from the patrol's page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView

from core.errors import service_call
from core.submissions import ClientKeyViewMixin, submit
from core.views import PageMixin, ScopedDetailView, ScopedListView, ServiceFormMixin

from . import forms, selectors, services
from .models import Patrol


def _crumbs():
    return [(_("巡逻"), reverse("patrols:plan-list"))]


def _run(request, action, success: str = "") -> bool:
    """Run one service call for a POST action; its refusal becomes a message (403 for a role
    that may not act)."""
    with service_call(request=request) as call:
        result = action()
    if call.refused:
        return False
    if success:
        messages.success(request, success if not callable(success) else success(result))
    return True


class PlanListView(ScopedListView):
    template_name = "patrols/plan_list.html"
    nav_key = "patrols"
    page_title = gettext_lazy("巡逻")
    filter_form_class = forms.PlanFilterForm
    create_url_name = "patrols:plan-create"

    def get_queryset(self, filters):
        return selectors.plan_list(user=self.request.user, search=filters.get("q", ""))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["in_progress"] = list(
            selectors.patrol_list(user=self.request.user, status=Patrol.Status.IN_PROGRESS).order_by(
                "-started_at"
            )[:10]
        )
        context["recent"] = list(
            selectors.patrol_list(user=self.request.user, status=Patrol.Status.ENDED).order_by("-started_at")[
                :10
            ]
        )
        return context


class PlanCreateView(ServiceFormMixin, FormView):  # type: ignore[misc]  # get_success_url(obj): ServiceFormMixin's
    form_class = forms.PlanForm
    template_name = "patrols/plan_form.html"
    nav_key = "patrols"
    page_title = gettext_lazy("制定巡逻计划")
    submit_label = gettext_lazy("保存计划")
    write_capability = "patrol.plan"  # what the service and the API ask

    def get_breadcrumbs(self):
        return _crumbs()

    def get_cancel_url(self):
        return reverse("patrols:plan-list")

    def get_formset(self):
        data = self.request.POST if self.request.method == "POST" else None
        return forms.CheckpointFormSet(data, prefix="cp", form_kwargs={"user": self.request.user})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("formset", self.get_formset())
        return context

    def post(self, request, *args, **kwargs):
        form, formset = self.get_form(), self.get_formset()
        if not (form.is_valid() and formset.is_valid()):
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        with service_call(form=form) as call:
            plan = services.plan_create(
                actor=request.user,
                checkpoints=[f.cleaned_data for f in formset.forms if f.cleaned_data],
                **form.cleaned_data,
            )
        if call.refused:
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        messages.success(request, _("已制定巡逻计划“%(title)s”。") % {"title": plan.title})
        return redirect("patrols:plan-detail", plan.pk)


class PlanDetailView(ScopedDetailView):
    template_name = "patrols/plan_detail.html"
    nav_key = "patrols"

    def get_object(self):
        return selectors.plan_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_breadcrumbs(self):
        return _crumbs()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["patrols"] = selectors.patrol_list(user=self.request.user, plan_id=self.object.pk)
        context["may_patrol"] = services.may_patrol(self.request.user, self.object.station)
        return context


class PatrolStartView(PageMixin, View):
    def post(self, request, pk):
        plan = selectors.plan_get(user=request.user, pk=pk)
        holder = {}

        def start():
            holder["patrol"] = services.patrol_start(actor=request.user, plan=plan)

        if _run(request, start, _("巡逻已开始,请在每个巡逻点打卡。")):
            return redirect("patrols:patrol-mobile", holder["patrol"].pk)
        return redirect("patrols:plan-detail", plan.pk)


class PatrolDetailView(ScopedDetailView):
    template_name = "patrols/patrol_detail.html"
    nav_key = "patrols"

    def get_object(self):
        return selectors.patrol_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_breadcrumbs(self):
        crumbs = _crumbs()
        if self.object.plan_id:
            crumbs.append(
                (self.object.plan.title, reverse("patrols:plan-detail", args=[self.object.plan_id]))
            )
        return crumbs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            _route(self.object), may_patrol=services.may_patrol(self.request.user, self.object.station)
        )
        return context


def _route(patrol: Patrol) -> dict:
    done = {c.checkpoint_id: c for c in patrol.check_ins.all()}
    stops = list(patrol.plan.checkpoints.all()) if patrol.plan is not None else []
    attendance = selectors.attendance_table(patrol)
    return {
        "route": [(stop, done.get(stop.pk)) for stop in stops],
        "done_count": len(done),
        "findings": list(patrol.findings.all()),
        "attendance": attendance,
        "present_count": sum(1 for a in attendance if a["row"] is not None),
    }


class PatrolMobileView(PageMixin, FormView):
    """The phone page of a patrol in progress."""

    template_name = "patrols/mobile.html"
    form_class = forms.FindingForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.patrol = selectors.patrol_get(user=request.user, pk=kwargs["pk"])
        if not services.may_patrol(request.user, self.patrol.station):
            raise PermissionDenied(_("您的角色只能查看巡逻记录。"))
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return self.patrol.title

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, patrol=self.patrol)
        return kwargs

    def form_valid(self, form):
        with service_call(form=form, forbidden="return") as call:
            services.finding_add(actor=self.request.user, patrol=self.patrol, **form.cleaned_data)
        if call.refused:
            return self.form_invalid(form)
        messages.success(self.request, _("已记录巡逻发现。"))
        return redirect("patrols:patrol-mobile", self.patrol.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            _route(self.patrol),
            patrol=self.patrol,
            end_form=forms.PatrolEndForm(),
            attendance_form=forms.AttendanceForm(patrol=self.patrol),
            may_attend_self=services.may_attend_self(self.request.user, self.patrol),
            back_url=reverse("patrols:patrol-detail", args=[self.patrol.pk]),
        )
        return context


class PatrolCheckInView(PageMixin, ClientKeyViewMixin, View):
    client_key_in_dispatch = False  # 404 outside the scope, 403 for a read-only role, then 400

    def post(self, request, pk):
        patrol = selectors.patrol_get(user=request.user, pk=pk)  # 404 outside the scope first
        if not services.may_patrol(request.user, patrol.station):
            raise PermissionDenied(_("您的角色只能查看巡逻记录。"))
        refused = self.read_client_key()
        if refused is not None:
            return refused
        form = forms.CheckInForm(request.POST)
        if form.is_valid():
            made = []  # whether the service made a new check-in (not only this client key)

            def check_in():
                check_in, created = services.patrol_check_in(
                    actor=request.user,
                    patrol=patrol,
                    checkpoint=form.cleaned_data["checkpoint"],
                    lat=form.cleaned_data.get("lat"),
                    lon=form.cleaned_data.get("lon"),
                    recorded_offline_at=form.cleaned_data.get("recorded_offline_at"),
                )
                made.append(created)
                return check_in

            _run(
                request,
                lambda: submit(
                    user=request.user,
                    form="patrols.patrol_check_in",
                    client_key=self.client_key,
                    create=check_in,
                ),
                lambda result: (
                    (_("已打卡:%(label)s") if made and made[0] else _("该点此前已打卡:%(label)s"))
                    % {"label": result[0].checkpoint.label}
                ),
            )
        return redirect("patrols:patrol-mobile", patrol.pk)


class PatrolAttendanceView(PageMixin, View):
    """POST: the leader checks in who came (到岗签到)."""

    def post(self, request, pk):
        patrol = selectors.patrol_get(user=request.user, pk=pk)  # 404 outside the scope first
        if not services.may_patrol(request.user, patrol.station):
            raise PermissionDenied(_("您的角色只能查看巡逻记录。"))
        form = forms.AttendanceForm(request.POST, patrol=patrol)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        else:
            _run(
                request,
                lambda: services.attendance_check_in(actor=request.user, patrol=patrol, **form.cleaned_data),
                lambda n: _("已登记到岗 %(n)s 人。") % {"n": n},
            )
        return redirect("patrols:patrol-mobile", patrol.pk)


class PatrolAttendSelfView(PageMixin, View):
    """POST: a participant with an account checks themselves in (我已到岗)."""

    def post(self, request, pk):
        patrol = selectors.patrol_get(user=request.user, pk=pk)
        _run(
            request,
            lambda: services.attendance_self(actor=request.user, patrol=patrol),
            lambda new: _("已签到到岗。") if new else _("您此前已签到到岗。"),
        )
        target = (
            "patrols:patrol-mobile"
            if services.may_patrol(request.user, patrol.station)
            else "patrols:patrol-detail"
        )
        return redirect(target, patrol.pk)


class PatrolEndView(PageMixin, View):
    def post(self, request, pk):
        patrol = selectors.patrol_get(user=request.user, pk=pk)
        form = forms.PatrolEndForm(request.POST)
        form.is_valid()
        if _run(
            request,
            lambda: services.patrol_end(
                actor=request.user, patrol=patrol, summary=form.cleaned_data.get("summary", "")
            ),
            _("巡逻已结束。"),
        ):
            return redirect("patrols:patrol-detail", patrol.pk)
        return redirect("patrols:patrol-mobile", patrol.pk)


class _FindingActionView(ServiceFormMixin, FormView):  # type: ignore[misc]  # get_success_url(obj): ServiceFormMixin's
    nav_key = "patrols"

    def get_object(self):
        return selectors.finding_get(user=self.request.user, pk=self.kwargs["pk"])

    def may_write(self, user) -> bool:
        return services.may_patrol(user, self.object.patrol.station)

    def get_breadcrumbs(self):
        return [*_crumbs(), (self.object.patrol.title, self.get_cancel_url())]

    def get_cancel_url(self):
        return reverse("patrols:patrol-detail", args=[self.object.patrol_id])


class FindingToCaseView(_FindingActionView):
    form_class = forms.FindingToCaseForm
    submit_label = gettext_lazy("转为矛盾纠纷案件")

    def get_page_title(self):
        return _("巡逻发现转为矛盾纠纷案件")

    def perform(self, form):
        case, self.created = services.finding_to_case(
            actor=self.request.user, finding=self.object, **form.cleaned_data
        )
        return case

    def get_success_message(self, obj):
        return (_("已转为案件 %(n)s。") if self.created else _("该发现此前已转为案件 %(n)s。")) % {
            "n": obj.number
        }

    def get_success_url(self, obj):
        return reverse("disputes:case-detail", args=[obj.pk])


class FindingToIncidentView(_FindingActionView):
    form_class = forms.FindingToIncidentForm
    submit_label = gettext_lazy("登记为警情")

    def get_page_title(self):
        return _("巡逻发现登记为警情")

    def perform(self, form):
        incident, self.created = services.finding_to_incident(
            actor=self.request.user, finding=self.object, **form.cleaned_data
        )
        return incident

    def get_success_message(self, obj):
        return (_("已登记为警情 %(n)s。") if self.created else _("该发现此前已登记为警情 %(n)s。")) % {
            "n": obj.number
        }

    def get_success_url(self, obj):
        return reverse("stations:incident-detail", args=[obj.pk])
