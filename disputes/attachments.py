"""The case records that take photos and scans (``core.attachments``): the case itself (the
phone report's photo, the case page), its mediation sessions and its agreements (the signed
调解协议书, PDF or image). Each is reached through its own scoped selector; adding needs the
capability and, like every write on a case, the writable scope and the level's rule
(``tiers.rules.may_act``). Every attachment is a line on the case's timeline."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from core.attachments.registry import register_attachable

from . import selectors, services
from .models import Agreement, DisputeCase, MediationSession
from .tiers import rules as tier_rules


def _writable(user: Any, case: DisputeCase, action: str) -> bool:
    return tier_rules.may_act(user, case, action) and selectors.case_writable(user, case)


def register_attachables() -> None:
    register_attachable(
        "disputes.case",
        DisputeCase,
        get=lambda user, pk: selectors.case_get(user=user, pk=pk),
        capability="case.attach",
        may_add=lambda user, case: _writable(user, case, "attach"),
        on_added=services.case_attachment_added,
        verbose=_("案件"),
    )
    register_attachable(
        "disputes.session",
        MediationSession,
        get=lambda user, pk: selectors.related_get(MediationSession, user=user, pk=pk),
        capability="case.attach",
        may_add=lambda user, session: _writable(user, session.case, "attach"),
        on_added=services.case_attachment_added,
        verbose=_("调解记录"),
    )
    register_attachable(
        "disputes.agreement",
        Agreement,
        get=lambda user, pk: selectors.related_get(Agreement, user=user, pk=pk),
        capability="case.attach",
        may_add=lambda user, agreement: _writable(user, agreement.case, "attach"),
        on_added=services.case_attachment_added,
        verbose=_("调解协议"),
    )
