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

__all__ = [
    "Changes",
    "Clock",
    "CreatedPartnership",
    "FixedClock",
    "PartnershipSession",
    "SavedCase",
    "SystemClock",
    "create_partnership",
    "key_status",
    "unlock",
]
