"""The page that turns a 纠纷 incident into a dispute case (``disputes.incidents.services``). It reads
the incident through the stations selector (404 outside the user's scope)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from core.forms import StyledFormMixin
from core.views import ServiceFormMixin
from disputes import services
from disputes.models import Category
from disputes.tiers import intake as tier_intake
from stations.selectors import incident_get

from .services import case_for_incident, case_from_incident, incident_link_to_case


class CaseFromIncidentForm(StyledFormMixin, forms.Form):
    category = forms.ChoiceField(
        label=gettext_lazy("纠纷类别"), choices=[("", gettext_lazy("请选择")), *Category.choices]
    )
    summary = forms.CharField(label=gettext_lazy("简要案情"), widget=forms.Textarea(attrs={"rows": 4}))
    people_involved = forms.IntegerField(label=gettext_lazy("涉及人数"), min_value=1, initial=2)
    threat_flag = forms.BooleanField(label=gettext_lazy("扬言/过激言行"), required=False)
    vulnerable_flag = forms.BooleanField(label=gettext_lazy("涉及弱势群体"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class CaseFromIncidentView(ServiceFormMixin, FormView):
    form_class = CaseFromIncidentForm
    template_name = "disputes/tiers/incident_form.html"  # the form, with its duplicate candidates
    nav_key = "incidents"
    submit_label = gettext_lazy("转为案件")

    def get_object(self):
        return incident_get(user=self.request.user, pk=self.kwargs["pk"])

    def may_write(self, user) -> bool:
        return services.may(user, "report")

    def get(self, request, *args, **kwargs):
        existing = case_for_incident(self.object)
        if existing is not None:
            messages.info(request, _("该警情已转为案件 %(number)s。") % {"number": existing.number})
            return redirect("disputes:case-detail", existing.pk)
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        summary = self.object.summary
        if self.object.parties:
            summary = f"{summary}\n" + _("当事人:%(parties)s") % {"parties": self.object.parties}
        return {"summary": summary}

    def get_page_title(self):
        return _("警情 %(number)s 转为矛盾纠纷案件") % {"number": self.object.number}

    def get_breadcrumbs(self):
        return [(_("警情"), reverse("stations:incident-list")), (self.object.number, self.get_cancel_url())]

    def get_cancel_url(self):
        return reverse("stations:incident-detail", args=[self.object.pk])

    def candidates(self):
        """Open cases this incident may be about (disputes.tiers.intake): caller phone or place."""
        incident = self.object
        return tier_intake.candidates_for(
            user=self.request.user,
            village=incident.village,
            address=incident.address,
            parties=[{"phone": incident.caller_phone}],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["candidates"] = self.candidates()
        return context

    def perform(self, form):
        linked = tier_intake.chosen(self.request.POST.get("duplicate_choice", ""), self.candidates())
        if linked is not None:  # the same dispute: the incident is linked to its case, no new case
            case, linked_now = incident_link_to_case(
                actor=self.request.user, incident=self.object, case=linked
            )
            self.created = None if linked_now else False
            return case
        case, self.created = case_from_incident(
            actor=self.request.user, incident=self.object, **form.service_data()
        )
        return case

    def get_success_message(self, obj):
        if self.created is None:
            return _("已关联到案件 %(n)s,未新建案件。") % {"n": obj.number}
        if self.created:
            return _("已转为矛盾纠纷案件 %(number)s。") % {"number": obj.number}
        return _("该警情此前已转为案件 %(number)s,未重复登记。") % {"number": obj.number}

    def get_success_url(self, obj):
        return reverse("disputes:case-detail", args=[obj.pk])
