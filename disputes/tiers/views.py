"""The tiers' pages, namespace ``tiers``:

* ``POST /cases/<pk>/tiers/<action>/``: a tier action of the case page (交办, 签收, 督办, 反馈,
  结束督办, 评价, 移交, 接收/退回, 重复上报, 合并) through its one service, back to the case page;
  on error, the case page again with the form and its errors (400 / 409).
* ``/cases/duplicates/``: duplicate candidates for an intake (phones, ID numbers, place).
* ``/cases/queue/``: 我的待办, the whole work queue.
* ``/cases/referrals/`` and ``/cases/referrals/<pk>/``: the referrals a liaison answers (each with
  its case's summary only) and the answer form.
"""

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from core.errors import add_to_form, service_call
from core.submissions import ClientKeyViewMixin, submit
from core.views import PageMixin
from governance import capabilities
from governance.models import User

from .. import selectors as case_selectors
from ..views import CaseDetailView
from . import forms, rules, selectors, services
from .panel import TIER_ACTIONS, load, may_take

# the tier actions that add a record a phone may send twice (client_key, core.submissions)
SUBMIT_ONCE = {"supervision-reply": "disputes.supervision_reply"}


class TierActionView(ClientKeyViewMixin, CaseDetailView):
    http_method_names = ["get", "post"]
    client_key_in_dispatch = False  # 404 outside the scope, 403 for the role, then 400

    def get(self, request, *args, **kwargs):
        case = case_selectors.case_get(user=request.user, pk=kwargs["pk"])
        return redirect("disputes:case-detail", pk=case.pk)

    def post(self, request, *args, **kwargs):
        user = cast(User, request.user)
        case = case_selectors.case_get(user=user, pk=kwargs["pk"])  # 404 outside scope
        action = TIER_ACTIONS.get(kwargs["action"])
        if action is None:
            raise Http404(_("没有这个操作。"))
        if not rules.may_act(user, case, action.perm):
            raise PermissionDenied(_("您的角色只能查看本案,不能进行此操作。"))
        load(case, user)
        read_only = selectors.case_is_read_only(user, case)
        if read_only and not action.on_read_only:
            raise PermissionDenied(_("本案已移交其他单位,您只能查看。"))
        refused = self.read_client_key()
        if refused is not None:
            return refused
        form = action.form_class(request.POST, case=case, user=user, prefix=f"t-{action.key}")
        if not form.is_valid():
            return self.rerender(form, action.key, action.label, status=400)
        with service_call() as call:
            if action.key in SUBMIT_ONCE:  # a resend answers like the first, with no second record
                submit(
                    user=user,
                    form=SUBMIT_ONCE[action.key],
                    client_key=self.client_key,
                    create=lambda: action.run(user, case, form),
                )
            else:
                action.run(user, case, form)
        if call.refused:
            add_to_form(form, call.error)
            return self.rerender(form, action.key, action.label, status=call.status or 400)
        messages.success(request, str(action.done))
        return redirect(reverse("disputes:case-detail", args=[case.pk]) + "#tiers")

    def rerender(self, form, key, label, *, status: int):  # the tier form, not a case action
        messages.error(self.request, _("“%(a)s”未保存:请按提示修改后再提交。") % {"a": label})
        user = cast(User, self.request.user)
        self.case = case_selectors.case_detail(user=user, pk=self.kwargs["pk"])
        self.tier_bound = (key, form)
        response = self.render_to_response(self.get_context_data())
        response.status_code = status
        return response


class DuplicateCandidatesView(PageMixin, TemplateView):
    """Candidates for a report about to be made (the intake pages link here, and it answers the
    same candidates they show): ``?phone=…&id_number=…&village=…&address=…``."""

    template_name = "disputes/tiers/duplicates.html"
    nav_key = "cases"
    page_title = gettext_lazy("疑似重复案件")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not capabilities.may(self.request.user, "case.report"):
            raise PermissionDenied
        params = self.request.GET
        village = params.get("village", "")
        context["candidates"] = selectors.duplicate_candidates(
            user=cast(User, self.request.user),
            phones=params.getlist("phone"),
            id_numbers=params.getlist("id_number"),
            village_id=int(village) if village.isdigit() else None,
            address=params.get("address", ""),
        )
        return context


class WorkQueueView(PageMixin, TemplateView):
    template_name = "disputes/tiers/queue.html"
    nav_key = "cases"
    page_title = gettext_lazy("我的待办")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["queue"] = selectors.work_queue(user=cast(User, self.request.user), limit=50)
        return context


class LiaisonMixin(PageMixin):
    nav_key = "referrals"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not capabilities.may(request.user, "nav.referrals"):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class LiaisonReferralListView(LiaisonMixin, TemplateView):
    template_name = "disputes/tiers/referral_list.html"
    page_title = gettext_lazy("移送答复")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["referrals"] = selectors.liaison_referral_list(user=cast(User, self.request.user))[:200]
        return context


class LiaisonReferralDetailView(LiaisonMixin, TemplateView):
    template_name = "disputes/tiers/referral_detail.html"
    http_method_names = ["get", "post"]

    def get_page_title(self) -> str:
        return _("移送 %(n)s") % {"n": self.referral.case.number}

    def get_breadcrumbs(self):
        return [(_("移送答复"), reverse("tiers:referral-list"))]

    def get(self, request, *args, **kwargs):
        self.referral = selectors.liaison_referral_get(user=request.user, pk=kwargs["pk"])
        self.form = forms.LiaisonAnswerForm()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.referral = selectors.liaison_referral_get(user=request.user, pk=kwargs["pk"])
        if not capabilities.may(request.user, "referral.answer"):
            raise PermissionDenied
        self.form = forms.LiaisonAnswerForm(request.POST)
        if self.form.is_valid():
            with service_call(form=self.form) as call:
                services.liaison_referral_update(
                    actor=request.user, referral=self.referral, **self.form.cleaned_data
                )
            if not call.refused:
                messages.success(request, _("已登记。"))
                return redirect("tiers:referral-detail", pk=self.referral.pk)
        response = self.render_to_response(self.get_context_data())
        response.status_code = 400
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(referral=self.referral, form=self.form, case=self.referral.case)
        return context


__all__ = ["TierActionView", "may_take"]
