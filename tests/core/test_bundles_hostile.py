"""Bundles that must be refused: bit-flipped, truncated, re-signed by a stranger, for
someone else, replayed, out of order, too new, invalid inside, from a revoked card. Each
refusal is a plain sentence and leaves every table of the database exactly as it was."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from panel_app.core.bundles import format as fmt
from panel_app.core.errors import BundleError
from panel_app.core.services import FixedClock
from panel_app.core.storage.schema import LATEST
from tests.conftest import FIXED_NOW
from tests.core.bundle_helpers import Site, dump, introduce, make_site, reseal
from tests.core.util import assert_plain, case_values


@pytest.fixture
def trio(_template_db: Path, tmp_path: Path, no_keyring):
    panel = make_site(_template_db, tmp_path, "panel", no_keyring, FixedClock(FIXED_NOW),
                      panel=True)
    riv = make_site(_template_db, tmp_path, "riv", no_keyring, FixedClock(FIXED_NOW),
                    school="RIV")
    oak = make_site(_template_db, tmp_path, "oak", no_keyring, FixedClock(FIXED_NOW),
                    school="OAK")
    introduce(panel, riv, oak)
    ps = panel.session
    for n in range(3):
        case = ps.create_case(case_values(f"Pupil{n}", "Test", school="RIV", serial=n)).case
        ps.add_document(case.id, f"plan{n}.pdf", b"%PDF-1.4 " + bytes(range(200)))
    yield panel, riv, oak
    for s in (panel, riv, oak):
        s.session.lock()


@pytest.fixture
def bundle(trio, tmp_path) -> bytes:
    panel, _riv, _oak = trio
    path = tmp_path / "good.panelbundle"
    panel.b.export_bundle(["RIV"], path)
    return path.read_bytes()


def refused(site: Site, data: bytes | Path, match: str, **kw) -> str:
    before = dump(site.session)
    with pytest.raises(BundleError, match=match) as err:
        preview = site.b.open_bundle(data, **kw)
        site.b.apply(preview)
    assert dump(site.session) == before
    assert_plain(str(err.value))
    return str(err.value)


def test_the_good_bundle_imports(trio, bundle):
    _panel, riv, _oak = trio
    riv.b.apply(riv.b.open_bundle(bundle))
    assert riv.session.list_cases().total == 3


@pytest.mark.parametrize("where", [0, 30, 60, 200, -2000, -500, -17, -1])
def test_bit_flips_are_refused(trio, bundle, where):
    _panel, riv, _oak = trio
    data = bytearray(bundle)
    data[where] ^= 0x10
    refused(riv, bytes(data), r"damaged|not a Partnership Panel bundle|not encrypted for")


@pytest.mark.parametrize("keep", [0, 10, 21, 100, 250, 0.5, 0.99, -1])
def test_truncated_bundles_are_refused(trio, bundle, keep):
    _panel, riv, _oak = trio
    n = int(len(bundle) * keep) if isinstance(keep, float) else keep
    refused(riv, bundle[:n], r"damaged|not a Partnership Panel bundle")


def test_resigned_by_a_stranger_is_refused(trio, bundle, _template_db, tmp_path, no_keyring):
    panel, riv, _oak = trio
    stranger = make_site(_template_db, tmp_path, "stranger", no_keyring,
                         FixedClock(FIXED_NOW), school="RIV")
    try:
        # The panel's manifest, untouched, but signed by the stranger's key.
        forged = reseal(panel, bundle, [riv], signer=stranger)
        message = refused(riv, forged, "signature does not match")
        assert panel.b.identity().label in message
        # The stranger's own bundle, signed in its own name: unknown sender.
        stranger.b.import_card(riv.b.export_card(), riv.b.identity().fingerprint)
        stranger.session.create_case(case_values("Eve", "Il", school="RIV"))
        stranger.b.export_bundle(["RIV"], tmp_path / "s.panelbundle")
        refused(riv, tmp_path / "s.panelbundle", "not in your partnership directory")
    finally:
        stranger.session.lock()


def test_altered_records_with_the_old_signature_are_refused(trio, bundle):
    panel, riv, _oak = trio

    def edit(records):
        records[0]["changes"][0][2] = json.dumps("tampered")

    inner = fmt.decrypt(bundle, [panel.b._keys().age_identity])
    c = fmt.unpack(inner)
    records = json.loads(__import__("zlib").decompress(c.records))
    edit(records)
    raw, _size = fmt.compress_records(records)
    tampered = fmt.encrypt(fmt.pack(c.manifest_bytes, c.signature, raw, c.blobs),
                           [riv.b._keys().age_recipient])
    refused(riv, tampered, "damaged")
    # changing the manifest too (to match) breaks the signature instead
    refused(riv, reseal(panel, bundle, [riv], records_edit=edit,
                        signer=Site("x", riv.session)), "signature does not match")


def test_a_bundle_for_another_school_cannot_be_opened(trio, tmp_path):
    panel, riv, oak = trio
    path = tmp_path / "for-oak.panelbundle"
    panel.b.export_bundle(["OAK"], path)
    message = refused(riv, path, "not encrypted for this installation")
    assert "Ask the sender" in message
    own = tmp_path / "own.panelbundle"
    riv.b.export_bundle(["panel"], own)
    refused(riv, own, "made by this installation")


def test_same_bundle_twice_changes_nothing_and_says_so(trio, bundle):
    _panel, riv, _oak = trio
    riv.b.apply(riv.b.open_bundle(bundle))
    before = dump(riv.session)
    preview = riv.b.open_bundle(bundle)
    assert preview.status == "already_imported" and "already imported" in preview.message
    result = riv.b.apply(preview)
    assert not result.applied
    assert dump(riv.session) == before
    again = riv.b.open_bundle(bundle, reapply=True)
    assert again.status == "nothing_new" and again.plan.empty


def test_an_older_bundle_is_refused_as_a_replay(trio, tmp_path):
    panel, riv, _oak = trio
    panel.b.export_bundle(["RIV"], tmp_path / "one.panelbundle")
    panel.session.create_case(case_values("Later", "Case", school="RIV", serial=7))
    panel.b.export_bundle(["RIV"], tmp_path / "two.panelbundle")
    riv.b.apply(riv.b.open_bundle(tmp_path / "two.panelbundle"))
    message = refused(riv, tmp_path / "one.panelbundle", "replay")
    assert "number 1" in message and "number 2" in message
    preview = riv.b.open_bundle(tmp_path / "one.panelbundle", reapply=True)
    assert preview.plan.field_changes == [] and preview.plan.new_records == []


def test_a_gap_names_the_bundle_to_ask_for(trio, tmp_path):
    panel, riv, _oak = trio
    panel.b.export_bundle(["RIV"], tmp_path / "one.panelbundle")
    panel.session.create_case(case_values("Later", "Case", school="RIV", serial=7))
    panel.b.export_bundle(["RIV"], tmp_path / "two.panelbundle", since_last=True)
    message = refused(riv, tmp_path / "two.panelbundle", "builds on bundle number 1")
    assert panel.b.identity().label in message
    riv.b.apply(riv.b.open_bundle(tmp_path / "one.panelbundle"))
    riv.b.apply(riv.b.open_bundle(tmp_path / "two.panelbundle"))
    assert riv.session.list_cases().total == 4


def test_too_new_schema_or_format_is_refused_naming_the_version(trio, bundle):
    panel, riv, _oak = trio

    def newer(m):
        m["schema_version"] = LATEST + 1

    message = refused(riv, reseal(panel, bundle, [riv], manifest_edit=newer),
                      f"schema version {LATEST + 1}")
    assert "Install" in message

    def format_bump(inner: bytes) -> bytes:
        return fmt.MAGIC + (fmt.FORMAT_VERSION + 1).to_bytes(2, "big") + inner[10:]

    refused(riv, reseal(panel, bundle, [riv], inner_edit=format_bump),
            f"bundle format {fmt.FORMAT_VERSION + 1}")


@pytest.mark.parametrize("field,value,match", [
    ("risk", "purple", "not valid"),
    ("dob", "31/02/2012", "not valid"),
    ("no_such_field", "x", "does not know"),
    ("suspensions", "many", "wrong type"),
])
def test_an_invalid_record_inside_is_refused(trio, bundle, field, value, match):
    panel, riv, _oak = trio

    def edit(records):
        kind = "pupil" if field == "dob" else "case"
        rec = next(r for r in records if r["entity"] == kind)
        rec["changes"].append([rec["changes"][0][0][:-4] + "beef", field, json.dumps(value),
                               rec["changes"][0][3], rec["changes"][-1][4], "ab" * 16])

    refused(riv, reseal(panel, bundle, [riv], records_edit=edit), match)


def test_an_unknown_kind_of_record_is_refused(trio, bundle):
    panel, riv, _oak = trio

    def edit(records):
        records.append({"entity": "spaceship", "id": "a" * 32, "row": None, "blobs": {},
                        "changes": []})

    refused(riv, reseal(panel, bundle, [riv], records_edit=edit), "does not know")


def test_a_clock_far_ahead_is_refused(trio, bundle):
    panel, riv, _oak = trio
    ahead = int((FIXED_NOW + timedelta(days=30)).timestamp() * 1000)

    def edit(records):
        records[0]["changes"][0][4] = f"{ahead:015d}.00000000"

    refused(riv, reseal(panel, bundle, [riv], records_edit=edit), "clocks")


def test_another_partnership_is_refused(trio, bundle):
    panel, riv, _oak = trio

    def other(m):
        m["partnership"] = {"id": "f" * 32, "name": "Elsewhere PMG"}

    refused(riv, reseal(panel, bundle, [riv], manifest_edit=other), "another partnership")


def test_a_revoked_sender_is_refused(trio, bundle):
    panel, riv, _oak = trio
    riv.b.revoke(panel.b.identity().fingerprint)
    refused(riv, bundle, "revoked")


def test_not_a_bundle_at_all(trio, tmp_path):
    _panel, riv, _oak = trio
    refused(riv, b"hello, this is a letter", "not a Partnership Panel bundle")
    refused(riv, tmp_path / "missing.panelbundle", "Cannot read")


def test_tampered_cards_are_refused(trio):
    panel, riv, _oak = trio
    card = json.loads(panel.b.export_card())
    card["card"]["label"] = "Someone Else"
    before = dump(riv.session)
    with pytest.raises(BundleError, match="altered") as err:
        riv.b.check_card(json.dumps(card).encode())
    assert_plain(str(err.value))
    for junk in (b"", b"{", b"[]", b'{"format": "partnership-panel-card"}', b"\xff" * 10):
        with pytest.raises(BundleError):
            riv.b.check_card(junk)
    assert dump(riv.session) == before
