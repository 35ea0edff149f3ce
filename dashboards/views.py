"""Command-centre dashboards: the county overview and the same page for a station, a township
or a village, reached by drilling down and left by the breadcrumbs. Read-only; every figure
comes from ``dashboards.figures`` (composed from the apps' figure selectors) over the area's scoped villages."""

import datetime as dt

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import BadRequest
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from openpyxl import Workbook
from openpyxl.styles import Font

from core.errors import service_call
from core.exports import workbook_bytes
from core.limits import date_range_message, parse_month
from core.periods import month_period, period_from_params
from disputes.figures import dispute_trend, grid_map

from .areas import KIND_LABELS, Area, area_get, default_area
from .figures import area_figures, children


class DashboardHome(LoginRequiredMixin, View):
    def get(self, request):
        area = default_area(user=request.user)
        query = request.GET.urlencode()
        return redirect(area.url() + (f"?{query}" if query else ""))


class AreaMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.area: Area = area_get(user=request.user, kind=kwargs["kind"], pk=kwargs["pk"])
            with service_call() as call:
                self.period = period_from_params(request.GET)
            if call.refused:
                raise BadRequest(call.message)
        return super().dispatch(request, *args, **kwargs)


class AreaDashboard(AreaMixin, TemplateView):
    template_name = "dashboards/area.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kind, rows, open_now = children(self.area, self.request.user, self.period)
        context.update(area_figures(self.area, self.period, self.request.user, open_now=open_now))
        context.update(
            area=self.area,
            nav_key="dashboard",
            page_title=f"{self.area.name} · {_('指挥中心')}",
            area_kind_label=KIND_LABELS[self.area.kind],
            child_kind=kind,
            child_label={
                "station": _("派出所"),
                "township": _("乡镇"),
                "village": _("村(社区)"),
                "grid": _("网格"),
            }[kind],
            children=rows,
            query=self.request.GET.urlencode(),
            period_param=self.request.GET.get("period", "month"),
            tile_url=_tile_url(),
        )
        return context


def _tile_url() -> str:
    return getattr(settings, "DASHBOARD_TILE_URL", "")


class FiguresPartial(AreaMixin, TemplateView):
    """The figures block alone: the page refreshes it every minute without a full reload."""

    template_name = "dashboards/_figures.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            area_figures(self.area, self.period, self.request.user),
            area=self.area,
            refreshed_at=timezone.localtime(),
        )
        return context


class TrendJson(AreaMixin, View):
    def get(self, request, **kwargs):
        return JsonResponse(dispute_trend(self.area.village_ids))


class MapJson(AreaMixin, View):
    def get(self, request, **kwargs):
        return JsonResponse(grid_map(self.area.village_ids))


def _pct(value) -> str:
    return "" if value is None else f"{value}%"


class ExportXlsx(AreaMixin, View):
    """Every table of the page as a sheet of one workbook."""

    def get(self, request, **kwargs):
        kind, rows, open_now = children(self.area, request.user, self.period)
        data = area_figures(self.area, self.period, self.request.user, open_now=open_now)
        wb = Workbook()
        ws = wb.active
        ws.title = _("主要指标")
        ws.append([f"{self.area.name} {data['period'].label}"])
        ws.append([_("指标"), _("本期"), _("上期"), _("去年同期")])
        for item in data["headline"]:
            fmt = _pct if item["unit"] == "%" else (lambda v: "" if v is None else v)
            ws.append([str(item["label"]), fmt(item["value"]), fmt(item["previous"]), fmt(item["last_year"])])
        ws.append([])
        ws.append([_("在办"), data["open_now"]["open"]])
        ws.append([_("超期"), data["open_now"]["overdue"]])
        ws.append([_("红色风险"), data["open_now"]["red"]])
        ws.append([_("橙色风险"), data["open_now"]["orange"]])
        for label, value in data["escalations"]:
            ws.append([_("升级至%(l)s") % {"l": label}, value])
        for label, value in data["resolved_share"]:
            ws.append([_("%(l)s化解占比") % {"l": label}, _pct(value)])
        sheet = wb.create_sheet(_("滚动排查"))
        sheet.append(
            [_("轮次"), _("截止"), _("网格数"), _("按时报告"), _("逾期报告"), _("未报告"), _("报告率")]
        )
        for row in data["screening"]:
            sheet.append(
                [
                    row["round"].title,
                    timezone.localtime(row["round"].due_at).strftime("%Y-%m-%d %H:%M"),
                    row["total"],
                    row["on_time"],
                    row["late"],
                    row["missing"],
                    _pct(row["rate"]),
                ]
            )
        field = data["field"]
        sheet = wb.create_sheet(_("警情与基层力量"))
        inc, pres, pat, vis = field["incidents"], field["presence"], field["patrols"], field["visits"]
        for row in [
            [_("警情总数"), inc["total"]],
            [_("每万人警情"), inc["per_10k"]],
            [_("重复警情"), inc["repeats"]],
            *[[_("警情·%(c)s") % {"c": c}, n] for c, n in inc["by_category"]],
            [_("民转刑"), field["criminal_turns"]],
            [_("有驻村辅警的村(社区)"), f"{pres['with_auxiliary']}/{pres['total']}"],
            [_("有挂村民警的村(社区)"), f"{pres['with_officer']}/{pres['total']}"],
            [_("挂村民警本月驻村达标"), f"{pres['attached_met']}/{pres['attached']}"],
            [_("巡逻次数"), pat["patrols"]],
            [_("巡逻时长(小时)"), pat["hours"]],
            [_("参与巡逻的群防群治队员"), pat["volunteers"]],
            [_("红橙案件48小时内走访率"), _pct(vis["rate"])],
            [_("核查走访定位核实"), f"{vis['verified']}/{vis['done']}"],
            [
                _("核查后风险下降 / 持平 / 上升"),
                f"{vis['risk_down']} / {vis['risk_same']} / {vis['risk_up']}",
            ],
        ]:
            sheet.append(row)
        sheet = wb.create_sheet(_("下级对比"))
        sheet.append(
            [
                str(KIND_LABELS.get(kind, _("网格"))),
                _("新增"),
                _("办结"),
                _("化解率"),
                _("在办"),
                _("超期"),
                _("红色"),
                _("橙色"),
            ]
        )
        for row in rows:
            sheet.append(
                [
                    row["name"],
                    row["new"],
                    row["closed"],
                    _pct(row["resolution_rate"]),
                    row["open"],
                    row["overdue"],
                    row["red"],
                    row["orange"],
                ]
            )
        trend = dispute_trend(self.area.village_ids)
        sheet = wb.create_sheet(_("月度趋势"))
        sheet.append([_("月份"), _("新增"), _("办结"), _("化解率")])
        for i, month in enumerate(trend["months"]):
            sheet.append([month, trend["new"][i], trend["closed"][i], _pct(trend["resolution_rate"][i])])
        for sheet in wb.worksheets:
            for cell in sheet[2 if sheet is ws else 1]:
                cell.font = Font(bold=True)
        response = HttpResponse(
            workbook_bytes(wb),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        filename = f"dashboard-{self.area.kind}-{self.area.obj.pk}-{self.period.start:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class MonthlyReport(AreaMixin, TemplateView):
    """A printable one-page monthly report (A4)."""

    template_name = "dashboards/report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        text = self.request.GET.get("month", "")
        first = parse_month(text)
        if text and first is None:
            raise BadRequest(_("月份格式应为 YYYY-MM。") + date_range_message())
        period = (
            month_period(first.year, first.month)
            if first
            else month_period(today.year, today.month).previous()
        )
        kind, rows, open_now = children(self.area, self.request.user, period)
        context.update(area_figures(self.area, period, self.request.user, open_now=open_now))
        context.update(
            area=self.area,
            children=rows,
            child_kind=kind,
            month=period.start,
            printed_on=today,
            page_title=_("月度报告"),
            month_choices=[month_period(today.year, today.month).start - dt.timedelta(days=1)],
        )
        return context
