"""EDS: NCA RK key stores, the clinic's certificate policy, CMS signatures and their checking.

The names below are imported on first use, so that importing this package (for instance for a
type) does not load cryptography at the start of the desk.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from regdesk.signing.canonical import attachment_entry, canonical_bytes
    from regdesk.signing.certinfo import CertInfo
    from regdesk.signing.errors import (
        FileUnreadable,
        GostKey,
        KeyStoreError,
        NoPrivateKey,
        NotAKeyStore,
        Problem,
        SignatureFormatError,
        SigningConfigError,
        UnsupportedKey,
        WrongPassword,
    )
    from regdesk.signing.keystore import KeyStore, load_key_store, open_key_store
    from regdesk.signing.policy import SigningPolicy
    from regdesk.signing.signature import VerifyResult, sign, verify

_WHERE = {
    "attachment_entry": "canonical",
    "canonical_bytes": "canonical",
    "CertInfo": "certinfo",
    "FileUnreadable": "errors",
    "GostKey": "errors",
    "KeyStoreError": "errors",
    "NoPrivateKey": "errors",
    "NotAKeyStore": "errors",
    "Problem": "errors",
    "SignatureFormatError": "errors",
    "SigningConfigError": "errors",
    "UnsupportedKey": "errors",
    "WrongPassword": "errors",
    "KeyStore": "keystore",
    "load_key_store": "keystore",
    "open_key_store": "keystore",
    "SigningPolicy": "policy",
    "VerifyResult": "signature",
    "sign": "signature",
    "verify": "signature",
}

__all__ = [
    "CertInfo",
    "FileUnreadable",
    "GostKey",
    "KeyStore",
    "KeyStoreError",
    "NoPrivateKey",
    "NotAKeyStore",
    "Problem",
    "SignatureFormatError",
    "SigningConfigError",
    "SigningPolicy",
    "UnsupportedKey",
    "VerifyResult",
    "WrongPassword",
    "attachment_entry",
    "canonical_bytes",
    "load_key_store",
    "open_key_store",
    "sign",
    "verify",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'regdesk.signing' has no attribute {name!r}")
    return getattr(importlib.import_module(f"regdesk.signing.{module}"), name)
