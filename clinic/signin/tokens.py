"""API tokens, by django-rest-knox.

A token is issued at each sign-in (``issue``), shown once, and stored only as its
SHA-512 digest with the first characters of the token to find it by (knox's
``AuthToken``): the database never holds a token that could be sent. Each one
expires ``CLINIC_TOKEN_TTL_HOURS`` after it was issued (``REST_KNOX["TOKEN_TTL"]``;
no sliding renewal). ``POST /api/auth/logout/`` deletes the token that calls it, and
a new password deletes all of that user's (``revoke_on_password_change``).
"""
from __future__ import annotations

from datetime import datetime
from hmac import compare_digest
from typing import Any

from django.contrib.auth.hashers import is_password_usable
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox import auth as knox_auth
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS
from knox.signals import token_expired
from rest_framework.exceptions import AuthenticationFailed

from clinic.db.compiled import Compiled
from clinic.roles import staff

INVALID = _("Invalid token.")


class TokenAuthentication(knox_auth.TokenAuthentication):
    """Knox's ``Authorization: Token <token>``, at one query per request.

    Knox looks a token up by its first characters, compares digests, and, on the
    way, deletes every expired token of the user, which costs a second query on
    every request however many tokens the user has. Here only the token presented
    is checked for expiry; ``issue`` clears the user's expired ones instead. The
    lookup reads the user's role too (``roles.staff.with_staff``), which the
    permission check would otherwise read with a query of its own. (Sliding
    renewal, knox's ``AUTO_REFRESH``, is off, so its branch is not here.) A token
    that is not printable ASCII (knox's are hexadecimal) is refused before any query,
    as a 401 and not an error: knox decodes it as UTF-8 unguarded, and PostgreSQL
    refuses a NUL character in a query.
    """

    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        try:
            text = token.decode("utf-8")
        except UnicodeDecodeError:
            raise AuthenticationFailed(INVALID) from None
        if not (text.isascii() and text.isprintable()):
            raise AuthenticationFailed(INVALID)
        # Knox's own loop, on a query that brings the user's role along.
        for auth_token in _candidates(text[:CONSTANTS.TOKEN_KEY_LENGTH]):
            if self._cleanup_token(auth_token):
                continue
            if compare_digest(hash_token(text), auth_token.digest):
                staff.remember(auth_token)
                return self.validate_user(auth_token)
        raise AuthenticationFailed(INVALID)

    def _cleanup_token(self, auth_token: Any) -> bool:
        """True, after deleting it, if the token presented has expired."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=type(self), username=username, source="auth_token")
            return True
        return False


def _tokens_by_key(key: str) -> Any:
    """The tokens that start with ``key``, each with its user and their role."""
    return staff.with_staff(get_token_model().objects.filter(token_key=key))


# Compiled once: the lookup runs on every API request (clinic.db.compiled says why).
_candidates = Compiled(_tokens_by_key, get_token_model()._meta.get_field("token_key"))


def issue(user: Any) -> tuple[str, datetime]:
    """A new token for ``user`` and when it expires. The token itself is returned
    only here; the user's expired tokens are deleted on the way."""
    model = get_token_model()
    model.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    instance, token = model.objects.create(user=user)
    return token, instance.expiry


def revoke_all(user: Any) -> int:
    deleted, _ = get_token_model().objects.filter(user=user).delete()
    return deleted


def revoke_on_password_change(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """post_save of the user model: a saved new password revokes the user's tokens.

    ``_password`` is Django's own mark of a password change: ``set_password`` sets it
    and ``AbstractBaseUser.save`` reads it, after this signal, to tell the password
    validators (``password_changed``). A hash merely upgraded at sign-in is saved
    without it, so it revokes nothing. Every way of changing a password goes through
    ``set_password``: the admin's form, ``manage.py changepassword``, ``demo_login``.
    """
    if not created and getattr(instance, "_password", None) is not None:
        revoke_all(instance)


def revoke_on_password_removal(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """pre_save of the user model: taking a user's password away (the admin's
    "password-based authentication: disabled", ``set_unusable_password``) revokes
    their tokens too. Costs a query only when the password being saved is unusable."""
    if instance.pk is None or instance.has_usable_password():
        return
    if update_fields is not None and "password" not in update_fields:
        return
    before = sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    if before is not None and is_password_usable(before):
        revoke_all(instance)
