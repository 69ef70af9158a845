"""Any report of ``regdesk.desk.reports`` rendered for a person or a program, in one of five forms.

- ``cells``: the words of a report (its title, period, scope, column headers) and each cell as
  text, from the catalogues;
- ``text``: each table laid out in columns and each chart as bars of block characters,
  readable at 80 columns and without colour (the ``table`` format, and the Reports screen);
- ``csv_file``: UTF-8 CSV, one table per file with its header row;
- ``json_file``: typed JSON (ISO dates, datetimes with their offset, durations in seconds);
- ``xlsx_file``: a workbook with one sheet per table and typed cells (XlsxWriter);
- ``pdf_file``: the inspector's PDF, Kazakh and Russian, with the regulation's norms quoted.

Nothing here reads the database or knows the screens: the caller runs the report
(``run_report``) and hands the ``Report`` over; the report's types are imported for checking
only, so the renderers import no use case at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

Format = Literal["table", "csv", "json", "xlsx", "pdf"]
FORMATS: Final[tuple[Format, ...]] = ("table", "csv", "json", "xlsx", "pdf")
BINARY: Final[frozenset[str]] = frozenset({"xlsx", "pdf"})
"""The formats that are files, never printed to a terminal."""

if TYPE_CHECKING:
    from regdesk.config import Clinic
    from regdesk.desk.reports import Report


def render(report: Report, fmt: Format, clinic: Clinic, lang: str, width: int = 80) -> bytes:
    """The report in ``fmt`` as the bytes of a file (text formats in UTF-8).

    The PDF is always Kazakh and Russian (the inspector's paper); the others are in ``lang``.
    """
    if fmt == "pdf":
        from regdesk.reporting.pdf_file import render_report_pdf

        return render_report_pdf(report, clinic)
    if fmt == "xlsx":
        from regdesk.reporting.xlsx_file import render_xlsx

        return render_xlsx(report, clinic, lang)
    if fmt == "json":
        from regdesk.reporting.json_file import render_json

        return render_json(report, clinic, lang).encode()
    if fmt == "csv":
        from regdesk.reporting.csv_file import render_csv

        return render_csv(report, lang).encode()
    from regdesk.reporting.text import render_text

    return render_text(report, clinic, lang, width).encode()
