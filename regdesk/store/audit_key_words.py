"""What is wrong with the audit key or its checkpoint, in the reader's language.

``AuditKeyError`` and ``audit.verify``'s report carry the detail in English (for the log and
``str``): "missing", "31 bytes, not 32", the operating system's words for an error reading the
file ("Permission denied"), "not the key this log was keyed with", and for the checkpoint
"empty" or "its MAC does not match". Shown to a person inside a kk or ru sentence, each is said
from the catalogue (``ops_gaps.key_detail.*``); a detail not known here is shown as it is.
"""

from __future__ import annotations

import errno
import os
import re

_KNOWN = {
    "missing": "missing",
    "not the key this log was keyed with": "wrong_key",
    "the log is not keyed": "not_keyed",
    "empty": "empty",
    "its MAC does not match": "mac",
}
_SIZE = re.compile(r"^(\d+) bytes, not (\d+)$")
_OS_ERRORS = {
    os.strerror(code): name
    for code, name in (
        (errno.EACCES, "access"),
        (errno.EPERM, "access"),
        (errno.EISDIR, "is_folder"),
        (errno.ENOTDIR, "not_folder"),
        (errno.ENOENT, "missing"),
        (errno.EIO, "io"),
        (errno.ELOOP, "loop"),
        (errno.EROFS, "read_only"),
        (errno.ENOSPC, "full"),
    )
}
"""The operating system's words (``strerror``, what the detail keeps) for the errors a person
can act on; another error's words (or a damaged checkpoint's parser's) are shown as the
system's own."""


def detail_words(detail: str, lang: str) -> str:
    """``detail`` (as the errors and reports keep it) in ``lang``."""
    from regdesk.i18n import t

    if detail in _KNOWN:
        return t(f"ops_gaps.key_detail.{_KNOWN[detail]}", lang)
    size = _SIZE.match(detail)
    if size:
        return t("ops_gaps.key_detail.size", lang, found=size[1], expected=size[2])
    if detail in _OS_ERRORS:
        return t(f"ops_gaps.key_detail.{_OS_ERRORS[detail]}", lang)
    if detail:
        return t("ops_gaps.key_detail.system", lang, detail=detail)
    return detail


__all__ = ["detail_words"]
