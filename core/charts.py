"""Server-side SVG bar charts, shared by the surfaces that draw them (the honour roll, the big
screen): a view turns its numbers into rows of bar geometry, a template draws each row as a
``<rect>`` with its label and value. No script runs to draw them, so they pass the CSP and show
the same in every browser."""

from __future__ import annotations

from collections.abc import Iterable


def bar_rows(
    values: Iterable[tuple[object, float | int]],
    *,
    max_width: int,
    pitch: int,
    top: int = 8,
    scale: float | None = None,
) -> list[dict]:
    """One row per ``(key, value)``: ``key``, ``value``, ``width`` of the bar in px and its ``y``.

    Bars are scaled against ``scale`` (100 for percents) or, without it, the largest value, so
    the longest bar is ``max_width`` long. Rows are ``pitch`` px apart, starting at ``top``.
    """
    rows = list(values)
    full = scale if scale is not None else max((value for _, value in rows), default=0)
    full = full or 1
    return [
        {
            "key": key,
            "value": value,
            "width": max(0, min(max_width, round(max_width * float(value) / float(full)))),
            "y": top + index * pitch,
        }
        for index, (key, value) in enumerate(rows)
    ]


def star_bars(distribution: dict[int, int], *, max_width: int, pitch: int) -> list[dict]:
    """The star distribution (★5 first), each row also as ``stars`` and ``count``."""
    return [
        {**row, "stars": row["key"], "count": row["value"]}
        for row in bar_rows(distribution.items(), max_width=max_width, pitch=pitch)
    ]
