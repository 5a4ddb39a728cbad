"""Cells an office suite would run as a formula, made harmless in every file the portal writes.

One rule for the open-data CSVs, the admin's exports and the reports: a cell that starts like a
formula (``=HYPERLINK(…)``, ``+``, ``-``, ``@``, a tab or a line break) gets an apostrophe in
front, and ``restore_formula`` takes exactly that apostrophe off again when the file comes back
in through an import, so a round trip changes nothing.
"""

from __future__ import annotations

# A cell starting with one of these is read as a formula (or a formula continuation) by Excel,
# WPS and LibreOffice. A leading line feed is not, but xlsx turns a carriage return into one, so
# it is marked too and a neutralised CR cell still reads back as the original.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
QUOTE = "'"


def neutralise_formula(value):
    """Prefixes an apostrophe to text an office suite would run. Text already starting with an
    apostrophe gets one more, so that ``restore_formula`` gives back exactly what was exported."""
    if isinstance(value, str) and value.startswith((*FORMULA_PREFIXES, QUOTE)):
        return QUOTE + value
    return value


def restore_formula(value):
    """The inverse of ``neutralise_formula``. An apostrophe a person typed before ordinary
    text (“'abc”) is kept: only one followed by a marked character was added on export."""
    if isinstance(value, str) and value[:1] == QUOTE and value[1:2] and value[1] in (*FORMULA_PREFIXES, QUOTE):
        return value[1:]
    return value
