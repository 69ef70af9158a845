"""The ``[security]`` section: sign-in throttling, the idle lock and the password policy.

Kept in core (as the rules of attachment are) so that its cross-field check lives with its
fields; the configuration's loader turns a ``SettingError`` into its own error naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass

from regdesk.core.rules import SettingError


@dataclass(frozen=True)
class SecuritySettings:
    # Sign-in throttling (OWASP ASVS 2.2.1), see store/signin_throttle.py and the README: delays
    # that grow per IIN typed and per terminal, instead of a lock-out anyone could trigger.
    throttle_free_attempts: int = 3
    """Failed sign-ins in a row for one IIN before each further one makes the next try wait
    (5 s, doubling)."""
    throttle_account_max_seconds: int = 60
    """The longest wait for one IIN: low, so one terminal cannot keep an employee out long."""
    throttle_terminal_free_attempts: int = 5
    """Failed sign-ins in a row at one terminal before its tries wait (10 s, tripling)."""
    throttle_terminal_max_seconds: int = 900
    """The longest wait at one terminal."""
    throttle_forget_minutes: int = 10
    """One counted failure is forgotten per this many minutes without a failure."""
    banned_words: tuple[str, ...] = ()
    """Words of this clinic a password must not be (with digits or signs added), beyond the
    common passwords, the clinic's name and the cities of Kazakhstan."""
    idle_lock_minutes: int = 10
    """Minutes without a key press after which the terminal locks; 0 turns it off."""
    password_min_length: int = 10
    """The shortest password accepted."""
    password_classes: int = 2
    """How many of lower case, upper case, digits and other characters a password must mix."""

    def __post_init__(self) -> None:
        if self.throttle_terminal_max_seconds < self.throttle_account_max_seconds:
            raise SettingError(
                "throttle_terminal_max_seconds",
                f"{self.throttle_terminal_max_seconds} is below throttle_account_max_seconds"
                f" ({self.throttle_account_max_seconds}): a terminal must wait at least as long"
                " as an IIN, or one terminal could keep an employee out of every other one",
            )


_THROTTLED = (
    "is no longer used: sign-ins are throttled instead of locked (the throttle_ settings of"
    " config.example.toml); remove the line"
)
RETIRED = {"security.lockout_attempts": _THROTTLED, "security.lockout_minutes": _THROTTLED}
"""Settings of earlier releases, by their dotted names: the loader refuses them with what
replaced them, rather than as a typo."""


__all__ = ["RETIRED", "SecuritySettings"]
