"""The registry: the HTTP client of the state databases and the loopback simulator.

``docs/registry-api.md`` is the contract. The typed answers (``models``) and the outcomes
(``errors``) are imported from here; the client and the simulator are imported on first use, so
that importing this package does not load httpx:

- ``RegistryClient`` / ``SyncRegistryClient`` (``regdesk.registry.client``)
- ``start_simulator``, ``running_simulator``, ``sample_cases`` (``regdesk.registry.sim``)
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from regdesk.registry.errors import BadAnswer, NotFound, Refused, RegistryError, Unavailable
from regdesk.registry.models import (
    Address,
    AnnulmentReceipt,
    Attachment,
    AttachmentReceipt,
    CodeName,
    Health,
    IdentityDocument,
    Organisation,
    Person,
    PortalApplication,
    PortalApplicationItem,
    PortalFile,
    PortalResultReceipt,
    Representative,
)

# The registry's log lines go where the program sends its logs (the desk's log file) and
# nowhere else: without a handler of its own Python would print warnings on stderr, under the
# words the user reads.
logging.getLogger("regdesk.registry").addHandler(logging.NullHandler())

_LAZY = {
    "RegistryClient": "regdesk.registry.client",
    "SyncRegistryClient": "regdesk.registry.client",
    "Backoff": "regdesk.registry.client",
    "start_simulator": "regdesk.registry.sim",
    "running_simulator": "regdesk.registry.sim",
    "sample_cases": "regdesk.registry.population",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'regdesk.registry' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "Address",
    "AnnulmentReceipt",
    "Attachment",
    "AttachmentReceipt",
    "Backoff",
    "BadAnswer",
    "CodeName",
    "Health",
    "IdentityDocument",
    "NotFound",
    "Organisation",
    "Person",
    "PortalApplication",
    "PortalApplicationItem",
    "PortalFile",
    "PortalResultReceipt",
    "Refused",
    "RegistryClient",
    "RegistryError",
    "Representative",
    "SyncRegistryClient",
    "Unavailable",
    "running_simulator",
    "sample_cases",
    "start_simulator",
]
