"""The canonical bytes of a document: what a signature covers (docs/signing.md).

JSON (RFC 8259) with object keys sorted by code point, no whitespace between tokens, UTF-8 with
non-ASCII characters written as themselves, and no floating-point numbers (their text form is not
stable across implementations; amounts and coordinates go in as strings or integers). The same
document always gives the same bytes, on every machine and in every version of regdesk.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    """``document`` in canonical form; TypeError for floats, non-string keys or other types."""
    _check(document, "$")
    text = json.dumps(
        document, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )
    return text.encode("utf-8")


def attachment_entry(name: str, data: bytes) -> dict[str, str]:
    """The ``{"name", "sha256"}`` entry that puts an attached file under the signature."""
    return {"name": name, "sha256": hashlib.sha256(data).hexdigest()}


def _check(value: object, where: str) -> None:
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        raise TypeError(f"{where}: floats have no canonical form; use a string or an integer")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: key {key!r} is not a string")
            _check(item, f"{where}.{key}")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check(item, f"{where}[{i}]")
        return
    raise TypeError(f"{where}: {type(value).__name__} has no canonical form")
