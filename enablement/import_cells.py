"""Reading an LMS completion export: its columns (matched case-insensitively, with the aliases typical exports
use), its cells (dates, scores, text) and the CSV file itself. Each problem is a RowError with the spreadsheet's
row number and a translated message; enablement/imports.py checks and writes the rows."""

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

EXTERNAL_ID_MAX = 100  # Enrollment.external_id

# canonical column -> accepted header names, normalised (lower case, other characters as "_"); when a file has
# several of them, the first listed wins.
COLUMNS = {
    "email": ("email", "user_email", "learner_email", "email_address", "e_mail", "user_email_address",
              "learner_email_address"),
    "course_code": ("course_code", "course", "course_id", "course_key"),
    "completed_at": ("completed_at", "completion_date", "completed_on", "date_completed", "completed_date",
                     "completion_datetime"),
    "score": ("score", "score_percent", "grade", "score_pct"),
    "external_id": ("external_id", "completion_id", "record_id", "transcript_id", "id"),
    "partner_id": ("partner_id",),
}
REQUIRED = ("email", "course_code", "completed_at", "external_id")
COLUMN_LABELS = {
    "email": gettext_lazy("the person's e-mail address"),
    "course_code": gettext_lazy("the course code"),
    "completed_at": gettext_lazy("the completion date"),
    "external_id": gettext_lazy("the completion id"),
}
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$")
_DAY_FIRST_OR_MONTH_FIRST = re.compile(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b")


def normalise_name(name) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name or "").strip().lower()).strip("_")


def map_columns(names: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """{canonical: the given name that provides it} and the required canonical columns nobody provides."""
    given = {}
    for name in names:
        given.setdefault(normalise_name(name), name)
    found = {}
    for canonical, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in given:
                found[canonical] = given[alias]
                break
    return found, [c for c in REQUIRED if c not in found]


def missing_column_message(canonical: str) -> str:
    return _("No column gives %(what)s: name one “%(names)s”.") % {
        "what": COLUMN_LABELS[canonical], "names": "”, “".join(COLUMNS[canonical][:4])}


# --- cells -------------------------------------------------------------------------------------------------------


def text_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise ValueError(_("Give this as text."))
    return str(value).strip()


def parse_completed_at(raw: str, *, now: datetime) -> datetime:
    """ISO dates and date-times, and “YYYY-MM-DD HH:MM[:SS]”; a day alone is midnight, a time without an offset is
    the server's time zone (UTC). 03/04/2025 is refused: day-first and month-first exports look alike."""
    if not _ISO.match(raw):
        if _DAY_FIRST_OR_MONTH_FIRST.match(raw):
            raise ValueError(_("“%(value)s” could be read day-first or month-first: write dates as YYYY-MM-DD "
                               "(or YYYY-MM-DD HH:MM).") % {"value": raw[:40]})
        raise ValueError(_("“%(value)s” is not a date: write YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] or an ISO 8601 "
                           "date and time.") % {"value": raw[:40]})
    try:
        if len(raw) == 10:
            moment = datetime.combine(date.fromisoformat(raw), time())
        else:
            moment = datetime.fromisoformat(raw.replace(",", "."))
    except ValueError:
        raise ValueError(_("“%(value)s” is not a valid date.") % {"value": raw[:40]})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    if moment > now + timedelta(days=1):
        raise ValueError(_("The completion date is in the future."))
    return moment


def parse_score(raw: str) -> Decimal | None:
    """0 to 100, “85”, “85.5”, “85,5” or “85 %”; empty means no score."""
    if not raw:
        return None
    text = raw.rstrip("%").strip()
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise ValueError(_("The score must be a number from 0 to 100 (“%(value)s”).") % {"value": raw[:20]})
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class RowError:
    row: int
    field: str
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "code": self.code, "message": str(self.message)}


def read_csv(file) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """The rows of a completion export as (spreadsheet row number, {canonical column: text}); header problems as
    errors of row 1. UTF-8 (with or without BOM); comma, semicolon or tab separated."""
    with file.open("rb") as handle:
        raw = handle.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowError(0, "", "encoding", _("The file is not UTF-8 text: export it as CSV in UTF-8."))]
    # The header decides the separator (the csv sniffer trips over rows with empty trailing cells).
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if any(d in first_line for d in ",;\t") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, [])
    columns, missing = map_columns(header)
    if missing:
        return [], [RowError(1, name, "missing_column", missing_column_message(name)) for name in missing]
    index = {canonical: header.index(name) for canonical, name in columns.items()}
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        rows.append((number, {name: values[i] if i < len(values) else "" for name, i in index.items()}))
    return rows, []


def canonical_row(data: dict) -> dict:
    """An API row with its keys mapped like a file's header (``user_email`` gives ``email``)."""
    columns, _missing = map_columns(data.keys())
    return {canonical: data[name] for canonical, name in columns.items()}


def template_csv() -> str:
    """An example export with the canonical header."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["external_id", "email", "course_code", "completed_at", "score"])
    writer.writerow(["LMS-1001", "ana.lopez@example.com", "security-basics", "2026-03-14", "92"])
    writer.writerow(["LMS-1002", "kenji.sato@example.com", "security-basics", "2026-03-15 09:30", ""])
    return out.getvalue()
