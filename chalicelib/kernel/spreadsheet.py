"""Text bound for a spreadsheet: a cell that starts like a formula is quoted so it is shown, never run."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """A leading apostrophe keeps a spreadsheet from running a value that starts like a formula (OWASP CSV
    injection); spreadsheets do not show the apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
