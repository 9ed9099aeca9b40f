from django.apps import AppConfig


class RolesConfig(AppConfig):
    name = "clinic.roles"
    label = "roles"
    verbose_name = "Staff roles"
