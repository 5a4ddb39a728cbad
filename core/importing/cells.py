"""Reading cells and reporting rows: Excel line numbers, blank and text cells, and the errors a clerk reads."""

from __future__ import annotations

from datetime import datetime

from import_export.results import Error, Result

# Excel shows the header as line 1, so the first data row is line 2.
FIRST_LINE = 2

WHOLE_ROW = "整行"


REQUIRED_CODES = {"null", "blank", "required"}
REQUIRED_MESSAGE = "必填，不能为空。"


def same_text(a: str, b: str) -> bool:
    """Equal but for line endings (xlsx stores CR LF, as typed in the admin, as LF)."""
    return a.replace("\r\n", "\n").replace("\r", "\n") == b.replace("\r\n", "\n").replace("\r", "\n")


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def header_text(value) -> str:
    """A header cell as written, without the spaces offices put in and around it (full-width
    ones too: “社区　名称 ” is 社区名称)."""
    return "".join(cell_text(value).split())


def cell_text(value, *, strip: bool = True) -> str:
    """A cell as text: Excel hands over numbers (a phone typed as 13800138000) and dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        value = value.date()
    text = str(value)
    return text.strip() if strip else text


class ClerkError(Error):
    """A file-level error: shown by its message alone, never with a traceback."""

    @property
    def traceback(self):
        return ""


class ImportFileError(ValueError):
    """A problem with the whole file (its columns, or who is importing it)."""


class ImportResult(Result):
    """Reports rows by the line number Excel shows, so a clerk finds them in the file: the
    header is on ``header_line`` (1, or lower when title rows stand above it). ``warnings`` are
    sentences about the file the preview shows (columns that were ignored) without refusing it."""

    def __init__(self, *args, header_line: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        self.header_line = header_line
        self.warnings: list[str] = []

    def line_of(self, number: int) -> int:
        return number + self.header_line

    def append_invalid_row(self, number, row, validation_error):
        super().append_invalid_row(self.line_of(number), row, validation_error)

    def append_error_row(self, number, row, errors):
        super().append_error_row(self.line_of(number), row, errors)


# --- Widgets ----------------------------------------------------------------------------------
