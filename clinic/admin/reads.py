"""Admin pages that show patients' data record whom they showed in the read
audit (``clinic.audit``), as the staff pages and the API do: the list of rows on
the page, and the one row a change (inspection) page shows."""
from collections.abc import Iterable
from typing import Any

from clinic.audit.reads import record_reads


class ShowsPatients:
    """Mixed into a ModelAdmin before it; ``patients_shown`` says which patients
    some of its rows show."""

    def patients_shown(self, rows: Iterable[Any]) -> Iterable[Any]:
        raise NotImplementedError

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            # The page's rows: evaluated here, and the template reuses them.
            record_reads(request, self.patients_shown(changelist.result_list))
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        shown = (getattr(response, "context_data", None) or {}).get("original")
        if shown is not None:
            record_reads(request, self.patients_shown([shown]))
        return response
