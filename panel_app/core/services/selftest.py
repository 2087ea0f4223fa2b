"""``panel-app --self-test``: does this installation work? (issue 9)

Each check is a named function that does one real thing the app does (create an
encrypted partnership, write and read cases, check a ladder, render a minutes PDF,
exchange a bundle between two installations, find the keyring) and returns a short
detail, or raises to say what went wrong. The runner prints ``PASS  name: detail`` or
``FAIL  name: reason`` per check, carries on after a failure, and ends with a total.

It never touches the user's data or keys: everything lives in a temporary folder that is
deleted afterwards, the temporary partnerships are opened with a passphrase and a
keyring that stores nothing, and the OS keyring is only looked at, never written to.
The data are invented. Frozen builds (PyInstaller) run the same checks; missing native
modules, resources or package metadata show up here as a FAIL naming the check.

Qt is checked by ``panel_app.gui.selftest_qt``, which the CLI adds when PySide6 is
installed: this module stays free of Qt.
"""

from __future__ import annotations

import importlib
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from panel_app import __version__
from panel_app.core.domain.upn import make_upn
from panel_app.core.errors import PanelError
from panel_app.core.resources import resource_path
from panel_app.core.secrets.keyfile import KdfParams
from panel_app.core.secrets.keyring_store import KeyringStore, refusal_reason
from panel_app.core.services.clock import FixedClock
from panel_app.core.services.session import PartnershipSession, create_partnership, unlock

# A fixed, ordinary school day (a Sunday in term, as in the tests), so the ladder and the
# meeting do not depend on today's date or on the holidays.
SELFTEST_NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
PASSPHRASE = "self-test passphrase (invented data)"
# Argon2id with a small cost: the same native code as the default, in a fraction of the time.
SELFTEST_KDF = KdfParams(time_cost=1, memory_cost=8192, parallelism=1)
PUPIL = ("Selma", "Testcase")  # invented; looked for in the raw files to prove encryption

# The keyring backend module each OS should be able to use (only imported, never called).
NATIVE_KEYRING = {
    "win32": "keyring.backends.Windows",
    "darwin": "keyring.backends.macOS",
    "linux": "keyring.backends.SecretService",
}


class SelfTestError(PanelError):
    """A check found something wrong (its text is the reason printed)."""


@dataclass
class SelfTestContext:
    """What the checks share: a temporary folder, a fixed clock, and the partnership the
    first check creates (later checks use it)."""

    folder: Path
    clock: FixedClock = field(default_factory=lambda: FixedClock(SELFTEST_NOW))
    # Stores nothing: the temporary partnerships use the passphrase path only.
    store: KeyringStore = field(default_factory=lambda: KeyringStore(_null_backend()))
    # The real keyring lookup (read-only); tests inject a broken one.
    keyring_backend: Callable[[], Any] | None = None
    sessions: dict[str, PartnershipSession] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)

    def session(self, name: str = "first") -> PartnershipSession:
        found = self.sessions.get(name)
        if found is None:
            raise SelfTestError(
                "not run: it needs the partnership that the 'encrypted partnership' check "
                "creates, and that check failed")
        return found

    def close(self) -> None:
        for s in self.sessions.values():
            try:
                s.lock()
            except Exception:  # cleaning up after a failed check: keep going
                pass
        self.sessions.clear()


def _null_backend() -> Any:
    from keyring.backends import fail

    return fail.Keyring()  # type: ignore[no-untyped-call]


Run = Callable[[SelfTestContext], str]


@dataclass(frozen=True)
class Check:
    name: str
    run: Run


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    seconds: float

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  {self.name}: {self.detail}"


@dataclass(frozen=True)
class SelfTestResult:
    results: list[CheckResult]
    seconds: float

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if not r.ok]

    def summary(self) -> str:
        passed = len(self.results) - len(self.failed)
        text = f"{passed} passed, {len(self.failed)} failed in {self.seconds:.1f} s"
        if self.failed:
            text += " (failed: " + ", ".join(r.name for r in self.failed) + ")"
        return text


# -- the checks ----------------------------------------------------------------------------


def check_installation(ctx: SelfTestContext) -> str:
    """The version, and the files shipped with the app (fonts, ladder presets)."""
    from panel_app.core.services.ladders import load_preset, preset_names

    fonts = [resource_path("fonts", f"DejaVuSans{s}.ttf")
             for s in ("", "-Bold", "-Oblique", "-BoldOblique")]
    missing = [f.name for f in fonts if not f.is_file()]
    if missing:
        raise SelfTestError(f"fonts missing from the installation: {', '.join(missing)}")
    presets = preset_names()
    if not presets:
        raise SelfTestError("no ladder presets found in the installation")
    for name in presets:
        load_preset(name)
    frozen = " (frozen build)" if getattr(sys, "frozen", False) else ""
    return (f"panel-app {__version__}{frozen}, Python {platform.python_version()} on "
            f"{platform.system()} {platform.machine()}; {len(fonts)} fonts, "
            f"{len(presets)} ladder presets")


def check_partnership(ctx: SelfTestContext) -> str:
    """Create an encrypted partnership, lock it, open it again with the passphrase."""
    path = ctx.folder / "first" / "selftest.panel"
    path.parent.mkdir()
    created = create_partnership(path, "Self-test Partnership", PASSPHRASE, keyring=ctx.store,
                                 kdf=SELFTEST_KDF, clock=ctx.clock, user_name="Self-test")
    created.session.lock()
    if path.read_bytes()[:16] == b"SQLite format 3\x00":
        raise SelfTestError("the database file is not encrypted (it starts with a plain "
                            "SQLite header)")
    session = unlock(path, passphrase=PASSPHRASE, keyring=ctx.store, clock=ctx.clock)
    ctx.sessions["first"] = session
    cipher = session.db.conn.execute("PRAGMA cipher_version").fetchone()
    version = cipher[0] if cipher else "unknown"
    return f"SQLCipher {version}; created, locked and opened again with the passphrase"


def check_cases(ctx: SelfTestContext) -> str:
    """Write a school, a case, a note and a document; read them back; search; and look
    for the pupil's name in the raw files (it must not be there)."""
    from panel_app.core.domain.models import CaseFilter

    s = ctx.session()
    s.add_school("Selftest Academy", urn="100001", roll=900, fsm_count=120, short_code="STA")
    first, last = PUPIL
    saved = s.create_case({
        "first_name": first, "last_name": last, "dob": "01/12/2012",
        "upn": make_upn(823, 4100, 2014, 1), "year_group": "Y8",
        "home_school_id": "STA",
    })
    case_id = saved.case.id
    s.update_case(case_id, {"risk": "amber"})
    s.add_note(case_id, "Self-test note.")
    content = b"%PDF-1.4 invented self-test document"
    s.add_document(case_id, "plan.pdf", content)
    back = s.get_case(case_id)
    if (back.first_name, back.last_name, back.risk) != (first, last, "amber"):
        raise SelfTestError("the case read back differs from the one written")
    if [n.text for n in back.notes] != ["Self-test note."]:
        raise SelfTestError("the note read back differs from the one written")
    if s.document(back.documents[0].id)[1] != content:
        raise SelfTestError("the document read back differs from the one stored")
    found = s.list_cases(CaseFilter(text=last[:5]))
    if [r.id for r in found.rows] != [case_id]:
        raise SelfTestError("searching the case list did not find the case")
    ctx.values["case"] = case_id
    ctx.values["case_ref"] = back.case_ref
    s.db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    for f in sorted(s.path.parent.iterdir()):
        if last.encode() in f.read_bytes():
            raise SelfTestError(f"the pupil's name is readable in {f.name}: not encrypted")
    return f"case {back.case_ref} with a note and a document written, read back and found"


def check_ladder(ctx: SelfTestContext) -> str:
    """Load a preset ladder, record evidence, check the case for a managed move."""
    s = ctx.session()
    case = ctx.values.get("case")
    if case is None:
        raise SelfTestError("not run: it needs the case that the 'cases' check writes")
    s.ladders.load_preset("lincolnshire")
    s.ladders.add_evidence(case, step="psp", kind="psp", started_on=date(2026, 9, 7),
                           attachments=[("psp.pdf", b"%PDF-1.4 invented plan")])
    result, _changes = s.ladders.record_check(case, "managed-move")
    statuses = [st.status for st in result.steps]
    if not statuses or statuses[0] != "met":
        raise SelfTestError(f"the first step should be met by its evidence; got {statuses}")
    if result.allowed:
        raise SelfTestError("the check let a managed move through with steps missing")
    return (f"{result.ladder_name}: {result.verdict.replace('_', ' ')} for a managed move "
            f"(steps: {', '.join(statuses)}); recorded")


def check_minutes(ctx: SelfTestContext) -> str:
    """A meeting with the case on its agenda, a decision, and its A4 minutes PDF."""
    s = ctx.session()
    ref = ctx.values.get("case_ref")
    if ref is None:
        raise SelfTestError("not run: it needs the case that the 'cases' check writes")
    s.add_person("Sam Chair", role="vice principal", school_id="STA")
    s.add_person("Cleo Clerk", role="clerk")
    m = s.meetings
    m.refer_case(ref, category="managed move", on="04/11/2026")
    mid = m.add_meeting("17/11/2026", time="09:30", end_time="11:00", venue="STA",
                        chair="Sam Chair", clerk="Cleo Clerk").id
    m.build_agenda(mid)
    m.record_attendance(mid, present=["Sam Chair", "Cleo Clerk"])
    item = next((i.position for i in m.agenda(mid) if i.case_ref == ref), None)
    if item is None:
        raise SelfTestError("the referred case is not on the meeting's agenda")
    m.decide(mid, item, "more_evidence", rationale="Invented self-test decision.")
    out = ctx.folder / "minutes.pdf"
    m.write_minutes(mid, out)
    data = out.read_bytes()
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-64:]:
        raise SelfTestError("the minutes file is not a complete PDF")
    if b"DejaVu" not in data:
        raise SelfTestError("the minutes PDF does not embed the app's font")
    circulation = m.render_minutes(mid, circulation=True)
    if not circulation.startswith(b"%PDF-"):
        raise SelfTestError("the circulation copy is not a PDF")
    return f"members' copy {len(data) // 1024} KB and circulation copy rendered"


def check_bundle(ctx: SelfTestContext) -> str:
    """A second, empty installation joins the partnership: cards both ways, then a
    bundle (age-encrypted, Ed25519-signed) from the first, previewed and applied."""
    first = ctx.session()
    case = ctx.values.get("case")
    if case is None:
        raise SelfTestError("not run: it needs the case that the 'cases' check writes")
    path = ctx.folder / "second" / "selftest.panel"
    path.parent.mkdir()
    created = create_partnership(path, "Second installation", PASSPHRASE, keyring=ctx.store,
                                 kdf=SELFTEST_KDF, clock=ctx.clock, user_name="Self-test 2")
    second = created.session
    ctx.sessions["second"] = second
    first.bundles.set_own_school(None, panel=True)
    card = first.bundles.export_card()
    second.bundles.import_card(card, second.bundles.check_card(card).fingerprint)
    card2 = second.bundles.export_card()
    first.bundles.import_card(card2, first.bundles.check_card(card2, school="STA").fingerprint,
                              school="STA")
    bundle = ctx.folder / "to-second.panelbundle"
    exported = first.bundles.export_bundle([second.bundles.identity().fingerprint], bundle)
    if PUPIL[1].encode() in bundle.read_bytes():
        raise SelfTestError("the pupil's name is readable in the bundle file: not encrypted")
    preview = second.bundles.open_bundle(bundle)
    if preview.status != "ready":
        raise SelfTestError(f"the second installation refused the bundle ({preview.status})")
    second.bundles.apply(preview)
    sent, got = first.get_case(case), second.get_case(case)
    same = (got.last_name == sent.last_name
            and sorted(d.sha256 for d in got.documents) == sorted(d.sha256 for d in sent.documents)
            and [n.text for n in got.notes] == [n.text for n in sent.notes])
    if not same:
        raise SelfTestError("the case did not arrive whole in the second installation")
    doc = got.documents[0]
    if second.document(doc.id)[1] != first.document(doc.id)[1]:
        raise SelfTestError("a document's content changed on its way through the bundle")
    return (f"bundle of {exported.size // 1024} KB exported, verified and imported by a "
            f"second installation")


def check_keyring(ctx: SelfTestContext) -> str:
    """Which keyring backend the app would use (looked at, never written to)."""
    points = metadata.entry_points(group="keyring.backends")
    if not points:
        raise SelfTestError("keyring's list of backends (package metadata) is missing, so "
                            "the OS keyring could never be used")
    native = NATIVE_KEYRING.get(sys.platform)
    if native is not None:
        try:
            importlib.import_module(native)
        except Exception as exc:
            raise SelfTestError(f"the keyring backend for this OS ({native}) cannot be "
                                f"loaded: {type(exc).__name__}: {exc}") from exc
    if ctx.keyring_backend is None:
        import keyring

        backend = keyring.get_keyring()
    else:
        backend = ctx.keyring_backend()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    reason = refusal_reason(backend)
    if reason is None:
        return f"{name}: the app would keep the key in it"
    return f"{name}: no usable keyring ({reason}); the app would ask for the passphrase"


DEFAULT_CHECKS: tuple[Check, ...] = (
    Check("installation", check_installation),
    Check("encrypted partnership", check_partnership),
    Check("cases", check_cases),
    Check("ladder check", check_ladder),
    Check("minutes PDF", check_minutes),
    Check("bundle exchange", check_bundle),
    Check("keyring", check_keyring),
)


# -- the runner ----------------------------------------------------------------------------


def _reason(exc: BaseException) -> str:
    """One line: our own errors as they are, anything else with its type and place."""
    if isinstance(exc, PanelError):
        text = str(exc)
    else:
        frames = traceback.extract_tb(exc.__traceback__)
        where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
        text = f"{type(exc).__name__}: {exc}{where}"
    return " ".join(text.split()) or type(exc).__name__


def run_self_test(
    checks: Iterable[Check] = DEFAULT_CHECKS,
    *,
    write: Callable[[str], None] = print,
    folder: Path | None = None,
    keyring_backend: Callable[[], Any] | None = None,
) -> SelfTestResult:
    """Run ``checks`` in order in a temporary folder (inside ``folder`` if given), writing
    one line per check and a total; a failing check does not stop the others."""
    started = time.perf_counter()
    results: list[CheckResult] = []
    tmp = Path(tempfile.mkdtemp(prefix="panel-app-selftest-", dir=folder))
    ctx = SelfTestContext(tmp, keyring_backend=keyring_backend)
    try:
        for check in checks:
            t0 = time.perf_counter()
            try:
                detail = check.run(ctx)
                result = CheckResult(check.name, True, detail, time.perf_counter() - t0)
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # SystemExit from a library is a failure too
                result = CheckResult(check.name, False, _reason(exc), time.perf_counter() - t0)
            results.append(result)
            write(result.line())
    finally:
        ctx.close()
        shutil.rmtree(tmp, ignore_errors=True)
    outcome = SelfTestResult(results, time.perf_counter() - started)
    write(("OK    " if outcome.ok else "FAILED ") + "self-test: " + outcome.summary())
    return outcome


def check_names(checks: Sequence[Check] = DEFAULT_CHECKS) -> list[str]:
    return [c.name for c in checks]
