"""Village presence pages (一村一警、一村一辅警): the monthly coverage table per station and the
phone page where an officer or auxiliary officer checks in to a village."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from core.errors import service_call
from core.submissions import ClientKeyViewMixin, submit
from core.views import PageMixin, ScopedListView
from stations import selectors as station_selectors
from stations.models import VillageAssignment

from . import forms, selectors, services


class PresenceView(ScopedListView):
    """每月驻村情况: each attached officer / auxiliary officer × village, days this month, and
    whether the attached officer met ``PRESENCE_MIN_DAYS``."""

    template_name = "stations/presence/month.html"
    nav_key = "presence"
    page_title = gettext_lazy("驻村工作")
    filter_form_class = forms.PresenceFilterForm

    def month(self, filters):
        return filters.get("month") or timezone.localdate().replace(day=1)

    def get_queryset(self, filters):
        station = filters.get("station")
        return selectors.presence_coverage(
            user=self.request.user,
            month=self.month(filters),
            station_id=station.pk if station else None,
            kind=filters.get("kind", ""),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, filters = self.request.user, context["filters"]
        minimum = selectors.presence_min_days()
        officer = VillageAssignment.Kind.ATTACHED_OFFICER
        summary = self.get_queryset(filters).aggregate(
            met=Count("pk", filter=Q(kind=officer, days__gte=minimum)),
            behind=Count("pk", filter=Q(kind=officer, days__lt=minimum)),
        )
        context.update(
            month=self.month(filters),
            minimum=minimum,
            summary=summary,
            officer_kind=officer,
            gaps={
                kind: station_selectors.villages_without_assignment(user=user, kind=kind).count()
                for kind in VillageAssignment.Kind.values
            },
            may_check_in=services.person_of(user) is not None,
        )
        return context


class CheckInView(PageMixin, ClientKeyViewMixin, FormView):
    """Phone page: pick the village and what was done, optionally share the position, check in."""

    template_name = "stations/presence/checkin.html"
    form_class = forms.CheckInForm
    page_title = gettext_lazy("驻村签到")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and services.person_of(request.user) is None:
            raise PermissionDenied(_("只有在岗的民警或辅警本人可以驻村签到。"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        with service_call(form=form) as call:
            visit, _created = submit(
                user=self.request.user,
                form="stations.village_check_in",
                client_key=self.client_key,
                create=lambda: services.visit_check_in(actor=self.request.user, **form.service_data()),
            )
        if call.refused:
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("已签到:%(village)s · %(activity)s · %(time)s")
            % {
                "village": visit.village.name,
                "activity": visit.get_activity_display(),
                "time": timezone.localtime(visit.checked_in_at).strftime("%H:%M"),
            },
        )
        return redirect("stations:checkin")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        first, last = selectors.month_bounds(today)
        mine = selectors.my_assignments(user=self.request.user).values("pk")
        context.update(
            my_days=selectors.presence_assignments(first=first, last=last)
            .filter(pk__in=mine)
            .select_related("village")
            .order_by("village__code"),
            recent=selectors.visit_list(user=self.request.user).filter(created_by=self.request.user)[:5],
            minimum=selectors.presence_min_days(),
        )
        return context
