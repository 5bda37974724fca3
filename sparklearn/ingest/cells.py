"""Reading the cells of the sheets leads keep in Excel: dates typed every way, vocabulary values, multi-value cells.

Stage: ingest. Shared by the readers of the registers a country team keeps (the outcome
harvest, :mod:`sparklearn.ingest.harvest`; the decisions register,
:mod:`sparklearn.ingest.decisions`), so that a date or a dropdown value a lead types is
read the same way in every file:

- :func:`parse_dates`: ``2023-03-15``, ``15/03/2023`` (day first; month first only when
  the day-first reading is impossible), ``15 March 2023``, ``March 15, 2023`` and the
  month-precision ``March 2023``, ``2023-03``, ``03/2023``, with French and Indonesian
  month names;
- :func:`match_vocabulary`: a vocabulary id or label, ignoring case, spaces, hyphens and
  underscores, with a suggestion (rapidfuzz) for a near miss; :func:`did_you_mean` says it;
- :func:`split_vocabulary`: multi-value cells split on ``;`` or line breaks (then
  commas), stored ``;``-joined in vocabulary order.

Each works on the distinct values of a column (registers repeat a few values many times).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process, utils

#: Near misses below this rapidfuzz score are not worth suggesting.
SUGGEST_CUTOFF = 75


MONTHS = {  # French and Indonesian month names -> English, for dates typed as text
    "janvier": "January", "février": "February", "fevrier": "February", "mars": "March", "avril": "April",
    "mai": "May", "juin": "June", "juillet": "July", "août": "August", "aout": "August",
    "septembre": "September", "octobre": "October", "novembre": "November", "décembre": "December",
    "decembre": "December", "januari": "January", "februari": "February", "maret": "March", "mei": "May",
    "juni": "June", "juli": "July", "agustus": "August", "oktober": "October", "desember": "December",
}


MONTH_RE = re.compile(r"\b(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b", re.IGNORECASE)


# (format, precision), tried in order on the values not yet read.
DATE_FORMATS = [
    ("%Y-%m-%d", "day"), ("%Y-%m-%d %H:%M:%S", "day"), ("%Y/%m/%d", "day"), ("%d/%m/%Y", "day"),
    ("%d.%m.%Y", "day"), ("%d-%m-%Y", "day"), ("%d/%m/%y", "day"), ("%d %B %Y", "day"), ("%d %b %Y", "day"),
    ("%B %d, %Y", "day"), ("%b %d, %Y", "day"), ("%B %d %Y", "day"), ("%b %d %Y", "day"),
    ("%Y-%m", "month"), ("%Y/%m", "month"), ("%m/%Y", "month"), ("%m-%Y", "month"), ("%B %Y", "month"),
    ("%b %Y", "month"), ("%b-%Y", "month"), ("%b-%y", "month"), ("%B, %Y", "month"),
]


MONTH_FIRST = [("%m/%d/%Y", "day"), ("%m-%d-%Y", "day"), ("%m/%d/%y", "day")]


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Read dates typed as text: one date, precision and month-first flag per value.

    Parameters
    ----------
    values
        Text cells (``""`` for empty).

    Returns
    -------
    tuple of pandas.Series
        The date (NaT when empty or unreadable), its precision (``"day"`` or
        ``"month"``; a month date is the month's first day) and whether it was read
        month first (only when the day-first reading was impossible: say so to the user).

    Examples
    --------
    >>> d, p, m = parse_dates(pd.Series(["15/03/2023", "mars 2023", "03/15/2023", "soon", ""]))
    >>> d.dt.strftime("%Y-%m-%d").tolist(), p.tolist(), m.tolist()
    (['2023-03-15', '2023-03-01', '2023-03-15', nan, nan], ['day', 'month', 'day', <NA>, <NA>], [False, False, True, False, False])
    """
    uniq = pd.Series(pd.unique(values[values != ""]), dtype="string")
    if uniq.empty:
        return (pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]"),
                pd.Series(pd.NA, index=values.index, dtype="string"), pd.Series(False, index=values.index))
    text = uniq.str.replace(r"\s+", " ", regex=True).str.strip()
    text = text.str.replace(MONTH_RE, lambda m: MONTHS[m.group(0).lower()], regex=True)
    stamp = pd.Series(pd.NaT, index=uniq.index, dtype="datetime64[ns]")
    precision = pd.Series(pd.NA, index=uniq.index, dtype="string")
    month_first = pd.Series(False, index=uniq.index)
    for formats, flag in ((DATE_FORMATS, False), (MONTH_FIRST, True)):
        for fmt, prec in formats:
            todo = stamp.isna()
            if not todo.any():
                break
            parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
            hit = parsed.notna()
            stamp.loc[hit[hit].index] = parsed[hit].astype("datetime64[ns]")
            precision.loc[hit[hit].index] = prec
            month_first.loc[hit[hit].index] = flag
    keys = uniq.to_numpy(dtype=object)
    date_out = values.map(pd.Series(stamp.to_numpy(), index=keys)).astype("datetime64[ns]")
    prec_out = values.map(pd.Series(precision.to_numpy(dtype=object, na_value=None), index=keys)).astype("string")
    first_out = values.map(pd.Series(month_first.to_numpy(), index=keys)).fillna(False).astype(bool)
    return date_out, prec_out, first_out


def matching_key(values: pd.Series) -> pd.Series:
    """The key values are matched on: case folded, runs of spaces, hyphens and underscores as one space.

    Returns
    -------
    pandas.Series
        Of strings.

    Examples
    --------
    >>> matching_key(pd.Series(["In_Progress ", "in - progress"])).tolist()
    ['in progress', 'in progress']
    """
    return values.astype("string").str.casefold().str.replace(r"[\s_\-–]+", " ", regex=True).str.strip()


def match_vocabulary(values: pd.Series, table: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each value's vocabulary id, matching ids and labels leniently, and a suggestion for near misses.

    Parameters
    ----------
    values
        Text cells.
    table
        The vocabulary: ``id`` and ``label`` columns.

    Returns
    -------
    tuple of pandas.Series
        The id (NA when nothing matches) and, for values that match nothing, the
        closest id (NA when none is close).

    Examples
    --------
    >>> table = pd.DataFrame({"id": ["in-progress", "done"], "label": ["In progress", "Done"]})
    >>> ids, near = match_vocabulary(pd.Series(["IN PROGRESS", "done", "dnoe"]), table)
    >>> ids.tolist(), near.tolist()
    (['in-progress', 'done', <NA>], [<NA>, <NA>, 'done'])
    """
    uniq = pd.Series(pd.unique(values.astype("string").dropna()), dtype="string")
    ids = table["id"].astype(str).tolist()
    lookup = dict(zip(matching_key(pd.Series(table["label"], dtype="string")), ids)) | dict(zip(matching_key(pd.Series(ids, dtype="string")), ids))
    matched = pd.Series(matching_key(uniq).map(lookup).to_numpy(), index=uniq.to_numpy(), dtype="string")
    suggestion = pd.Series(pd.NA, index=uniq.to_numpy(), dtype="string")
    unmatched = matched.isna().to_numpy() & (uniq != "").to_numpy()
    if unmatched.any():
        choices = list(lookup)
        for value in uniq[unmatched]:
            hit = process.extractOne(str(value), choices, scorer=fuzz.token_set_ratio,
                                     processor=utils.default_process, score_cutoff=SUGGEST_CUTOFF)
            if hit:
                suggestion[value] = lookup[hit[0]]
    return (values.map(matched).astype("string"), values.map(suggestion).astype("string"))


def did_you_mean(suggestion: pd.Series, allowed: Sequence[str]) -> pd.Series:
    """The fix for a value not in a vocabulary: the suggestion when there is one, and the allowed ids.

    Returns
    -------
    pandas.Series
        One fix per value.

    Examples
    --------
    >>> did_you_mean(pd.Series(["done", pd.NA], dtype="string"), ["planned", "done"]).tolist()
    ["did you mean 'done'? Allowed: planned, done", 'use one of: planned, done']
    """
    listing = ", ".join(allowed)
    return ("did you mean '" + suggestion + "'? Allowed: " + listing).fillna("use one of: " + listing)


def split_vocabulary(values: pd.Series, table: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """Multi-value cells as ``;``-joined ids in vocabulary order, and the parts that are in no vocabulary.

    For vocabularies of at most 63 entries (ids are ordered with a bit mask); match
    codebook codes with :func:`sparklearn.codebook.lookup_codes` instead. Parts are
    split on ``;`` or line breaks; a part that matches nothing is tried again
    split on commas (labels have none). Works on the distinct cells (a register repeats
    a few combinations many times).

    Returns
    -------
    tuple
        The joined ids per value (NA for NA), and a frame of unknown parts indexed by
        the value's row: ``part``, ``suggestion``.

    Examples
    --------
    >>> table = pd.DataFrame({"id": ["BR-INFO", "BR-FUNDING"], "label": ["Lack of information", "Funding"]})
    >>> joined, unknown = split_vocabulary(pd.Series(["funding; lack of information", "BR-INFO, money"]), table)
    >>> joined.tolist(), unknown["part"].tolist()
    (['BR-INFO;BR-FUNDING', 'BR-INFO'], ['money'])
    """
    codes, uniques = pd.factorize(values.astype("string"))
    if not len(uniques):  # every cell empty
        return (pd.Series(pd.NA, index=values.index, dtype="string"),
                pd.DataFrame({"part": pd.Series(dtype="string"), "suggestion": pd.Series(dtype="string")}))
    cells = pd.Series(uniques, dtype="string")
    parts = cells.str.split(r"\s*[;\n]\s*", regex=True).explode().str.strip()
    parts = parts[parts.notna() & (parts != "")]
    ids, _ = match_vocabulary(parts, table)
    # A part that matches nothing may be several joined with commas (labels have none).
    retry = parts[ids.isna()].str.split(r"\s*,\s*", regex=True).explode().str.strip()
    retry = retry[retry != ""]
    retry_ids, suggestion = match_vocabulary(retry, table)
    matched = pd.concat([ids.dropna(), retry_ids.dropna()])
    names = table["id"].astype(str).tolist()
    position = matched.map({v: i for i, v in enumerate(names)}).astype("int64")
    mask = pd.Series(np.left_shift(np.int64(1), position.to_numpy()), index=position.index).groupby(level=0).agg(
        np.bitwise_or.reduce)
    joined_cells = mask.map(lambda m: ";".join(n for i, n in enumerate(names) if m >> i & 1))
    joined_cells = joined_cells.reindex(range(len(cells))).astype("string")
    joined = pd.Series(joined_cells.to_numpy()[np.where(codes >= 0, codes, 0)], index=values.index,
                       dtype="string").where(codes >= 0)
    bad = pd.DataFrame({"code": retry[retry_ids.isna()].index, "part": retry[retry_ids.isna()].to_numpy(),
                        "suggestion": suggestion[retry_ids.isna()].to_numpy()})
    rows = pd.DataFrame({"code": codes, "row": values.index}).merge(bad, on="code")
    unknown = pd.DataFrame({"part": rows["part"].to_numpy(), "suggestion": rows["suggestion"].astype("string").to_numpy()},
                           index=pd.Index(rows["row"].to_numpy()))
    return joined, unknown
