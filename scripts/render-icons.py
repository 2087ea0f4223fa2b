#!/usr/bin/env python3
"""Render the application icon set from its SVG sources.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/render-icons.py

Writes, into resources/icons/:
  panel-app-{16,24,32,48,64,128,256,512}.png  (16 from panel-app-small.svg,
                                               drawn on a pixel grid; the rest from
                                               panel-app.svg)
  panel-app.ico   Windows: 16-256 px; 32-bit BMP frames below 256, a PNG frame at 256
                  (what Windows' own icons do)
  panel-app.icns  macOS: PNG frames 16-1024 px (icp4, icp5, icp6, ic07-ic14)

The renders are committed, so builds never need this script; run it again after editing
an SVG and look at the PNGs. Rendering uses PySide6's QSvgRenderer (no other tools); the
ICO and ICNS containers are written here directly, so Pillow is not needed either.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
NAME = "panel-app"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
SMALL_SIZES = (16,)  # drawn from the simplified source
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types with PNG payloads and their pixel sizes (the @2x types repeat sizes).
ICNS_TYPES = (
    (b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256),
    (b"ic09", 512), (b"ic10", 1024), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256),
    (b"ic14", 512),
)


def render(svg: Path, size: int) -> QImage:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG file")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise SystemExit("could not encode a PNG")
    buffer.close()
    return bytes(data.data())


def bmp_frame(image: QImage) -> bytes:
    """A 32-bit DIB as ICO wants it: BITMAPINFOHEADER with double height, BGRA rows
    bottom-up, then the 1-bit AND mask (all zero: the alpha channel does the work)."""
    size = image.width()
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    rows = []
    for y in range(size - 1, -1, -1):
        line = bytearray()
        for x in range(size):
            argb = image.pixel(x, y)
            line += struct.pack("<I", argb)  # little-endian ARGB = bytes B, G, R, A
        rows.append(bytes(line))
    mask_row = ((size + 31) // 32) * 4
    return header + b"".join(rows) + bytes(mask_row * size)


def write_ico(images: dict[int, QImage], target: Path) -> None:
    frames = [(s, png_bytes(images[s]) if s >= 256 else bmp_frame(images[s]))
              for s in ICO_SIZES]
    out = bytearray(struct.pack("<HHH", 0, 1, len(frames)))
    offset = 6 + 16 * len(frames)
    for size, data in frames:
        side = 0 if size >= 256 else size  # 0 means 256
        out += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    for _size, data in frames:
        out += data
    target.write_bytes(bytes(out))


def write_icns(images: dict[int, QImage], target: Path) -> None:
    body = bytearray()
    for kind, size in ICNS_TYPES:
        data = png_bytes(images[size])
        body += kind + struct.pack(">I", 8 + len(data)) + data
    target.write_bytes(b"icns" + struct.pack(">I", 8 + len(body)) + bytes(body))


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    main_svg, small_svg = ICONS / f"{NAME}.svg", ICONS / f"{NAME}-small.svg"
    images: dict[int, QImage] = {}
    for size in (*PNG_SIZES, 1024):
        images[size] = render(small_svg if size in SMALL_SIZES else main_svg, size)
    for size in PNG_SIZES:
        target = ICONS / f"{NAME}-{size}.png"
        target.write_bytes(png_bytes(images[size]))
        print(f"wrote {target.relative_to(ICONS.parents[1])}")
    write_ico(images, ICONS / f"{NAME}.ico")
    write_icns(images, ICONS / f"{NAME}.icns")
    print(f"wrote resources/icons/{NAME}.ico and {NAME}.icns")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
