"""Who changed and who gained: outcomes by social group and kind of change; who speaks in reflection sessions.

Stage: analysis (DataFrames in, DataFrames out; no I/O, no prose, no plotting).

- :func:`who_gained`: per country, how many outcomes benefit each social group (the
  optional harvest column ``social_group``; an outcome may benefit several groups, so
  shares of one country add up to more than 100%);
- :func:`kinds_of_change`: per country, how many outcomes are of each kind of change
  (policy, budget allocation, budget execution, service delivery, practice, system);
- :func:`gains_by_kind`: social group x kind of change, counts;
- :func:`who_speaks`: turns and words by speaker role per country, from the segments.

Shares are out of the outcomes **where the column was filled in** (an empty cell means
the harvester did not record it, not that nobody gained), with Wilson intervals
(statsmodels ``proportion_confint(method="wilson")``). A country with fewer than
:data:`MIN_N` such outcomes is marked ``comparable = False``: its shares are shown as
counts and not compared with other countries.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from sparklearn.codebook import Codebook, load_codebook
from sparklearn.exceptions import ParameterError
from sparklearn.frames import require_columns

#: Below this many outcomes with the column filled in, a country's shares are not compared.
MIN_N = 10


#: What a speaker without a recorded role is called.
NO_ROLE = "role not recorded"


def _labels(codebook: Codebook | None, name: str) -> pd.DataFrame:
    codebook = codebook or load_codebook()
    if name not in codebook.vocabularies:
        return pd.DataFrame({"id": pd.Series(dtype="string"), "label": pd.Series(dtype="string")})
    return codebook.vocabularies[name][["id", "label"]].astype("string").reset_index(drop=True)


def _shares(outcomes: pd.DataFrame, column: str, codebook: Codebook | None, *, alpha: float,
            min_n: int) -> pd.DataFrame:
    require_columns(outcomes, ["country", column], what="the outcomes table")
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be between 0 and 1, not {alpha}")
    vocab = _labels(codebook, column)
    outcomes = outcomes.reset_index(drop=True)
    values = outcomes[column].astype("string").replace("", pd.NA)
    totals = outcomes.groupby("country", sort=True).size().rename("n_total")
    recorded = values.notna().groupby(outcomes["country"]).sum().rename("n_recorded").astype("int64")
    parts = values.str.split(";").explode().str.strip().dropna()
    pairs = pd.DataFrame({"row": parts.index, "country": outcomes["country"].to_numpy()[
        outcomes.index.get_indexer(parts.index)], column: parts.to_numpy()})
    pairs = pairs.drop_duplicates()  # a group named twice in one cell counts once
    counts = pairs.groupby(["country", column]).size().rename("n_outcomes")
    seen = [v for v in vocab["id"] if v in set(parts)] + sorted(set(parts) - set(vocab["id"]))
    grid = pd.MultiIndex.from_product([totals.index, seen], names=["country", column])
    table = counts.reindex(grid, fill_value=0).reset_index()
    table = table.join(totals, on="country").join(recorded, on="country")
    table["label"] = table[column].map(dict(zip(vocab["id"], vocab["label"]))).fillna(table[column]).astype("string")
    n, k = table["n_recorded"].to_numpy(), table["n_outcomes"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        low, high = proportion_confint(k, np.maximum(n, 1), alpha=alpha, method="wilson")
        table["share"] = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    table["share_low"] = np.where(n > 0, low, np.nan)
    table["share_high"] = np.where(n > 0, high, np.nan)
    table["comparable"] = table["n_recorded"] >= min_n
    order = {v: i for i, v in enumerate(seen)}
    table = table.sort_values(["country", column], key=lambda s: s.map(order) if s.name == column else s,
                              kind="stable")
    return table[["country", column, "label", "n_outcomes", "n_recorded", "n_total", "share", "share_low",
                  "share_high", "comparable"]].reset_index(drop=True)


def who_gained(outcomes: pd.DataFrame, codebook: Codebook | None = None, *, alpha: float = 0.05,
               min_n: int = MIN_N) -> pd.DataFrame:
    """How many outcomes benefit each social group, per country, with shares and Wilson intervals.

    Parameters
    ----------
    outcomes
        The outcomes table (``country``, ``social_group``: ``;``-separated ids, NA when
        not recorded). One country or several.
    codebook
        Labels and the order of the groups (``vocabularies: social_group``).
    alpha
        1 - the confidence level of the intervals.
    min_n
        Countries with fewer outcomes with a recorded group are ``comparable = False``.

    Returns
    -------
    pandas.DataFrame
        One row per country and group seen in any country: ``country``,
        ``social_group``, ``label``, ``n_outcomes`` (outcomes benefiting the group),
        ``n_recorded`` (the country's outcomes with a group recorded: the denominator),
        ``n_total`` (all its outcomes), ``share``, ``share_low``, ``share_high``,
        ``comparable``.

    Examples
    --------
    >>> o = pd.DataFrame({"country": ["kenya"] * 4, "social_group": ["women;farmers", "women", pd.NA, "students"]})
    >>> t = who_gained(o, min_n=3)
    >>> t[["social_group", "n_outcomes", "n_recorded", "n_total"]].values.tolist()
    [['women', 2, 3, 4], ['farmers', 1, 3, 4], ['students', 1, 3, 4]]
    >>> round(float(t["share"][0]), 3), bool(t["comparable"][0])
    (0.667, True)
    """
    return _shares(outcomes, "social_group", codebook, alpha=alpha, min_n=min_n)


def kinds_of_change(outcomes: pd.DataFrame, codebook: Codebook | None = None, *, alpha: float = 0.05,
                    min_n: int = MIN_N) -> pd.DataFrame:
    """How many outcomes are of each kind of change, per country, with shares and Wilson intervals.

    Parameters
    ----------
    outcomes
        The outcomes table (``country``, ``kind_of_change``, NA when not recorded).
    codebook
        Labels and order (``vocabularies: kind_of_change``).
    alpha, min_n
        As for :func:`who_gained`.

    Returns
    -------
    pandas.DataFrame
        As :func:`who_gained`, with ``kind_of_change`` instead of ``social_group``
        (one kind per outcome: a country's shares add up to 1).

    Examples
    --------
    >>> o = pd.DataFrame({"country": ["ghana", "ghana", "kenya"], "kind_of_change": ["policy", pd.NA, "system"]})
    >>> kinds_of_change(o)[["country", "kind_of_change", "label", "n_outcomes", "comparable"]].values.tolist()
    [['ghana', 'policy', 'Policy', 1, False], ['ghana', 'system', 'System', 0, False], ['kenya', 'policy', 'Policy', 0, False], ['kenya', 'system', 'System', 1, False]]
    """
    return _shares(outcomes, "kind_of_change", codebook, alpha=alpha, min_n=min_n)


def gains_by_kind(outcomes: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """Outcomes by social group (rows, labels) and kind of change (columns, labels): counts.

    Only outcomes with both recorded count; an outcome benefiting two groups counts in both rows.

    Parameters
    ----------
    outcomes
        The outcomes table (``social_group``, ``kind_of_change``).
    codebook
        Labels and order of both vocabularies.

    Returns
    -------
    pandas.DataFrame
        Counts, indexed by group label, one column per kind label seen.

    Examples
    --------
    >>> o = pd.DataFrame({"social_group": ["women;farmers", "women"], "kind_of_change": ["policy", "system"]})
    >>> gains_by_kind(o).to_dict("index")
    {'Women and girls': {'Policy': 1, 'System': 1}, 'Small-scale farmers': {'Policy': 1, 'System': 0}}
    """
    require_columns(outcomes, ["social_group", "kind_of_change"], what="the outcomes table")
    groups, kinds = _labels(codebook, "social_group"), _labels(codebook, "kind_of_change")
    both = outcomes[["social_group", "kind_of_change"]].astype("string").replace("", pd.NA).dropna()
    pairs = both.assign(social_group=both["social_group"].str.split(";")).explode("social_group")
    table = pd.crosstab(pairs["social_group"], pairs["kind_of_change"])
    rows = [g for g in groups["id"] if g in table.index] + sorted(set(table.index) - set(groups["id"]))
    cols = [k for k in kinds["id"] if k in table.columns] + sorted(set(table.columns) - set(kinds["id"]))
    table = table.reindex(index=rows, columns=cols, fill_value=0)
    table.index = table.index.map(dict(zip(groups["id"], groups["label"])) | {r: r for r in rows if r not in set(groups["id"])})
    table.columns = table.columns.map(dict(zip(kinds["id"], kinds["label"])) | {c: c for c in cols if c not in set(kinds["id"])})
    table.index.name, table.columns.name = "Social group", "Kind of change"
    return table.astype("int64")


def who_speaks(segments: pd.DataFrame) -> pd.DataFrame:
    """Turns and words by speaker role, per country, with each role's share of the country's turns and words.

    Parameters
    ----------
    segments
        The segments table (``country``, ``session_id``, ``speaker_role``, ``text``):
        one row per turn. A missing role is counted as :data:`NO_ROLE`.

    Returns
    -------
    pandas.DataFrame
        ``country``, ``speaker_role``, ``n_sessions`` (sessions where the role spoke),
        ``n_turns``, ``n_words``, ``turn_share``, ``word_share``, ``words_per_turn``;
        roles in order of words, most first. Descriptive: turns are not independent
        draws, so no intervals.

    Examples
    --------
    >>> s = pd.DataFrame({"country": ["kenya"] * 3, "session_id": ["S1", "S1", "S2"],
    ...                   "speaker_role": ["facilitator", "community member", "community member"],
    ...                   "text": ["Welcome all", "We went to the clinic twice", "No drugs"]})
    >>> who_speaks(s)[["speaker_role", "n_sessions", "n_turns", "n_words", "word_share"]].round(2).values.tolist()
    [['community member', 2, 2, 8, 0.8], ['facilitator', 1, 1, 2, 0.2]]
    """
    require_columns(segments, ["country", "session_id", "speaker_role", "text"], what="the segments table")
    role = segments["speaker_role"].astype("string").str.strip().replace("", pd.NA).fillna(NO_ROLE)
    words = segments["text"].astype("string").fillna("").str.split().str.len().fillna(0).astype("int64")
    frame = pd.DataFrame({"country": segments["country"].astype("string"), "speaker_role": role,
                          "session_id": segments["session_id"], "words": words})
    table = frame.groupby(["country", "speaker_role"]).agg(
        n_sessions=("session_id", "nunique"), n_turns=("words", "size"), n_words=("words", "sum")).reset_index()
    per_country = table.groupby("country")[["n_turns", "n_words"]].transform("sum")
    table["turn_share"] = table["n_turns"] / per_country["n_turns"]
    table["word_share"] = (table["n_words"] / per_country["n_words"].where(per_country["n_words"] > 0)).fillna(0.0)
    table["words_per_turn"] = table["n_words"] / table["n_turns"]
    table = table.sort_values(["country", "n_words", "speaker_role"], ascending=[True, False, True], kind="stable")
    return table.reset_index(drop=True).astype({"n_sessions": "int64", "n_turns": "int64", "n_words": "int64"})
