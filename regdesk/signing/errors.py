"""Errors and problems of the signing area, each explained by its own catalogue message."""

from __future__ import annotations

from regdesk.core.errors import UserError


class KeyStoreError(UserError):
    """A key store (.p12) that cannot be used; the subclass says why."""

    key = "signing.keystore.unreadable"


class FileUnreadable(KeyStoreError):
    """The file does not exist or cannot be read (permissions, a removed USB stick)."""

    key = "signing.keystore.file_unreadable"


class NotAKeyStore(KeyStoreError):
    """The file is not a PKCS#12 key store, or it is damaged."""

    key = "signing.keystore.not_a_key_store"


class WrongPassword(KeyStoreError):
    """The password does not open the key store (its MAC or its encryption)."""

    key = "signing.keystore.wrong_password"


class GostKey(KeyStoreError):
    """The password is right but the key is GOST, which this program cannot sign with."""

    key = "signing.keystore.gost"


class NoPrivateKey(KeyStoreError):
    """The key store opens but holds no private key (only certificates)."""

    key = "signing.keystore.no_private_key"


class UnsupportedKey(KeyStoreError):
    """The key store opens but its key or its encryption is of a kind this program cannot use."""

    key = "signing.keystore.unsupported"


class TooMuchWork(KeyStoreError):
    """The key store asks for more key-derivation rounds than any real one does (p12.py)."""

    key = "signing.keystore.too_many_iterations"


class TooLarge(KeyStoreError):
    """The file is far larger than a key store is."""

    key = "signing.keystore.too_large"


class IsFolder(KeyStoreError):
    key = "signing.keystore.is_folder"


class IsPipe(KeyStoreError):
    """A FIFO or a socket: reading it could wait for ever."""

    key = "signing.keystore.is_pipe"


class IsDevice(KeyStoreError):
    """A device (such as a link to /dev/zero, which never ends)."""

    key = "signing.keystore.is_device"


class SigningConfigError(UserError):
    """A trusted CA or CRL file named in ``[signing]`` cannot be read, or is not one."""

    key = "signing.config.unreadable"


class SignatureFormatError(UserError):
    """A signature that cannot be read as CMS SignedData, or uses what this program cannot check."""

    key = "signing.verify.malformed"


class Problem(UserError):
    """One finding of the certificate policy or of a verification.

    ``blocking`` problems forbid signing (or make a signature invalid); the others are warnings to
    show next to the result, such as an out-of-date CRL when the clinic chose to only warn.
    """

    def __init__(self, key: str, /, *, blocking: bool = True, **params: object) -> None:
        super().__init__(key, **params)
        self.blocking = blocking

    def __repr__(self) -> str:
        return f"Problem({self.key!r}, blocking={self.blocking}, params={self.params!r})"
