"""``Idempotency-Key``: a retried write answers the first result and writes nothing.

The key is recorded in the same transaction as the command's events — with the
resource's id, the position written and the status the answer has — so either
both exist or neither does. The answer itself is stored once it is known.

A record is visible to other requests only once its transaction has committed,
that is once the write is done; so a retry that finds a record never waits for
anything. If the answer is stored, it is that answer. If it is not (the first
request is still waiting for the read side, or its process died before it
could store it), the answer is made again from the record: the resource as
projected now, with the first answer's status and position, and stored then.
A twin sent while the first is still in its transaction does not see the record;
it runs, and stops where the first's committed record refuses it (its claim of
the key, or the command itself, now contradicting the first's result): it then
answers from that record too.
"""
import hashlib
import json

from django.db import IntegrityError, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.dispatch import receiver
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from events import shredding

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


class Claimed(Exception):
    """Another request with this key committed first; its record is the answer."""


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


def earlier(request, key):
    """The committed record of an earlier request with this key, or None."""
    found = IdempotentRequest.objects.filter(actor=request.user.get_username(), key=key).first()
    if found is not None and found.fingerprint != fingerprint(request):
        raise KeyReused()
    return found


def stored_answer(record):
    """The answer stored for the record, or None if none is yet."""
    if record.response is None:
        return None
    location = record.response.get("location")
    return Response(record.response["body"], status=record.status_code,
                    headers={"Location": location} if location else None)


def record(request, key, written, status_code):
    """Inside the command's transaction: claim the key, noting what the answer
    will be about. A twin that claimed it first and committed makes this raise
    ``Claimed``, and the transaction (events included) roll back."""
    try:
        with transaction.atomic():
            IdempotentRequest.objects.create(actor=request.user.get_username(), key=key,
                                             fingerprint=fingerprint(request), position=written.position or 0,
                                             resource_id=written.id, status_code=status_code)
    except IntegrityError:
        raise Claimed() from None


def remember(request, key, response):
    """Store the answer, if it is the final one (a 202 says only that the read side
    was slow: a retry answers afresh) and none is stored yet."""
    if response.status_code == status.HTTP_202_ACCEPTED:
        return
    stored = {"body": response.data, "location": response.get("Location")}
    IdempotentRequest.objects.filter(actor=request.user.get_username(), key=key, response__isnull=True).update(
        response=stored, status_code=response.status_code)


@receiver(shredding.erased, dispatch_uid="clinic.api.idempotency.forget_answers_about")
def forget_answers_about(sender, patient_id, **kwargs):
    """An erased patient's data must not live on in stored answers: those about them
    (their registration, their bookings) lose the answer and keep the record, so a
    retry still writes nothing and answers from the read side as it is now."""
    showing = IdempotentRequest.objects.annotate(text=Cast("response", TextField())).filter(
        text__contains=str(patient_id))
    IdempotentRequest.objects.filter(Q(resource_id=patient_id) | Q(pk__in=showing.values("pk"))).update(
        response=None)
