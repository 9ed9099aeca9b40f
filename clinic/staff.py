"""Who counts as the clinic's staff: the one test the pages, the live stream and
the API all apply."""
from __future__ import annotations

from typing import Any


def is_clinic_staff(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)
