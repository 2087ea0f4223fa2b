"""Private temporary copies of documents (no Qt needed, but they live with the GUI)."""

from __future__ import annotations

import stat
from pathlib import Path

from panel_app.gui.tempdocs import TempDocuments, safe_name


def test_safe_names() -> None:
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name(r"..\..\Windows\evil.bat") == "_.._Windows_evil.bat"
    assert safe_name("Plan (v2) – Zoë.pdf") == "Plan (v2) _ Zoë.pdf"
    assert safe_name("...") == "document"


def test_copies_are_private_and_cleared_per_owner(tmp_path: Path) -> None:
    docs = TempDocuments(base=tmp_path)
    a = docs.write("form-a", "a.txt", b"A")
    b = docs.write("form-b", "a.txt", b"B")  # same name, separate folders
    assert a != b and a.read_bytes() == b"A" and b.read_bytes() == b"B"
    assert stat.S_IMODE(docs.root.stat().st_mode) == 0o700
    assert stat.S_IMODE(a.stat().st_mode) == 0o600
    docs.clear("form-a")
    assert not a.exists() and b.exists()
    assert docs.files() == [b]
    docs.clear()
    assert not b.exists() and docs.root is None
    assert list(tmp_path.iterdir()) == []
