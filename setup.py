"""Package list only; all other metadata is in pyproject.toml.

The top-level ``resources/`` folder is mapped to the package ``panel_app.resources`` so
that the layout keeps resources beside the code while wheels and frozen builds carry
them; ``panel_app.core.resources`` finds them with importlib.resources.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["panel_app", "panel_app.*"]), "panel_app.resources"],
    package_dir={"panel_app.resources": "resources"},
)
