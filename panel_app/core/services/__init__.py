"""The facade that the GUI and the CLI call: one session object per open partnership."""

from panel_app.core.services.clock import Clock, FixedClock, SystemClock
from panel_app.core.services.session import (
    Changes,
    CreatedPartnership,
    PartnershipSession,
    SavedCase,
    create_partnership,
    key_status,
    unlock,
)
from panel_app.core.storage.connection import DatabaseError, database_error

__all__ = [
    "Changes",
    "Clock",
    "CreatedPartnership",
    "DatabaseError",
    "FixedClock",
    "PartnershipSession",
    "SavedCase",
    "SystemClock",
    "create_partnership",
    "database_error",
    "key_status",
    "unlock",
]
