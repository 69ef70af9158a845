"""regdesk: the front-desk workstation of a Kazakh primary-care clinic."""

from __future__ import annotations


def version() -> str:
    """The installed package's version: pyproject.toml is its one source (issue 14)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("regdesk")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"
