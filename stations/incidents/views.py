"""Incident (警情) pages: list with filters, detail (referral to a department, the way to a
dispute case), record and edit, and the import from a 110 export with its progress and report.
Same machinery as every page: scoped selectors read, one service writes, errors land on forms."""

from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView

from core.views import ModelEditMixin, PageMixin, ScopedDetailView, ScopedListView, ServiceFormMixin
from governance.capabilities import may
from stations import selectors, services
from stations.models import Incident

from . import forms, imports
from . import services as import_services


def _crumbs():
    return [(_("警情"), reverse("stations:incident-list"))]


class IncidentListView(ScopedListView):
    manage_capability = "incident.manage"
    template_name = "stations/incidents/list.html"
    nav_key = "incidents"
    page_title = gettext_lazy("警情")
    filter_form_class = forms.IncidentFilterForm
    create_url_name = "stations:incident-create"

    def get_queryset(self, filters):
        kwargs = forms.IncidentFilterForm.selector_kwargs(None, filters)
        return selectors.incident_list(user=self.request.user, **kwargs)


class IncidentDetailView(ScopedDetailView):
    manage_capability = "incident.manage"
    template_name = "stations/incidents/detail.html"
    nav_key = "incidents"

    def get_object(self):
        return selectors.incident_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("警情 %(number)s") % {"number": self.object.number}

    def get_breadcrumbs(self):
        return _crumbs()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, incident = self.request.user, self.object
        context.update(
            related=list(selectors.incident_related(user=user, incident=incident)[:20]),
            refer_form=forms.IncidentReferForm(user=user),
            answer_form=forms.IncidentAnswerForm(user=user),
            can_write=context["can_manage"],
            is_dispute=incident.category == Incident.Category.DISPUTE,
        )
        return context


class IncidentCreateView(ServiceFormMixin, FormView):
    manage_capability = write_capability = "incident.manage"
    form_class = forms.IncidentForm
    nav_key = "incidents"
    page_title = gettext_lazy("登记警情")
    success_message = gettext_lazy("已登记警情“%(name)s”。")

    def get_breadcrumbs(self):
        return _crumbs()

    def get_cancel_url(self):
        return reverse("stations:incident-list")

    def perform(self, form):
        return services.incident_record(actor=self.request.user, **form.service_data())

    def get_success_url(self, obj):
        return reverse("stations:incident-detail", args=[obj.pk])


class IncidentEditView(ModelEditMixin, FormView):
    manage_capability = write_capability = "incident.manage"
    form_class = forms.IncidentForm
    nav_key = "incidents"
    success_message = gettext_lazy("已保存警情“%(name)s”的修改。")

    def get_object(self):
        return selectors.incident_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("修改警情:%(number)s") % {"number": self.object.number}

    def get_breadcrumbs(self):
        return [*_crumbs(), (self.object.number, self.get_success_url(self.object))]

    def perform(self, form):
        return services.incident_update(
            actor=self.request.user, incident=self.object, data=form.service_data()
        )

    def get_success_url(self, obj):
        return reverse("stations:incident-detail", args=[obj.pk])


class _IncidentActionView(ServiceFormMixin, FormView):
    manage_capability = write_capability = "incident.manage"
    nav_key = "incidents"

    def get_object(self):
        return selectors.incident_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_breadcrumbs(self):
        return [*_crumbs(), (self.object.number, self.get_cancel_url())]

    def get_cancel_url(self):
        return reverse("stations:incident-detail", args=[self.object.pk])

    def get_success_url(self, obj):
        return self.get_cancel_url()


class IncidentReferView(_IncidentActionView):
    form_class = forms.IncidentReferForm
    submit_label = gettext_lazy("移交")

    def get_page_title(self):
        return _("移交部门:警情 %(number)s") % {"number": self.object.number}

    def perform(self, form):
        return services.incident_refer(actor=self.request.user, incident=self.object, **form.service_data())

    def get_success_message(self, obj):
        return _("已移交 %(dept)s,等待答复。") % {"dept": obj.referred_to}


class IncidentAnswerView(_IncidentActionView):
    form_class = forms.IncidentAnswerForm
    submit_label = gettext_lazy("记录答复")

    def get_page_title(self):
        return _("部门答复:警情 %(number)s") % {"number": self.object.number}

    def perform(self, form):
        return services.incident_answer(actor=self.request.user, incident=self.object, **form.service_data())

    def get_success_message(self, obj):
        return _("已记录 %(dept)s 的答复。") % {"dept": obj.referred_to}


# --- Import -------------------------------------------------------------------------------
class IncidentImportView(ServiceFormMixin, FormView):
    manage_capability = write_capability = "incident.manage"
    form_class = forms.IncidentImportForm
    template_name = "stations/incidents/import.html"
    nav_key = "incidents"
    page_title = gettext_lazy("导入警情")
    submit_label = gettext_lazy("上传并导入")

    def get_breadcrumbs(self):
        return _crumbs()

    def get_cancel_url(self):
        return reverse("stations:incident-list")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["recent_jobs"] = selectors.import_job_list(user=self.request.user)[:10]
        return context

    def perform(self, form):
        upload = form.cleaned_data["file"]
        return import_services.incident_import_start(
            actor=self.request.user,
            station=form.cleaned_data["station"],
            file_name=upload.name,
            content=upload.read(),
        )

    def get_success_message(self, obj):
        return obj.message or _("文件已上传,正在导入。")

    def get_success_url(self, obj):
        return reverse("stations:import-job", args=[obj.pk])


class ImportTemplateView(PageMixin, View):
    manage_capability = "incident.manage"
    """The .xlsx template, listing the villages of the user's (first) station."""

    def get(self, request):
        if not may(request.user, ImportTemplateView.manage_capability):
            raise PermissionDenied(_("您的角色只能查看,不能导入警情。"))
        station = get_object_or_404(
            selectors.station_list(user=request.user).order_by("code")[:1].values("pk")
        )
        villages = selectors.villages_of_station(station["pk"]).select_related("parent").order_by("code")
        response = HttpResponse(
            imports.incident_import_template(villages=list(villages)),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(_("警情导入模板.xlsx"))
        return response


class ImportJobView(ScopedDetailView):
    manage_capability = "incident.manage"
    """The import's progress and report. With ``HX-Request`` only the progress block is returned
    (the page polls it every second while the job runs); ``?format=json`` gives the figures."""

    template_name = "stations/incidents/import_job.html"
    nav_key = "incidents"

    def get_object(self):
        return selectors.import_job_get(user=self.request.user, pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if request.GET.get("format") == "json":
            job = self.object
            return JsonResponse(
                {
                    "status": job.status,
                    "total": job.total,
                    "processed": job.processed,
                    "percent": job.percent,
                    "created": job.created_count,
                    "skipped": len(job.skipped),
                    "error_rows": job.error_rows,
                    "finished": job.is_finished,
                    "message": job.message,
                }
            )
        if request.headers.get("HX-Request"):
            self.template_name = "stations/incidents/_import_progress.html"
        return super().get(request, *args, **kwargs)

    def get_page_title(self):
        return _("导入结果:%(name)s") % {"name": self.object.file_name}

    def get_breadcrumbs(self):
        return [*_crumbs(), (_("导入警情"), reverse("stations:incident-import"))]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["job"] = self.object
        return context
