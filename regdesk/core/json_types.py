"""Types of JSON values, so that what is stored or sent as JSON is typed instead of ``Any``.

``JsonValue`` is what ``json.loads`` can give back; ``JsonObject`` is a JSON object as a
parameter: a read-only mapping, so that a ``dict[str, str]`` or ``dict[str, int]`` is accepted
as it is (a ``Mapping`` is covariant in its values, a ``dict`` is not).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

JsonScalar: TypeAlias = str | int | float | bool | None
JsonValue: TypeAlias = JsonScalar | Sequence["JsonValue"] | Mapping[str, "JsonValue"]
JsonObject: TypeAlias = Mapping[str, JsonValue]
