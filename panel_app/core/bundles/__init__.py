"""Case bundles: the file format, identity and cards, scope, and the field-by-field merge
(no SQL here; see docs/BUNDLES.md)."""
