"""Package list only; all other metadata is in pyproject.toml.

The top-level ``resources/`` folder is mapped to the package ``panel_app.resources`` so
that the layout keeps resources beside the code while wheels and frozen builds carry
them; ``panel_app.core.resources`` finds them with importlib.resources.
"""

from pathlib import Path

from setuptools import find_packages, setup

# Each folder of resources/ (fonts, icons, ...) is a data-only sub-package: listing them
# keeps setuptools from warning that they "would be ignored".
RESOURCES = Path(__file__).resolve().parent / "resources"
RESOURCE_FOLDERS = sorted(
    "panel_app.resources." + ".".join(d.relative_to(RESOURCES).parts)
    for d in RESOURCES.rglob("*")
    if d.is_dir() and d.name != "__pycache__" and any(f.is_file() for f in d.iterdir())
)

setup(
    packages=[*find_packages(include=["panel_app", "panel_app.*"]), "panel_app.resources",
              *RESOURCE_FOLDERS],
    package_dir={"panel_app.resources": "resources"},
    package_data={name: ["*"] for name in ["panel_app.resources", *RESOURCE_FOLDERS]},
)
