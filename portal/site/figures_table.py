"""数读明细: the records behind each 数读 figure, counted per community, with no personal data
(a member is a count, never a name). Each column stands for one or more registered figures:
its header carries the figure's name as its id (``/figures/#organizations.members``), its label
and its ``help`` come from the registry, and its total row gives the figure's value
(``tests/test_public_crawl.py`` checks that on the Guicheng data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from core import registry
from core.public_cache import public_page
from indicators import selectors as indicators_selectors
from organizations import selectors as organizations_selectors
from organizations.models import Community, Street
from volunteers import selectors as volunteers_selectors

RURAL, URBAN = Community.Kind.RURAL, Community.Kind.URBAN
NOT_IN_A_COMMUNITY = "街道层面（不属于某一社区）"


@dataclass(frozen=True)
class Column:
    figure: str  # the registered figure it stands for: header id, label and help
    key: str  # the count's name in the selectors' answers
    # "count": a number per row, summed; "flag": yes/no per community of ``kinds``, the total
    # counts the yeses; "part": ``key`` of ``whole`` (e.g. 3 of 5 economic societies), its
    # figure the part's count, or with ``rate`` its percentage.
    shape: str = "count"
    kinds: tuple[str, ...] = (URBAN, RURAL)
    whole: str = ""
    rate: bool = False
    # Other figures counted from the same records (their ids are anchors in this header).
    also: tuple[str, ...] = ()
    decimals: bool = False


COLUMNS = (
    Column("organizations.grids_level_1", "grids_level_1"),
    Column("organizations.grids_level_2", "grids_level_2"),
    Column("organizations.grids_level_3", "grids_level_3"),
    Column("organizations.party_organizations", "party_organizations"),
    Column("organizations.branches", "branches"),
    Column("organizations.members", "members"),
    Column(
        "organizations.one_shoulder", "is_one_shoulder", "flag", (RURAL,), also=("organizations.one_shoulder_rate",)
    ),
    Column("organizations.cross_appointment_rate", "directors_crossed", "part", whole="directors", rate=True),
    Column("organizations.communities_with_centre", "has_centre", "flag"),
    Column("organizations.joint_meeting_communities", "has_joint_meeting", "flag", (URBAN,)),
    Column("organizations.joint_meetings_this_year", "joint_meetings_this_year"),
    Column("organizations.societies_fully_covered", "societies_fully_covered", "part", (RURAL,), whole="societies"),
    Column("volunteers.volunteers", "volunteers"),
    Column("volunteers.teams", "teams"),
    Column("volunteers.building_teams", "building_teams"),
    Column("volunteers.members_with_post", "members_with_post"),
    Column("volunteers.checked_in_members", "checked_in_members"),
    Column("volunteers.orders_answered", "orders_answered", also=("volunteers.orders_median_days",)),
    Column("volunteers.confirmed_hours_this_year", "confirmed_hours_this_year", decimals=True),
    Column("indicators.open_rectification_cases", "open_rectification_cases"),
    Column("indicators.instructors", "instructors"),
)


@dataclass
class Header:
    column: Column
    label: str
    unit: str
    help: str
    also: list[dict] = field(default_factory=list)
    is_demo: bool = False  # demo records count towards the column's figure (from the snapshot)


@dataclass
class Total:
    text: str
    values: dict[str, int | Decimal]  # figure name -> the value this column gives it
    note: str = ""


def _hours(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _cell(column: Column, community, counts: dict) -> str:
    if column.shape == "flag":
        if community is None or community.kind not in column.kinds:
            return "—"
        return "是" if getattr(community, column.key) else "否"
    pk = community.pk if community is not None else None
    value = counts[column.key].get(pk, 0)
    if column.shape == "part":
        whole = counts[column.whole].get(pk, 0)
        if (community is not None and community.kind not in column.kinds) or not whole:
            return "—"
        return f"{value} / {whole}"
    return str(_hours(value)) if column.decimals else str(value or 0)


def _total(column: Column, communities: list, counts: dict, street_wide: dict) -> Total:
    if column.shape == "flag":
        base = [c for c in communities if c.kind in column.kinds]
        done = sum(bool(getattr(c, column.key)) for c in base)
        if not column.also:
            return Total(f"{done} / {len(base)}", {column.figure: done})
        # “一肩挑” and its rate, rounded to a whole percent as one_shoulder_summary does; neither
        # can be computed without a community of the reform's base
        if not base:
            return Total("—", {column.figure: None, column.also[0]: None})
        rate = round(done * 100 / len(base))
        return Total(f"{done} / {len(base)} · {rate}%", {column.figure: done, column.also[0]: rate})
    if column.shape == "part":
        part, whole = sum(counts[column.key].values()), sum(counts[column.whole].values())
        if column.rate:
            rate = (Decimal(part * 100) / whole).quantize(Decimal("0.1")) if whole else None
            return Total(f"{part} / {whole}" + (f" · {rate}%" if rate is not None else ""), {column.figure: rate})
        return Total(f"{part} / {whole}", {column.figure: part})
    summed = sum(counts[column.key].values())
    if column.decimals:
        return Total(str(_hours(summed)), {column.figure: _hours(summed)})
    if column.key in street_wide and street_wide[column.key] != summed:
        distinct = street_wide[column.key]
        note = (
            f"各行相加为 {summed}，全街道为 {distinct}：同一名党员在几个社区认领岗位时，"
            f"每个社区各计一次，全街道只计一次（多出 {summed - distinct} 次）。"
        )
        return Total(str(distinct), {column.figure: distinct}, note)
    return Total(str(summed), {column.figure: summed})


def figures_table(street: Street, *, year: int, demo: frozenset[str] = frozenset()) -> dict:
    """Rows (one per community, then the street's records in no community), headers and totals.
    17 queries, however many communities. ``demo``: the figures that count demo records."""
    communities = list(organizations_selectors.communities_for_figures(street=street))
    counts = (
        organizations_selectors.counts_by_community(street=street, year=year)
        | volunteers_selectors.counts_by_community(street=street, year=year)
        | indicators_selectors.counts_by_community(street=street)
    )
    known = {c.pk for c in communities}
    # A record of this street filed under another street's community (a data error) still
    # counts for the street, as the figures count it: it joins the street-level row.
    for by_community in counts.values():
        stray = [pk for pk in by_community if pk is not None and pk not in known]
        for pk in stray:
            by_community[None] = by_community.get(None, 0) + by_community.pop(pk)
    headers = []
    for column in COLUMNS:
        figure = registry.get(column.figure)
        also = [{"name": name, "label": registry.get(name).label} for name in column.also if registry.get(name)]
        is_demo = bool({column.figure, *column.also} & demo)
        headers.append(Header(column, figure.label, figure.unit, figure.help, also, is_demo))
    rows = [{"community": c, "cells": [_cell(column, c, counts) for column in COLUMNS]} for c in communities]
    if any(None in counts[column.key] for column in COLUMNS if column.shape == "count"):
        rows.append({"community": None, "cells": [_cell(column, None, counts) for column in COLUMNS]})
    street_wide = volunteers_selectors.street_totals(street=street)
    totals = [_total(column, communities, counts, street_wide) for column in COLUMNS]
    return {
        "headers": headers,
        "rows": rows,
        "totals": totals,
        "communities": len(communities),
        "notes": [(header, total.note) for header, total in zip(headers, totals, strict=True) if total.note],
    }


@public_page()
def figures(request):
    street_id = request.GET.get("street")
    if street_id:
        street = Street.objects.filter(pk=street_id).first() if street_id.isdigit() else None
        if street is None:
            raise Http404
    else:
        street = organizations_selectors.default_street()
    # The stored snapshot first (recomputed if the records changed): its 截至 time and demo
    # marks are the ones the home page, the screen and the API show; the totals below add up
    # to its values.
    values = registry.figures_for(street) if street else []
    context = {
        "street": street,
        "as_of": values[0].as_of if values else None,
        "year": timezone.localdate().year,
        "table": figures_table(
            street, year=timezone.localdate().year, demo=frozenset(v.name for v in values if v.is_demo)
        )
        if street
        else None,
        "not_in_a_community": NOT_IN_A_COMMUNITY,
    }
    return render(request, "portal/site/figures.html", context)
