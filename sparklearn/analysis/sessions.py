"""Reflection sessions at a glance: one row per session for a report.

Analysis stage: :func:`session_overview` summarises the sessions, segments and codings
tables the store gives. Reading and checking the session files is
:mod:`sparklearn.ingest.sessions`; the sentence a report prints about them is
:func:`sparklearn.report.words.describe_sessions`. A module of its own because it
answers a question about the sessions themselves (what was held, how long, who coded
it), not about themes or agreement.
"""

from __future__ import annotations

import pandas as pd


def session_overview(sessions: pd.DataFrame, segments: pd.DataFrame, codings: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per session for a report: date, round, campaigns, title, language, people, turns, coders.

    Parameters
    ----------
    sessions
        Sessions table (session_id, date, round, campaign_ids, title, language, n_participants).
    segments
        Segments table (session_id, one row per speaker turn).
    codings
        Codings table (session_id, coder); without it there is no ``coders`` column.

    Returns
    -------
    pandas.DataFrame
        One row per session, by round then session id: session_id, date (as
        ``02 Mar 2021``), round, campaigns (``;``-joined ids), title, language,
        people (participants), turns (segments), coders (``", "``-joined, or
        ``"not coded yet"``; only with ``codings``).

    Examples
    --------
    >>> s = pd.DataFrame({"session_id": ["KE-S01"], "date": pd.to_datetime(["2021-03-02"]), "round": [1],
    ...                   "campaign_ids": ["ke-health"], "title": ["Round 1"], "language": ["en"],
    ...                   "n_participants": [5]})
    >>> g = pd.DataFrame({"session_id": ["KE-S01", "KE-S01"], "segment_id": ["KE-S01-T001", "KE-S01-T002"]})
    >>> c = pd.DataFrame({"session_id": ["KE-S01"], "coder": ["coder-a"]})
    >>> session_overview(s, g, c)[["session_id", "turns", "coders"]].values.tolist()
    [['KE-S01', 2, 'coder-a']]
    """
    turns = segments.groupby("session_id").size().rename("turns")
    table = sessions[["session_id", "date", "round", "campaign_ids", "title", "language", "n_participants"]].merge(
        turns, left_on="session_id", right_index=True, how="left")
    table["turns"] = table["turns"].fillna(0).astype(int)
    if codings is not None and len(codings):
        coders = codings.groupby("session_id")["coder"].agg(lambda c: ", ".join(sorted(set(c)))).rename("coders")
        table = table.merge(coders, left_on="session_id", right_index=True, how="left")
        table["coders"] = table["coders"].fillna("not coded yet")
    table["date"] = pd.to_datetime(table["date"]).dt.strftime("%d %b %Y")
    return table.rename(columns={"campaign_ids": "campaigns", "n_participants": "people"}).sort_values(
        ["round", "session_id"]).reset_index(drop=True)
