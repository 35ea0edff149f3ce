"""Phone pages for grid workers (网格员), under ``/m/``: one column, big touch targets, light pages
(no Bootstrap, one small stylesheet, one small script) for weak village networks.

* ``/m/``: two big buttons, 上报矛盾纠纷 and 本网格案件.
* ``/m/report/``: report a dispute in a few taps. The form carries a ``client_key`` (made by the
  server for a plain POST, by ``static/js/report-draft.js`` for a draft kept on the phone), so a
  resend after a dropped network returns the case made the first time instead of a second one.
  With ``Accept: application/json`` (the script's ``fetch``) it answers JSON instead of a page.
* ``/m/cases/`` and ``/m/cases/<pk>/``: the cases in the user's scope, and one with its timeline.

The form is in ``disputes.mobile.forms``; reads go through ``disputes.selectors`` /
``governance.selectors``; the report is one call to ``services.case_report``.
"""

import uuid
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from core.attachments import services as attachment_services
from core.attachments.models import Attachment
from core.errors import add_to_form, service_call
from core.submissions import ClientKeyViewMixin
from disputes import selectors, services
from disputes.events import event_label
from disputes.models import DisputeCase, Source
from disputes.tiers import intake as tier_intake
from disputes.tiers import selectors as tier_selectors
from governance import selectors as gov_selectors

from .forms import MobileReportForm

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PAGE_SIZE = 15


class MobileMixin(LoginRequiredMixin):
    page_title: "StrOrPromise" = ""
    back_url_name = "mobile:home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            page_title=self.page_title,
            back_url=reverse(self.back_url_name) if self.back_url_name else "",
            may_report=services.may(self.request.user, "report"),
        )
        return context


class HomeView(MobileMixin, TemplateView):
    template_name = "disputes/mobile/home.html"
    page_title = gettext_lazy("网格工作")
    back_url_name = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            grids=list(gov_selectors.grid_list(user=user).order_by("village__code", "code")[:3]),
            open_count=selectors.case_list(user=user, filters={"open": True}).count(),
            overdue_count=selectors.case_list(user=user, filters={"overdue": True}).count(),
            queue=tier_selectors.work_queue(user=user),  # 我的待办, the home page's selector
        )
        return context


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


class ReportView(MobileMixin, ClientKeyViewMixin, FormView):
    template_name = "disputes/mobile/report.html"
    form_class = MobileReportForm
    page_title = gettext_lazy("上报矛盾纠纷")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            if _wants_json(request):
                return JsonResponse({"detail": _("登录已过期,请重新登录。")}, status=401)
            return self.handle_no_permission()
        if not services.may(request.user, "report"):
            raise PermissionDenied(_("您的角色不能上报矛盾纠纷。"))
        if not gov_selectors.grid_list(user=request.user).exists():
            raise Http404(_("您的账号尚未关联网格,请联系派出所。"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        grid = gov_selectors.grid_list(user=self.request.user).order_by("village__code", "code").first()
        return {"client_key": uuid.uuid4(), "grid": grid, "people_involved": 2}

    def form_valid(self, form):
        d = form.cleaned_data
        key = d["client_key"]
        resent = DisputeCase.objects.filter(client_key=key).exists()
        json = _wants_json(self.request)
        if not resent:  # duplicates (disputes.tiers.intake): offered once, on the page or to the script
            choice = self.request.POST.get("duplicate_choice", "")
            self.candidates = tier_intake.candidates_for(
                user=self.request.user,
                village=d["grid"].village,
                address=d.get("address", ""),
                parties=form.parties(),
            )
            if self.candidates and not choice:
                if json:  # the phone's outbox (report-draft.js): nothing saved, the user must choose
                    return JsonResponse(
                        {
                            "detail": _("可能与已有案件重复,请选择关联到已有案件或新建案件。"),
                            "duplicates": [
                                {
                                    "id": c.pk,
                                    "number": c.number,
                                    "url": reverse("mobile:case-detail", args=[c.pk]),
                                }
                                for c in self.candidates
                            ],
                        },
                        status=409,
                    )
                return self.render_to_response(self.get_context_data(form=form))
            if (linked := tier_intake.chosen(choice, self.candidates)) is not None:
                with service_call(request=self.request) as call:
                    tier_intake.link(
                        actor=self.request.user,
                        case=linked,
                        source=Source.GRID_REPORT,
                        summary=d["summary"],
                        parties=form.parties(),
                    )
                if not call.refused and json:
                    url = reverse("mobile:case-detail", args=[linked.pk])
                    return JsonResponse(
                        {
                            "id": linked.pk,
                            "number": linked.number,
                            "url": url,
                            "resent": False,
                            "linked": True,
                        }
                    )
                if not call.refused:
                    messages.success(
                        self.request, _("已关联到案件 %(n)s,未新建案件。") % {"n": linked.number}
                    )
                    return redirect("mobile:case-detail", pk=linked.pk)
        with (
            service_call(form=None if json else form, forbidden="return" if json else "raise") as call,
            transaction.atomic(),  # the case and its photo, or neither
        ):
            case = services.case_report(
                actor=self.request.user,
                village=d["grid"].village,
                grid=d["grid"],
                source=Source.GRID_REPORT,
                category=d["category"],
                summary=d["summary"],
                people_involved=d["people_involved"],
                address=d.get("address", ""),
                threat_flag=d.get("threat_flag", False),
                parties=form.parties(),
                client_key=key,
            )
            if d.get("photo") is not None and not resent:  # a resend keeps the first photo
                attachment_services.attachment_add(
                    actor=self.request.user,
                    label="disputes.case",
                    object_id=case.pk,
                    upload=d["photo"],
                    kind=Attachment.Kind.PHOTO,
                )
        if call.refused:
            # 403 and 409 (the same report is being saved by another request right now: the
            # resend will find it) answer the script directly; other refusals show on the form
            if json and call.status in (403, 409):
                return JsonResponse({"detail": call.message}, status=call.status)
            if json:
                add_to_form(form, call.error)
            return self.form_invalid(form)
        url = reverse("mobile:case-detail", args=[case.pk])
        if _wants_json(self.request):
            return JsonResponse(
                {"id": case.pk, "number": case.number, "url": url, "resent": resent},
                status=200 if resent else 201,
            )
        messages.success(self.request, _("已上报,案件编号 %(n)s。") % {"n": case.number})
        return redirect(url)

    def form_invalid(self, form):
        if _wants_json(self.request):
            errors = {
                field: [e["message"] for e in errs] for field, errs in form.errors.get_json_data().items()
            }
            return JsonResponse({"errors": errors}, status=400)
        return super().form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        grids = list(form.fields["grid"].queryset)
        context.update(
            grids=grids,
            single_grid=grids[0] if len(grids) == 1 else None,
            candidates=getattr(self, "candidates", []),
        )
        return context


class CaseListView(MobileMixin, TemplateView):
    template_name = "disputes/mobile/case_list.html"
    page_title = gettext_lazy("本网格案件")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        only_open = self.request.GET.get("open") == "1"
        cases = selectors.case_list(user=self.request.user, filters={"open": True} if only_open else None)
        page = Paginator(cases, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(page_obj=page, cases=page.object_list, only_open=only_open)
        return context


class CaseDetailView(MobileMixin, TemplateView):
    template_name = "disputes/mobile/case_detail.html"
    back_url_name = "mobile:cases"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = selectors.case_detail(user=self.request.user, pk=self.kwargs["pk"])
        for event in case.timeline:
            event.label = event_label(event.code)
        context.update(case=case, page_title=case.number)
        return context
