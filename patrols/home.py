"""The phone home's figures that are the patrols app's (open visit tasks, patrols under way),
registered with ``governance.home`` so the phone pages (disputes.mobile, below patrols) show them."""

from governance.home import register_phone_count
from governance.models import User

from .models import Patrol
from .selectors import patrol_list
from .visits.selectors import risk_visit_list


def _visits_open(user: User) -> int:
    return risk_visit_list(user=user, status="open").count()


def _patrols_running(user: User) -> int:
    return patrol_list(user=user, status=Patrol.Status.IN_PROGRESS).count()


def register_phone_counts() -> None:
    register_phone_count("visits_open", _visits_open)
    register_phone_count("patrols_running", _patrols_running)
