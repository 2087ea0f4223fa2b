"""What the About window and support requests show: the app's version and those of the
libraries it runs on. Qt-free; the GUI adds Qt and PySide6 itself."""

from __future__ import annotations

import platform
import sys
import warnings
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

from panel_app import __version__
from panel_app.core.storage.connection import engine_versions

APP_NAME = "Partnership Panel"
LICENCE_NAME = "MIT"

# (label, distribution name, module to ask when a frozen build carries no metadata)
LIBRARIES = (
    ("sqlcipher3", "sqlcipher3", "sqlcipher3"),
    ("cryptography", "cryptography", "cryptography"),
    ("reportlab", "reportlab", "reportlab"),
    ("keyring", "keyring", "keyring"),
    ("pyrage", "pyrage", "pyrage"),
    ("argon2-cffi", "argon2-cffi", "argon2"),
    ("sqlite-utils", "sqlite-utils", "sqlite_utils"),
    ("platformdirs", "platformdirs", "platformdirs"),
)


def distribution_version(dist: str, module: str = "") -> str:
    """The installed version of ``dist``; from the module's ``__version__`` (or reportlab's
    ``Version``) when there is no metadata; "unknown" when neither says."""
    try:
        return version(dist)
    except PackageNotFoundError:
        pass
    try:
        mod = import_module(module or dist)
    except ImportError:
        return "not installed"
    with warnings.catch_warnings():  # some modules warn that __version__ is deprecated
        warnings.simplefilter("ignore")
        try:
            found = getattr(mod, "__version__", None) or getattr(mod, "Version", None)
        except Exception:  # a module-level __getattr__ that looks for missing metadata
            found = None
    return str(found or "unknown")


def library_versions() -> dict[str, str]:
    """Label -> version, in the order shown: the app, Python, the operating system, the
    database engine, then the libraries. Opens no partnership."""
    engine = engine_versions()
    out = {
        APP_NAME: __version__,
        "Python": f"{platform.python_version()} ({platform.python_implementation()}, "
                  f"{'64' if sys.maxsize > 2**32 else '32'}-bit)",
        "Operating system": platform.platform(),
        "SQLCipher": engine["sqlcipher"],
        "SQLite": engine["sqlite"],
        "Crypto provider": engine["cipher_provider"] or "unknown",
    }
    for label, dist, module in LIBRARIES:
        out[label] = distribution_version(dist, module)
    return out


def details_text(versions: dict[str, str]) -> str:
    """The versions as plain text lines ("Label: version") for a support request."""
    width = max((len(k) for k in versions), default=0) + 1
    return "\n".join(f"{k + ':':<{width}} {v}" for k, v in versions.items())
