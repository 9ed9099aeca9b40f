"""Crypto-shredding: a patient's personal data in the log, readable only while
their key exists.

Events are immutable, so erasing a patient cannot mean changing their events.
Instead every personal field (an event class declares which: ``personal=`` in
its class statement, ``owner=`` when the patient is not the stream's own) is
stored sealed — AES-GCM under a 256-bit key of that patient's — and erasure
deletes the key. Ids, days, times and doctors' data stay clear, so ordering,
projections and the feed work on everything else as before.

A sealed field is stored as ``{"sealed": <base64 nonce + ciphertext>, "key":
<the patient's id>}``; the field's name and the patient's id are bound to it
(associated data), so a sealed value cannot be moved to another field or patient.
Empty values (None, "") are stored as they are: they say nothing of anyone.

Keys live in one table (``DataKey``). Erasure deletes a key's bytes and keeps its
row as a tombstone: a patient with a tombstone never gets a key again, while a
patient with no row at all — registered before sealing existed — gets one with
their next personal write (``manage.py seal_history`` seals their older events). With
``CLINIC_MASTER_KEY`` set they are stored wrapped (RFC 3394 key wrap) under it, so
a copy of the database without the environment reads nothing either.

Sealing and opening happen here and only here: the store seals on append and
import, and opens whatever it reads (``Keyring.for_rows``), with one query for the
keys a batch of rows needs. A key that is missing opens as ``ERASED``: one
patient's lost key never stops anyone else's data from being read.
"""
from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.dispatch import Signal

from .domain.catalogue import event_class, registered
from .domain.messages import ERASED, Event, UnknownEventType
from .models import DataKey

SEALED, KEY = "sealed", "key"

# Sent inside the erasing transaction with ``patient_id``: whatever keeps a copy of
# a patient's data outside the log (the API's idempotency records) scrubs it then.
erased = Signal()
NONCE_BYTES = 12

__all__ = ["ERASED", "Keyring", "destroy_key", "erased", "is_sealed", "seal", "subject_of"]


def is_sealed(value: Any) -> bool:
    return type(value) is dict and SEALED in value and KEY in value


class Keyring:
    """The data keys one read or one write needs, fetched together."""

    def __init__(self, keys: Mapping[uuid.UUID, bytes], erased: Iterable[uuid.UUID] = ()) -> None:
        self._ciphers = {subject: AESGCM(key) for subject, key in keys.items()}
        self._erased = set(erased)
        # Sealed values name their key by its text; a feed page opens hundreds, and
        # parsing each name into a UUID cost as much as the decryption: each name
        # is parsed once (``for_rows`` fills this with the names it fetched for).
        self._by_name: dict[str, AESGCM] = {}

    @classmethod
    def fetch(cls, subjects: Iterable[uuid.UUID | str],
              known: Mapping[uuid.UUID, tuple[bytes | None, bool]] | None = None) -> Keyring:
        """The subjects' keys: those ``known`` (stored rows already read, as
        (key, wrapped)), and the rest with one query — none if nothing is left."""
        wanted = {_uuid(subject) for subject in set(subjects)}
        stored = [(subject, *known[subject]) for subject in wanted if subject in known] if known else []
        missing = wanted.difference(known or ())
        if missing:
            stored += _stored_keys(missing)
        return cls({subject: _unwrapped(bytes(key), bool(wrapped)) for subject, key, wrapped in stored
                    if key is not None},
                   erased=[subject for subject, key, _ in stored if key is None])

    @classmethod
    def for_rows(cls, datas: Iterable[Mapping[str, Any]],
                 known: Mapping[uuid.UUID, tuple[bytes | None, bool]] | None = None) -> Keyring:
        """The keys the sealed values of these events' data name; no query if none
        does, or if every one is ``known``."""
        named = {name: _uuid(name) for name in {value[KEY] for data in datas for value in data.values()
                                                 if is_sealed(value)}}
        keyring = cls.fetch(named.values(), known)
        keyring._by_name = {name: keyring._ciphers[subject] for name, subject in named.items()
                            if subject in keyring._ciphers}
        return keyring

    def has(self, subject: uuid.UUID) -> bool:
        return subject in self._ciphers

    def may_create(self, subject: uuid.UUID) -> bool:
        """A key may be made for a patient who never had one — never for an erased one."""
        return subject not in self._ciphers and subject not in self._erased

    def create(self, subject: uuid.UUID) -> None:
        """A new key for a new patient, stored now (in the caller's transaction)."""
        self.create_many([subject])

    def create_many(self, subjects: list[uuid.UUID]) -> None:
        if not subjects:
            return
        DataKey.objects.bulk_create([DataKey(subject=subject, key=key, wrapped=wrapped)
                                     for subject, key, wrapped in self.make(subjects)])

    def make(self, subjects: list[uuid.UUID]) -> list[tuple[uuid.UUID, bytes, bool]]:
        """New keys for these subjects, to seal with at once and to be stored by
        the caller, in the transaction that writes what they seal: (subject, key
        as stored, wrapped) each. The store's append on PostgreSQL writes them in
        its INSERT (``store._locked``); ``create_many`` stores them itself."""
        master = _master_key()
        keys = {subject: AESGCM.generate_key(bit_length=256) for subject in subjects}
        self._ciphers.update((subject, AESGCM(key)) for subject, key in keys.items())
        return [(subject, aes_key_wrap(master, key) if master else key, master is not None)
                for subject, key in keys.items()]

    def seal(self, subject: uuid.UUID, field: str, value: Any) -> dict[str, str]:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[subject].encrypt(nonce, json.dumps(value).encode(), _bound(subject, field))
        return {SEALED: base64.b64encode(nonce + sealed).decode("ascii"), KEY: str(subject)}

    def open(self, field: str, value: dict[str, str]) -> Any:
        name = value[KEY]
        cipher = self._by_name.get(name)
        if cipher is None:
            subject = _uuid(name)
            if subject not in self._ciphers:
                return ERASED
            cipher = self._by_name[name] = self._ciphers[subject]
        raw = base64.b64decode(value[SEALED])
        try:
            # Sealing bound the field to str(subject), which is the name it wrote: a
            # name written otherwise binds differently and opens as altered.
            return orjson.loads(cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], f"{name}/{field}".encode()))
        except InvalidTag:
            # Not this key's, or altered: as unreadable as an erased field, and no one else's problem.
            return ERASED

    def opened(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The event's data with its sealed fields opened (``ERASED`` where the key is gone)."""
        return {name: self.open(name, value) if is_sealed(value) else value for name, value in data.items()}


_SUBJECT = DataKey._meta.get_field("subject")


def _stored_keys(subjects: set[uuid.UUID]) -> list[tuple[uuid.UUID, bytes | None, bool]]:
    """(subject, key, wrapped) of the stored keys, with one plain query: every
    command about a patient reads their key, and the ORM's queryset spent more
    than the query itself (``make bench``, ``append_events_per_s``)."""
    table = connection.ops.quote_name(DataKey._meta.db_table)
    values = [_SUBJECT.get_db_prep_value(subject, connection) for subject in subjects]
    # A feed page asks for a hundred keys or more: PostgreSQL takes them as one
    # array, where a list of a hundred literals cost more to send and plan.
    wanted, params = ("= ANY(%s)", [values]) if connection.vendor == "postgresql" else (
        f"IN ({', '.join(['%s'] * len(values))})", values)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT subject, {connection.ops.quote_name('key')}, wrapped FROM {table} "
                       f"WHERE subject {wanted}", params)
        return [(_SUBJECT.to_python(subject), key, bool(wrapped)) for subject, key, wrapped in cursor.fetchall()]


def personal_fields(type_name: str) -> tuple[str, ...]:
    try:
        return event_class(type_name).personal
    except UnknownEventType:
        return ()


def subject_of(cls: type[Event], stream_id: uuid.UUID, data: Mapping[str, Any],
               booked: Callable[[uuid.UUID], uuid.UUID | None] = lambda appointment_id: None) -> uuid.UUID | None:
    """Whose key seals this event's personal fields: the stream's own patient, or
    the patient its ``owner`` field names — for data written before that field
    existed, whoever ``booked`` says the stream's appointment was booked for."""
    if cls.owner is None:
        return stream_id
    named = data.get(cls.owner)
    return _uuid(named) if named else booked(stream_id)


def seal(type_name: str, data: Mapping[str, Any], subject: uuid.UUID | None, keyring: Keyring) -> dict[str, Any]:
    """The data with each non-empty personal field sealed under ``subject``'s key
    (fields already sealed stay as they are)."""
    fields = personal_fields(type_name)
    if not fields or not any(_worth_sealing(data.get(name)) for name in fields):
        return dict(data)
    if subject is None or not keyring.has(subject):
        raise MissingKey(subject)
    return {name: keyring.seal(subject, name, value) if name in fields and _worth_sealing(value) else value
            for name, value in data.items()}


def needs_sealing(type_name: str, data: Mapping[str, Any]) -> bool:
    return any(_worth_sealing(data.get(name)) for name in personal_fields(type_name))


def _worth_sealing(value: Any) -> bool:
    return value is not None and value != "" and not is_sealed(value)


class MissingKey(LookupError):
    """Personal data to seal for a patient who has no key: erased (or never
    registered). Writing it would need a new key, and a new key would bring back
    what erasure took away, so nothing is written."""

    def __init__(self, subject: uuid.UUID | None) -> None:
        super().__init__(f"Patient {subject} has no data key: their personal data was erased, so none can be "
                         "recorded for them. Nothing was written.")
        self.subject = subject


def destroy_key(subject: uuid.UUID) -> None:
    """Erase a patient: their key's bytes go; its row stays as the tombstone that
    keeps a new key from ever being made for them."""
    if not DataKey.objects.filter(subject=subject).update(key=None, wrapped=False):
        DataKey.objects.create(subject=subject, key=None)


def holds_plaintext(patient_id: uuid.UUID) -> bool:
    """Whether any of the patient's personal data in the log is still unsealed
    (written before sealing existed, and ``seal_history`` not run yet): erasing
    them then would leave it readable."""
    from .models import StoredEvent  # beside DataKey; kept local like the model's own import of this module
    bookings = StoredEvent.objects.filter(type="APPOINTMENT_CREATED", data__patient_id=str(patient_id))
    theirs = StoredEvent.objects.filter(stream_id=patient_id) | StoredEvent.objects.filter(
        type__in=[name for name, cls in registered().items() if cls.owner],
        stream_id__in=bookings.values("stream_id"))
    return any(needs_sealing(type_name, data) for type_name, data in theirs.values_list("type", "data").iterator())


def _bound(subject: uuid.UUID, field: str) -> bytes:
    return f"{subject}/{field}".encode()


def _uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _unwrapped(key: bytes, wrapped: bool) -> bytes:
    if not wrapped:
        return key
    master = _master_key()
    if master is None:
        raise ImproperlyConfigured("The patients' data keys are wrapped under a master key, but CLINIC_MASTER_KEY "
                                   "is not set. Set it to the key they were stored with.")
    return aes_key_unwrap(master, key)


def _master_key() -> bytes | None:
    return _decoded_master(getattr(settings, "CLINIC_MASTER_KEY", "") or "")


@cache
def _decoded_master(text: str) -> bytes | None:
    if not text:
        return None
    try:
        key = base64.b64decode(text, validate=True)
    except ValueError:
        key = b""
    if len(key) not in (16, 24, 32):
        raise ImproperlyConfigured("CLINIC_MASTER_KEY must be 32 random bytes in base64, e.g. the output of "
                                   "python -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'.")
    return key
