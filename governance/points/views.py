"""Points pages (积分), mounted at ``/points/`` (``app_name = "points"``).

* ``/points/``: a month's rankings of grid workers, committee members or volunteers in the
  user's scope, per village or township (the groups ranked by average, drill-down to one group),
  the top 10 and, for station staff, the county and admins, the bottom of the list (末位).
* ``/points/person/<kind>/<pk>/``: a person's monthly totals and stars and their ledger.
* ``/points/person/<kind>/<pk>/award/``: a manual award (加减分) with its reason.

Views stay thin: reads through ``governance.points`` selectors (404 outside scope), the one
write through ``services.points_award_manual``; its errors land on the form, nothing written.
"""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from core.views import PageMixin, ServiceFormMixin
from governance.capabilities import may
from governance.models import PointsEntry

from . import selectors, services
from .forms import ManualAwardForm, RankingFilterForm


class RankingView(PageMixin, TemplateView):
    template_name = "governance/points/ranking.html"
    nav_key = "points"
    page_title = gettext_lazy("积分排名")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may(request.user, "points.view_ranking"):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = RankingFilterForm(self.request.GET or None)
        values = form.values()
        if form.is_bound and form.errors:
            messages.error(self.request, _("查询条件有误,已按默认条件显示。"))
        result = selectors.points_monthly(
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
            prev_month=selectors.previous_month(month).strftime("%Y-%m"),
            next_month=(month + dt.timedelta(days=32)).replace(day=1).strftime("%Y-%m"),
            kind_label=PointsEntry.Kind(result.kind).label,
            group_label=selectors.GROUPS[result.group],
            show_bottom=may(self.request.user, "points.view_bottom"),
            top_n=selectors.TOP_N,
            bottom_n=selectors.BOTTOM_N,
            thresholds=sorted(settings.POINTS_STAR_THRESHOLDS, reverse=True),
        )
        return context


class PersonView(PageMixin, TemplateView):
    template_name = "governance/points/person.html"
    nav_key = "points"

    def get(self, request, *args, **kwargs):
        self.person = selectors.points_person_get(user=request.user, kind=kwargs["kind"], pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_page_title(self) -> str:
        return _("%(name)s 的积分") % {"name": self.person.name}

    def get_breadcrumbs(self):
        if may(self.request.user, "points.view_ranking"):
            return [(_("积分排名"), reverse("points:ranking") + f"?kind={self.kwargs['kind']}")]
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ledger = selectors.points_ledger(person=self.person)
        page = Paginator(ledger, settings.PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            person=self.person,
            kind=self.kwargs["kind"],
            kind_label=PointsEntry.Kind(self.kwargs["kind"]).label,
            months=selectors.points_person_months(person=self.person),
            page_obj=page,
            object_list=page.object_list,
            can_award=may(self.request.user, "points.award"),
        )
        return context


class ManualAwardView(ServiceFormMixin, FormView):
    form_class = ManualAwardForm
    nav_key = "points"
    submit_label = gettext_lazy("记入积分")
    write_capability = "points.award"

    def get_object(self):
        return selectors.points_person_get(
            user=self.request.user, kind=self.kwargs["kind"], pk=self.kwargs["pk"]
        )

    def get_page_title(self):
        return _("手工加减分:%(name)s") % {"name": self.object.name}

    def get_cancel_url(self):
        return reverse("points:person", args=[self.kwargs["kind"], self.object.pk])

    def get_breadcrumbs(self):
        return [(_("积分排名"), reverse("points:ranking")), (self.object.name, self.get_cancel_url())]

    def perform(self, form):
        return services.points_award_manual(
            actor=self.request.user,
            person=self.object,
            points=form.cleaned_data["points"],
            reason=form.cleaned_data["reason"],
        )

    def get_success_message(self, obj) -> str:
        return _("已为%(name)s记入 %(points)+d 分。") % {"name": self.object.name, "points": obj.points}

    def get_success_url(self, obj):
        return self.get_cancel_url()
