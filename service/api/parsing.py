"""Reading JSON request bodies: what Python's decoder takes but no field, column or JSON
document of ours can hold is refused here, with a 422 naming the field.

- an integer with more digits than Python converts (``int()`` raises ``ValueError`` past
  ``sys.get_int_max_str_digits()``, which ``json.loads`` would let out as a crash);
- ``NaN``, ``Infinity`` and ``-Infinity``, which are not JSON (RFC 8259) and which
  PostgreSQL's JSON columns refuse;
- a lone UTF-16 surrogate (``"\\ud800"``), which JSON's escapes allow but UTF-8, and so
  PostgreSQL and SQLite, cannot store — in a value or in an object's key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import flask
import marshmallow as ma
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

TOO_MANY_DIGITS = "The number has too many digits."
NOT_A_NUMBER = "NaN and Infinity are not JSON numbers."
SURROGATE = "The text holds an unpaired UTF-16 surrogate (\\ud800–\\udfff)."
SURROGATE_KEY = "A key holds an unpaired UTF-16 surrogate (\\ud800–\\udfff)."

_SURROGATE = re.compile("[\ud800-\udfff]")


class _Refused:
    """A value the decoder met that the request may not hold, with the reason."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _integer(text: str) -> int | _Refused:
    try:
        return int(text)
    except ValueError:  # more digits than sys.get_int_max_str_digits()
        return _Refused(TOO_MANY_DIGITS)


def _constant(_name: str) -> _Refused:
    return _Refused(NOT_A_NUMBER)


def loads(text: str) -> Any:
    """``json.loads`` that never raises for a number: refused ones are left as markers for
    :func:`refused` to name."""
    return json.loads(text, parse_int=_integer, parse_constant=_constant)


def refused(document: Any) -> Iterator[tuple[str, str]]:
    """(dotted field name, reason) for every value of ``document`` the request may not hold.
    Walks without recursion: the decoder takes deeper documents than Python recurses."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        name, value = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                yield name or "_schema", SURROGATE
        elif isinstance(value, _Refused):
            yield name or "_schema", value.reason
        elif isinstance(value, dict):
            if any(_SURROGATE.search(key) for key in value):
                yield name or "_schema", SURROGATE_KEY
                continue  # a key that cannot be said is not put into a field's name
            stack.extend((f"{name}.{key}" if name else key, item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((f"{name}.{i}" if name else str(i), item)
                         for i, item in enumerate(value))


class ArgumentsParser(FlaskParser):
    """webargs' Flask parser with JSON bodies read by :func:`loads` and checked by
    :func:`refused`: a refused value is a validation error (422) under its field's name."""

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            return core.missing
        data = req.get_data(cache=True)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:  # as webargs' own parse_json reports it
            raise json.JSONDecodeError(
                f"Bytes decoding error : {exc.reason}", doc=str(exc.object), pos=exc.start
            ) from exc
        document = loads(text)
        errors: dict[str, list[str]] = {}
        for name, reason in refused(document):
            errors.setdefault(name, []).append(reason)
        if errors:
            raise ma.ValidationError(dict(sorted(errors.items())))
        return document
