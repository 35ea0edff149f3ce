"""Pages of the risk → visit loop: the task list and page for station staff and village
auxiliary officers, and the grid worker's phone page with the check-in button."""

from django import forms as dj_forms
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
from core.forms import ListFilterForm
from core.views import PageMixin, ScopedListView

from . import visit_tasks


class TaskFilterForm(ListFilterForm):
    search_placeholder = gettext_lazy("案件编号、村(社区)")
    status = dj_forms.ChoiceField(
        label=gettext_lazy("状态"),
        choices=[
            ("", gettext_lazy("全部任务")),
            ("open", gettext_lazy("待核查")),
            ("overdue", gettext_lazy("已超期")),
            ("done", gettext_lazy("已核查")),
        ],
    )


def _decorate(tasks, now):
    for t in tasks:
        t.done_at = visit_tasks.done_at(t)
        t.state = "done" if t.done_at else ("overdue" if t.due_at < now else "open")
        t.on_time = bool(t.done_at and t.done_at <= t.due_at)
    return tasks


class TaskListView(ScopedListView):
    template_name = "patrols/task_list.html"
    nav_key = "visit-tasks"
    page_title = gettext_lazy("核查走访任务")
    filter_form_class = TaskFilterForm

    def get(self, request, *args, **kwargs):
        if request.user.role == "grid" and not request.user.is_superuser:
            return redirect("visit_tasks:mobile")
        return super().get(request, *args, **kwargs)

    def get_queryset(self, filters):
        return visit_tasks.visit_task_list(
            user=self.request.user, status=filters.get("status", ""), search=filters.get("q", "")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _decorate(context["object_list"], timezone.now())
        return context


class TaskDetailView(PageMixin, TemplateView):
    template_name = "patrols/task_detail.html"
    nav_key = "visit-tasks"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        task = visit_tasks.visit_task_get(user=self.request.user, pk=kwargs["pk"])
        _decorate([task], timezone.now())
        grids = visit_tasks.my_grids(self.request.user)
        context.update(
            task=task,
            page_title=_("核查走访 · 案件 %(n)s") % {"n": task.case.number},
            may_check_in=task.grid_id is not None and grids.filter(pk=task.grid_id).exists(),
            breadcrumbs=[(_("核查走访任务"), reverse("visit_tasks:list"))],
        )
        return context


class GridCheckInView(LoginRequiredMixin, View):
    """POST: the grid worker checks in in the task's grid (GPS optional)."""

    def post(self, request, pk):
        task = visit_tasks.visit_task_get(user=request.user, pk=pk)  # 404 outside scope
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("visit_tasks:detail", args=[pk])
        if task.grid is None:
            raise PermissionDenied(_("该任务没有对应网格,请由驻村民警或辅警到村签到核查。"))
        with service_call(request=request) as call:
            visit_tasks.grid_check_in(
                actor=request.user,
                grid=task.grid,
                note=request.POST.get("note", ""),
                lat=request.POST.get("lat") or None,
                lon=request.POST.get("lon") or None,
            )
        if call.refused:
            return redirect(target)
        messages.success(request, _("已签到,核查走访完成。"))
        return redirect(target)


class MobileTaskListView(LoginRequiredMixin, TemplateView):
    """The grid worker's phone page: the tasks of their grid, each with a check-in button."""

    template_name = "patrols/task_mobile.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        page = Paginator(visit_tasks.visit_task_list(user=self.request.user), 20).get_page(
            self.request.GET.get("page")
        )
        tasks = _decorate(list(page.object_list), now)
        grids = set(visit_tasks.my_grids(self.request.user).values_list("pk", flat=True))
        for t in tasks:
            t.may_check_in = t.grid_id in grids and t.state != "done"
        context.update(tasks=tasks, page_obj=page, page_title=_("核查走访"), back_url="/m/")
        return context
