"""Replaces PyInstaller's own hook for PySide6.QtNetwork (hooks in the spec's ``hookspath``
take precedence). The app uses QtNetwork only for QLocalServer/QLocalSocket (one running
copy per user, gui/single_instance.py): a local socket or named pipe, no network. So it
collects the module and its Qt library but not its plugins (the TLS backends and the
network-information backends, which link GLib and NetworkManager support), nor the OpenSSL
libraries PyInstaller's own hook looks for on behalf of the TLS backend.
"""

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

LEFT_OUT_PLUGIN_TYPES = {"tls", "networkinformation", "bearer"}


def _left_out(dest):
    """A plugin destination folder such as PySide6/Qt/plugins/tls?"""
    parts = dest.replace("\\", "/").split("/")
    return "plugins" in parts and bool(set(parts) & LEFT_OUT_PLUGIN_TYPES)


hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [(src, dst) for src, dst in binaries if not _left_out(dst)]
datas = [(src, dst) for src, dst in datas if not _left_out(dst)]
