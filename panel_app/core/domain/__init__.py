"""Dataclasses, enums and pure functions: no I/O."""
