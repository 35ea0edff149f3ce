"""Pages for rolling screening (滚动排查).

Desktop: the rounds with each user's completeness summary, one round's completeness table
(grouped by station, township, village or grid, with drill-down), a filed report, and the
form with which station staff or the auxiliary officer file on behalf of a grid. Mobile: the
grid worker's page — the round open for their grid, the items form and the zero-report button.

Views stay thin: every read is a scoped selector of ``disputes.screening`` (404 outside scope),
every write ``screening_services.screening_report_file``; its errors land on the form, nothing written.
"""

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from core.errors import service_call
from core.forms import StyledFormMixin
from core.submissions import ClientKeyViewMixin, submit
from core.views import PageMixin
from disputes.models import Category
from governance.models import User
from screening import selectors as screening_selectors
from screening import services as screening_services

from .models import ScreeningArea

GROUP_BY = dict(screening_selectors.GROUP_BY_CHOICES)
DRILL = {"station": "village", "township": "village", "village": "grid"}


# --- Forms --------------------------------------------------------------------------------
class CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.number} · {obj.get_category_display()} · {obj.title}"


class ScreeningItemForm(StyledFormMixin, forms.Form):
    """One latent dispute found: its area, what was found, and either an existing case of the
    grid's village or the data of a new case."""

    area = forms.ChoiceField(
        label=gettext_lazy("排查领域"),
        choices=ScreeningArea.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择排查领域。")},
    )
    description = forms.CharField(
        label=gettext_lazy("发现的情况"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("请填写发现的情况。")},
    )
    case = CaseChoiceField(
        label=gettext_lazy("关联案件"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("新立案件(尚未登记)"),
    )
    category = forms.ChoiceField(
        label=gettext_lazy("纠纷类别"),
        required=False,
        choices=[("", gettext_lazy("请选择"))] + list(Category.choices),
    )
    people_involved = forms.IntegerField(
        label=gettext_lazy("涉及人数"), min_value=1, max_value=100000, initial=2, required=False
    )
    parties = forms.CharField(
        label=gettext_lazy("当事人姓名"),
        required=False,
        max_length=255,
        help_text=gettext_lazy("可填多人,用顿号或逗号分隔"),
    )

    def __init__(self, *args, cases=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("case") is None and not data.get("category"):
            self.add_error("category", _("新立案件请选择纠纷类别;已登记的请在“关联案件”中选择。"))
        return data

    def to_item(self) -> dict[str, Any]:
        d = self.cleaned_data
        item = {"area": d["area"], "description": d["description"]}
        if d.get("case") is not None:
            item["case"] = d["case"]
            return item
        names = [
            n.strip()
            for n in d.get("parties", "").replace("、", ",").replace(",", ",").split(",")
            if n.strip()
        ]
        item.update(
            category=d["category"],
            people_involved=d.get("people_involved") or 2,
            parties=[
                {"name": n, "role": "applicant" if i == 0 else "respondent"} for i, n in enumerate(names)
            ],
        )
        return item


ScreeningItemFormSet = forms.formset_factory(ScreeningItemForm, extra=1, max_num=20, validate_max=True)


class ScreeningReportForm(StyledFormMixin, forms.Form):
    zero = forms.BooleanField(label=gettext_lazy("零报告:已排查,未发现矛盾纠纷隐患"), required=False)
    note = forms.CharField(
        label=gettext_lazy("说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("如走访户数、重点人员情况"),
    )


def _filled_items(formset) -> list[dict[str, Any]]:
    return [f.to_item() for f in formset.forms if f.has_changed() and f.cleaned_data]


# --- Desktop pages ------------------------------------------------------------------------
class ScreeningPageMixin(PageMixin):
    nav_key = "screening"

    def round_breadcrumbs(self, r=None) -> list[tuple[str, str]]:
        crumbs = [(_("滚动排查"), reverse("screening:round-list"))]
        if r is not None:
            crumbs.append((r.title, reverse("screening:round-detail", args=[r.pk])))
        return crumbs


class RoundListView(ScreeningPageMixin, TemplateView):
    template_name = "screening/round_list.html"
    page_title = gettext_lazy("滚动排查")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rounds = screening_selectors.screening_round_list(user=self.request.user)
        page = Paginator(rounds, settings.PAGE_SIZE).get_page(self.request.GET.get("page"))
        now = timezone.now()
        for r in page.object_list:
            r.rate = round(100 * (r.on_time + r.late) / r.total) if r.total else 0
            r.open_now = r.due_at >= now
        context.update(
            page_obj=page,
            object_list=page.object_list,
            user_grid=screening_selectors.screening_user_grid(user=self.request.user),
        )
        return context


def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


class RoundDetailView(ScreeningPageMixin, TemplateView):
    template_name = "screening/round_detail.html"

    def get(self, request, *args, **kwargs):
        self.round = screening_selectors.screening_round_get(user=request.user, pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_page_title(self) -> str:
        return self.round.title

    def get_breadcrumbs(self):
        return self.round_breadcrumbs()

    def default_group_by(self) -> str:
        user = cast(User, self.request.user)  # a signed-in page
        if user.is_county_wide:
            return "station"
        return "village" if user.role == "station" else "grid"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, r = self.request.user, self.round
        group_by = self.request.GET.get("group_by") or self.default_group_by()
        if group_by not in GROUP_BY:
            group_by = self.default_group_by()
        filters = {k: v for k in ("station", "township", "village") if (v := _int_param(self.request, k))}
        totals = screening_selectors.completeness_totals(
            screening_selectors.screening_completeness(user=user, round=r, group_by="township")
        )
        rows = screening_selectors.screening_completeness(
            user=user, round=r, group_by=group_by, filters=filters
        )
        page = Paginator(rows, settings.PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            round=r,
            group_by=group_by,
            group_label=GROUP_BY[group_by],
            group_choices=screening_selectors.GROUP_BY_CHOICES,
            filters=filters,
            totals=totals,
            page_obj=page,
            object_list=page.object_list,
            drill_to=DRILL.get(group_by),
            drill_param=group_by,
            is_filtered=bool(filters),
            may_file=screening_selectors.may_file(user),
            is_past_due=r.due_at < timezone.now(),
            status_labels=screening_selectors.ReportStatus.LABELS,
        )
        return context


class ReportDetailView(ScreeningPageMixin, TemplateView):
    template_name = "screening/report_detail.html"

    def get(self, request, *args, **kwargs):
        self.report = screening_selectors.screening_report_get(user=request.user, pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_page_title(self) -> str:
        return _("%(g)s 排查报告") % {"g": self.report.grid.name}

    def get_breadcrumbs(self):
        return self.round_breadcrumbs(self.report.round)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["report"] = self.report
        return context


class FileReportView(ScreeningPageMixin, TemplateView):
    """Station staff, the auxiliary officer (or the grid's own people) file a grid's report."""

    template_name = "screening/file_report.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.round = screening_selectors.screening_round_get(user=request.user, pk=kwargs["pk"])
        self.grid = screening_selectors.screening_grid_get(
            user=request.user, round=self.round, pk=kwargs["grid"]
        )
        if not screening_selectors.may_file(request.user):
            raise PermissionDenied(_("您的角色只能查看,不能提交排查报告。"))
        existing = screening_selectors.screening_grid_report(round=self.round, grid=self.grid)
        if existing is not None:
            messages.info(request, _("该网格本轮已提交排查报告。"))
            return redirect("screening:report-detail", existing.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self) -> str:
        return _("代 %(g)s 填报排查报告") % {"g": self.grid.name}

    def get_breadcrumbs(self):
        return self.round_breadcrumbs(self.round)

    def forms(self, data=None):
        cases = screening_selectors.screening_linkable_cases(user=self.request.user, grid=self.grid)
        return (
            ScreeningReportForm(data, prefix="report"),
            ScreeningItemFormSet(data, prefix="items", form_kwargs={"cases": cases}),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "form" not in kwargs:
            context["form"], context["formset"] = self.forms()
        context.update(round=self.round, grid=self.grid, is_past_due=self.round.due_at < timezone.now())
        return context

    def post(self, request, *args, **kwargs):
        form, formset = self.forms(request.POST)
        if form.is_valid() and formset.is_valid():
            with service_call() as call:
                report = screening_services.screening_report_file(
                    actor=request.user,
                    round=self.round,
                    grid=self.grid,
                    items=_filled_items(formset),
                    zero=form.cleaned_data["zero"],
                    note=form.cleaned_data["note"],
                )
            if call.refused:
                for text in call.messages:  # the whole report is refused: say so at the top
                    form.add_error(None, text)
            else:
                messages.success(request, _("已提交 %(g)s 的排查报告。") % {"g": self.grid.name})
                return redirect("screening:report-detail", report.pk)
        messages.error(request, _("提交的内容有误,请按提示修改后再提交。"))
        return self.render_to_response(self.get_context_data(form=form, formset=formset))


# --- Mobile page for the grid worker ------------------------------------------------------
class MobileView(PageMixin, ClientKeyViewMixin, TemplateView):
    """``/screening/m/``: the grid worker's round. GET shows the form (or the filed report);
    ``?zero=1`` asks to confirm a zero-report; POST ``action=zero`` (with ``confirm``) or
    ``action=items`` files. Anyone without a grid of their own gets 404."""

    template_name = "screening/mobile.html"
    nav_key = "screening"
    page_title = gettext_lazy("滚动排查")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.grid = screening_selectors.screening_user_grid(user=request.user)
        if self.grid is None:
            raise Http404(_("您不是网格员,没有需要填报的网格。"))
        self.round = screening_selectors.screening_current_round(user=request.user, grid=self.grid)
        self.report = (
            screening_selectors.screening_grid_report(round=self.round, grid=self.grid)
            if self.round is not None
            else None
        )
        return super().dispatch(request, *args, **kwargs)

    def formset(self, data=None):
        cases = screening_selectors.screening_linkable_cases(user=self.request.user, grid=self.grid)
        return ScreeningItemFormSet(data, prefix="items", form_kwargs={"cases": cases})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("formset", self.formset())
        context.update(
            grid=self.grid,
            round=self.round,
            report=self.report,
            confirm_zero=self.request.GET.get("zero") == "1",
            is_past_due=self.round is not None and self.round.due_at < timezone.now(),
            areas=ScreeningArea.choices,
            back_url=reverse("mobile:home"),  # the phone layout (disputes/mobile/base.html)
        )
        return context

    def post(self, request, *args, **kwargs):
        if self.round is None:
            messages.error(request, _("目前没有进行中的排查轮次。"))
            return redirect("screening:mobile")
        action = request.POST.get("action")
        formset = self.formset(request.POST if action == "items" else None)
        error = ""
        with service_call() as call:
            if action == "zero":
                if request.POST.get("confirm") != "1":
                    return redirect(f"{reverse('screening:mobile')}?zero=1")
                submit(
                    user=request.user,
                    form="screening.zero_report",
                    client_key=self.client_key,
                    create=lambda: screening_services.screening_report_file(
                        actor=request.user,
                        round=self.round,
                        grid=self.grid,
                        zero=True,
                        note=request.POST.get("note", ""),
                    ),
                )
            elif action == "items":
                if not formset.is_valid():
                    error = _("提交的内容有误,请按提示修改后再提交。")
                else:
                    submit(
                        user=request.user,
                        form="screening.report",
                        client_key=self.client_key,
                        create=lambda: screening_services.screening_report_file(
                            actor=request.user,
                            round=self.round,
                            grid=self.grid,
                            items=_filled_items(formset),
                            note=request.POST.get("note", ""),
                        ),
                    )
            else:
                error = _("请选择提交方式。")
        error = error or call.message
        if error:
            messages.error(request, error)
            return self.render_to_response(self.get_context_data(formset=formset, form_error=error))
        messages.success(request, _("排查报告已提交,谢谢!"))
        return redirect("screening:mobile")
