"""Typed errors whose message is written for the person using the app.

Every error a user can meet says what happened and what to do next. Messages never
contain pupil data (they may end up in logs).
"""

from __future__ import annotations

from panel_app.core.domain.issues import Issue


class PanelError(Exception):
    """Base class: ``str(error)`` is a plain sentence fit to show to a user."""


class WrongKeyError(PanelError):
    """The database could not be opened with the key we have."""


class WrongPassphraseError(PanelError):
    """The passphrase (or recovery key) does not unlock the key file."""


class KeyUnavailableError(PanelError):
    """No way to obtain the data key without asking the user."""


class KeyringUnusableError(PanelError):
    """The OS keyring is missing, locked or stores secrets in plain text."""


class NewerVersionError(PanelError):
    """The file was written by a newer version of the app."""


class NotADatabaseError(PanelError):
    """The file is not a Partnership Panel database (or is damaged)."""


class NotFoundError(PanelError):
    """A record that was asked for does not exist."""


class LockedError(PanelError):
    """The session is locked; unlock it first."""


class StorageError(PanelError):
    """Writing to disk failed (disk full, read-only, removed drive)."""


class BundleError(PanelError):
    """A case bundle or contact card was refused (damaged, not for us, unknown sender,
    replayed, too new...). The database is unchanged when this is raised."""


class ValidationError(PanelError):
    """Input was refused; ``issues`` holds one entry per problem."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        errors = [i for i in issues if i.severity == "error"]
        text = " ".join(i.message for i in errors) or "The input was not valid."
        super().__init__(text)

__all__ = [
    "BundleError",
    "Issue",
    "KeyUnavailableError",
    "KeyringUnusableError",
    "LockedError",
    "NewerVersionError",
    "NotADatabaseError",
    "NotFoundError",
    "PanelError",
    "StorageError",
    "ValidationError",
    "WrongKeyError",
    "WrongPassphraseError",
]
