import io

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError, UnsupportedMediaType
from rest_framework.parsers import JSONParser

# No command nests at all; this leaves room without letting a body exhaust the stack.
MAX_DEPTH = 32


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "body_too_large"


class BoundedJSONParser(JSONParser):
    """JSON, refused with 413 past DATA_UPLOAD_MAX_MEMORY_SIZE, with 415 when the
    declared charset is no text encoding, and with 400 when nested deeper than
    MAX_DEPTH or holding a lone surrogate (``"\\ud800"``).

    DRF reads the request stream itself, past Django's own size check, so the
    bound is enforced here, whatever Content-Length claims. DRF decodes with
    whatever codec ``charset=`` names, and Python also has bytes-to-bytes codecs
    (``charset=zlib``, ``rot13``) that fail with errors DRF does not expect.
    Python's json module accepts deep nesting and lone surrogates, and either
    would be a 500 later: a RecursionError (in the parser itself, or wherever the
    data is walked again), a UnicodeEncodeError wherever the text is encoded —
    the database, or the error that names an unknown field."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            "".encode(encoding)  # LookupError for a codec that is not a text encoding
        except (LookupError, ValueError):  # ValueError: charset=undefined, a codec that always fails
            raise UnsupportedMediaType(media_type, f"charset={encoding} is not a text encoding; send UTF-8.") \
                from None
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise BodyTooLarge(f"The request body is larger than {limit} bytes.")
        try:
            data = super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.") from None
        _check_plain(data)
        return data


def _check_plain(data):
    """Without recursion: the data may be nested as deep as the parser allowed."""
    pending = [(data, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
            if isinstance(value, dict):
                for key in value:
                    _check_text(key)
                value = value.values()
            pending.extend((item, depth + 1) for item in value)


def _check_text(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ParseError("JSON parse error - a string holds a lone surrogate (U+D800 to U+DFFF), "
                         "which is not Unicode text.") from None
