"""Importing incidents (警情) from an Excel or CSV export of the 110 system.

``stations.incidents.services.incident_import_start`` stores the upload in an ``ImportJob``; a
small file is imported at once, a large one (more than ``INCIDENT_IMPORT_ASYNC_ROWS`` rows) by
the Celery task ``stations.import_incidents`` while the page polls the job's progress.

``incident_import_run`` is the import itself and is safe to run twice:

* every row is checked and its problems reported by spreadsheet row number and Chinese column
  name; a row with any problem is left out whole (never half a row);
* a row whose 110 number the station already has is skipped and listed (re-importing the same
  file adds nothing);
* the good rows are written together in one transaction: all of them or, if the database
  refuses one, none (the job then says so and the file can be imported again).
"""

import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.errors import DomainError, error_text
from core.exports import workbook_bytes
from core.i18n import join_list
from governance.validators import normalize_phone, validate_phone
from stations import selectors, services
from stations.models import ImportJob, Incident, Station

MAX_FILE_BYTES = 5 * 1024 * 1024
PROGRESS_EVERY = 100


@dataclass(frozen=True)
class Column:
    header: str  # the Chinese column name of the 110 export; ``label`` is it in the user's language
    field: str
    required: bool
    max_length: int | None = None
    example: str = ""

    @property
    def label(self) -> str:
        return _(self.header)


# Headers and examples are marked for translation but kept in Chinese here: the file format is
# the 110 system's. A file is read with the Chinese headers or those of any interface language;
# the template is written in the user's language; errors store the Chinese header (shown
# translated).
COLUMNS = [
    Column(gettext_noop("警情编号"), "number", True, 32, "J5111322026010100001"),
    Column(gettext_noop("接警时间"), "received_at", True, None, "2026-01-01 08:30"),
    Column(gettext_noop("警情类别"), "category", True, None, ""),
    Column(gettext_noop("乡镇"), "township", False, None, ""),
    Column(gettext_noop("村(社区)"), "village", True, None, ""),
    Column(gettext_noop("发生地址"), "address", False, 128, gettext_noop("3组12号")),
    Column(gettext_noop("报警人"), "caller_name", False, 32, "吉克阿木"),
    Column(gettext_noop("报警电话"), "caller_phone", False, 20, "13900000000"),
    Column(gettext_noop("当事人"), "parties", False, None, "吉克阿木、沙马拉哈"),
    Column(gettext_noop("简要警情"), "summary", True, None, gettext_noop("两户村民因宅基地边界发生争执。")),
    Column(gettext_noop("处置结果"), "outcome", False, None, gettext_noop("民警到场调解,双方暂时平息。")),
]
HEADERS = [c.header for c in COLUMNS]
_BY_FIELD = {c.field: c for c in COLUMNS}
_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H时%M分",
    "%Y%m%d%H%M%S",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y年%m月%d日",
)


def async_threshold() -> int:
    return int(getattr(settings, "INCIDENT_IMPORT_ASYNC_ROWS", 500))


def _norm_header(value: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(value or "")).split())


def _in_every_language(make) -> dict:
    """``make()`` evaluated in Chinese and in each interface language, merged (Chinese first)."""
    merged: dict = {}
    for code in [settings.LANGUAGE_CODE] + [code for code, _name in settings.LANGUAGES]:
        with translation.override(code):
            for key, value in make().items():
                merged.setdefault(key, value)
    return merged


def _header_keys() -> dict[str, str]:
    return _in_every_language(
        lambda: {
            **{_norm_header(c.label): c.field for c in COLUMNS},
            **{_norm_header(c.header): c.field for c in COLUMNS},
        }
    )


def _category_by_label() -> dict[str, str]:
    """Category label → value, for labels in Chinese and in every interface language."""
    return _in_every_language(lambda: {str(label): value for value, label in Incident.Category.choices})


def _category_labels() -> dict[str, str]:
    """Category label → value in the current language (for the template and messages)."""
    return {str(label): value for value, label in Incident.Category.choices}


# --- Reading the file ---------------------------------------------------------------------
def read_table(content: bytes, file_name: str) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """The header row and the non-blank data rows with their spreadsheet row numbers (the
    header is row 1). Raises ``DomainError`` when the file cannot be read."""
    name = (file_name or "").lower()
    if name.endswith(".csv"):
        rows = _read_csv(content)
    elif name.endswith((".xlsx", ".xlsm")):
        rows = _read_xlsx(content)
    else:
        raise DomainError(_("只支持 Excel(.xlsx)或 CSV(.csv)文件。"), field="file")
    rows = iter(rows)
    header = next(rows, None)
    if header is None:
        raise DomainError(_("文件是空的。"), field="file")
    data = [
        (n, list(row))
        for n, row in enumerate(rows, start=2)
        if any(cell not in (None, "") and str(cell).strip() for cell in row)
    ]
    return [str(h or "").strip() for h in header], data


def _read_csv(content: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise DomainError(_("无法识别文件编码,请另存为 UTF-8 编码的 CSV 或 Excel 文件。"), field="file")
    return list(csv.reader(io.StringIO(text)))


def _read_xlsx(content: bytes):
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as err:  # noqa: BLE001 - any unreadable workbook is the user's file
        raise DomainError(_("无法读取 Excel 文件,请确认文件未损坏且为 .xlsx 格式。"), field="file") from err
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def column_map(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    keys = _header_keys()
    for index, title in enumerate(header):
        field = keys.get(_norm_header(title))
        if field and field not in found:
            found[field] = index
    missing = [c.label for c in COLUMNS if c.required and c.field not in found]
    if missing:
        raise DomainError(
            _("表头缺少必填列:%(cols)s。请使用下载的导入模板。") % {"cols": join_list(missing)}, field="file"
        )
    return found


# --- Checking one row ---------------------------------------------------------------------
def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value).strip()


def _parse_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time())
    else:
        text = " ".join(_text(value).split())
        for fmt in _DATETIME_FORMATS:
            try:
                parsed = dt.datetime.strptime(text, fmt)  # noqa: DTZ007 - made aware below
                break
            except ValueError:
                continue
        else:
            raise ValueError(text)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


class _Villages:
    """The station's villages by name (and township name), looked up without a query per row."""

    def __init__(self, station: Station):
        self.by_name: dict[str, list] = {}
        for village in selectors.villages_of_station(station.pk).select_related("parent"):
            self.by_name.setdefault(_norm_header(village.name), []).append(village)

    def find(self, name: str, township: str):
        candidates = self.by_name.get(_norm_header(name), [])
        if township:
            candidates = [
                v for v in candidates if v.parent and _norm_header(v.parent.name) == _norm_header(township)
            ]
        if len(candidates) == 1:
            return candidates[0], ""
        if not candidates:
            return None, _("本所辖区内没有名为“%(name)s”的村(社区)") % {"name": name}
        return None, _("有多个名为“%(name)s”的村(社区),请填写“乡镇”列") % {"name": name}


def _check_row(
    values: dict[str, Any], villages: _Villages, now: dt.datetime, categories: dict[str, str] | None = None
) -> tuple[dict, list[tuple[str, str]]]:
    """Parse one row. Returns the incident fields and a list of (column header, message)."""
    errors: list[tuple[str, str]] = []
    data: dict[str, Any] = {}

    def fail(field: str, message: str) -> None:
        errors.append((_BY_FIELD[field].header, message))

    for column in COLUMNS:
        if column.field in ("received_at", "category", "village", "township"):
            continue
        text = _text(values.get(column.field))
        if column.required and not text:
            fail(column.field, _("必填"))
        elif column.max_length and len(text) > column.max_length:
            fail(column.field, _("不能超过 %(n)s 个字") % {"n": column.max_length})
        data[column.field] = text

    raw_time = values.get("received_at")
    if raw_time in (None, "") or not _text(raw_time):
        fail("received_at", _("必填"))
    else:
        try:
            received_at = _parse_datetime(raw_time)
        except ValueError:
            fail("received_at", _("无法识别的时间“%(v)s”,请写成 2026-01-31 08:30") % {"v": _text(raw_time)})
        else:
            if received_at > now:
                fail("received_at", _("接警时间晚于当前时间"))
            data["received_at"] = received_at

    categories = categories if categories is not None else _category_by_label()
    category = _text(values.get("category"))
    if not category:
        fail("category", _("必填"))
    elif category in categories:
        data["category"] = categories[category]
    elif category in Incident.Category.values:
        data["category"] = category
    else:
        fail(
            "category",
            _("“%(v)s”不是有效类别,可选:%(choices)s")
            % {"v": category, "choices": join_list(_category_labels())},
        )

    village_name = _text(values.get("village"))
    if not village_name:
        fail("village", _("必填"))
    else:
        village, problem = villages.find(village_name, _text(values.get("township")))
        if village is None:
            fail("village", problem)
        data["village"] = village

    phone = normalize_phone(data.get("caller_phone", ""))
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as err:
            fail("caller_phone", err.messages[0])
    data["caller_phone"] = phone
    return data, errors


# --- The import ---------------------------------------------------------------------------
def _progress(job_id: int, **fields) -> None:
    ImportJob.objects.filter(pk=job_id).update(**fields)


def incident_import_run(*, job_id: int, now: dt.datetime | None = None) -> ImportJob | None:
    """Run (or, after a worker died, run again) the import of one job. A finished job is left
    alone. Not wrapped in one transaction on purpose: progress must be visible while the rows
    are checked; the rows themselves are written in one transaction at the end."""
    claimed = ImportJob.objects.filter(pk=job_id).exclude(
        status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED]
    )
    if not claimed.update(status=ImportJob.Status.RUNNING, processed=0):
        return None
    job = ImportJob.objects.select_related("station", "created_by").get(pk=job_id)
    now = now or timezone.now()
    try:
        header, rows = read_table(bytes(job.content), job.file_name)
        columns = column_map(header)
    except DomainError as err:
        _progress(
            job_id, status=ImportJob.Status.FAILED, message=error_text(err)[:255], finished_at=timezone.now()
        )
        return ImportJob.objects.get(pk=job_id)
    _progress(job_id, total=len(rows))

    villages = _Villages(job.station)
    categories = _category_by_label()
    errors: list[dict] = []
    good: list[tuple[int, Incident]] = []
    first_row_of: dict[str, int] = {}
    for done, (row_number, cells) in enumerate(rows, start=1):
        values = {field: cells[index] if index < len(cells) else None for field, index in columns.items()}
        data, problems = _check_row(values, villages, now, categories)
        number = data.get("number", "")
        if number and number in first_row_of:
            problems.append(
                (
                    _BY_FIELD["number"].header,
                    _("与第 %(row)s 行的警情编号重复") % {"row": first_row_of[number]},
                )
            )
        elif number:
            first_row_of[number] = row_number
        if not problems:
            data.pop("township", None)
            incident = Incident(station=job.station, created_by=job.created_by, **data)
            incident.address_key = selectors.normalize_address(incident.address)
            try:
                incident.full_clean(
                    exclude=["station", "village", "created_by"],
                    validate_unique=False,
                    validate_constraints=False,
                )
            except ValidationError as err:
                for field, messages in err.message_dict.items():
                    column_name = _BY_FIELD[field].header if field in _BY_FIELD else field
                    problems.extend((column_name, m) for m in messages)
        if problems:
            errors.extend({"row": row_number, "column": col, "message": msg} for col, msg in problems)
        else:
            good.append((row_number, incident))
        if done % PROGRESS_EVERY == 0:
            _progress(job_id, processed=done)

    existing = _existing_numbers(job.station, [i.number for _row, i in good])
    skipped = [{"row": row, "number": i.number} for row, i in good if i.number in existing]
    new = [i for _row, i in good if i.number not in existing]
    _progress(job_id, processed=len(rows), status=ImportJob.Status.SAVING)
    try:
        with transaction.atomic():
            Incident.objects.bulk_create(new, batch_size=500)
            # repeat incidents re-score the cases from their source now, not the next night
            services.incidents_recorded(new)
    except IntegrityError:
        _progress(
            job_id,
            status=ImportJob.Status.FAILED,
            errors=errors,
            skipped=skipped,
            created_count=0,
            finished_at=timezone.now(),
            message=_("写入时发现其他人刚导入了相同编号的警情,本次未写入任何数据,请重新导入。"),
        )
        return ImportJob.objects.get(pk=job_id)
    _progress(
        job_id,
        status=ImportJob.Status.DONE,
        errors=errors,
        skipped=skipped,
        created_count=len(new),
        finished_at=timezone.now(),
        message=_("新增 %(new)s 条,已存在跳过 %(skip)s 条,有误 %(bad)s 行。")
        % {"new": len(new), "skip": len(skipped), "bad": len({e["row"] for e in errors})},
    )
    return ImportJob.objects.get(pk=job_id)


def _existing_numbers(station: Station, numbers: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        found.update(
            Incident.objects.filter(station=station, number__in=chunk).values_list("number", flat=True)
        )
    return found


# --- The template -------------------------------------------------------------------------
def incident_import_template(*, villages=()) -> bytes:
    """The .xlsx template: the header row with one example row, and a sheet listing the valid
    categories and (when given) the station's villages."""

    workbook = Workbook()
    sheet = cast(Worksheet, workbook.active)  # a new workbook has one worksheet
    sheet.title = _("警情")
    sheet.append([c.label for c in COLUMNS])
    # examples marked with gettext_noop are translated; names stay as they are (data)
    example = {c.field: _(c.example) if c.example else "" for c in COLUMNS}
    example["category"] = str(Incident.Category.DISPUTE.label)
    first = next(iter(villages), None)
    if first is not None:
        example["village"] = first.name
        example["township"] = first.parent.name if first.parent_id else ""
    sheet.append([example[c.field] for c in COLUMNS])
    bold = Font(bold=True)
    required = PatternFill("solid", fgColor="FDE8E7")
    for index, (cell, column) in enumerate(zip(sheet[1], COLUMNS, strict=True), start=1):
        cell.font = bold
        if column.required:
            cell.fill = required
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(column.label) * 3)
    sheet.column_dimensions["J"].width = 40
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet(_("填写说明"))
    notes.append([_("说明")])
    notes.append([_("标红的列为必填;第2行为示例,导入前请删除或改为真实警情。")])
    notes.append([_("接警时间写成 2026-01-31 08:30;报警电话为手机号或带区号的座机号。")])
    notes.append([_("同一派出所的警情编号不能重复;再次导入同一文件时,已导入的警情会跳过。")])
    notes.append([])
    notes.append([_("警情类别(可选值)")])
    for label in _category_labels():
        notes.append([label])
    if villages:
        notes.append([])
        notes.append([_("本所辖区村(社区)"), _("所属乡镇")])
        for village in villages:
            notes.append([village.name, village.parent.name if village.parent_id else ""])
    notes.column_dimensions["A"].width = 60
    return workbook_bytes(workbook)
