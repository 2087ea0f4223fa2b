"""Fuzzing the bundle parsers with hypothesis: whatever the bytes or the JSON, the only
exception is the typed BundleError (never a KeyError, a ValueError, a crash...)."""

from __future__ import annotations

import copy
import hashlib
import json
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from panel_app.core.bundles import format as fmt
from panel_app.core.bundles.identity import MANIFEST_CONTEXT, decode_card, sign
from panel_app.core.errors import BundleError
from panel_app.core.services import FixedClock
from tests.conftest import FIXED_NOW
from tests.core.bundle_helpers import introduce, make_site
from tests.core.util import case_values

FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=5),
    max_leaves=20,
)


def _only_bundle_errors(fn, *args):
    try:
        return fn(*args)
    except BundleError as exc:
        assert str(exc).strip()
        return None


@pytest.fixture(scope="module")
def sample(tmp_path_factory, _template_db):
    """A real bundle's inner container (manifest, signature, records, documents)."""
    from keyring.backends import fail

    from panel_app.core.secrets.keyring_store import KeyringStore

    folder = tmp_path_factory.mktemp("fuzz")
    keyring = KeyringStore(fail.Keyring())
    panel = make_site(_template_db, folder, "panel", keyring, FixedClock(FIXED_NOW), panel=True)
    riv = make_site(_template_db, folder, "riv", keyring, FixedClock(FIXED_NOW), school="RIV")
    try:
        introduce(panel, riv)
        case = panel.session.create_case(case_values("Ann", "Lee", school="RIV")).case
        panel.session.add_note(case.id, "a note")
        panel.session.add_document(case.id, "plan.pdf", b"%PDF-1.4 plan")
        path = folder / "b.panelbundle"
        panel.b.export_bundle(["RIV"], path)
        inner = fmt.decrypt(path.read_bytes(), [riv.b._keys().age_identity])
        card = riv.b.export_card()
        sign_key = panel.b._keys().sign_private
    finally:
        panel.session.lock()
        riv.session.lock()
    return inner, card, sign_key


def _chain(inner: bytes) -> list[fmt.Record]:
    container = fmt.unpack(inner)
    manifest = fmt.parse_manifest(container.manifest_bytes)
    return fmt.parse_records(container, manifest)


def test_the_sample_parses(sample):
    inner, card, _key = sample
    records = _chain(inner)
    assert {r.entity for r in records} >= {"case", "pupil", "case_note", "document"}
    assert decode_card(card).seat == "school"


@FAST
@given(st.binary(max_size=400))
def test_random_bytes(data):
    _only_bundle_errors(fmt.unpack, data)
    _only_bundle_errors(fmt.unpack, fmt.MAGIC + data)
    _only_bundle_errors(fmt.parse_manifest, data)
    _only_bundle_errors(fmt.manifest_sender_id, data)
    _only_bundle_errors(fmt.decrypt, data, [])
    _only_bundle_errors(decode_card, data)


@FAST
@given(st.data())
def test_mutated_containers(sample, data):
    inner = bytearray(sample[0])
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        pos = data.draw(st.integers(0, len(inner) - 1))
        if kind == "flip":
            inner[pos] ^= 1 << data.draw(st.integers(0, 7))
        elif kind == "cut":
            del inner[pos:]
        elif kind == "insert":
            inner[pos:pos] = data.draw(st.binary(min_size=1, max_size=8))
        else:
            del inner[pos:pos + data.draw(st.integers(1, 8))]
        if not inner:
            break
    _only_bundle_errors(_chain, bytes(inner))


@FAST
@given(st.data())
def test_mutated_manifests(sample, data):
    container = fmt.unpack(sample[0])
    manifest = json.loads(container.manifest_bytes)
    target = manifest
    path = data.draw(st.lists(st.sampled_from(sorted(_keys(manifest))), min_size=1,
                              max_size=1))
    key = path[0]
    target = _find(manifest, key)
    if data.draw(st.booleans()):
        target[key] = data.draw(json_values)
    else:
        del target[key]
    raw = json.dumps(manifest).encode()
    _only_bundle_errors(fmt.parse_manifest, raw)
    inner = fmt.pack(raw, container.signature, container.records, container.blobs)
    _only_bundle_errors(_chain, inner)


@FAST
@given(json_values)
def test_arbitrary_json_manifests(value):
    _only_bundle_errors(fmt.parse_manifest, json.dumps(value).encode())


@FAST
@given(st.data())
def test_mutated_records(sample, data):
    container = fmt.unpack(sample[0])
    manifest = json.loads(container.manifest_bytes)
    records = json.loads(zlib.decompress(container.records))
    mutated = copy.deepcopy(records)
    for _ in range(data.draw(st.integers(1, 3))):
        dicts = [r for r in mutated if isinstance(r, dict) and _keys(r)]
        if not dicts:
            break
        record = data.draw(st.sampled_from(dicts))
        key = data.draw(st.sampled_from(sorted(_keys(record))))
        holder = _find(record, key)
        choice = data.draw(st.integers(0, 2))
        if choice == 0:
            holder[key] = data.draw(json_values)
        elif choice == 1 and isinstance(holder, dict):
            del holder[key]
        else:
            mutated.append(data.draw(json_values))
    if data.draw(st.booleans()):
        mutated = data.draw(json_values)
    raw, size = fmt.compress_records(mutated)
    manifest["records_size"] = size
    manifest["hashes"]["records_sha256"] = hashlib.sha256(raw).hexdigest()
    mraw = json.dumps(manifest).encode()
    inner = fmt.pack(mraw, sign(sample[2], MANIFEST_CONTEXT, mraw), raw, container.blobs)
    _only_bundle_errors(_chain, inner)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.data())
def test_import_of_signed_but_odd_records(_template_db, tmp_path_factory, data):
    """Past the parser: records signed by a trusted partner but holding odd values go
    through validation, the merge and the transaction, and still meet only BundleError."""
    inner, _card, _key = _get_site_bundle(_template_db, tmp_path_factory)
    panel, riv, sign_key = _SITES["sites"]
    container = fmt.unpack(inner)
    manifest = json.loads(container.manifest_bytes)
    records = json.loads(zlib.decompress(container.records))
    record = data.draw(st.sampled_from(records))
    if record["changes"] and data.draw(st.booleans()):
        change = data.draw(st.sampled_from(record["changes"]))
        change[2] = json.dumps(data.draw(json_values))
    elif record["row"]:
        key = data.draw(st.sampled_from(sorted(record["row"])))
        record["row"][key] = data.draw(json_values)
    raw, size = fmt.compress_records(records)
    manifest["records_size"] = size
    manifest["hashes"]["records_sha256"] = hashlib.sha256(raw).hexdigest()
    mraw = json.dumps(manifest).encode()
    bundle = fmt.encrypt(fmt.pack(mraw, sign(sign_key, MANIFEST_CONTEXT, mraw), raw,
                                  container.blobs), [riv.b._keys().age_recipient])
    try:
        riv.b.apply(riv.b.open_bundle(bundle, reapply=True))
    except BundleError:
        pass


_SITES: dict[str, object] = {}


def _get_site_bundle(template: Path, factory) -> tuple[bytes, bytes, bytes]:
    """Sites built once for the whole hypothesis run (closed at module teardown)."""
    if "inner" not in _SITES:
        from keyring.backends import fail

        from panel_app.core.secrets.keyring_store import KeyringStore

        folder = factory.mktemp("fuzz-import")
        keyring = KeyringStore(fail.Keyring())
        panel = make_site(template, folder, "panel", keyring, FixedClock(FIXED_NOW),
                          panel=True)
        riv = make_site(template, folder, "riv", keyring, FixedClock(FIXED_NOW),
                        school="RIV")
        introduce(panel, riv)
        case = panel.session.create_case(case_values("Ann", "Lee", school="RIV")).case
        panel.session.add_note(case.id, "a note")
        path = folder / "b.panelbundle"
        panel.b.export_bundle(["RIV"], path)
        _SITES["inner"] = fmt.decrypt(path.read_bytes(), [panel.b._keys().age_identity])
        _SITES["sites"] = (panel, riv, panel.b._keys().sign_private)
    return _SITES["inner"], b"", b""  # type: ignore[return-value]


@pytest.fixture(scope="module", autouse=True)
def _close_sites():
    yield
    sites = _SITES.pop("sites", None)
    _SITES.clear()
    if sites:
        for site in sites[:2]:
            site.session.lock()  # type: ignore[attr-defined]


def _keys(obj) -> set[str]:
    """Every dict key anywhere in obj (to pick something to break)."""
    found: set[str] = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            found.add(k)
            found |= _keys(v)
    elif isinstance(obj, list):
        for v in obj:
            found |= _keys(v)
    return found


def _find(obj, key):
    """The dict (first found) that holds ``key``."""
    if isinstance(obj, dict):
        if key in obj:
            return obj
        for v in obj.values():
            hit = _find(v, key)
            if hit is not None:
                return hit
    elif isinstance(obj, list):
        for v in obj:
            hit = _find(v, key)
            if hit is not None:
                return hit
    return None
