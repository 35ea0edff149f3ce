"""Pages for the territory and community forces.

Views stay thin: a list calls one scoped selector, a detail page the ``*_get`` selector (404
outside scope), a form page one service. ``ServiceFormMixin`` is the one place where service
errors become form errors or a 403; ``ScopedListView`` the one place for search, filters and
pagination.
"""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from core.views import ModelEditMixin, PageMixin, ScopedDetailView, ScopedListView, ServiceFormMixin, prefill

from . import forms, selectors, services
from .capabilities import may
from .home import panels_for


# --- Home and sign-in ---------------------------------------------------------------------
class HomeView(PageMixin, TemplateView):
    template_name = "home.html"
    nav_key = "home"
    page_title = gettext_lazy("工作台")

    def get(self, request, *args, **kwargs):
        if may(request.user, "ui.phone_first") and request.GET.get("desktop") != "1":
            # grid workers and auxiliary officers work from their phones: their home is the phone
            # home page (``?desktop=1``: the desktop one, from the phone home's link)
            return redirect("mobile:home")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["panels"] = panels_for(self.request.user)
        counts = selectors.overview_counts(user=self.request.user)
        # keyed like the navigation entries, so the page shows a figure for each entry
        context["counts"] = {
            "villages": counts["villages"],
            "grids": counts["grids"],
            "grid-workers": counts["grid_workers"],
            "mediators": counts["mediators"],
            "committees": counts["committees"],
            "volunteers": counts["volunteer_teams"],
        }
        return context


# --- Villages -----------------------------------------------------------------------------
class VillageListView(ScopedListView):
    template_name = "governance/village_list.html"
    nav_key = "villages"
    page_title = gettext_lazy("村(社区)")
    filter_form_class = forms.VillageFilterForm

    def get_queryset(self, filters):
        township = filters.get("township")
        return selectors.village_list_with_assignments(
            user=self.request.user, search=filters.get("q", ""), township_id=township.pk if township else None
        )


class VillageDetailView(ScopedDetailView):
    template_name = "governance/village_detail.html"
    nav_key = "villages"

    def get_object(self):
        self.overview = selectors.village_overview(user=self.request.user, pk=self.kwargs["pk"])
        return self.overview.village

    def get_breadcrumbs(self):
        return [(_("村(社区)"), reverse("governance:village-list"))]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["overview"] = self.overview
        return context


class VillageEditView(ModelEditMixin, FormView):
    form_class = forms.VillageForm
    nav_key = "villages"
    success_message = gettext_lazy("已保存“%(name)s”的修改。")

    def get_object(self):
        return selectors.village_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("修改村(社区):%(name)s") % {"name": self.object.name}

    def get_breadcrumbs(self):
        return [
            (_("村(社区)"), reverse("governance:village-list")),
            (self.object.name, self.get_cancel_url()),
        ]

    def perform(self, form):
        return services.region_update(actor=self.request.user, region=self.object, data=form.service_data())

    def get_success_url(self, obj):
        return reverse("governance:village-detail", args=[obj.pk])


# --- Grids --------------------------------------------------------------------------------
class GridListView(ScopedListView):
    template_name = "governance/grid_list.html"
    nav_key = "grids"
    page_title = gettext_lazy("网格")
    filter_form_class = forms.GridFilterForm
    create_url_name = "governance:grid-create"

    def get_queryset(self, filters):
        village = filters.get("village")
        return selectors.grid_list_with_leaders(
            user=self.request.user, search=filters.get("q", ""), village_id=village.pk if village else None
        )


class GridDetailView(ScopedDetailView):
    template_name = "governance/grid_detail.html"
    nav_key = "grids"

    def get_object(self):
        return selectors.grid_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_breadcrumbs(self):
        return [(_("网格"), reverse("governance:grid-list"))]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["workers"] = selectors.grid_worker_list(
            user=self.request.user, grid_id=self.object.pk, include_inactive=True
        )
        return context


class GridCreateView(ServiceFormMixin, FormView):
    form_class = forms.GridForm
    nav_key = "grids"
    page_title = gettext_lazy("新增网格")
    success_message = gettext_lazy("已新增网格“%(name)s”。")

    def get_initial(self):
        return prefill(self.request, "village")

    def get_breadcrumbs(self):
        return [(_("网格"), reverse("governance:grid-list"))]

    def get_cancel_url(self):
        return reverse("governance:grid-list")

    def perform(self, form):
        data = form.service_data()
        return services.grid_create(actor=self.request.user, village=data.pop("village"), **data)

    def get_success_url(self, obj):
        return reverse("governance:grid-detail", args=[obj.pk])


class GridEditView(ModelEditMixin, FormView):
    form_class = forms.GridForm
    nav_key = "grids"
    success_message = gettext_lazy("已保存网格“%(name)s”的修改。")

    def get_object(self):
        return selectors.grid_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("修改网格:%(name)s") % {"name": self.object.name}

    def get_breadcrumbs(self):
        return [(_("网格"), reverse("governance:grid-list")), (self.object.name, self.get_cancel_url())]

    def perform(self, form):
        return services.grid_update(actor=self.request.user, grid=self.object, data=form.service_data())

    def get_success_url(self, obj):
        return reverse("governance:grid-detail", args=[obj.pk])


# --- Grid workers -------------------------------------------------------------------------
class GridWorkerListView(ScopedListView):
    template_name = "governance/gridworker_list.html"
    nav_key = "grid-workers"
    page_title = gettext_lazy("网格员")
    filter_form_class = forms.GridWorkerFilterForm
    create_url_name = "governance:gridworker-create"

    def get_queryset(self, filters):
        village = filters.get("village")
        return selectors.grid_worker_list(
            user=self.request.user,
            search=filters.get("q", ""),
            village_id=village.pk if village else None,
            role=filters.get("role", ""),
        )


class GridWorkerDetailView(ScopedDetailView):
    template_name = "governance/gridworker_detail.html"
    nav_key = "grid-workers"

    def get_object(self):
        return selectors.grid_worker_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_breadcrumbs(self):
        return [(_("网格员"), reverse("governance:gridworker-list"))]


class GridWorkerCreateView(ServiceFormMixin, FormView):
    form_class = forms.GridWorkerForm
    nav_key = "grid-workers"
    page_title = gettext_lazy("新增网格员")
    success_message = gettext_lazy("已新增网格员“%(name)s”。")

    def get_initial(self):
        return prefill(self.request, "grid")

    def get_breadcrumbs(self):
        return [(_("网格员"), reverse("governance:gridworker-list"))]

    def get_cancel_url(self):
        return reverse("governance:gridworker-list")

    def perform(self, form):
        data = form.service_data()
        return services.grid_worker_create(actor=self.request.user, grid=data.pop("grid"), **data)

    def get_success_url(self, obj):
        return reverse("governance:gridworker-detail", args=[obj.pk])


class GridWorkerEditView(ModelEditMixin, FormView):
    form_class = forms.GridWorkerForm
    nav_key = "grid-workers"
    success_message = gettext_lazy("已保存网格员“%(name)s”的修改。")

    def get_object(self):
        return selectors.grid_worker_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("修改网格员:%(name)s") % {"name": self.object.name}

    def get_breadcrumbs(self):
        return [
            (_("网格员"), reverse("governance:gridworker-list")),
            (self.object.name, self.get_cancel_url()),
        ]

    def perform(self, form):
        return services.grid_worker_update(
            actor=self.request.user, worker=self.object, data=form.service_data()
        )

    def get_success_url(self, obj):
        return reverse("governance:gridworker-detail", args=[obj.pk])


# --- Mediators ----------------------------------------------------------------------------
class MediatorListView(ScopedListView):
    template_name = "governance/mediator_list.html"
    nav_key = "mediators"
    page_title = gettext_lazy("调解员")
    filter_form_class = forms.MediatorFilterForm
    create_url_name = "governance:mediator-create"

    def get_queryset(self, filters):
        township = filters.get("township")
        return selectors.mediator_list(
            user=self.request.user,
            search=filters.get("q", ""),
            kind=filters.get("kind", ""),
            township_id=township.pk if township else None,
        )


class MediatorDetailView(ScopedDetailView):
    template_name = "governance/mediator_detail.html"
    nav_key = "mediators"

    def get_object(self):
        return selectors.mediator_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_page_title(self):
        return self.object.name

    def get_breadcrumbs(self):
        return [(_("调解员"), reverse("governance:mediator-list"))]


class MediatorCreateView(ServiceFormMixin, FormView):
    form_class = forms.MediatorForm
    nav_key = "mediators"
    page_title = gettext_lazy("新增调解员")
    success_message = gettext_lazy("已新增调解员“%(name)s”。")

    def get_initial(self):
        return prefill(self.request, "township")

    def get_breadcrumbs(self):
        return [(_("调解员"), reverse("governance:mediator-list"))]

    def get_cancel_url(self):
        return reverse("governance:mediator-list")

    def perform(self, form):
        data = form.service_data()
        return services.mediator_create(actor=self.request.user, township=data.pop("township"), **data)

    def get_success_url(self, obj):
        return reverse("governance:mediator-detail", args=[obj.pk])


class MediatorEditView(ModelEditMixin, FormView):
    form_class = forms.MediatorForm
    nav_key = "mediators"
    success_message = gettext_lazy("已保存调解员“%(name)s”的修改。")

    def get_object(self):
        return selectors.mediator_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("修改调解员:%(name)s") % {"name": self.object.name}

    def get_breadcrumbs(self):
        return [(_("调解员"), reverse("governance:mediator-list")), (self.object.name, self.get_cancel_url())]

    def perform(self, form):
        return services.mediator_update(
            actor=self.request.user, mediator=self.object, data=form.service_data()
        )

    def get_success_url(self, obj):
        return reverse("governance:mediator-detail", args=[obj.pk])


# --- Security committees ------------------------------------------------------------------
class CommitteeListView(ScopedListView):
    template_name = "governance/committee_list.html"
    nav_key = "committees"
    page_title = gettext_lazy("治保会")
    filter_form_class = forms.CommitteeFilterForm
    create_url_name = "governance:committee-create"

    def get_queryset(self, filters):
        township = filters.get("township")
        return selectors.committee_list(
            user=self.request.user, search=filters.get("q", ""), township_id=township.pk if township else None
        )


class CommitteeDetailView(ScopedDetailView):
    template_name = "governance/committee_detail.html"
    nav_key = "committees"

    def get_object(self):
        return selectors.committee_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_breadcrumbs(self):
        return [(_("治保会"), reverse("governance:committee-list"))]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["members"] = selectors.committee_member_list(
            user=self.request.user, committee_id=self.object.pk, include_inactive=True
        )
        return context


class CommitteeCreateView(ServiceFormMixin, FormView):
    form_class = forms.CommitteeForm
    nav_key = "committees"
    page_title = gettext_lazy("新设治保会")
    success_message = gettext_lazy("已设立“%(name)s”。")

    def get_initial(self):
        return prefill(self.request, "village")

    def get_breadcrumbs(self):
        return [(_("治保会"), reverse("governance:committee-list"))]

    def get_cancel_url(self):
        return reverse("governance:committee-list")

    def perform(self, form):
        data = form.service_data()
        return services.committee_create(actor=self.request.user, village=data.pop("village"), **data)

    def get_success_url(self, obj):
        return reverse("governance:committee-detail", args=[obj.pk])


class CommitteeEditView(ModelEditMixin, FormView):
    form_class = forms.CommitteeForm
    nav_key = "committees"
    success_message = gettext_lazy("已保存“%(name)s”的修改。")

    def get_object(self):
        return selectors.committee_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("修改治保会:%(name)s") % {"name": self.object.name}

    def get_breadcrumbs(self):
        return [
            (_("治保会"), reverse("governance:committee-list")),
            (self.object.name, self.get_cancel_url()),
        ]

    def perform(self, form):
        return services.committee_update(
            actor=self.request.user, committee=self.object, data=form.service_data()
        )

    def get_success_url(self, obj):
        return reverse("governance:committee-detail", args=[obj.pk])


class CommitteeMemberCreateView(ServiceFormMixin, FormView):
    form_class = forms.CommitteeMemberForm
    nav_key = "committees"
    success_message = gettext_lazy("已将“%(name)s”加入治保会。")

    def get_object(self):
        return selectors.committee_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("添加成员:%(name)s") % {"name": self.object.name}

    def get_breadcrumbs(self):
        return [
            (_("治保会"), reverse("governance:committee-list")),
            (self.object.name, self.get_cancel_url()),
        ]

    def get_cancel_url(self):
        return reverse("governance:committee-detail", args=[self.object.pk])

    def perform(self, form):
        return services.committee_member_add(
            actor=self.request.user, committee=self.object, **form.service_data()
        )

    def get_success_url(self, obj):
        return reverse("governance:committee-detail", args=[obj.committee_id])


class CommitteeMemberEditView(ModelEditMixin, FormView):
    form_class = forms.CommitteeMemberForm
    nav_key = "committees"
    success_message = gettext_lazy("已保存成员“%(name)s”的修改。")

    def get_object(self):
        return selectors.committee_member_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("修改治保会成员:%(name)s") % {"name": self.object.name}

    def get_breadcrumbs(self):
        return [
            (_("治保会"), reverse("governance:committee-list")),
            (self.object.committee.name, self.get_cancel_url()),
        ]

    def perform(self, form):
        return services.committee_member_update(
            actor=self.request.user, member=self.object, data=form.service_data()
        )

    def get_success_url(self, obj):
        return reverse("governance:committee-detail", args=[obj.committee_id])


# --- Volunteer teams ----------------------------------------------------------------------
class VolunteerTeamListView(ScopedListView):
    template_name = "governance/volunteerteam_list.html"
    nav_key = "volunteers"
    page_title = gettext_lazy("群防群治队伍")
    filter_form_class = forms.VolunteerTeamFilterForm
    create_url_name = "governance:volunteerteam-create"

    def get_queryset(self, filters):
        return selectors.volunteer_team_list(user=self.request.user, search=filters.get("q", ""))


class VolunteerTeamDetailView(ScopedDetailView):
    template_name = "governance/volunteerteam_detail.html"
    nav_key = "volunteers"

    def get_object(self):
        return selectors.volunteer_team_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_breadcrumbs(self):
        return [(_("群防群治队伍"), reverse("governance:volunteerteam-list"))]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["members"] = selectors.volunteer_member_list(user=self.request.user, team_id=self.object.pk)
        return context


class VolunteerTeamCreateView(ServiceFormMixin, FormView):
    form_class = forms.VolunteerTeamForm
    nav_key = "volunteers"
    page_title = gettext_lazy("新增群防群治队伍")
    success_message = gettext_lazy("已新增队伍“%(name)s”。")

    def get_initial(self):
        return prefill(self.request, "region")

    def get_breadcrumbs(self):
        return [(_("群防群治队伍"), reverse("governance:volunteerteam-list"))]

    def get_cancel_url(self):
        return reverse("governance:volunteerteam-list")

    def perform(self, form):
        data = form.service_data()
        return services.volunteer_team_create(actor=self.request.user, region=data.pop("region"), **data)

    def get_success_url(self, obj):
        return reverse("governance:volunteerteam-detail", args=[obj.pk])


class VolunteerTeamEditView(ModelEditMixin, FormView):
    form_class = forms.VolunteerTeamForm
    nav_key = "volunteers"
    success_message = gettext_lazy("已保存队伍“%(name)s”的修改。")

    def get_object(self):
        return selectors.volunteer_team_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("修改队伍:%(name)s") % {"name": self.object.name}

    def get_breadcrumbs(self):
        return [
            (_("群防群治队伍"), reverse("governance:volunteerteam-list")),
            (self.object.name, self.get_cancel_url()),
        ]

    def perform(self, form):
        return services.volunteer_team_update(
            actor=self.request.user, team=self.object, data=form.service_data()
        )

    def get_success_url(self, obj):
        return reverse("governance:volunteerteam-detail", args=[obj.pk])


class VolunteerMemberCreateView(ServiceFormMixin, FormView):
    form_class = forms.VolunteerMemberForm
    nav_key = "volunteers"
    success_message = gettext_lazy("已将“%(name)s”加入队伍。")

    def get_object(self):
        return selectors.volunteer_team_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("添加队员:%(name)s") % {"name": self.object.name}

    def get_breadcrumbs(self):
        return [
            (_("群防群治队伍"), reverse("governance:volunteerteam-list")),
            (self.object.name, self.get_cancel_url()),
        ]

    def get_cancel_url(self):
        return reverse("governance:volunteerteam-detail", args=[self.object.pk])

    def perform(self, form):
        return services.volunteer_member_add(actor=self.request.user, team=self.object, **form.service_data())

    def get_success_url(self, obj):
        return reverse("governance:volunteerteam-detail", args=[obj.team_id])


class PersonalDataLogView(ScopedListView):
    """个人信息查看记录: every full number revealed or displayed (the county audits it)."""

    template_name = "governance/personal_data_log.html"
    nav_key = "personal-data-log"
    page_title = gettext_lazy("个人信息查看记录")

    def get_queryset(self, filters):
        return selectors.personal_data_access_list(user=self.request.user, search=filters.get("q", ""))
