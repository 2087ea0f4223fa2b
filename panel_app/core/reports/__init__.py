"""Documents built from the data: the minutes (pure data, then a reportlab PDF)."""
