"""The capability table: for every role, which actions it may take on which kind of object.

This is the one place that says who may do what. Services check it before they write
(``may(actor, "case.accept")``), views and API permission classes before they parse input,
templates through the ``may`` filter (which buttons to show), and the permission matrix in the
tests reads it to know what to expect. Adding a role means adding it to ``governance.roles``,
to the rows below that it may take, and to the scope resolver (``governance.scoping``) for what
it may see — nothing else.

Scope is not here: a capability says "this role may accept cases"; which cases is the scope
(a station its jurisdiction, an auxiliary officer their village …). A user outside the scope of
an object gets 404 before the table is asked.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from core import capabilities as core_capabilities
from core.capabilities import Capability, CapabilityTable

from .roles import Role

ADMIN, COUNTY, STATION = Role.ADMIN.value, Role.COUNTY.value, Role.STATION.value
AUXILIARY, GRID, MEDIATOR = Role.AUXILIARY.value, Role.GRID.value, Role.MEDIATOR.value
TOWNSHIP, LIAISON = Role.TOWNSHIP.value, Role.LIAISON.value

CASE_WORKERS = frozenset({ADMIN, STATION, AUXILIARY})  # who handles cases in the station's area
MANAGERS = frozenset({ADMIN, COUNTY, STATION})  # who keeps the reference data of their scope


def _c(code: str, label: Any, *roles: str | frozenset[str]) -> Capability:
    flat: set[str] = set()
    for r in roles:
        flat |= {r} if isinstance(r, str) else set(r)
    return Capability(code=code, label=label, roles=frozenset(flat))


CAPABILITIES = [
    # --- Scope and reference data ---
    _c("scope.county_wide", _("查看全县"), ADMIN, COUNTY),
    _c("reference.manage", _("维护辖区内的区划、网格、人员等基础信息"), MANAGERS),
    _c("reference.manage_county", _("新增、撤并区划和派出所(全县结构)"), ADMIN, COUNTY),
    _c("user.manage", _("管理账号"), ADMIN),
    _c("personal_data.view", _("查看完整身份证号和手机号"), MANAGERS),
    # must phone the parties: one tap shows a full number on a record of their scope (logged)
    _c("personal_data.reveal", _("一键查看完整号码(留痕)"), MANAGERS, AUXILIARY, MEDIATOR),
    _c("personal_data.audit", _("查看个人信息查看记录"), ADMIN, COUNTY),
    _c("dashboard.view", _("查看指挥看板"), ADMIN, COUNTY, STATION, AUXILIARY, TOWNSHIP),
    # --- Dispute cases (矛盾纠纷) ---
    _c("case.report", _("登记、上报纠纷"), CASE_WORKERS, GRID, TOWNSHIP),
    _c("case.edit", _("修改案件信息"), CASE_WORKERS),
    _c("case.accept", _("受理"), CASE_WORKERS),
    _c("case.not_accept", _("不予受理"), CASE_WORKERS),
    _c("case.start_mediation", _("开始调解"), CASE_WORKERS, MEDIATOR),
    _c("case.mark_failed", _("调解未成"), CASE_WORKERS, MEDIATOR),
    _c("case.close", _("办结"), CASE_WORKERS),
    _c("case.reopen", _("重新启动"), CASE_WORKERS),
    _c("case.escalate", _("升级处置"), CASE_WORKERS),
    _c("case.party", _("添加、修改当事人"), CASE_WORKERS),
    _c("case.assign_mediator", _("指派调解员"), CASE_WORKERS),
    _c("case.session", _("记录调解"), CASE_WORKERS, MEDIATOR),
    _c("case.agreement", _("登记调解协议"), CASE_WORKERS, MEDIATOR),
    _c("case.performance", _("登记协议履行"), CASE_WORKERS),
    _c("case.refer", _("移送、对接"), CASE_WORKERS),
    _c("case.referral_update", _("登记对接结果"), CASE_WORKERS),
    _c("case.follow_up", _("回访"), CASE_WORKERS),
    _c("case.note", _("添加备注、督办意见"), CASE_WORKERS, MEDIATOR, GRID, COUNTY, TOWNSHIP),
    # photos and scans (core.attachments) on a case, its mediation sessions and agreements
    _c("case.attach", _("上传案件照片、扫描件(含签字的调解协议书)"), CASE_WORKERS, GRID, MEDIATOR, TOWNSHIP),
    _c("case.assess_risk", _("重新评估风险"), CASE_WORKERS, COUNTY, TOWNSHIP),
    _c("case.red_alert", _("接收红色风险预警"), ADMIN, COUNTY),
    # --- The case clock: pauses (中止) and extensions (延期), approved by the level above ---
    _c("case.pause", _("中止、恢复办理期限"), CASE_WORKERS),
    _c("case.request_extension", _("申请延期"), CASE_WORKERS),
    _c("case.approve_extension", _("审批延期申请(按案件层级)"), ADMIN, COUNTY, STATION, AUXILIARY, TOWNSHIP),
    _c("case.approve_extension_grid", _("审批网格级案件的延期"), ADMIN, COUNTY, STATION, AUXILIARY),
    _c("case.approve_extension_village", _("审批村级案件的延期"), ADMIN, COUNTY, STATION, TOWNSHIP),
    _c("case.approve_extension_township", _("审批乡镇级案件的延期"), ADMIN, COUNTY),
    _c("case.approve_extension_county", _("审批县级案件的延期"), ADMIN, COUNTY),
    _c("mediator_relation.record", _("登记调解员利害关系(回避)"), MANAGERS),
    # --- Every tier acts (disputes.tiers): 交办, 签收, 督办, 反馈, 评价, 移交, duplicates ---
    # a township 综治中心 handles township-level cases, the county command centre county-level
    # ones: every handling action (accept … close) on a case at that level (disputes.tiers.rules)
    _c("case.handle_township", _("办理乡镇级案件(受理、调解、办结等)"), ADMIN, TOWNSHIP),
    _c("case.handle_county", _("办理县级案件(受理、调解、办结等)"), ADMIN, COUNTY),
    # station staff handle grid- and village-level cases; at township or county level they keep
    # read, notes and what the rows above give them, unless the case is handed on back to them
    _c("case.handle_local", _("办理网格、村(社区)级案件(受理、调解、办结等)"), CASE_WORKERS),
    # 微事不出网格: a grid worker settles a grid-level case of their grid on the phone (受理, 调解,
    # 口头协议当场履行后办结) or hands it up to the village (disputes.tiers.rules.GRID_ACTIONS)
    _c("case.handle_grid", _("办理本网格的网格级案件(受理、调解、就地化解办结、上报村级)"), ADMIN, GRID),
    # 接手: a township or county handler takes on a case escalated to its level (an administrator
    # anywhere; the handlers through the level rule, disputes.tiers.rules)
    _c("case.take_over", _("接手升级到本级的案件"), ADMIN),
    _c("case.hand_on", _("交办案件(指定承办单位、期限和要求)"), ADMIN, COUNTY, TOWNSHIP),
    _c("case.acknowledge", _("签收交办"), ADMIN, STATION, TOWNSHIP, LIAISON),
    _c("case.supervise", _("督办案件、关闭督办"), ADMIN, COUNTY, TOWNSHIP),
    _c("case.supervision_reply", _("反馈督办"), CASE_WORKERS, TOWNSHIP),
    _c("case.evaluate", _("评价办理情况"), ADMIN, COUNTY, TOWNSHIP),
    _c("case.transfer", _("移交到其他村(社区)或派出所"), CASE_WORKERS, TOWNSHIP, COUNTY),
    _c("case.transfer_decide", _("接收或退回移交来的案件"), ADMIN, STATION, TOWNSHIP),
    _c("case.link_duplicate", _("把重复上报关联到已有案件"), CASE_WORKERS, GRID, TOWNSHIP),
    _c("case.merge", _("合并两个在办案件"), ADMIN, STATION, TOWNSHIP, COUNTY),
    _c("referral.answer", _("接收、退回、答复移送来的案件(部门、法院)"), ADMIN, LIAISON),
    # --- Rolling screening (滚动排查) ---
    _c("screening.file", _("提交网格排查报告(含零报告)"), ADMIN, STATION, AUXILIARY, GRID),
    # --- Incidents (警情) and presence ---
    _c("incident.view", _("查看警情"), ADMIN, COUNTY, STATION, AUXILIARY),
    _c("incident.manage", _("录入、导入、移交警情"), MANAGERS),
    # a photo on one's own check-in (village, grid, patrol checkpoint): field evidence
    _c("checkin.attach", _("为本人的签到上传现场照片"), ADMIN, STATION, AUXILIARY, GRID),
    # --- Patrols (群防群治) ---
    _c("patrol.plan", _("制定巡逻计划"), MANAGERS),
    _c("patrol.run", _("开展巡逻(签到、记录发现、结束)"), MANAGERS, AUXILIARY),
    # --- Points (积分) ---
    _c("points.view_ranking", _("查看积分排名"), ADMIN, COUNTY, STATION, AUXILIARY),
    _c("points.view_bottom", _("查看末位名单"), MANAGERS),
    _c("points.award", _("手工加减积分"), MANAGERS),
    _c("points.manage_rules", _("调整积分规则"), ADMIN, COUNTY),
    # --- Pages: which entries the top bar offers (convenience only: every view is scoped) ---
    _c("nav.cases", _("使用矛盾纠纷页面"), ADMIN, COUNTY, STATION, AUXILIARY, GRID, MEDIATOR, TOWNSHIP),
    _c("nav.screening", _("使用滚动排查页面"), ADMIN, COUNTY, STATION, AUXILIARY, TOWNSHIP),
    _c("nav.presence", _("使用驻村工作页面"), ADMIN, COUNTY, STATION, AUXILIARY),
    _c("nav.patrols", _("使用巡逻页面"), ADMIN, COUNTY, STATION, AUXILIARY),
    _c("nav.visits", _("使用核查走访页面"), ADMIN, COUNTY, STATION, AUXILIARY),
    _c("nav.villages", _("查看村(社区)、治保会、群防群治队伍"), ADMIN, COUNTY, STATION, AUXILIARY, TOWNSHIP),
    _c("nav.grids", _("查看网格和网格员"), ADMIN, COUNTY, STATION, AUXILIARY, GRID, TOWNSHIP),
    _c("nav.mediators", _("查看调解员"), ADMIN, COUNTY, STATION, AUXILIARY, GRID, MEDIATOR, TOWNSHIP),
    _c("nav.stations", _("查看派出所"), ADMIN, COUNTY, STATION),
    _c("nav.referrals", _("使用移送答复页面(部门、法院)"), ADMIN, LIAISON),
    _c("ui.phone_first", _("以手机页面为主页(网格员、辅警)"), GRID, AUXILIARY),
]


def role_of(user: Any) -> str:
    """The role a user acts in: "" for anonymous or inactive users, ``admin`` for superusers."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return ""
    return ADMIN if user.is_superuser else (user.role or "")


TABLE = CapabilityTable(roles=Role.values, capabilities=CAPABILITIES, role_of=role_of)

# ``may(user, code)`` and ``roles_with(code)`` read the table that ``settings.CAPABILITY_TABLE``
# names (this one).
may = core_capabilities.may
roles_with = core_capabilities.roles_with
