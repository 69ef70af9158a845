"""The ``regdesk`` command: a global --lang and --config, and one subcommand per task.

Each subcommand lives in ``regdesk/commands/<name>.py`` with ``register(subparsers, ctx)`` that
adds its parser and sets ``handler``. Handlers import what they need when they run, so that
``regdesk --help`` and the start of the desk stay fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from regdesk.i18n import LANGS, Translator

if TYPE_CHECKING:
    from regdesk.config import Config
    from regdesk.core.clock import ClinicClock

# The order in which subcommands are listed by --help.
COMMAND_MODULES = (
    "demo",
    "init",
    "upgrade",
    "user",
    "district",
    "audit",
    "lookup",
    "registry",
    "registry_sim",
    "key",
    "talon",
    "serve",
    "status",
    "policy",
    "backup",
    "restore",
    "doctor",
    "report",
    "portal",
    "printer",
)


@dataclass
class Context:
    """What every handler gets: the language, the config's location, and the streams."""

    lang: str
    config_path: Path | None
    config_from: str = "default"
    """Where ``config_path`` came from: ``option`` (--config), ``env`` (REGDESK_CONFIG) or
    ``default`` (the platform's location), for ``--help`` to say."""
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    _config: Config | None = None
    _clock: ClinicClock | None = None

    @property
    def t(self) -> Translator:
        return Translator(self.lang)

    def config(self) -> Config:
        """The config, loaded once; a ConfigError is reported by ``main``."""
        if self._config is None:
            from regdesk import config as cfg

            self._config = cfg.load(self.config_path)
        return self._config

    def clock(self) -> ClinicClock:
        """The clinic's clock (config ``work_hours.timezone``); a test passes a pinned one."""
        if self._clock is None:
            from regdesk.core.clock import ClinicClock

            self._clock = ClinicClock(self.config().work_hours.timezone)
        return self._clock

    def say(self, key: str, /, **params: object) -> None:
        print(self.t(key, **params), file=self.out)

    def warn(self, key: str, /, **params: object) -> None:
        print(self.t(key, **params), file=self.err)


Handler = Callable[[argparse.Namespace, Context], int]


def _preparse(argv: Sequence[str]) -> tuple[str | None, Path | None]:
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--lang")
    pre.add_argument("--config")
    ns, _ = pre.parse_known_args(argv)
    return ns.lang, Path(ns.config) if ns.config else None


def _read_config(config_path: Path | None) -> Config | None:
    """The config when it can be read (for its default language), else None."""
    from regdesk import config as cfg

    path = config_path or cfg.default_path()
    try:
        if not path.exists():
            return None
        return cfg.load(path)
    except (cfg.ConfigError, OSError):
        # A folder that cannot be entered, for one: the command says so when it needs the config.
        return None


def _database(ctx: Context) -> str:
    """The clinic's database file, for a message about it."""
    from regdesk.store.paths import DataPaths

    try:
        return str(DataPaths.for_config(ctx.config()).database)
    except Exception:  # only to name the file: the message stands without it
        return "regdesk.sqlite3"


def _only_globals(args: list[str]) -> bool:
    """True when the command line has no subcommand: only --lang and --config, if anything."""
    rest = list(args)
    while rest:
        head = rest.pop(0)
        if (head == "--lang" and rest and rest[0] in LANGS) or (head == "--config" and rest):
            rest.pop(0)
        elif head.startswith("--lang=") and head.partition("=")[2] in LANGS:
            continue
        elif not head.startswith("--config="):
            return False
    return True


def _translate_argparse(lang: str) -> None:
    """argparse's own words (usage, options, errors) in ``lang``, from the catalogue."""
    import hashlib

    from regdesk.i18n import catalogue

    def translated(text: str) -> str:
        if not isinstance(text, str):
            return text  # argparse passes None through _() for absent descriptions
        key = "argparse.m" + hashlib.sha1(text.encode()).hexdigest()[:10]
        entry = catalogue().get(key)
        return entry.get(lang, text) if entry else text

    argparse._ = translated  # type: ignore[attr-defined]


def build_parser(ctx: Context) -> argparse.ArgumentParser:
    t = ctx.t
    _translate_argparse(ctx.lang)
    from regdesk.commands.common import where_help

    parser = argparse.ArgumentParser(
        prog="regdesk",
        description=t("cli.description"),
        epilog=f"{t('cli.epilog')}\n\n{where_help(ctx)}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--lang", choices=LANGS, help=t("cli.opt_lang"))
    parser.add_argument("--config", metavar="FILE", help=t("cli.opt_config"))
    from regdesk import version

    parser.add_argument(
        "--version", action="version", version=f"regdesk {version()}", help=t("cli.opt_version")
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title=t("cli.commands"))
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"regdesk.commands.{name}")
        module.register(sub, ctx)
    return parser


def run() -> int:
    """The ``regdesk`` program: ``main`` in a process whose new files are never world-readable.

    Files the program makes hold personal data or lead to it. With umask 007 they are shared
    with the clinic's group at most (the group-sharing set-up of the README) and never with
    every user of the server, whatever the login's umask. Tests call ``main`` and keep theirs.
    """
    os.umask(0o007)
    return main()


def main(argv: Sequence[str] | None = None, *, clock: ClinicClock | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    lang, config_path = _preparse(args)
    config_from = "default" if config_path is None else "option"
    if config_path is None and os.environ.get("REGDESK_CONFIG"):
        config_path, config_from = Path(os.environ["REGDESK_CONFIG"]), "env"
    config = _read_config(config_path)
    if lang not in LANGS:
        lang = config.languages.default if config is not None else "en"
    ctx = Context(
        lang=lang, config_path=config_path, config_from=config_from, _config=config, _clock=clock
    )
    handler: Handler | None
    if _only_globals(args):
        # Plain `regdesk`: straight to the desk, without building every subcommand's parser.
        from regdesk.commands.demo import run_desk

        handler, ns = run_desk, argparse.Namespace()
    else:
        ns = build_parser(ctx).parse_args(args)
        handler = getattr(ns, "handler", None)
        if handler is None:
            from regdesk.commands.demo import run_desk

            handler = run_desk
    from regdesk.commands.oplog import logged

    chosen: Handler = handler
    return logged(ns, ctx, lambda: _run_handler(chosen, ns, ctx))


def _run_handler(handler: Handler, ns: argparse.Namespace, ctx: Context) -> int:
    """The handler's exit code, the errors every command may meet said in words."""
    import sqlite3

    from regdesk.config import ConfigError

    try:
        from regdesk.commands.common import schema_refusal

        refused = schema_refusal(ns, ctx)
        if refused is not None:
            return refused
        return handler(ns, ctx)
    except ConfigError as exc:
        if exc.message:
            ctx.warn(exc.message, **exc.params)
        else:
            ctx.warn("cli.config_error", detail=str(exc))
        return 78
    except sqlite3.Error as exc:
        # A database that opened but is not what it should be (a table dropped, a damaged page).
        ctx.warn("cli.db_damaged", path=_database(ctx), detail=str(exc))
        return 74  # sysexits EX_IOERR, as for a database that cannot be opened
    except KeyboardInterrupt:
        ctx.warn("cli.interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (`regdesk … | head`): not an error, and no traceback at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
