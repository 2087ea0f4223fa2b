"""Replaces PyInstaller's own hook for PySide6.QtGui (hooks in the spec's ``hookspath``
take precedence): the same Qt libraries and plugins, less the plugins this app never uses
and that would pull in large Qt modules or system libraries through PyInstaller's
dependency analysis of every collected binary (which is why they are left out here, in
the hook, rather than filtered out of the TOC afterwards).

Kept on Linux: platforms offscreen (self-test, CI), xcb (X11, XWayland) and wayland with
its plugins; input contexts compose (dead keys) and ibus; the xdg-desktop-portal theme
(dark mode, file dialogs); image formats gif, ico, icns, jpeg, svg (and PNG built into
QtGui); the SVG icon engine; xcb GL integrations. Windows and macOS keep their own
platform plugins (qwindows, qcocoa), which are not named below.
"""

import os

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

LEFT_OUT = {
    # platforms for embedded devices and debugging (no desktop uses them)
    "eglfs", "linuxfb", "minimal", "minimalegl", "vnc", "vkkhrdisplay", "direct2d",
    # the virtual keyboard input context links QtQuick and QtQml (~30 MB)
    "qtvirtualkeyboardplugin",
    # GTK 3 theme: would copy the build machine's GTK into the app when it is installed
    "qgtk3",
    # image formats nothing in the app reads; qpdf links QtPdf (PDFium)
    "qpdf", "qtiff", "qwebp", "qtga", "qwbmp",
    # evdev/tuio input (only for eglfs/linuxfb) and the eglfs device integrations
    "qevdevkeyboardplugin", "qevdevmouseplugin", "qevdevtabletplugin", "qevdevtouchplugin",
    "qtuiotouchplugin", "qeglfs-emu-integration", "qeglfs-kms-egldevice-integration",
    "qeglfs-kms-integration", "qeglfs-x11-integration",
}


def _left_out(path):
    """libqpdf.so, qpdf.dll, libqtvirtualkeyboardplugin.so -> in LEFT_OUT?"""
    name = os.path.basename(path).split(".")[0]
    names = {name, name.removeprefix("lib"), name.removeprefix("lib").removeprefix("q")}
    names.add(name.removeprefix("q"))
    return bool(names & LEFT_OUT)


hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [(src, dst) for src, dst in binaries if not _left_out(src)]
