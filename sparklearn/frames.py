"""The one check that a table handed to a function has the columns it needs.

Every stage calls :func:`require_columns` before it reads a column, so a table with a
renamed or missing column stops with the same readable message wherever it is passed.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from sparklearn.exceptions import MissingColumnsError


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise :class:`~sparklearn.exceptions.MissingColumnsError` unless ``frame`` has every column.

    Parameters
    ----------
    frame
        The table handed in.
    columns
        The columns the caller reads.
    what
        The table's name in the researchers' words ("codings", "outcomes"), for the message.

    Examples
    --------
    >>> require_columns(pd.DataFrame({"code_id": []}), ["code_id"], "codings")
    >>> require_columns(pd.DataFrame({"code": []}), ["code_id", "coder"], "codings")
    Traceback (most recent call last):
    ...
    sparklearn.exceptions.MissingColumnsError: column 'code_id': the codings table has no columns 'code_id', 'coder'. Fix: ...this one has: code
    """
    columns = list(columns)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        names = f"'{missing[0]}' column" if len(missing) == 1 else "columns " + ", ".join(f"'{c}'" for c in missing)
        raise MissingColumnsError(
            f"the {what} table has no {names}", column=missing[0],
            fix=f"pass a {what} table with the columns {', '.join(columns)} (as sparklearn prepares it); "
                f"this one has: {', '.join(map(str, frame.columns)) or 'no columns'}")
