"""Who may do what at the desk (issue 15, "Roles").

Three staff roles:

- **receptionist**: the front desk's own work (look-up, form, signing, talon, journal, survey);
- **head** (the head nurse, the head of the registry): also reports over everybody's work,
  annulments of registrations made in error, and changes of the districts;
- **admin**: everything the head may do, and the staff accounts, the clinic's settings and the
  journal of those changes.

``may(role, permission)`` is the one question every use case asks before acting (not only the
menu: a screen that is not offered can still be reached by a call). A pure module: no I/O.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    RECEPTIONIST = "receptionist"
    HEAD = "head"
    ADMIN = "admin"
    SYSTEM = "system"
    """The program itself, e.g. fetching portal applications from the registry."""


STAFF_ROLES: tuple[Role, ...] = (Role.RECEPTIONIST, Role.HEAD, Role.ADMIN)
"""The roles a staff account can have, least to most."""


class Permission(StrEnum):
    """What a role may be granted beyond the front desk's own work."""

    REPORTS_ALL = "reports_all"
    """Reports over every employee's work (a receptionist sees their own figures)."""
    ANNUL = "annul"
    """Annul a registration made in error."""
    DISTRICTS = "districts"
    """Change the districts, their streets and their doctors."""
    STAFF = "staff"
    """Add staff accounts, change roles, lock, unlock, reset passwords, deactivate."""
    SETTINGS = "settings"
    """Change the clinic's settings."""
    ADMIN_JOURNAL = "admin_journal"
    """Read and export the journal of administrative changes."""


_HEAD = frozenset({Permission.REPORTS_ALL, Permission.ANNUL, Permission.DISTRICTS})

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.RECEPTIONIST: frozenset(),
    Role.HEAD: _HEAD,
    Role.ADMIN: _HEAD | {Permission.STAFF, Permission.SETTINGS, Permission.ADMIN_JOURNAL},
    Role.SYSTEM: frozenset(),
}


def may(role: Role | str, permission: Permission) -> bool:
    """Whether ``role`` may do what ``permission`` names; False for an unknown role."""
    try:
        return permission in GRANTS[Role(role)]
    except ValueError:
        return False


def holders(permission: Permission) -> frozenset[Role]:
    """Every role granted ``permission``."""
    return frozenset(r for r, granted in GRANTS.items() if permission in granted)


__all__ = ["GRANTS", "STAFF_ROLES", "Permission", "Role", "holders", "may"]
