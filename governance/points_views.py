"""Points pages (积分), mounted at ``/points/`` (``app_name = "points"``).

* ``/points/``: a month's rankings of grid workers, committee members or volunteers in the
  user's scope, per village or township (the groups ranked by average, drill-down to one group),
  the top 10 and, for station staff, the county and admins, the bottom of the list (末位).
* ``/points/person/<kind>/<pk>/``: a person's monthly totals and stars and their ledger.
* ``/points/person/<kind>/<pk>/award/``: a manual award (加减分) with its reason.

Views stay thin: reads through ``governance.points`` selectors (404 outside scope), the one
write through ``points.points_award_manual``; its errors land on the form, nothing written.
"""

import datetime as dt
import re

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from core.forms import StyledFormMixin

from . import points
from .models import PointsEntry, User
from .views import PageMixin, ServiceFormMixin

R = User.Role
RANKING_ROLES = frozenset({R.ADMIN, R.COUNTY, R.STATION, R.AUXILIARY})
BOTTOM_ROLES = frozenset({R.ADMIN, R.COUNTY, R.STATION})  # 末位 is shown to the station and above


def _role(user) -> str:
    if not (user.is_authenticated and user.is_active):
        return ""
    return R.ADMIN if user.is_superuser else user.role


# --- Forms --------------------------------------------------------------------------------
class RankingFilterForm(StyledFormMixin, forms.Form):
    month = forms.CharField(
        label=gettext_lazy("月份"), required=False, widget=forms.TextInput(attrs={"type": "month"})
    )
    kind = forms.ChoiceField(label=gettext_lazy("人员类别"), required=False, choices=PointsEntry.Kind.choices)
    group = forms.ChoiceField(
        label=gettext_lazy("排名范围"),
        required=False,
        choices=[("village", gettext_lazy("按村(社区)")), ("township", gettext_lazy("按乡镇"))],
    )
    area = forms.IntegerField(
        label=gettext_lazy("村(社区)/乡镇"), required=False, min_value=1, widget=forms.HiddenInput
    )

    def clean_month(self) -> dt.date:
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return points.month_of(timezone.localdate())
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", value)
        if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
            raise forms.ValidationError(_("月份格式应为“年-月”,例如 2026-03。"))
        return dt.date(int(match[1]), int(match[2]), 1)

    def values(self) -> dict:
        """The parsed filters; a field with a bad value falls back to its default."""
        values = {
            "month": points.month_of(timezone.localdate()),
            "kind": "grid_worker",
            "group": "village",
            "area": None,
        }
        if self.is_bound:
            self.is_valid()
            values.update({k: v for k, v in self.cleaned_data.items() if v not in (None, "")})
        return values


class ManualAwardForm(StyledFormMixin, forms.Form):
    points = forms.IntegerField(
        label=gettext_lazy("分值"),
        min_value=-1000,
        max_value=1000,
        help_text=gettext_lazy("加分填正数,扣分填负数"),
        error_messages={"required": gettext_lazy("请填写分值。"), "invalid": gettext_lazy("分值须为整数。")},
    )
    reason = forms.CharField(
        label=gettext_lazy("事由"),
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("必填:说明加减分的原因;纠正误记的积分时请写明原记录"),
        error_messages={"required": gettext_lazy("手工加减分须填写事由。")},
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


# --- Pages --------------------------------------------------------------------------------
class RankingView(PageMixin, TemplateView):
    template_name = "governance/points/ranking.html"
    nav_key = "points"
    page_title = gettext_lazy("积分排名")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and _role(request.user) not in RANKING_ROLES:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = RankingFilterForm(self.request.GET or None)
        values = form.values()
        if form.is_bound and form.errors:
            messages.error(self.request, _("查询条件有误,已按默认条件显示。"))
        result = points.points_monthly(
            user=self.request.user,
            month=values["month"],
            group=values["group"],
            kind=values["kind"],
            group_id=values["area"],
        )
        month = result.month
        query = {"kind": result.kind, "group": result.group}
        area = next((g for g in result.groups if g.key == result.group_id), None) if result.group_id else None
        context.update(
            filter_form=form,
            result=result,
            area=area,
            query=query,
            month_value=month.strftime("%Y-%m"),
            prev_month=points.previous_month(month).strftime("%Y-%m"),
            next_month=(month + dt.timedelta(days=32)).replace(day=1).strftime("%Y-%m"),
            kind_label=PointsEntry.Kind(result.kind).label,
            group_label=points.GROUPS[result.group],
            show_bottom=_role(self.request.user) in BOTTOM_ROLES,
            top_n=points.TOP_N,
            bottom_n=points.BOTTOM_N,
            thresholds=sorted(settings.POINTS_STAR_THRESHOLDS, reverse=True),
        )
        return context


class PersonView(PageMixin, TemplateView):
    template_name = "governance/points/person.html"
    nav_key = "points"

    def get(self, request, *args, **kwargs):
        self.person = points.points_person_get(user=request.user, kind=kwargs["kind"], pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_page_title(self) -> str:
        return _("%(name)s 的积分") % {"name": self.person.name}

    def get_breadcrumbs(self):
        if _role(self.request.user) in RANKING_ROLES:
            return [(_("积分排名"), reverse("points:ranking") + f"?kind={self.kwargs['kind']}")]
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ledger = points.points_ledger(person=self.person)
        page = Paginator(ledger, settings.PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            person=self.person,
            kind=self.kwargs["kind"],
            kind_label=PointsEntry.Kind(self.kwargs["kind"]).label,
            months=points.points_person_months(person=self.person),
            page_obj=page,
            object_list=page.object_list,
            can_award=context["can_manage"],
        )
        return context


class ManualAwardView(ServiceFormMixin, FormView):
    form_class = ManualAwardForm
    nav_key = "points"
    submit_label = gettext_lazy("记入积分")

    def get_object(self):
        return points.points_person_get(
            user=self.request.user, kind=self.kwargs["kind"], pk=self.kwargs["pk"]
        )

    def get_page_title(self):
        return _("手工加减分:%(name)s") % {"name": self.object.name}

    def get_cancel_url(self):
        return reverse("points:person", args=[self.kwargs["kind"], self.object.pk])

    def get_breadcrumbs(self):
        return [(_("积分排名"), reverse("points:ranking")), (self.object.name, self.get_cancel_url())]

    def perform(self, form):
        return points.points_award_manual(
            actor=self.request.user,
            person=self.object,
            points=form.cleaned_data["points"],
            reason=form.cleaned_data["reason"],
        )

    def get_success_message(self, obj) -> str:
        return _("已为%(name)s记入 %(points)+d 分。") % {"name": self.object.name, "points": obj.points}

    def get_success_url(self, obj):
        return self.get_cancel_url()
