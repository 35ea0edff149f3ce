"""Village check-ins (驻村签到) take a photo (``core.attachments``): read through the presence
scope (``presence.selectors.visit_list``); added by the one who checked in."""

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from core.attachments.registry import register_attachable

from .models import VillageVisit
from .presence.selectors import visit_list


def own_check_in(user: Any, created_by_id: int | None) -> bool:
    return bool(user.is_superuser or (created_by_id is not None and created_by_id == user.pk))


def register_attachables() -> None:
    register_attachable(
        "stations.village_visit",
        VillageVisit,
        get=lambda user, pk: get_object_or_404(visit_list(user=user), pk=pk),
        capability="checkin.attach",
        may_add=lambda user, visit: own_check_in(user, visit.created_by_id),
        kinds=["photo"],
        verbose=_("驻村签到"),
    )
