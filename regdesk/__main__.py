"""`python -m regdesk` runs the same command as the `regdesk` script."""

from regdesk.cli import run

raise SystemExit(run())
