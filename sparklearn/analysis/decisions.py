"""The learning loop: from reflection to action to outcome.

Stage: analysis. Each function takes the processed tables (the decisions register's
table ``decisions``, the ``sessions`` and the ``outcomes``, one country's or several
stacked, as :func:`sparklearn.store.country_tables` and
:func:`sparklearn.store.load_processed` give them) and returns a tidy table; none reads
files, words or draws.

- :func:`decision_outcomes`: each link a team recorded from a decision to an outcome it
  contributed to, with the time from decision to outcome.
- :func:`follow_through`: per country (or campaign), how many decisions were done,
  dropped, still open, **never followed up** (due, not done or dropped, and no follow-up
  note) and linked to an outcome, with the median time to the first outcome.
- :func:`course_changes`: per campaign and round, the strategic components the team
  decided on, and whether the round **changed course** (at least half of its decisions
  in components the campaign's previous round did not use).

"As of" dates are the data's own (the latest session, decision or outcome date), never
the computer's clock, so a report says the same thing whenever it is built. The links
are what teams recorded: they say a team saw its decision contribute to an outcome,
not that the outcome would not have happened without it (the contribution logic of
outcome harvesting, not attribution).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sparklearn.frames import require_columns

#: Statuses that close a decision.
CLOSED = ("done", "dropped")


def as_of_date(*tables: pd.DataFrame) -> pd.Timestamp | None:
    """The latest date in the tables' ``date`` (and ``due_date`` is not used: it may lie ahead).

    Returns
    -------
    pandas.Timestamp or None
        None when no table has a date.

    Examples
    --------
    >>> as_of_date(pd.DataFrame({"date": pd.to_datetime(["2024-01-02", None])}),
    ...            pd.DataFrame({"date": pd.to_datetime(["2023-05-01"])}))
    Timestamp('2024-01-02 00:00:00')
    """
    dates = [pd.to_datetime(t["date"], errors="coerce").max() for t in tables if "date" in t and len(t)]
    dates = [d for d in dates if pd.notna(d)]
    return max(dates) if dates else None


def decision_outcomes(decisions: pd.DataFrame, outcomes: pd.DataFrame,
                      sessions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each recorded link from a decision to an outcome it contributed to, with the time between them.

    Parameters
    ----------
    decisions
        The decisions table (``country``, ``decision_id``, ``campaign_id``, ``session_id``,
        ``date``, ``strategic_component``, ``outcome_ids``).
    outcomes
        The outcomes table (``country``, ``outcome_id``, ``date``, ``type_of_change``,
        ``substantiation``).
    sessions
        The sessions table, for each decision's ``round`` (optional).

    Returns
    -------
    pandas.DataFrame
        One row per link: country, decision_id, campaign_id, session_id, round (NA
        without sessions), decided (date), strategic_component, outcome_id, outcome_date,
        days (decided to outcome; NA when either date is missing; negative when the
        outcome came first, which the reader already warned about), type_of_change,
        substantiation.

    Examples
    --------
    >>> d = pd.DataFrame({"country": "kenya", "decision_id": ["D1"], "campaign_id": "c", "session_id": "S1",
    ...                   "date": pd.to_datetime(["2023-01-10"]), "strategic_component": "SC-ECOSYSTEM",
    ...                   "outcome_ids": ["O1;O2"]})
    >>> o = pd.DataFrame({"country": "kenya", "outcome_id": ["O1", "O2"], "date": pd.to_datetime(["2023-03-11", None]),
    ...                   "type_of_change": ["agenda", "budget"], "substantiation": ["fully", "not-yet"]})
    >>> decision_outcomes(d, o)[["outcome_id", "days", "type_of_change"]].values.tolist()
    [['O1', 60, 'agenda'], ['O2', <NA>, 'budget']]
    """
    require_columns(decisions, ["country", "decision_id", "campaign_id", "session_id", "date", "outcome_ids"],
                    "decisions")
    require_columns(outcomes, ["country", "outcome_id", "date"], "outcomes")
    ids = decisions["outcome_ids"].astype("string").str.split(";")
    links = decisions.assign(outcome_id=ids).explode("outcome_id")
    links = links.loc[links["outcome_id"].notna() & (links["outcome_id"] != "")]
    extra = [c for c in ("type_of_change", "substantiation") if c in outcomes]
    found = outcomes[["country", "outcome_id", "date", *extra]].rename(columns={"date": "outcome_date"})
    out = links.rename(columns={"date": "decided"}).merge(found, on=["country", "outcome_id"], how="inner")
    if sessions is not None and len(sessions):
        rounds = sessions[["country", "session_id", "round"]].drop_duplicates(["country", "session_id"])
        out = out.merge(rounds, on=["country", "session_id"], how="left")
    else:
        out["round"] = pd.NA
    days = (pd.to_datetime(out["outcome_date"]) - pd.to_datetime(out["decided"])).dt.days
    out["days"] = days.astype("Int64")
    for column in ("strategic_component", *("type_of_change", "substantiation")):
        if column not in out:
            out[column] = pd.NA
    columns = ["country", "decision_id", "campaign_id", "session_id", "round", "decided", "strategic_component",
               "outcome_id", "outcome_date", "days", "type_of_change", "substantiation"]
    return out[columns].sort_values(["country", "decided", "decision_id", "outcome_id"]).reset_index(drop=True)


def follow_through(decisions: pd.DataFrame, *, by: str | Sequence[str] = "country",
                   as_of: pd.Timestamp | str | None = None,
                   outcomes: pd.DataFrame | None = None) -> pd.DataFrame:
    """How far teams carried their decisions through, per country (or campaign).

    Parameters
    ----------
    decisions
        The decisions table.
    by
        Column(s) to group by: ``"country"`` (default), ``["country", "campaign_id"]``...
    as_of
        The date that decides which decisions are due; default the latest decision
        date (pass :func:`as_of_date` of the sessions, outcomes and decisions to use the
        data's last date).
    outcomes
        With it, ``median_days_to_outcome`` is computed (from each linked decision to its
        first linked outcome).

    Returns
    -------
    pandas.DataFrame
        One row per group: n_decisions, done, dropped, open (in progress, planned or no
        status), due (open with a due date on or before ``as_of``),
        never_followed_up (due, and no follow-up note), with_outcome (linked to at least
        one outcome), share_done, share_with_outcome (of all decisions),
        median_days_to_outcome (NA without ``outcomes`` or links).

    Examples
    --------
    >>> d = pd.DataFrame({"country": "kenya", "decision_id": ["D1", "D2", "D3"],
    ...                   "status": ["done", "in-progress", None], "follow_up": ["It happened.", None, None],
    ...                   "due_date": pd.to_datetime(["2023-02-01", "2023-03-01", "2025-01-01"]),
    ...                   "date": pd.to_datetime(["2023-01-01"] * 3), "outcome_ids": ["O1", None, None]})
    >>> follow_through(d, as_of="2024-01-01")[["done", "open", "due", "never_followed_up", "with_outcome"]].values.tolist()
    [[1, 2, 1, 1, 1]]
    """
    keys = [by] if isinstance(by, str) else list(by)
    require_columns(decisions, [*keys, "decision_id", "status", "follow_up", "due_date", "outcome_ids"], "decisions")
    as_of = pd.Timestamp(as_of) if as_of is not None else as_of_date(decisions)
    status = decisions["status"].astype("string")
    is_open = ~status.isin(CLOSED).fillna(False)
    due = is_open & (pd.to_datetime(decisions["due_date"]) <= as_of).fillna(False) if as_of is not None \
        else pd.Series(False, index=decisions.index)
    noted = decisions["follow_up"].astype("string").str.strip().fillna("") != ""
    linked = decisions["outcome_ids"].astype("string").str.strip().fillna("") != ""
    flags = pd.DataFrame({
        **{k: decisions[k] for k in keys}, "n_decisions": 1,
        "done": (status == "done").fillna(False), "dropped": (status == "dropped").fillna(False),
        "open": is_open, "due": due, "never_followed_up": due & ~noted, "with_outcome": linked,
    })
    counted = [c for c in flags.columns if c not in keys]
    flags[counted] = flags[counted].astype("int64")
    table = flags.groupby(keys, dropna=False, sort=True)[counted].sum().reset_index()
    table["share_done"] = table["done"] / table["n_decisions"]
    table["share_with_outcome"] = table["with_outcome"] / table["n_decisions"]
    table["median_days_to_outcome"] = pd.Series(pd.NA, index=table.index, dtype="Float64")
    if outcomes is not None and linked.any():
        links = decision_outcomes(decisions.loc[linked], outcomes)
        first = links.dropna(subset=["days"]).groupby(["country", "decision_id"], as_index=False)["days"].min()
        first = first.merge(decisions[["country", "decision_id", *[k for k in keys if k != "country"]]],
                            on=["country", "decision_id"])
        medians = first.groupby(keys)["days"].median().rename("median_days_to_outcome").astype("Float64")
        table = table.drop(columns="median_days_to_outcome").merge(medians.reset_index(), on=keys, how="left")
    return table


def course_changes(decisions: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """Per campaign and round, the strategic components decided and whether the team changed course.

    Parameters
    ----------
    decisions
        The decisions table (``country``, ``campaign_id``, ``session_id``,
        ``strategic_component``, ``status``).
    sessions
        The sessions table, for each session's round.

    Returns
    -------
    pandas.DataFrame
        One row per country, campaign and round with decisions: n_decisions,
        components (``;``-joined, most decided first), new_components (not decided in
        the campaign's previous round with decisions), changed_course (at least half of
        the round's decisions are in new components; False for a campaign's first round,
        which has nothing to change from), dropped (decisions of the round since dropped).

    Examples
    --------
    >>> s = pd.DataFrame({"country": "kenya", "session_id": ["S1", "S2"], "round": [1, 2]})
    >>> d = pd.DataFrame({"country": "kenya", "campaign_id": "c", "session_id": ["S1", "S1", "S2"],
    ...                   "strategic_component": ["SC-AGENCY", "SC-AGENCY", "SC-ECOSYSTEM"],
    ...                   "status": ["dropped", "done", "done"]})
    >>> course_changes(d, s)[["round", "components", "new_components", "changed_course", "dropped"]].values.tolist()
    [[1, 'SC-AGENCY', '', False, 1], [2, 'SC-ECOSYSTEM', 'SC-ECOSYSTEM', True, 0]]
    """
    require_columns(decisions, ["country", "campaign_id", "session_id", "strategic_component", "status"], "decisions")
    require_columns(sessions, ["country", "session_id", "round"], "sessions")
    rounds = sessions[["country", "session_id", "round"]].drop_duplicates(["country", "session_id"])
    table = decisions.merge(rounds, on=["country", "session_id"], how="inner")
    columns = ["country", "campaign_id", "round", "n_decisions", "components", "new_components", "changed_course",
               "dropped"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    table["component"] = table["strategic_component"].astype("string").fillna("(none)")
    table["was_dropped"] = (table["status"].astype("string") == "dropped").fillna(False)
    keys = ["country", "campaign_id", "round"]
    counts = table.groupby([*keys, "component"]).size().rename("n").reset_index()
    counts = counts.sort_values([*keys, "n", "component"], ascending=[True, True, True, False, True])
    per_round = counts.groupby(keys).agg(components=("component", lambda c: ";".join(c)),
                                         n_decisions=("n", "sum")).reset_index()
    per_round["dropped"] = table.groupby(keys)["was_dropped"].sum().astype("int64").to_numpy()
    per_round = per_round.sort_values(keys).reset_index(drop=True)
    per_round["previous"] = per_round.groupby(["country", "campaign_id"])["round"].shift()
    # Each component of a round, marked when the campaign's previous round with decisions also had it.
    mine = counts.merge(per_round[[*keys, "previous"]], on=keys)
    before = counts.rename(columns={"round": "previous", "n": "n_before"})
    mine = mine.merge(before, on=["country", "campaign_id", "previous", "component"], how="left")
    fresh = mine.loc[mine["previous"].notna() & mine["n_before"].isna()]
    new = fresh.groupby(keys).agg(new_components=("component", lambda c: ";".join(c)), n_new=("n", "sum"))
    per_round = per_round.merge(new.reset_index(), on=keys, how="left")
    per_round["new_components"] = per_round["new_components"].fillna("")
    per_round["changed_course"] = (per_round["previous"].notna()
                                   & (per_round["n_new"].fillna(0) * 2 >= per_round["n_decisions"])).astype(bool)
    return per_round[columns]
