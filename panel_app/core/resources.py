"""Files shipped with the app (fonts, ladder presets, icons), wherever it runs from: a
source checkout, an installed wheel or a frozen build. They live in the top-level
``resources/`` folder, installed as the package ``panel_app.resources``."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path


def resource(*parts: str) -> Traversable:
    return resources.files("panel_app.resources").joinpath(*parts)


def resource_path(*parts: str) -> Path:
    """A real file-system path (reportlab and Qt need one); resources are never zipped."""
    return Path(str(resource(*parts)))
