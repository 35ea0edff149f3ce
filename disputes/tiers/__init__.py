"""Every tier acts (issue 14): township and county handlers, 交办/签收, 督办/反馈, 评价, 移交
between villages and stations, duplicate reports and merged cases, the liaisons of departments
and courts who answer referrals themselves, and the per-user work queue (我的待办).

* ``models``: ``HandOn`` (交办 with its 签收), ``Supervision`` / ``SupervisionReply`` (督办 / 反馈),
  ``Evaluation`` (评价), ``CaseTransfer`` (移交), ``LinkedReport`` (a duplicate report linked to a
  case), ``CaseMerge``, ``ReferralRuling`` (庭所对接: the judicial-confirmation ruling).
  Imported by ``disputes.models``; they keep the app's label and tables.
* ``rules``: the level rule (a township handler acts on township-level cases, the county on
  county-level ones) and who is the receiving unit of a hand-on; no writes.
* ``scope``: the extra read scope (a transferred case's old station; the receiver of a pending
  transfer), used by ``disputes.selectors.case_ids``.
* ``services``: every write (``hand_on_create``, ``hand_on_acknowledge``, ``supervision_open``,
  ``supervision_reply``, ``supervision_close``, ``evaluation_record``, ``transfer_request``,
  ``transfer_decide``, ``report_link``, ``case_merge``, ``liaison_referral_*``).
* ``selectors``: scoped reads (``duplicate_candidates``, ``liaison_referral_list``, ``work_queue``).
* ``sweeps``: hand-ons not acknowledged in time (reminded, then escalated), supervisions not
  answered by their reply-by time (reminded once); ``disputes.tiers_sweep`` in ``disputes.tasks``.
* ``figures``: evaluations and supervisions per unit, composed by ``dashboards``.
* ``views``/``urls``/``forms``: pages under ``/cases/`` (namespace ``tiers``); ``api``: the
  ``/api/v1/cases/{id}/…`` routes and ``/api/v1/referral-answers/``.
"""
