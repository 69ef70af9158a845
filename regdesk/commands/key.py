"""``regdesk key inspect FILE``: what a key store holds and whether it can sign under the policy.
``regdesk key training``: an admin's training CA, keys and CRL (``desk/training.py``).

Exit status of ``inspect``: 0 when the key can sign (now, or at ``--at``), 1 when the policy
forbids it, 2 when the key store cannot be opened (wrong password, GOST key, damaged file…).
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING, Any

from regdesk.cli import Context

if TYPE_CHECKING:
    from regdesk.signing.certinfo import CertInfo


def register(sub: Any, ctx: Context) -> None:
    t = ctx.t
    p = sub.add_parser("key", help=t("signing.cli.key_help"), description=t("signing.cli.key_help"))
    actions = p.add_subparsers(dest="key_command", metavar="ACTION")
    inspect = actions.add_parser(
        "inspect", help=t("signing.cli.inspect_help"), description=t("signing.cli.inspect_help")
    )
    inspect.add_argument("file", metavar="FILE", help=t("signing.cli.opt_file"))
    inspect.add_argument(
        "--password-stdin", action="store_true", help=t("signing.cli.opt_password_stdin")
    )
    inspect.add_argument("--at", metavar="ISO-DATETIME", help=t("signing.cli.opt_at"))
    inspect.add_argument("--iin", metavar="IIN", help=t("signing.cli.opt_iin"))
    inspect.set_defaults(handler=run_inspect)
    _register_training(actions, ctx)

    def usage(ns: argparse.Namespace, c: Context) -> int:
        p.print_help(c.out)
        return 1

    p.set_defaults(handler=usage)


def _parse_moment(value: str) -> datetime | None:
    from datetime import UTC

    try:
        moment = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _read_password(ns: argparse.Namespace, ctx: Context) -> str | None:
    if ns.password_stdin:
        line = ctx.stdin.readline()
        return line.removesuffix("\n").removesuffix("\r") if line else None
    import getpass

    return getpass.getpass(ctx.t("signing.cli.password_prompt"))


def run_inspect(ns: argparse.Namespace, ctx: Context) -> int:
    from pathlib import Path

    from regdesk.config import default_path
    from regdesk.core.clock import wall_utc
    from regdesk.signing.errors import KeyStoreError, SigningConfigError
    from regdesk.signing.keystore import open_key_store
    from regdesk.signing.policy import SigningPolicy

    config_file = ctx.config_path or default_path()
    policy = SigningPolicy.basic()
    has_config = config_file.exists()
    # A key can be inspected on a machine with no clinic set up: then the machine's clock.
    now = ctx.clock().utc() if has_config else wall_utc()
    if ns.at:
        parsed = _parse_moment(ns.at)
        if parsed is None:
            ctx.warn("signing.cli.bad_datetime", value=ns.at)
            return 2
        now = parsed
    if has_config:
        config = ctx.config()
        try:
            policy = SigningPolicy.from_config(config.signing, config.resolve)
        except SigningConfigError as exc:
            ctx.warn("signing.cli.blocking", text=exc.message(ctx.lang))
            return 2
    password = _read_password(ns, ctx)
    if password is None:
        ctx.warn("signing.cli.no_password")
        return 2
    try:
        store = open_key_store(Path(ns.file), password)
    except KeyStoreError as exc:
        ctx.warn("signing.cli.blocking", text=exc.message(ctx.lang))
        return 2
    finally:
        del password
    _print_info(ctx, store.info, now)
    if not has_config:
        ctx.say("signing.cli.no_config")
    problems = policy.check(store, employee_iin=ns.iin, now=now)
    for problem in problems:
        key = "signing.cli.blocking" if problem.blocking else "signing.cli.warning"
        ctx.say(key, text=problem.message(ctx.lang))
    if any(p.blocking for p in problems):
        ctx.say("signing.cli.cannot_sign")
        return 1
    ctx.say("signing.cli.can_sign")
    return 0


def _print_info(ctx: Context, info: CertInfo, now: datetime) -> None:
    from datetime import UTC

    from regdesk.signing.certinfo import ROLE_NAMES

    t = ctx.t

    def field(label: str, value: str) -> None:
        if value:
            ctx.say("signing.cli.field", label=t(label), value=value)

    def day(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%d %H:%M UTC")

    field("signing.cli.label_owner", info.full_name or info.common_name)
    field("signing.cli.label_iin", info.iin)
    field("signing.cli.label_organisation", info.organisation)
    field("signing.cli.label_bin", info.bin)
    field("signing.cli.label_purpose", t(f"signing.cli.purpose_{info.purpose}"))
    roles = [t(f"signing.role.{ROLE_NAMES[o]}") if o in ROLE_NAMES else o for o in info.role_oids]
    field("signing.cli.label_roles", ", ".join(roles))
    field(
        "signing.cli.label_validity",
        t("signing.cli.validity", since=day(info.not_before), until=day(info.not_after)),
    )
    field("signing.cli.label_issuer", info.issuer)
    field("signing.cli.label_serial", info.serial)
    field("signing.cli.label_key", info.key_algorithm)
    field("signing.cli.label_checked_at", day(now.astimezone(UTC)))


def _register_training(actions: Any, ctx: Context) -> None:
    from regdesk.commands.signed_in import add_options

    t = ctx.t
    p = actions.add_parser(
        "training",
        help=t("signing_admin.cli.training_help"),
        description=t("signing_admin.cli.training_help"),
        epilog=t("signing_admin.cli.training_epilog"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--employee",
        nargs=2,
        action="append",
        metavar=("IIN", "FULL_NAME"),
        default=[],
        help=t("signing_admin.cli.opt_employee"),
    )
    p.add_argument("--out", metavar="FOLDER", help=t("signing_admin.cli.opt_out"))
    p.add_argument("--days", type=int, default=365, help=t("signing_admin.cli.opt_days"))
    add_options(p, ctx)
    p.set_defaults(handler=run_training)


def run_training(ns: argparse.Namespace, ctx: Context) -> int:
    from pathlib import Path

    from regdesk.commands.signed_in import Refused, signed_in
    from regdesk.core.errors import UserError
    from regdesk.desk.training import TrainingKeys

    config = ctx.config()
    if ns.out:
        folder = Path(ns.out)
    else:
        base = Path(config.source).parent if config.source else Path.cwd()
        folder = base / "training-keys"
    try:
        with signed_in(ns, ctx) as desk:
            try:
                done = TrainingKeys(desk).make(
                    folder, [(iin, name) for iin, name in ns.employee], days=ns.days
                )
            except UserError as exc:
                print(exc.message(ctx.lang), file=ctx.err)
                return 1
    except Refused as stop:
        return stop.code
    made = done.made
    key = "signing_admin.cli.ca_kept" if made.ca_reused else "signing_admin.cli.ca_new"
    ctx.say(key, path=str(made.ca_cert))
    ctx.say("signing_admin.cli.crl", path=str(made.crl))
    ctx.say("signing_admin.cli.passwords", path=str(made.passwords))
    for item in made.keys:
        iin = item.trainee.iin
        state = (
            "signing_admin.cli.remembered"
            if iin in done.remembered
            else "signing_admin.cli.no_account"
        )
        ctx.say(
            "signing_admin.cli.key_line",
            iin=iin,
            name=item.trainee.full_name,
            file=item.path.name,
            state=ctx.t(state),
        )
    ctx.say("signing_admin.cli.paste")
    for line in done.signing_lines:
        print(line, file=ctx.out)
    ctx.say("signing_admin.cli.after")
    return 0
