"""Which session a QDA project's document is, by its text, and where each turn lies in it.

Stage: ingest. :mod:`sparklearn.ingest.qda_codings` matches a project's sources to
sessions by name first (the session id, or the session's file name). A project made in
MAXQDA, NVivo or ATLAS.ti names its documents as the lead chose ("Interview Gilgil
December"), so a source that no name matches is matched by its text:
:func:`match_by_text` finds the session most of whose speaker turns appear in the
source, comparing texts with whitespace squeezed (a tool may rewrap lines or join
paragraphs). Turns are compared with their pseudonymised text, so a source holding the
session as exported (pseudonymised) matches on every turn and one holding the original
text on all turns without a name.

:func:`locate_turns` then finds each turn in such a source by searching its text
(whitespace squeezed, in turn order); a turn not found (its original holds a name the
pseudonymised text replaced) is placed where its neighbours put it.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: Share of a session's turns that must appear in a source for it to match by text.
TEXT_MATCH_SHARE = 0.5

_WORD = re.compile(r"\S+")


def squeeze(text: str) -> tuple[str, np.ndarray]:
    """``text`` with every run of whitespace made one space (and none at the ends), and where each character came from.

    Examples
    --------
    >>> squeezed, where = squeeze("  a\\n\\n bc ")
    >>> squeezed, where.tolist()
    ('a bc', [2, 3, 6, 7])
    """
    words = list(_WORD.finditer(text))
    if not words:
        return "", np.array([], dtype="int64")
    # Each word's characters, then the place of the whitespace after it (dropped after the last word).
    where = np.concatenate([np.r_[np.arange(m.start(), m.end()), m.end()] for m in words])[:-1]
    return " ".join(m.group() for m in words), where.astype("int64")


def match_by_text(sources: pd.DataFrame, segments: pd.DataFrame) -> pd.Series:
    """The session whose turns a source's text holds: the one with the largest share found, if at least half.

    Parameters
    ----------
    sources
        name, text (NA when the text is missing).
    segments
        session_id, text (pseudonymised or not), one row per turn.

    Returns
    -------
    pandas.Series
        Session id per source (indexed like ``sources``), NA when no session's turns
        are at least :data:`TEXT_MATCH_SHARE` found in it.

    Examples
    --------
    >>> segs = pd.DataFrame({"session_id": ["A", "A", "B"], "text": ["Hello there.", "We met.", "Other."]})
    >>> match_by_text(pd.DataFrame({"text": ["Intro\\nHello  there.\\nWe\\nmet.", "nothing", None]}), segs).tolist()
    ['A', <NA>, <NA>]
    """
    turns = segments.assign(key=[squeeze(t)[0] for t in segments["text"].fillna("").astype(str)])
    turns = turns.loc[turns["key"] != ""]
    out = pd.Series(pd.NA, index=sources.index, dtype="string")
    for index, text in sources["text"].items():
        if not isinstance(text, str) or not text.strip():
            continue
        squeezed = squeeze(text)[0]
        # Substring tests per turn: a few hundred per source.
        share = turns.assign(found=[k in squeezed for k in turns["key"]]).groupby("session_id")["found"].mean()
        if len(share) and share.max() >= TEXT_MATCH_SHARE:
            out[index] = share.idxmax()
    return out


def locate_turns(text: str, turns: pd.DataFrame) -> pd.DataFrame:
    """Where each turn lies in a source text: searched for by its text, else placed between its neighbours.

    Parameters
    ----------
    text
        The source text.
    turns
        start, end (offsets in the session file), text; in turn order.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``turns``: start, end (offsets in ``text``), found (the turn's text
        was found; otherwise it is placed at its session offsets moved as the last
        found turn before it moved, kept between its found neighbours).

    Examples
    --------
    >>> turns = pd.DataFrame({"start": [100, 112, 124], "end": [110, 122, 134],
    ...                       "text": ["First turn", "[member 1] spoke", "Third turn"]})
    >>> locate_turns("First turn\\n\\nKofi spoke\\n\\nThird  turn", turns).values.tolist()
    [[0, 10, True], [12, 22, False], [24, 35, True]]
    """
    squeezed, where = squeeze(text)
    starts, ends, found = [], [], []
    cursor = 0
    for value in turns["text"].fillna("").astype(str):
        key = squeeze(value)[0]
        at = squeezed.find(key, cursor) if key else -1
        if at < 0 and key:
            at = squeezed.find(key)
        if at >= 0:
            starts.append(int(where[at]))
            ends.append(int(where[at + len(key) - 1]) + 1)
            cursor = at + len(key)
        else:
            starts.append(-1)
            ends.append(-1)
        found.append(at >= 0)
    out = pd.DataFrame({"start": starts, "end": ends, "found": found}, index=turns.index)
    if out["found"].all() or not out["found"].any():
        return out.assign(start=out["start"].where(out["found"], turns["start"]),
                          end=out["end"].where(out["found"], turns["end"]))
    # The source's text between turns is the session's: move an unfound turn as the found turn before it
    # moved (its end), else as the one after it (its start).
    shift = (out["end"] - turns["end"]).where(out["found"]).ffill().fillna(
        (out["start"] - turns["start"]).where(out["found"]).bfill()).astype("int64")
    low = out["end"].where(out["found"]).ffill().fillna(0).astype("int64")
    high = out["start"].where(out["found"]).bfill().fillna(len(text)).astype("int64")
    guess_start = (turns["start"] + shift).clip(lower=low, upper=high)
    guess_end = (turns["end"] + shift).clip(lower=guess_start, upper=high)
    return out.assign(start=out["start"].where(out["found"], guess_start),
                      end=out["end"].where(out["found"], guess_end))
