"""The role groups and what each may do in the Django admin.

The admin is for inspection: a manager may *view* the event log, the read models
and the API's idempotency records there — never add, change or delete them, and
never see users or tokens. Reception and clinicians get no model permission at
all, so the admin shows them nothing. (What a role may do on the staff pages and
the API is ``rules.TABLE``, which needs no permission rows.)

``set_up`` runs from a data migration, for a database being created, and after
every ``migrate`` and ``flush`` (``post_migrate``): a flush empties the groups
table — tests flush after each transactional test — and the permissions Django
recreates then have new ids.
"""
from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

from .rules import Role

# (app label, model name) of each model a manager may view in the admin.
MANAGER_VIEWS = [
    ("events", "storedevent"),
    ("readmodels", "doctor"),
    ("readmodels", "timesheetentry"),
    ("readmodels", "patient"),
    ("readmodels", "appointment"),
    ("readmodels", "checkpoint"),
    ("api", "idempotentrequest"),
]
PERMISSIONS: dict[Role, list[tuple[str, str]]] = {
    Role.RECEPTION: [],
    Role.CLINICIAN: [],
    Role.MANAGER: [(app, f"view_{model}") for app, model in MANAGER_VIEWS],
}


def set_up(apps: Any = global_apps, using: str = "default") -> None:
    """Make the three groups and give each exactly its admin permissions."""
    # The view permissions are made by a post_migrate handler, which may not have
    # run yet for these apps (a fresh database, or apps listed after this one).
    for label in sorted({app for app, _ in MANAGER_VIEWS}):
        config = apps.get_app_config(label)
        # A migration's app registry has no models module, and create_permissions
        # skips an app without one (the usual workaround).
        models_module = getattr(config, "models_module", None)
        config.models_module = models_module or True
        try:
            create_permissions(config, verbosity=0, using=using, apps=apps)
        finally:
            config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, wanted in PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role.value)
        permissions = [Permission.objects.using(using).get(content_type__app_label=app, codename=codename)
                       for app, codename in wanted]
        group.permissions.set(permissions)


def after_migrate(sender: Any, using: str = "default", apps: Any = global_apps, **kwargs: Any) -> None:
    set_up(apps, using)
