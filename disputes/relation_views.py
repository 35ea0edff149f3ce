"""Mediators' recorded relations (利害关系, for 回避): a scoped list and the form that records one
through ``services.mediator_relation_add``."""

from django import forms as dj_forms
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from core.forms import StyledFormMixin
from core.views import ServiceFormMixin
from governance import selectors as gov_selectors

from . import selectors, services


class RelationForm(StyledFormMixin, dj_forms.Form):
    mediator = dj_forms.ModelChoiceField(
        label=gettext_lazy("调解员"),
        queryset=None,
        error_messages={"required": gettext_lazy("请选择调解员。")},
    )
    person_name = dj_forms.CharField(
        label=gettext_lazy("关系人姓名"),
        max_length=32,
        error_messages={"required": gettext_lazy("请填写关系人姓名。")},
    )
    id_number = dj_forms.CharField(
        label=gettext_lazy("关系人身份证号"),
        max_length=18,
        required=False,
        help_text=gettext_lazy("填写后按身份证号比对当事人;不填则按姓名比对。"),
    )
    relation = dj_forms.CharField(
        label=gettext_lazy("关系"),
        max_length=32,
        help_text=gettext_lazy("如:舅舅、姻亲、雇主"),
        error_messages={"required": gettext_lazy("请填写关系。")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediator"].queryset = gov_selectors.mediator_list(user=user)


class RelationCreateView(ServiceFormMixin, FormView):
    template_name = "disputes/relations.html"
    form_class = RelationForm
    nav_key = "mediators"
    page_title = gettext_lazy("调解员利害关系(回避)")
    success_message = gettext_lazy("已登记:%(name)s")
    submit_label = gettext_lazy("登记")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["relations"] = selectors.mediator_relation_list(user=self.request.user)[:200]
        return context

    def perform(self, form):
        data = form.cleaned_data
        return services.mediator_relation_add(
            actor=self.request.user,
            mediator=data["mediator"],
            person_name=data["person_name"],
            id_number=data["id_number"],
            relation=data["relation"],
        )

    def get_success_url(self, obj) -> str:
        return reverse("disputes:relations")
