from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "clinic.web"
    label = "web"
    verbose_name = "Staff pages"

    def ready(self):
        # Connects the live-update announcer to the read side's signal; it must be
        # connected in every process that projects (web and Celery worker alike).
        from . import live  # noqa: F401
