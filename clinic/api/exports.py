"""CSV exports: ``?format=csv`` on a read answers ``text/csv`` instead of JSON.

DRF reads ``?format=`` itself and answers 404 for a format no renderer of the
view declares; ``CsvExport`` chooses the CSV renderer for ``format=csv`` only,
so the schema and every other answer stay JSON, and an error on a CSV request
is still the one JSON error body (``clinic.api.errors``).
"""
import csv
import io
from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer

CSV = "csv"
# A spreadsheet runs a cell that begins with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CSVRenderer(BaseRenderer):
    """Rows (lists of cells), the first the header, as CSV in UTF-8."""

    media_type = "text/csv"
    format = CSV
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows([[_cell(value) for value in row] for row in data])
        return buffer.getvalue().encode(self.charset)


def _cell(value):
    """A cell as text; a text that a spreadsheet would run as a formula is quoted with '."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Negotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        asked = request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        if asked == CSV:
            return CSVRenderer(), CSVRenderer.media_type
        if asked not in (None, "json"):
            raise ValidationError({"format": ["Give json or csv."]})
        return super().select_renderer(request, renderers, format_suffix)


class CsvExport:
    """A view mixin: ``?format=csv`` renders the rows the view returns as CSV."""

    content_negotiation_class: Any = _Negotiation

    def wants_csv(self, request):
        return isinstance(getattr(request, "accepted_renderer", None), CSVRenderer)

    def csv_response_headers(self, filename):
        return {"Content-Disposition": f'attachment; filename="{filename}"'}

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        request = getattr(self, "request", None)
        if request is not None and self.wants_csv(request):
            # Errors keep the one JSON shape, whatever format was asked for.
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return response
