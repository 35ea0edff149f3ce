"""Grid check-ins (网格走访签到) and patrol checkpoint check-ins take a photo
(``core.attachments``): read through their scoped selectors (the grid's, the patrol's);
added by the one who checked in."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from core.attachments.registry import register_attachable
from governance import scoping
from stations.attachments import own_check_in

from .models import PatrolCheckIn
from .selectors import patrol_list
from .visits.models import GridCheckIn


def register_attachables() -> None:
    register_attachable(
        "patrols.grid_check_in",
        GridCheckIn,
        get=lambda user, pk: get_object_or_404(
            # every grid in scope, a deactivated one too: its check-ins' photos stay readable
            GridCheckIn.objects.filter(grid__in=scoping.grid_ids(user)),
            pk=pk,
        ),
        capability="checkin.attach",
        may_add=lambda user, check_in: own_check_in(user, check_in.user_id),
        kinds=["photo"],
        verbose=_("网格走访签到"),
    )
    register_attachable(
        "patrols.patrol_check_in",
        PatrolCheckIn,
        get=lambda user, pk: get_object_or_404(
            PatrolCheckIn.objects.filter(patrol__in=patrol_list(user=user).values("pk")), pk=pk
        ),
        capability="checkin.attach",
        may_add=lambda user, check_in: own_check_in(user, check_in.created_by_id),
        kinds=["photo"],
        verbose=_("巡逻签到"),
    )
