"""Subcommands of ``regdesk``: one module each, with ``register(subparsers, ctx)``."""
