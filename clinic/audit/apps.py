from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "clinic.audit"
    label = "audit"
    verbose_name = "Read audit"
    default_auto_field = "django.db.models.BigAutoField"
