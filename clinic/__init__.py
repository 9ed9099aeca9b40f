"""The web shell: settings, URLs, the Celery app, the REST API and the staff pages."""
from .celery import app as celery_app

__all__ = ["celery_app"]
