from django.apps import AppConfig
from django.db.models.signals import post_migrate


class RolesConfig(AppConfig):
    name = "clinic.roles"
    label = "roles"
    verbose_name = "Staff roles"

    def ready(self) -> None:
        from . import groups

        # After every migrate and flush, the groups and their admin permissions are back (groups.py says why).
        post_migrate.connect(groups.after_migrate, sender=self, dispatch_uid="clinic.roles.groups")
