"""Errors sparklearn raises.

One base class, :class:`SparklearnError`, so the command line can turn any of our
errors into a readable message instead of a traceback. Subclasses carry the fields
a user needs to find and fix the problem (file, row, column, value, fix).
"""

from __future__ import annotations

from pathlib import Path


class SparklearnError(Exception):
    """Base class for every error sparklearn raises on purpose."""


class InputError(SparklearnError, ValueError):
    """A user's input file cannot be read or makes no sense.

    Parameters
    ----------
    message
        What is wrong, in plain words.
    file, row, column, value
        Where the problem is; ``row`` is numbered as the user's spreadsheet or
        editor numbers it (1-based, header row included).
    fix
        What to do about it.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        fix: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.value = value
        self.fix = fix
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.value is not None:
            text += f" (value: {self.value!r})"
        if self.fix:
            text += f". Fix: {self.fix}"
        return text


class RegistryError(InputError):
    """The country registry (``countries.yaml``) is missing or inconsistent."""


class CodebookError(InputError):
    """The codebook is missing, malformed, or has duplicate ids, unknown parents or cycles."""


class ParameterError(SparklearnError, ValueError):
    """A notebook or command was given a parameter it does not accept."""


class MissingColumnsError(InputError, ParameterError):
    """A table handed to a function lacks a column the function reads.

    Both an input problem (the file lost a column) and a parameter problem (the wrong
    table was passed), so either ``except`` catches it.
    """
