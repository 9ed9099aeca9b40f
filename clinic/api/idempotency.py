"""``Idempotency-Key``: a retried write answers the first result and writes nothing.

The key is recorded in the same transaction as the command's events, so either
both exist or neither does; the answer is stored once it is known.
"""
import hashlib
import json

from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from .models import IdempotentRequest

MAX_KEY_LENGTH = 255


class KeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used for a different request."
    default_code = "idempotency_key_reused"


class KeyInvalid(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters."


class StillRunning(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A request with this Idempotency-Key is being processed; retry shortly."


def key_of(request):
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise KeyInvalid()
    return key


def fingerprint(request):
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def earlier_answer(request, key):
    """The stored answer to an earlier request with this key, or None."""
    earlier = IdempotentRequest.objects.filter(actor=request.user.get_username(), key=key).first()
    if earlier is None:
        return None
    if earlier.fingerprint != fingerprint(request):
        raise KeyReused()
    if earlier.response is None:
        raise StillRunning()
    location = earlier.response.get("location")
    return Response(earlier.response["body"], status=earlier.status_code,
                    headers={"Location": location} if location else None)


def record(request, key, written):
    """Inside the command's transaction: claim the key. A concurrent twin that
    claimed it first makes this transaction (events included) roll back."""
    try:
        with transaction.atomic():
            IdempotentRequest.objects.create(actor=request.user.get_username(), key=key,
                                             fingerprint=fingerprint(request), position=written.position or 0,
                                             resource_id=written.id)
    except IntegrityError:
        raise StillRunning() from None


def remember(request, key, response):
    stored = {"body": response.data, "location": response.get("Location")}
    IdempotentRequest.objects.filter(actor=request.user.get_username(), key=key).update(
        response=stored, status_code=response.status_code)
