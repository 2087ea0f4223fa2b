"""Checks that return result objects with a code, a status and parameters; an ordinary
"not met" is a result, never an exception."""
