"""Labels of the case timeline's event codes (``CaseEvent.code``), for pages and the API."""

from django.utils.translation import gettext_lazy as _

EVENT_LABELS = {
    "disputes.case.reported": _("登记上报"),
    "disputes.case.updated": _("修改案情"),
    "disputes.case.noted": _("备注"),
    "disputes.case.attachment_added": _("上传附件"),
    "disputes.case.accepted": _("受理"),
    "disputes.case.not_accepted": _("不予受理"),
    "disputes.case.mediation_started": _("开始调解"),
    "disputes.case.mediation_failed": _("调解未成"),
    "disputes.case.agreement_reached": _("达成协议"),
    "disputes.case.performed": _("协议已履行"),
    "disputes.case.referred": _("移交"),
    "disputes.case.closed": _("办结"),
    "disputes.case.reopened": _("复发重启"),
    "disputes.case.escalated": _("升级处置"),
    "disputes.case.escalated_auto": _("自动升级"),
    "disputes.case.deadline_shortened": _("风险升高,办理期限缩短"),
    "disputes.case.risk_changed": _("风险等级变化"),
    "disputes.case.screening_linked": _("关联排查发现"),
    "disputes.case.paused": _("中止办理期限"),
    "disputes.case.resumed": _("恢复办理"),
    "disputes.case.extension_requested": _("申请延期"),
    "disputes.case.extension_approved": _("批准延期"),
    "disputes.case.extension_refused": _("不予批准延期"),
    "disputes.party.added": _("登记当事人"),
    "disputes.party.updated": _("修改当事人"),
    "disputes.mediator.assigned": _("指派调解员"),
    "disputes.mediator.assigned_despite_conflict": _("指派调解员(回避事由已说明)"),
    "disputes.mediator.removed": _("撤回调解员"),
    "disputes.mediator.conflict_found": _("发现回避事由"),
    "disputes.mediator.conflict_confirmed": _("确认回避事由,仍由其调解"),
    "disputes.session.recorded": _("调解记录"),
    "disputes.agreement.performance": _("协议履行情况"),
    "disputes.referral.sent": _("对接移送"),
    "disputes.referral.updated": _("移送答复"),
    "disputes.followup.recorded": _("回访"),
    # disputes.tiers
    "disputes.case.handed_on": _("交办"),
    "disputes.case.hand_on_acknowledged": _("签收交办"),
    "disputes.case.hand_on_overdue": _("交办逾期未签收"),
    "disputes.case.supervised": _("督办"),
    "disputes.case.supervision_replied": _("反馈督办"),
    "disputes.case.supervision_closed": _("结束督办"),
    "disputes.case.evaluated": _("评价办理情况"),
    "disputes.case.transfer_requested": _("提出移交"),
    "disputes.case.transferred": _("移交接收"),
    "disputes.case.transfer_returned": _("移交退回"),
    "disputes.case.report_linked": _("关联重复上报"),
    "disputes.case.merged": _("合并案件"),
    "disputes.case.merged_into": _("并入其他案件(合并)"),
    "disputes.referral.answered_by_unit": _("接收单位答复移送"),
    "disputes.case.taken_over": _("接手升级案件"),
    # written by other apps through ``disputes.services.case_event_add``
    "patrols.visit.checked_in": _("核查走访签到"),
}


def event_label(code: str) -> str:
    return str(EVENT_LABELS.get(code, code))
