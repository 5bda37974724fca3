"""Reflection sessions at a glance: one row per session for a report.

Analysis stage: :func:`session_overview` summarises the sessions, segments and codings
tables the store gives. Reading and checking the session files is
:mod:`sparklearn.ingest.sessions`; the sentence a report prints about them is
:func:`sparklearn.report.words.describe_sessions`. A module of its own because it
answers a question about the sessions themselves (what was held, how long, who coded
it), not about themes or agreement.

Turns are attributed to campaigns once. A session on two campaigns used to count each
of its turns for both (Kenya's demo data: 75 + 86 = 161 turns of 131), and quotes from
a shared session appeared under a campaign they were not about. Each turn now has one
case, ``campaign_id``: the campaign its speaker tag names (``**KE-P06
(ke-baringo-water):**``), else the session's only campaign, else the shared case
``a+b`` (:data:`SHARED_CAMPAIGNS`). The shared case is the rule a researcher can
defend without reading every turn: what was said in a joint session was said to both
teams, and splitting it evenly would invent fractions of turns and put a quote under a
campaign it may not be about; a lead who knows whose a turn is tags it.
:func:`attribute_turns` applies the rule to a segments table that lacks the column;
:func:`turns_by_campaign` counts turns per case (they add up to the sessions' turns);
:func:`campaign_case_names` names the shared cases for readers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from sparklearn.exceptions import ParameterError
from sparklearn.frames import require_columns
from sparklearn.ingest.sessions import SHARED_CAMPAIGNS

__all__ = ["SHARED_CAMPAIGNS", "attribute_turns", "campaign_case_names", "session_overview", "turns_by_campaign"]


def attribute_turns(segments: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """The segments with each turn's campaign case, ``campaign_id``, counted once.

    A segments table that already has ``campaign_id`` (as :mod:`sparklearn.prepare`
    writes it, with the turns' own campaign tags) is returned as it is; otherwise each
    turn gets its session's only campaign, or the session's campaigns joined by ``+``
    (a shared case), or ``""`` for a session on none.

    Parameters
    ----------
    segments
        Segments table (segment_id, session_id).
    sessions
        Sessions table (session_id, campaign_ids ``;``-joined).

    Returns
    -------
    pandas.DataFrame
        A copy of ``segments`` with ``campaign_id``.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["A-T001", "B-T001"], "session_id": ["A", "B"]})
    >>> ses = pd.DataFrame({"session_id": ["A", "B"], "campaign_ids": ["c1;c2", "c1"]})
    >>> attribute_turns(seg, ses)["campaign_id"].tolist()
    ['c1+c2', 'c1']
    """
    if "campaign_id" in segments.columns:
        return segments.copy()
    require_columns(sessions, ["session_id", "campaign_ids"], "sessions")
    joined = sessions.drop_duplicates("session_id").set_index("session_id")["campaign_ids"].fillna("").astype(
        "str").map(lambda ids: SHARED_CAMPAIGNS.join(c.strip() for c in ids.split(";") if c.strip()))
    return segments.assign(campaign_id=segments["session_id"].map(joined).fillna("").astype("str"))


def turns_by_campaign(segments: pd.DataFrame, sessions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Speaker turns per campaign case, each turn counted once.

    Parameters
    ----------
    segments
        Segments table (segment_id, session_id, turn; campaign_id, else ``sessions``
        is needed). Notes (turn 0) are left out: nobody said them.
    sessions
        Sessions table, for a segments table without ``campaign_id``.

    Returns
    -------
    pandas.DataFrame
        One row per case, by id: campaign_id (``a+b`` for a shared case; ``""`` for
        turns of sessions on no campaign), shared (a case of several campaigns),
        n_turns, n_sessions. ``n_turns`` adds up to the table's turns.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment_id": ["A-T001", "A-T002", "B-T001"], "session_id": ["A", "A", "B"],
    ...                     "turn": [1, 2, 1], "campaign_id": ["c1", "c1+c2", "c2"]})
    >>> turns_by_campaign(seg)[["campaign_id", "n_turns"]].values.tolist()
    [['c1', 1], ['c1+c2', 1], ['c2', 1]]
    """
    if "campaign_id" not in segments.columns:
        if sessions is None:
            raise ParameterError("the segments table has no campaign_id: pass sessions=")
        segments = attribute_turns(segments, sessions)
    turns = segments.loc[segments["turn"] > 0] if "turn" in segments.columns else segments
    table = turns.assign(campaign_id=turns["campaign_id"].fillna("").astype("str")).groupby("campaign_id").agg(
        n_turns=("segment_id", "nunique"), n_sessions=("session_id", "nunique")).reset_index()
    table.insert(1, "shared", table["campaign_id"].str.contains(SHARED_CAMPAIGNS, regex=False))
    return table.astype({"n_turns": "int64", "n_sessions": "int64"})


def campaign_case_names(ids: Sequence[str], names: Mapping[str, str], *, shared: str = "shared sessions",
                        joiner: str = " and ") -> dict[str, str]:
    """Reader names of campaign cases: a campaign's name, or its campaigns' names for a shared case.

    Parameters
    ----------
    ids
        Campaign ids as the turns carry them (``a+b`` for a shared case).
    names
        Campaign id -> its name (``registry.campaigns``); an id without a name shows as itself.
    shared, joiner
        The words that mark a shared case and join its campaigns.

    Returns
    -------
    dict
        id -> name, e.g. ``"Primary health care and Baringo water (shared sessions)"``.

    Examples
    --------
    >>> campaign_case_names(["c1", "c1+c2"], {"c1": "Health", "c2": "Water"})
    {'c1': 'Health', 'c1+c2': 'Health and Water (shared sessions)'}
    """
    out = {}
    for case in dict.fromkeys(str(i) for i in ids):
        parts = [p for p in case.split(SHARED_CAMPAIGNS) if p]
        label = joiner.join(names.get(p, p) for p in parts)
        out[case] = f"{label} ({shared})" if len(parts) > 1 else label
    return out


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
