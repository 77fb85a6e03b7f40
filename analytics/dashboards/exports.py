"""CSV export of one dashboard panel: the rows behind its chart and table, for Excel and for scripts.

UTF-8 with a byte-order mark (Excel otherwise guesses a legacy code page and breaks accents and kana), one
header row, amounts as plain decimals (dot, two places, no grouping) with a currency column.
"""

import csv
import io

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _

from .panels import Panel, plain

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value, kind: str) -> str:
    text = plain(value, kind)
    # A partner's name like "=HYPERLINK(...)" must stay text in a spreadsheet (CSV injection).
    return "'" + text if kind == "text" and text.startswith(FORMULA_STARTS) else text


def panel_csv(panel: Panel) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    money = panel.has_money
    writer.writerow([c.label for c in panel.columns] + ([_("Currency")] if money else []))
    for row in panel.rows:
        writer.writerow([_cell(row.get(c.key), c.kind) for c in panel.columns]
                        + ([settings.BASE_CURRENCY] if money else []))
    return BOM + buffer.getvalue()


def panel_csv_response(panel: Panel, *, filename: str) -> HttpResponse:
    response = HttpResponse(panel_csv(panel).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
