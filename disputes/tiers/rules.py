"""The tiers' rules that read, never write: which level a role handles, and who receives a
hand-on. Services, pages and the API ask these, so a button is shown exactly when the service
would accept the action."""

from typing import Any

from governance import capabilities
from governance.models import User
from governance.roles import Role
from stations.selectors import officer_station_id

from ..models import DisputeCase, Level
from .models import HandOn

# the actions a handler takes on a case: a township 综治中心 takes them on its township-level
# cases, the county command centre on county-level ones (``case.handle_<level>``)
HANDLING_ACTIONS = frozenset(
    {
        "accept",
        "not_accept",
        "start_mediation",
        "mark_failed",
        "close",
        "reopen",
        "escalate",
        "edit",
        "party",
        "assign_mediator",
        "session",
        "agreement",
        "performance",
        "refer",
        "referral_update",
        "follow_up",
        "pause",
        "request_extension",
        "supervision_reply",
        "take_over",
    }
)
# 微事不出网格: the steps a grid worker takes on a grid-level case of their grid
# (``case.handle_grid``): accept, mediate, record the oral agreement performed on the spot and
# close, or hand it up to the village (escalate); from village level on it is the station's
GRID_ACTIONS = frozenset(
    {"accept", "start_mediation", "session", "agreement", "performance", "close", "escalate"}
)
HANDLED_LEVELS = {Level.TOWNSHIP.value: "case.handle_township", Level.COUNTY.value: "case.handle_county"}
# the levels station staff handle (``case.handle_local``)
LOCAL_LEVELS = (Level.GRID.value, Level.VILLAGE.value)


def _handles(user: Any, level: str) -> bool:
    if level == Level.TOWNSHIP:
        return capabilities.may(user, "case.handle_township")
    if level == Level.COUNTY:
        return capabilities.may(user, "case.handle_county")
    return False


def _grid_handler(user: Any) -> bool:
    """A grid worker (``case.handle_grid``); those who handle the local levels (station staff,
    administrators: ``case.handle_local``) take each step by its own row of the table."""
    return capabilities.may(user, "case.handle_grid") and not capabilities.may(user, "case.handle_local")


def handles_level(user: Any, case: DisputeCase, action: str) -> bool:
    """A township or county handler may take a handling action on a case at its own level; a
    grid worker the grid steps on a grid-level case (their scope is their grids)."""
    if case.level == Level.GRID and action in GRID_ACTIONS:
        return _grid_handler(user)
    return action in HANDLING_ACTIONS and _handles(user, case.level)


def reserved_to_level(user: Any, case: DisputeCase, action: str) -> bool:
    """A handling action on a township- or county-level case belongs to that level's handlers:
    station staff (``case.handle_local``) who do not handle the level keep read, notes and the
    table's other rows. A case handed on (交办) back to a station is at village level again."""
    return (
        action in HANDLING_ACTIONS
        and case.level in HANDLED_LEVELS
        and capabilities.may(user, "case.handle_local")
        and not _handles(user, case.level)
    )


def may_act(user: Any, case: DisputeCase, action: str) -> bool:
    """The role may take ``case.<action>`` anywhere in its scope, or the action is a handling one
    on a case at the level the role handles (scope is the selectors' business); a handling action
    on a case above the station's levels is the level's (``reserved_to_level``)."""
    if reserved_to_level(user, case, action):
        return False
    return capabilities.may(user, f"case.{action}") or handles_level(user, case, action)


def may_act_somewhere(user: Any, action: str) -> bool:
    """Whether the role could take ``action`` on some case (for API permission classes that
    run before the case is read): by the table, or as a handler of a level."""
    if capabilities.may(user, f"case.{action}"):
        return True
    if action in GRID_ACTIONS and _grid_handler(user):
        return True
    return action in HANDLING_ACTIONS and any(_handles(user, level) for level in HANDLED_LEVELS)


def is_receiver(user: User, hand_on: HandOn) -> bool:
    """The user works for the unit the case was handed on to (the one who acknowledges it)."""
    role = capabilities.role_of(user)
    if role == Role.ADMIN:
        return True
    if hand_on.target == HandOn.Target.STATION:
        return role == Role.STATION and officer_station_id(user) == hand_on.to_station_id
    if hand_on.target == HandOn.Target.TOWNSHIP:
        return role == Role.TOWNSHIP and user.township_id == hand_on.to_township_id
    if role != Role.LIAISON or user.liaison_unit != hand_on.to_unit:
        return False
    # a liaison of one township's unit receives that township's hand-ons only (as its referrals)
    return user.township_id is None or hand_on.case.village.parent_id == user.township_id
