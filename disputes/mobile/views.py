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
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from core.attachments import services as attachment_services
from core.attachments.models import Attachment
from core.errors import add_to_form, service_call
from core.submissions import ClientKeyViewMixin
from disputes import selectors, services
from disputes import views as case_views
from disputes.events import event_label
from disputes.models import DisputeCase, Level, Source, next_level
from disputes.tiers import intake as tier_intake
from disputes.tiers import rules as tier_rules
from disputes.tiers import selectors as tier_selectors
from disputes.tiers import services as tier_services
from governance import capabilities
from governance import selectors as gov_selectors
from governance.home import phone_counts
from governance.roles import Role
from stations.presence import selectors as presence_selectors

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
            open_count=selectors.case_list(user=user, filters={"open": True}).count(),
            overdue_count=selectors.case_list(user=user, filters={"overdue": True}).count(),
            queue=tier_selectors.work_queue(user=user),  # 我的待办, the home page's selector
            **phone_counts(user),  # visits_open, patrols_running (patrols.selectors)
        )
        if capabilities.role_of(user) == Role.AUXILIARY:
            context.update(self._village_work(user))
        else:
            context["grids"] = list(gov_selectors.grid_list(user=user).order_by("village__code", "code")[:3])
        return context

    def _village_work(self, user) -> dict[str, Any]:
        """The auxiliary officer's phone home (一村一辅警): the village check-in first, whether
        they have checked in today, then the village's open cases, visits, patrols, screening."""
        today = timezone.localdate()
        mine = presence_selectors.visit_list(user=user).filter(created_by=user)
        last = mine.order_by("-checked_in_at", "-pk").first()
        return {
            "is_village_officer": True,
            "villages": [
                a.village for a in presence_selectors.my_assignments(user=user).select_related("village")
            ],
            "last_check_in": last,
            "checked_in_today": bool(last and timezone.localdate(last.checked_in_at) == today),
            "page_title": _("驻村工作"),
        }


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
        if not resent and (first := tier_services.linked_report_for_key(self.request.user, key)) is not None:
            return self._linked(first.case, json=json, resent=True)  # a resend of a link: linked once
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
                with service_call(form=None if json else form, forbidden="return") as call:
                    tier_intake.link(
                        actor=self.request.user,
                        case=linked,
                        source=Source.GRID_REPORT,
                        summary=d["summary"],
                        parties=form.parties(),
                        client_key=key,
                    )
                if call.refused:  # the user chose to link: never a new case instead
                    if json:
                        return JsonResponse({"detail": call.message}, status=call.status or 400)
                    response = self.render_to_response(self.get_context_data(form=form))
                    response.status_code = call.status or 400
                    return response
                return self._linked(linked, json=json, resent=False)
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

    def _linked(self, case: DisputeCase, *, json: bool, resent: bool):
        if json:
            url = reverse("mobile:case-detail", args=[case.pk])
            return JsonResponse(
                {"id": case.pk, "number": case.number, "url": url, "resent": resent, "linked": True}
            )
        messages.success(self.request, _("已关联到案件 %(n)s,未新建案件。") % {"n": case.number})
        return redirect("mobile:case-detail", pk=case.pk)

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


# the case page's actions a phone offers, in this order (微事不出网格: settle on the spot, record
# a mediation, accept, hand up, report back); which of them a user sees is the capability table's
PHONE_ACTIONS = ("settle", "session", "accept", "escalate", "note")
PHONE_LABELS = {"note": gettext_lazy("反馈情况")}


class CaseDetailView(MobileMixin, TemplateView):
    """One case on the phone, with the actions the user may take on it now (each a small form
    posting to ``mobile:case-action``, parsed and run like the case page's)."""

    template_name = "disputes/mobile/case_detail.html"
    back_url_name = "mobile:cases"
    bound: tuple[str, Any] | None = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        case = selectors.case_detail(user=user, pk=self.kwargs["pk"])
        for event in case.timeline:
            event.label = event_label(event.code)
        forms_ = case_views.action_forms(case, user, self.bound)
        upper = next_level(case.level)
        labels = {
            **PHONE_LABELS,
            "escalate": _("上报%(level)s处置") % {"level": Level(upper).label} if upper else "",
        }
        actions = [
            {
                "key": key,
                "form": forms_[key],
                "label": labels.get(key) or case_views.ACTIONS[key].label,
                "open": bool(self.bound and self.bound[0] == key),
            }
            for key in PHONE_ACTIONS
            if key in forms_
        ]
        context.update(case=case, page_title=case.number, actions=actions)
        return context


class CaseActionView(ClientKeyViewMixin, CaseDetailView):
    """POST ``/m/cases/<pk>/<action>/``: one of ``PHONE_ACTIONS``, through the case page's
    ``perform_action`` (the same form, rule and service); back to the phone case page, or that
    page again with the form's errors (400) or the news that someone else acted first (409)."""

    http_method_names = ["get", "post"]
    client_key_in_dispatch = False  # 404 outside the scope, 403 for the role, then a bad key's 400

    def get(self, request, *args, **kwargs):
        case = selectors.case_get(user=request.user, pk=kwargs["pk"])  # 404 outside the scope
        return redirect("mobile:case-detail", pk=case.pk)

    def post(self, request, *args, **kwargs):
        case = selectors.case_get(user=request.user, pk=kwargs["pk"])  # 404 outside the scope
        key = kwargs["action"]
        if key not in PHONE_ACTIONS:
            raise Http404(_("没有这个操作。"))
        action = case_views.ACTIONS[key]
        if not tier_rules.may_act(request.user, case, action.perm):
            raise PermissionDenied(_("您的角色只能查看本案,不能进行此操作。"))
        refused = self.read_client_key()
        if refused is not None:
            return refused
        # the phone's outbox may send a form twice: the second runs nothing (core.submissions)
        action, form, call = case_views.perform_action(request, case, key, client_key=self.client_key)
        if call is not None and call.status == 409:
            messages.error(request, _("%(msg)s 页面已显示案件的最新情况。") % {"msg": call.message})
            return self._again(None, status=409)
        if call is not None and call.refused:
            add_to_form(form, call.error)
        if call is None or call.refused:
            messages.error(request, _("“%(a)s”未保存:请按提示修改后再提交。") % {"a": action.label})
            return self._again((key, form), status=400)
        messages.success(request, str(action.done))
        return redirect("mobile:case-detail", pk=case.pk)

    def _again(self, bound, *, status: int):
        self.bound = bound
        response = self.render_to_response(self.get_context_data())
        response.status_code = status
        return response
