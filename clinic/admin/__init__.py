"""The Django admin, one of the clinic's faces: for inspecting the event log, the
read models and the projectors' checkpoints, never for editing them."""
from . import audit, events, readmodels  # noqa: F401  (registers the model admins)
