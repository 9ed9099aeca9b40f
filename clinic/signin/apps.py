from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "clinic.signin"
    label = "signin"
    verbose_name = "Signing in"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_save, pre_save

        from . import tokens

        post_save.connect(tokens.revoke_on_password_change, sender=settings.AUTH_USER_MODEL,
                          dispatch_uid="clinic.signin.revoke_on_password_change")
        pre_save.connect(tokens.revoke_on_password_removal, sender=settings.AUTH_USER_MODEL,
                         dispatch_uid="clinic.signin.revoke_on_password_removal")
