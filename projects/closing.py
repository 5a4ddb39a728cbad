"""A year's work closes with the year.

A 书记工程 or a 730 item of year ``Y`` takes new progress updates while ``Y`` runs (and, for
an item posted ahead, before it); from 1 January of ``Y + 1`` (Beijing time) its timeline is
the year's record and takes no new update — from the workspace, the API or the admin alike
(``services.progress_update_add`` and ``ProgressUpdate.clean`` refuse, the forms are not
offered). Old records stay correctable where correcting does not invent progress: street staff
delete a wrong update in the admin (kept in the change history with who and why), and edit a
project's text, targets and milestones (an acceptance step's date among them).
"""

from __future__ import annotations

from datetime import date

from .lagging import today_in_beijing


def first_open_year(today: date | None = None) -> int:
    """The earliest year whose records still take updates: this year."""
    return (today or today_in_beijing()).year


def accepts_updates(year: int, today: date | None = None) -> bool:
    return year >= first_open_year(today)


def closed_refusal(year: int, what: str = "书记工程") -> str:
    return f"{year}年度的{what}已经结束，不再接受新的进展。如需更正当年的记录，请联系街道党建办在管理后台处理。"
