"""The versions the About window and support requests show, read without a partnership."""

from __future__ import annotations

import json
import sys

from panel_app import __version__
from panel_app.core.services.about import (
    details_text,
    distribution_version,
    library_versions,
)
from panel_app.core.storage.connection import engine_versions


def test_engine_versions_need_no_partnership() -> None:
    engine = engine_versions()
    assert engine["sqlcipher"].startswith("4.")
    assert engine["sqlite"].startswith("3.")
    assert engine["cipher_provider"]  # e.g. "OpenSSL 3.x"


def test_library_versions_in_order() -> None:
    versions = library_versions()
    labels = list(versions)
    assert labels[:6] == ["Partnership Panel", "Python", "Operating system", "SQLCipher",
                          "SQLite", "Crypto provider"]
    assert versions["Partnership Panel"] == __version__
    assert versions["Python"].startswith(".".join(map(str, sys.version_info[:3])))
    for name in ("sqlcipher3", "cryptography", "reportlab", "keyring"):
        assert versions[name][0].isdigit(), (name, versions[name])


def test_version_without_metadata_falls_back_to_the_module() -> None:
    assert distribution_version("no-such-distribution-xyz", "json") == json.__version__
    assert distribution_version("no-such-distribution-xyz", "no_such_module_xyz") == \
        "not installed"


def test_details_text_lines_up() -> None:
    text = details_text({"Python": "3.11.7", "SQLCipher": "4.6.1 community"})
    assert text == "Python:    3.11.7\nSQLCipher: 4.6.1 community"
