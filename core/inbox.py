"""The in-app inbox (消息): list, mark read, and the unread count shown in the navigation."""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from . import notifications


class InboxView(LoginRequiredMixin, TemplateView):
    template_name = "core/inbox.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        qs = notifications.inbox(user=self.request.user)
        if self.request.GET.get("unread"):
            qs = qs.filter(read_at__isnull=True)
        page = Paginator(qs, settings.PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            page_obj=page,
            object_list=page.object_list,
            nav_key="inbox",
            page_title=_("消息"),
            only_unread=bool(self.request.GET.get("unread")),
        )
        return context


class MarkReadView(LoginRequiredMixin, View):
    """POST: mark one message read (``pk``) and follow its link, or mark all read."""

    def post(self, request, pk=None):
        if pk is not None:
            # someone else's message does not exist for this user (404, as everywhere)
            get_object_or_404(notifications.inbox(user=request.user), pk=pk)
        notifications.notification_mark_read(user=request.user, pk=pk)
        target = request.POST.get("next", "")
        if (
            pk is not None
            and target
            and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        ):
            return redirect(target)
        return redirect("inbox:list")
