from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "clinic.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self):
        from . import idempotency  # noqa: F401  (connects its receiver of patients' erasure)
