"""Partnership Panel: behaviour and attendance partnership case management."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("panel-app")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"
