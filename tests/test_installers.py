"""What the installers are made from: the version, the icon set (PNG, ICO, ICNS), the Linux
desktop entry, AppStream metadata and file type (validated with the distribution's tools
when installed), the Linux tarball with its per-user install and uninstall (run for
real on a stand-in build), and the Windows and macOS definitions, which cannot run here
and are checked for the settings that matter."""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tomllib
import xml.etree.ElementTree as ET
from configparser import ConfigParser
from pathlib import Path

import pytest

from panel_app.core.bundles.format import SUFFIX

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"
DESKTOP_DIR = ROOT / "resources" / "desktop"
INSTALLERS = ROOT / "installers"
APP_ID = "org.partnershippanel.PanelApp"
MIME_TYPE = "application/x-panel-bundle"
# The Windows installer's upgrade identity: it must never change (see the .iss file).
WINDOWS_APP_ID = "{{2E471274-5646-4534-B4A3-F620D358C00E}"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def desktop_entry(path: Path) -> dict[str, str]:
    parser = ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def test_version_flag_is_the_pyproject_version() -> None:
    proc = subprocess.run([sys.executable, "-m", "panel_app.cli", "--version"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"panel-app {pyproject()['project']['version']}"


# -- icons ------------------------------------------------------------------------------------


def test_png_icons_have_their_sizes() -> None:
    for size in PNG_SIZES:
        data = (ICONS / f"panel-app-{size}.png").read_bytes()
        assert png_size(data) == (size, size)
    assert (ICONS / "panel-app.svg").read_text(encoding="utf-8").count("<text") == 0


def test_ico_holds_every_windows_size() -> None:
    data = (ICONS / "panel-app.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)
    sizes = []
    for i in range(count):
        w, h, _colours, _res, planes, bpp, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * i)
        side = w or 256
        assert (h or 256) == side and planes == 1 and bpp == 32
        payload = data[offset:offset + length]
        assert len(payload) == length
        if payload.startswith(b"\x89PNG"):
            assert png_size(payload) == (side, side)
        else:  # a 32-bit DIB: BITMAPINFOHEADER with the height doubled (image + mask)
            size, width, height, _planes, bits = struct.unpack_from("<IiiHH", payload)
            assert (size, width, height, bits) == (40, side, 2 * side, 32)
        sizes.append(side)
    assert sorted(sizes) == [16, 24, 32, 48, 64, 128, 256]


def test_icns_holds_every_macos_size() -> None:
    data = (ICONS / "panel-app.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    found: dict[str, int] = {}
    at = 8
    while at < len(data):
        kind = data[at:at + 4].decode("ascii")
        length = struct.unpack(">I", data[at + 4:at + 8])[0]
        width, height = png_size(data[at + 8:at + length])
        assert width == height
        found[kind] = width
        at += length
    assert at == len(data)
    assert found == {"icp4": 16, "icp5": 32, "icp6": 64, "ic07": 128, "ic08": 256,
                     "ic09": 512, "ic10": 1024, "ic11": 32, "ic12": 64, "ic13": 256,
                     "ic14": 512}


def test_pillow_reads_the_ico_and_icns_too() -> None:
    image_mod = pytest.importorskip("PIL.Image", reason="Pillow is not installed")
    with image_mod.open(ICONS / "panel-app.ico") as ico:
        assert {s[0] for s in ico.info["sizes"]} == {16, 24, 32, 48, 64, 128, 256}
    with image_mod.open(ICONS / "panel-app.icns") as icns:
        assert {s[0] * s[2] for s in icns.info["sizes"]} >= {16, 32, 64, 128, 256, 512, 1024}


# -- Linux desktop files -----------------------------------------------------------------------


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian: apt install "
                    f"{'appstream' if name == 'appstreamcli' else 'desktop-file-utils'}; "
                    "scripts/install-system-deps.sh installs it)")
    return path


def test_desktop_entry_validates() -> None:
    tool = _tool("desktop-file-validate")
    proc = subprocess.run([tool, str(DESKTOP_DIR / f"{APP_ID}.desktop")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0 and "error" not in proc.stdout, proc.stdout + proc.stderr


def test_appstream_metadata_validates() -> None:
    tool = _tool("appstreamcli")
    proc = subprocess.run([tool, "validate", "--no-net", "--no-color",
                           str(DESKTOP_DIR / f"{APP_ID}.metainfo.xml")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_desktop_files_agree_with_each_other_and_the_app() -> None:
    entry = desktop_entry(DESKTOP_DIR / f"{APP_ID}.desktop")
    assert entry["Icon"] == APP_ID
    assert entry["Exec"] == "panel-app-gui %f"  # install.sh writes the full path instead
    assert MIME_TYPE in entry["MimeType"].split(";")
    assert "panel-app-gui" in pyproject()["project"]["gui-scripts"]

    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    mime = ET.parse(DESKTOP_DIR / f"{APP_ID}-mime.xml").getroot()
    [mime_type] = mime.findall("m:mime-type", ns)
    assert mime_type.get("type") == MIME_TYPE
    assert [g.get("pattern") for g in mime_type.findall("m:glob", ns)] == [f"*{SUFFIX}"]

    meta = ET.parse(DESKTOP_DIR / f"{APP_ID}.metainfo.xml").getroot()
    assert meta.findtext("id") == APP_ID
    assert meta.findtext("launchable") == f"{APP_ID}.desktop"
    assert meta.findtext("project_license") == pyproject()["project"]["license"]
    assert meta.findtext("provides/mediatype") == MIME_TYPE
    newest = meta.find("releases/release")
    assert newest is not None
    # A new version in pyproject.toml needs its <release> entry too (newest first).
    assert newest.get("version") == pyproject()["project"]["version"]

    from panel_app.gui.app import DESKTOP_ID

    assert DESKTOP_ID == APP_ID


# -- the Linux tarball, built from a stand-in for the PyInstaller folder and installed -------


def _fake_build(folder: Path) -> Path:
    app = folder / "PartnershipPanel"
    (app / "_internal").mkdir(parents=True)
    (app / "_internal" / "base_library.zip").write_bytes(b"stand-in")
    for exe, text in (("PartnershipPanel", 'echo "window $*"'),
                      ("panel-app", 'echo "panel-app 9.9.9 $*"')):
        (app / exe).write_text(f"#!/bin/sh\n{text}\n", encoding="utf-8")
        (app / exe).chmod(0o755)
    return app


@pytest.mark.skipif(sys.platform != "linux", reason="the tarball is for Linux")
def test_tarball_installs_per_user_and_uninstalls(tmp_path: Path) -> None:
    app = _fake_build(tmp_path / "dist")
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env["PANEL_VERSION"] = "9.9.9"
    env["SOURCE_DATE_EPOCH"] = "1700000000"
    made = subprocess.run(["bash", str(INSTALLERS / "linux" / "make-tarball.sh"), str(app),
                           str(out)], capture_output=True, text=True, timeout=120, env=env,
                          check=False)
    assert made.returncode == 0, made.stderr
    arch = os.uname().machine
    tarball = out / f"PartnershipPanel-9.9.9-linux-{arch}.tar.gz"
    top = f"PartnershipPanel-9.9.9-linux-{arch}"
    with tarfile.open(tarball) as tar:
        names = set(tar.getnames())
        assert all(m.uid == 0 and m.gid == 0 and m.mtime == 1700000000
                   for m in tar.getmembers())
    (tmp_path / "unpacked").mkdir()
    subprocess.run(["tar", "xzf", str(tarball), "-C", str(tmp_path / "unpacked")], check=True,
                   timeout=120)  # as a user would
    for part in ("install.sh", "uninstall.sh", "LICENSE", "README.txt", "app/PartnershipPanel",
                 "app/panel-app", f"share/applications/{APP_ID}.desktop",
                 f"share/metainfo/{APP_ID}.metainfo.xml", f"share/mime/packages/{APP_ID}-mime.xml",
                 f"share/icons/hicolor/16x16/apps/{APP_ID}.png",
                 f"share/icons/hicolor/512x512/apps/{APP_ID}.png",
                 f"share/icons/hicolor/scalable/apps/{APP_ID}.svg"):
        assert f"{top}/{part}" in names, part

    home = tmp_path / "home with space"  # the menu entry must quote the path
    home.mkdir()
    env = {**env, "HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    installed = subprocess.run(["bash", str(tmp_path / "unpacked" / top / "install.sh")],
                               capture_output=True, text=True, timeout=120, env=env,
                               check=False)
    assert installed.returncode == 0, installed.stderr
    local = home / ".local"
    app_dir = local / "lib" / "partnership-panel"
    for name, target in (("panel-app-gui", "PartnershipPanel"), ("panel-app", "panel-app")):
        link = local / "bin" / name
        assert link.is_symlink() and Path(os.readlink(link)) == app_dir / target
    run = subprocess.run([str(local / "bin" / "panel-app"), "--version"], capture_output=True,
                         text=True, timeout=30, check=False)
    assert run.stdout.startswith("panel-app 9.9.9")
    desktop = local / "share" / "applications" / f"{APP_ID}.desktop"
    entry = desktop_entry(desktop)
    assert entry["Exec"] == f'"{app_dir}/PartnershipPanel" %f'
    assert entry["TryExec"] == f"{app_dir}/PartnershipPanel"
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True,
                               text=True, timeout=60, check=False)
        assert check.returncode == 0, check.stdout
    for part in (f"share/metainfo/{APP_ID}.metainfo.xml",
                 f"share/mime/packages/{APP_ID}-mime.xml",
                 f"share/icons/hicolor/48x48/apps/{APP_ID}.png",
                 "lib/partnership-panel/uninstall.sh"):
        assert (local / part).is_file(), part
    if shutil.which("update-mime-database"):
        globs = (local / "share" / "mime" / "globs2").read_text(encoding="utf-8")
        assert f"{MIME_TYPE}:*{SUFFIX}" in globs

    # Upgrading: installing again replaces the app, keeps one set of links.
    again = subprocess.run(["bash", str(tmp_path / "unpacked" / top / "install.sh")],
                           capture_output=True, text=True, timeout=120, env=env, check=False)
    assert again.returncode == 0, again.stderr

    data = local / "share" / "panel-app"  # the user's partnerships: never removed
    data.mkdir(parents=True)
    (data / "demo.panel").write_bytes(b"encrypted")
    removed = subprocess.run(["bash", str(app_dir / "uninstall.sh")], capture_output=True,
                             text=True, timeout=120, env=env, check=False)
    assert removed.returncode == 0, removed.stderr
    assert not app_dir.exists()
    assert not (local / "bin" / "panel-app").exists()
    assert not (local / "bin" / "panel-app-gui").is_symlink()
    assert not desktop.exists()
    assert not list((local / "share" / "icons").rglob(f"{APP_ID}.*"))
    assert not (local / "share" / "metainfo" / f"{APP_ID}.metainfo.xml").exists()
    assert (data / "demo.panel").read_bytes() == b"encrypted"
    assert str(data) in removed.stdout  # says where the data are


def test_tarball_refuses_a_folder_that_is_not_the_build(tmp_path: Path) -> None:
    proc = subprocess.run(["bash", str(INSTALLERS / "linux" / "make-tarball.sh"),
                           str(tmp_path), str(tmp_path / "out")], capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 1 and "PartnershipPanel" in proc.stderr


def test_shell_scripts_parse() -> None:
    for script in (INSTALLERS / "linux" / "make-tarball.sh", INSTALLERS / "linux" / "install.sh",
                   INSTALLERS / "linux" / "uninstall.sh",
                   INSTALLERS / "macos" / "sign-and-notarise.sh"):
        proc = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True,
                              timeout=30, check=False)
        assert proc.returncode == 0, f"{script.name}: {proc.stderr}"


# -- Windows and macOS: written here, run on those systems -------------------------------------


def test_windows_installer_definition() -> None:
    iss = (INSTALLERS / "windows" / "PartnershipPanel.iss").read_text(encoding="utf-8")
    setup = dict(re.findall(r"^(\w+)=(.*)$", iss, re.MULTILINE))
    assert setup["AppId"] == WINDOWS_APP_ID  # the upgrade identity never changes
    assert setup["PrivilegesRequired"] == "lowest"  # per user, no administrator
    assert "PrivilegesRequiredOverridesAllowed" not in setup
    assert setup["DefaultDirName"] == r"{autopf}\{#AppName}"
    assert setup["AppVersion"] == "{#AppVersion}" and "#error Define AppVersion" in iss
    assert setup["ChangesAssociations"] == "yes"
    assert setup["SetupIconFile"] == r"..\..\resources\icons\panel-app.ico"
    assert '#define AppExe "PartnershipPanel.exe"' in iss
    assert f'#define BundleExt "{SUFFIX}"' in iss
    registry = [line for line in iss.splitlines() if line.startswith("Root:")]
    assert registry and all(line.startswith('Root: HKCU; Subkey: "Software\\Classes\\')
                            for line in registry)
    assert r'ValueData: """{app}\{#AppExe}"" ""%1"""' in iss
    assert r'Name: "{autoprograms}\{#AppName}"' in iss
    assert 'Name: "desktopicon"' in iss and "Flags: unchecked" in iss

    ps1 = (INSTALLERS / "windows" / "build.ps1").read_text(encoding="utf-8")
    for needed in ("-m\", \"venv\"", "pyinstaller>=6.10,<7", "panel_app.spec", "tomllib",
                   "--self-test", "/DAppVersion=$Version", "PartnershipPanel.iss",
                   "$LASTEXITCODE", "signtool"):
        assert needed in ps1, needed


def test_macos_signing_files() -> None:
    script = (INSTALLERS / "macos" / "sign-and-notarise.sh").read_text(encoding="utf-8")
    for needed in ("codesign --force --deep --options runtime --timestamp",
                   '--entitlements "$entitlements"', "ditto -c -k --sequesterRsrc --keepParent",
                   "xcrun notarytool submit", "--wait", "xcrun stapler staple",
                   "spctl --assess --type execute"):
        assert needed in script, needed
    entitlements = plistlib.loads((INSTALLERS / "macos" / "entitlements.plist").read_bytes())
    assert entitlements == {"com.apple.security.cs.allow-unsigned-executable-memory": True}
    spec = (INSTALLERS / "pyinstaller" / "panel_app.spec").read_text(encoding="utf-8")
    assert 'bundle_identifier="org.partnershippanel.PanelApp"' in spec
