"""`python -m panel_app.cli`."""

from panel_app.cli import _entry

_entry()
