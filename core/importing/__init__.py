"""The import framework: Excel/CSV import and export on top of django-import-export, for every
app's ``resources.py``.

Every file names records the way a person does — by names within their parent (street →
community → grid path, organisations by street and name, members by ID number), never by
database ids — and the export writes the same columns, so a file round-trips: importing an
unchanged export skips every row.

An import with any bad row writes nothing. Every bad row is reported with its line number (as
Excel shows it: the header is line 1), the column and a reason a clerk can act on. Whole-file
problems (a missing or unknown column, a secretary trying to import) are reported once. A
database rule a row breaks is explained by the rule's own ``violation_error_message``: the
models say what their constraints mean, once, for the admin and the imports alike.

Text cells an office suite would run as a formula are neutralised on export with a leading
apostrophe, and the apostrophe is taken off again on import.

A file may carry title rows above its header (the header is the row among the first ten that
names the most columns; line numbers stay Excel's) and columns the resource does not know (a
备注 column): these are ignored, and the preview says so. ``import_template`` writes a
resource's template (the export's header, an example row, a “说明” sheet).

Public API: ``PortalResource`` (the base), the widgets, the field helpers (``text``,
``choice``, ``number``, ``yes_no``, ``day``, ``related``), ``cell_text``, ``is_blank``,
``neutralise_formula`` / ``restore_formula`` and ``upsert``. Who may import, and which rows
they may touch, is the scope's rule: the apps' resources subclass
``organizations.importing.ScopedResource``, which fills in this base's three scope hooks
(``check_importer``, ``scope_queryset``, ``check_row_scope``) and names streets and communities.
"""

from core.spreadsheet import neutralise_formula, restore_formula

from .cells import (
    FIRST_LINE,
    REQUIRED_CODES,
    REQUIRED_MESSAGE,
    WHOLE_ROW,
    ClerkError,
    ImportFileError,
    ImportResult,
    cell_text,
    header_text,
    is_blank,
    same_text,
)
from .columns import choice, day, number, related, text, yes_no
from .resource import HEADER_SEARCH_ROWS, PortalResource, logger
from .rules import DatabaseRule, _all_rules, _rule_field, database_rules, upsert
from .template import NOTES_SHEET, column_notes, import_template
from .widgets import (
    ChineseDateWidget,
    ChoiceLabelWidget,
    LevelWidget,
    NamedForeignKeyWidget,
    NumberWidget,
    StrictManyToManyWidget,
    TextWidget,
    YesNoWidget,
    parse_day,
)

__all__ = [
    "neutralise_formula",
    "restore_formula",
    "FIRST_LINE",
    "WHOLE_ROW",
    "REQUIRED_CODES",
    "REQUIRED_MESSAGE",
    "same_text",
    "is_blank",
    "cell_text",
    "header_text",
    "parse_day",
    "NOTES_SHEET",
    "column_notes",
    "import_template",
    "ClerkError",
    "ImportFileError",
    "ImportResult",
    "DatabaseRule",
    "_rule_field",
    "_all_rules",
    "database_rules",
    "upsert",
    "TextWidget",
    "NamedForeignKeyWidget",
    "StrictManyToManyWidget",
    "ChoiceLabelWidget",
    "LevelWidget",
    "NumberWidget",
    "YesNoWidget",
    "ChineseDateWidget",
    "text",
    "choice",
    "number",
    "yes_no",
    "day",
    "related",
    "logger",
    "HEADER_SEARCH_ROWS",
    "PortalResource",
]
