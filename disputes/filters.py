"""Query-string filters for the case list (``/api/v1/cases/``).

The FilterSet parses and documents the query string (a bad value is a 400 with field errors); the
filtering itself is ``selectors.case_list``'s, the same the pages and the Excel ledger use, so
every list of cases means the same thing. Related objects are given by number (``core.filters.IdFilter``),
never looked up in the whole table, so the answer tells an outsider nothing.
"""

import django_filters as df
from django.utils.translation import gettext_lazy as _

from core.filters import DateFilter, IdFilter

from . import selectors
from .models import Category, DisputeCase, Level, RiskLevel, Source, Status


class CaseFilter(df.FilterSet):
    q = df.CharFilter(label=_("搜索(编号、案情、地点、当事人姓名)"))
    status = df.MultipleChoiceFilter(choices=Status.choices, label=_("状态(可多选)"))
    level = df.ChoiceFilter(choices=Level.choices, label=_("处置层级"))
    category = df.ChoiceFilter(choices=Category.choices, label=_("纠纷类别"))
    source = df.ChoiceFilter(choices=Source.choices, label=_("来源"))
    risk_level = df.ChoiceFilter(choices=RiskLevel.choices, label=_("风险等级"))
    village = IdFilter(label=_("村(社区)编号"))
    grid = IdFilter(label=_("网格编号"))
    station = IdFilter(label=_("派出所编号"))
    mediator = IdFilter(label=_("调解员编号"))
    overdue = df.BooleanFilter(label=_("仅逾期"))
    open = df.BooleanFilter(label=_("仅未办结"))
    date_from = DateFilter(label=_("登记日期起"))
    date_to = DateFilter(label=_("登记日期止"))
    order = df.ChoiceFilter(
        choices=[("risk", _("风险分从高到低")), ("due", _("期限由近到远"))], label=_("排序(默认最新登记在前)")
    )

    class Meta:
        model = DisputeCase
        fields: list[str] = []

    def selector_filters(self) -> dict:
        return {
            key: value for key, value in self.form.cleaned_data.items() if value not in (None, "", [], False)
        }

    def filter_queryset(self, queryset):
        """The selector does the filtering (``queryset``, the unfiltered scoped list, is replaced)."""
        return selectors.case_list(user=self.request.user, filters=self.selector_filters())
