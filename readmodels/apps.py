from django.apps import AppConfig


class ReadModelsConfig(AppConfig):
    name = "readmodels"
    verbose_name = "Read models"

    def ready(self) -> None:
        from . import (
            signals,  # noqa: F401  (connects projection to new events)
            startup,  # noqa: F401  (a Celery worker catches up when it is ready)
        )
