"""Pages for stations, their staff and who is attached to which village. Same machinery as the
governance pages: scoped selectors for reads, one service per write, errors mapped in
``core.views.ServiceFormMixin``."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from core.views import ModelEditMixin, ScopedDetailView, ScopedListView, ServiceFormMixin

from . import forms, selectors, services
from .models import VillageAssignment


class StationListView(ScopedListView):
    template_name = "stations/station_list.html"
    nav_key = "stations"
    page_title = gettext_lazy("派出所")

    def get_queryset(self, filters):
        return selectors.station_list(user=self.request.user, search=filters.get("q", ""))


class StationDetailView(ScopedDetailView):
    template_name = "stations/station_detail.html"
    nav_key = "stations"

    def get_object(self):
        return selectors.station_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_breadcrumbs(self):
        return [(_("派出所"), reverse("stations:station-list"))]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, station = self.request.user, self.object
        villages = list(selectors.station_village_list(user=user, station=station))
        context.update(
            jurisdictions=selectors.jurisdiction_list(user=user, station=station),
            officers=selectors.officer_list(user=user, station_id=station.pk),
            auxiliary_officers=selectors.auxiliary_officer_list(user=user, station_id=station.pk),
            villages=villages,
            uncovered=sum(1 for v in villages if len(v.current_assignments) < 2),
        )
        return context


class _StationChildCreate(ServiceFormMixin, FormView):
    nav_key = "stations"

    def get_object(self):
        return selectors.station_get(user=self.request.user, pk=self.kwargs["station_pk"])

    def get_breadcrumbs(self):
        return [(_("派出所"), reverse("stations:station-list")), (self.object.name, self.get_cancel_url())]

    def get_cancel_url(self):
        return reverse("stations:station-detail", args=[self.object.pk])

    def get_success_url(self, obj):
        return reverse("stations:station-detail", args=[obj.station_id])


class OfficerCreateView(_StationChildCreate):
    form_class = forms.OfficerForm
    success_message = gettext_lazy("已新增民警“%(name)s”。")

    def get_page_title(self):
        return _("新增民警:%(name)s") % {"name": self.object.name}

    def perform(self, form):
        return services.officer_create(actor=self.request.user, station=self.object, **form.service_data())


class AuxiliaryOfficerCreateView(_StationChildCreate):
    form_class = forms.AuxiliaryOfficerForm
    success_message = gettext_lazy("已新增辅警“%(name)s”。")

    def get_page_title(self):
        return _("新增辅警:%(name)s") % {"name": self.object.name}

    def perform(self, form):
        return services.auxiliary_officer_create(
            actor=self.request.user, station=self.object, **form.service_data()
        )


class _StationChildEdit(ModelEditMixin, FormView):
    nav_key = "stations"

    def get_breadcrumbs(self):
        return [
            (_("派出所"), reverse("stations:station-list")),
            (self.object.station.name, self.get_cancel_url()),
        ]

    def get_success_url(self, obj):
        return reverse("stations:station-detail", args=[obj.station_id])


class OfficerEditView(_StationChildEdit):
    form_class = forms.OfficerForm
    success_message = gettext_lazy("已保存民警“%(name)s”的修改。")

    def get_object(self):
        return selectors.officer_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("修改民警:%(name)s") % {"name": self.object.name}

    def perform(self, form):
        return services.officer_update(actor=self.request.user, officer=self.object, data=form.service_data())


class AuxiliaryOfficerEditView(_StationChildEdit):
    form_class = forms.AuxiliaryOfficerForm
    success_message = gettext_lazy("已保存辅警“%(name)s”的修改。")

    def get_object(self):
        return selectors.auxiliary_officer_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("修改辅警:%(name)s") % {"name": self.object.name}

    def perform(self, form):
        return services.auxiliary_officer_update(
            actor=self.request.user, auxiliary_officer=self.object, data=form.service_data()
        )


class AssignmentCreateView(ServiceFormMixin, FormView):
    """``?village=<id>&kind=officer|auxiliary`` preselects the village and the kind of person."""

    form_class = forms.AssignmentForm
    nav_key = "stations"
    page_title = gettext_lazy("安排驻村人员")
    submit_label = gettext_lazy("确认安排")

    def get_kind(self) -> str:
        kind = self.request.GET.get("kind", "")
        return kind if kind in VillageAssignment.Kind.values else ""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["kind"] = self.get_kind()
        return kwargs

    def get_initial(self):
        village = self.request.GET.get("village", "")
        return {"village": village} if village.isdigit() else {}

    def get_breadcrumbs(self):
        return [
            (_("派出所"), reverse("stations:station-list")),
            (_("驻村覆盖"), reverse("stations:coverage")),
        ]

    def get_cancel_url(self):
        return reverse("stations:coverage")

    def perform(self, form):
        return services.village_assign(actor=self.request.user, **form.service_data())

    def get_success_message(self, obj):
        return _("已安排%(person)s为%(village)s的%(kind)s。") % {
            "person": obj.person.name,
            "village": obj.village.name,
            "kind": obj.get_kind_display(),
        }

    def get_success_url(self, obj):
        return reverse("governance:village-detail", args=[obj.village_id])


class AssignmentEndView(ServiceFormMixin, FormView):
    form_class = forms.AssignmentEndForm
    nav_key = "stations"
    submit_label = gettext_lazy("结束安排")

    def get_object(self):
        return selectors.assignment_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("结束驻村安排:%(village)s · %(person)s") % {
            "village": self.object.village.name,
            "person": self.object.person.name,
        }

    def get_breadcrumbs(self):
        return [
            (_("村(社区)"), reverse("governance:village-list")),
            (self.object.village.name, self.get_cancel_url()),
        ]

    def get_cancel_url(self):
        return reverse("governance:village-detail", args=[self.object.village_id])

    def perform(self, form):
        return services.assignment_end(actor=self.request.user, assignment=self.object, **form.service_data())

    def get_success_message(self, obj):
        return _("%(person)s在%(village)s的%(kind)s安排已于%(date)s结束。") % {
            "person": obj.person.name,
            "village": obj.village.name,
            "kind": obj.get_kind_display(),
            "date": obj.end_date.isoformat(),
        }

    def get_success_url(self, obj):
        return reverse("governance:village-detail", args=[obj.village_id])


class CoverageView(ScopedListView):
    """Villages in scope with no current attached officer (``?kind=officer``, the default) or no
    current auxiliary officer (``?kind=auxiliary``)."""

    template_name = "stations/coverage.html"
    nav_key = "stations"
    page_title = gettext_lazy("驻村覆盖")

    def get_kind(self) -> str:
        kind = self.request.GET.get("kind", "")
        return kind if kind in VillageAssignment.Kind.values else VillageAssignment.Kind.ATTACHED_OFFICER

    def get_queryset(self, filters):
        qs = selectors.villages_without_assignment(user=self.request.user, kind=self.get_kind())
        if filters.get("q"):
            qs = qs.filter(name__icontains=filters["q"])
        return qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, kind = self.request.user, self.get_kind()
        context.update(
            kind=kind,
            kind_hidden=[("kind", kind)],
            empty_title=_("已全部覆盖"),
            empty_hint=_("您辖区内的每个村(社区)都有在岗的%(kind)s。")
            % {"kind": VillageAssignment.Kind(kind).label},
        )
        context["tabs"] = [
            {
                "kind": value,
                "label": label,
                "active": value == kind,
                "count": selectors.villages_without_assignment(user=user, kind=value).count(),
            }
            for value, label in VillageAssignment.Kind.choices
        ]
        return context
