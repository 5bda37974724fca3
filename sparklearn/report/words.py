"""Sentences for a country report: sessions, coder agreement, the harvest, data quality.

Stage: report. Each function takes a table the analysis stage (or the store) returned
and says what it shows in the readers' words, as the country notebook prints it under
a heading; none computes a statistic beyond a count or a share, reads a file or draws.
The cut-off words for agreement (Landis and Koch for kappa, Krippendorff's 0.667 and
0.800 for alpha) are here because they are how a number is read, not how it is computed.
A coefficient without a value reads "not defined", never as a number, and an agreement
figure on fewer than ten units is not given at all (the rule is in
:mod:`sparklearn.analysis.alpha`).

Every sentence is plain text with values from the data in it (coder names, labels, file
names): the notebook displays it through :func:`sparklearn.report.tables.markdown_text`,
which makes it literal Markdown, so no markup typed into the data can reach a report.

The comparison report's sentences (contingency tables, rate ratios, substantiation,
distinctive themes, case comparison) are in :mod:`sparklearn.report.comparison_words`:
they read different results and are used by another notebook.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sparklearn.analysis.alpha import (
    ALPHA_RELIABLE,
    ALPHA_TENTATIVE,
    MIN_UNITS,
    q_column,
)
from sparklearn.codebook import Codebook, vocabulary


@dataclass(frozen=True)
class QualitySummary:
    """What a report says about a country's data quality: one sentence and a table per input."""

    sentence: str
    table: pd.DataFrame


def data_quality_summary(manifest: Mapping, problems: pd.DataFrame) -> QualitySummary:
    """Rows read, accepted and rejected per table, errors and warnings, in words and as a table.

    Parameters
    ----------
    manifest
        A processed country's ``manifest.json`` (``tables``: name -> read/accepted/rejected).
    problems
        Its problem table (``severity`` column).

    Examples
    --------
    >>> m = {"tables": {"codings": {"read": 10, "accepted": 9, "rejected": 1},
    ...                 "outcomes": {"read": 5, "accepted": 5, "rejected": 0}}}
    >>> p = pd.DataFrame({"severity": ["error", "warning", "warning"]})
    >>> q = data_quality_summary(m, p)
    >>> q.sentence
    '15 rows read: 14 accepted, 1 kept out by an error (see the rejected files); 1 error and 2 warnings in all.'
    >>> q.table["rejected"].tolist()
    [1, 0]
    """
    table = pd.DataFrame([{"table": name, **counts} for name, counts in manifest.get("tables", {}).items()],
                         columns=["table", "read", "accepted", "rejected"])
    severity = problems["severity"] if "severity" in problems.columns else pd.Series(dtype=str)
    errors, warnings = int((severity == "error").sum()), int((severity == "warning").sum())
    read, accepted, rejected = (int(table[c].sum()) for c in ("read", "accepted", "rejected"))
    if not errors and not warnings:
        sentence = f"{read} rows read, all accepted; no problems found."
    else:
        sentence = (f"{read} rows read: {accepted} accepted, {rejected} kept out by an error (see the rejected files); "
                    f"{errors} error{'s' if errors != 1 else ''} and {warnings} warning{'s' if warnings != 1 else ''} in all.")
    return QualitySummary(sentence, table)


def problems_for_readers(problems: pd.DataFrame, data_dir: str | Path) -> pd.DataFrame:
    """The problems table as a report shows it: each file named within the data folder, columns in plain words.

    A report travels by e-mail: it names ``kenya/decisions.xlsx``, as the country team
    knows the file, never where the data lie on the machine that ran it
    (``/secure/spark-data/...``). A file outside the data folder shows by its name alone.

    Parameters
    ----------
    problems
        A country's problems (:data:`sparklearn.ingest.problems.PROBLEM_COLUMNS`, maybe ``country``).
    data_dir
        The data folder the files were read from.

    Returns
    -------
    pandas.DataFrame
        file, row, column, value found, what is wrong, how to fix it, error or warning.

    Examples
    --------
    >>> p = pd.DataFrame({"file": ["/secure/data/kenya/decisions.xlsx", "/elsewhere/map.xlsx"], "row": [3, None],
    ...                   "column": ["Due by (I)", ""], "value": ["next week", ""], "rule": ["not a date", "x"],
    ...                   "fix": ["write a date", "y"], "severity": ["error", "warning"], "country": "kenya"})
    >>> problems_for_readers(p, "/secure/data")["file"].tolist()
    ['kenya/decisions.xlsx', 'map.xlsx']
    """
    root = Path(data_dir).resolve()

    def shown(file: str) -> str:
        path = Path(file)
        try:
            return path.resolve().relative_to(root).as_posix()
        except (ValueError, OSError):
            return path.name

    files = problems["file"].astype(str)
    names = {file: shown(file) for file in files.unique()}  # one lookup per file, not per problem
    return (problems.drop(columns=["country"], errors="ignore").assign(file=files.map(names))
            .rename(columns={"value": "value found", "rule": "what is wrong", "fix": "how to fix it",
                             "severity": "error or warning"}))


def describe_sessions(sessions: pd.DataFrame, segments: pd.DataFrame, codings: pd.DataFrame | None = None) -> str:
    """A sentence on a country's reflection sessions: how many, when, in how many rounds, how many coded.

    Examples
    --------
    >>> s = pd.DataFrame({"session_id": ["A", "B"], "date": pd.to_datetime(["2020-05-01", "2022-11-30"]),
    ...                   "round": [1, 2]})
    >>> g = pd.DataFrame({"session_id": ["A", "A", "B"]})
    >>> c = pd.DataFrame({"session_id": ["A", "A", "B"], "coder": ["x", "y", "x"]})
    >>> describe_sessions(s, g, c)
    '2 reflection sessions in 2 rounds, from May 2020 to Nov 2022, with 3 speaker turns; 2 sessions coded, 1 of them by two or more coders.'
    """
    if sessions.empty:
        return "No reflection sessions have been recorded for this country (or none in the period chosen)."
    dates = pd.to_datetime(sessions["date"])
    text = (f"{len(sessions)} reflection session{'s' if len(sessions) != 1 else ''} in "
            f"{sessions['round'].nunique()} round{'s' if sessions['round'].nunique() != 1 else ''}, "
            f"from {dates.min():%b %Y} to {dates.max():%b %Y}, with {len(segments)} speaker turns")
    if codings is None or codings.empty:
        return text + "; none coded yet."
    per = codings.groupby("session_id")["coder"].nunique()
    return text + f"; {len(per)} sessions coded, {int((per >= 2).sum())} of them by two or more coders."


# --------------------------------------------------------------------------- words


def interpret_kappa(value: float | None) -> str:
    """Landis & Koch (1977) words for a kappa.

    Examples
    --------
    >>> interpret_kappa(0.43), interpret_kappa(0.85), interpret_kappa(-0.1), interpret_kappa(None)
    ('moderate', 'almost perfect', 'poor (less than chance)', 'undefined')
    """
    if value is None or pd.isna(value):
        return "undefined"
    if value < 0:
        return "poor (less than chance)"
    bands = [(0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial")]
    return next((word for top, word in bands if value <= top), "almost perfect")


def interpret_alpha(value: float | None) -> str:
    """Krippendorff's (2004) reading of alpha: 0.800 reliable, 0.667 the lowest for tentative use.

    Examples
    --------
    >>> interpret_alpha(0.743)
    'acceptable for tentative conclusions only (0.667 <= alpha < 0.800)'
    """
    if value is None or pd.isna(value):
        return "undefined"
    if value >= ALPHA_RELIABLE:
        return "reliable (alpha >= 0.800)"
    if value >= ALPHA_TENTATIVE:
        return "acceptable for tentative conclusions only (0.667 <= alpha < 0.800)"
    return "unreliable (alpha < 0.667): do not draw conclusions from this code"


def _share(q: float) -> str:
    """A probability in words that never reads 0% or 100% (a bootstrap only bounds it)."""
    if q < 0.001:
        return "under 0.1%"
    if q > 0.999:
        return "over 99.9%"
    return f"{100 * q:.1f}%" if q < 0.01 or q > 0.99 else f"{100 * q:.0f}%"


def _coefficient(name: str, row: pd.Series, column: str, low: str, high: str, reading, verb: str = " is") -> str:
    """"<name> is 0.74 (95% interval 0.70 to 0.78; <reading>)", or why it has no value."""
    value = row.get(column, float("nan"))
    if pd.isna(value):
        return f"{name} is not defined (no variation to measure agreement on)"
    interval = ""
    if pd.notna(row.get(low, float("nan"))) and pd.notna(row.get(high, float("nan"))):
        interval = f"95% interval {row[low]:.2f} to {row[high]:.2f}; "
    return f"{name}{verb} {value:.2f} ({interval}{reading(value)})"


def describe_agreement(table: pd.DataFrame) -> str:
    """A plain-words paragraph on :func:`agreement`'s pooled row: alpha, kappa, what they mean, on what n.

    ``table`` is :func:`sparklearn.analysis.agreement.agreement`'s output. A coefficient
    that is undefined reads "not defined"; with fewer than 10 units the paragraph says
    there are too few instead of giving a figure. The intervals and the probability that
    alpha is below 0.667 or 0.800 are given when the table has them.

    Examples
    --------
    >>> t = pd.DataFrame({"code_id": ["all codes"], "with_uncoded": [True], "n_units": [120],
    ...                   "krippendorff_alpha": [0.74], "cohen_kappa": [0.73], "percent_agreement": [97.5],
    ...                   "coders": ["coder-a;coder-b"], "note": [""]})
    >>> print(describe_agreement(t))
    Over 120 segment-by-code decisions of coder-a and coder-b, Krippendorff's alpha is 0.74 (acceptable for tentative conclusions only (0.667 <= alpha < 0.800)) and Cohen's kappa 0.73 (substantial). The coders gave the same answer 97.5% of the time, but most of that is agreeing that a theme does not apply; alpha and kappa discount such chance agreement.
    >>> t = t.assign(alpha_ci_low=0.69, alpha_ci_high=0.79, cohen_kappa_ci_low=0.68, cohen_kappa_ci_high=0.78,
    ...              expected_agreement=90.4, **{"q_below_0.667": 0.002, "q_below_0.800": 0.96})
    >>> print(describe_agreement(t))
    Over 120 segment-by-code decisions of coder-a and coder-b, Krippendorff's alpha is 0.74 (95% interval 0.69 to 0.79; acceptable for tentative conclusions only (0.667 <= alpha < 0.800)) and Cohen's kappa 0.73 (95% interval 0.68 to 0.78; substantial). The probability that alpha is in truth below 0.667 is 0.2%, and below 0.800 96% (Hayes and Krippendorff's bootstrap). The coders gave the same answer 97.5% of the time, where chance alone would give 90.4%, but most of that is agreeing that a theme does not apply; alpha and kappa discount such chance agreement.
    >>> print(describe_agreement(t.assign(n_units=6, too_few_units=True)))
    Agreement between coders cannot be measured yet: coder-a and coder-b made only 6 segment-by-code decisions on the same segments, fewer than the 10 needed before a coefficient means anything (and far fewer than Krippendorff asks for).
    """
    pooled = table.loc[table["code_id"] == "all codes"]
    if "with_uncoded" in pooled and pooled["with_uncoded"].any():
        pooled = pooled.loc[pooled["with_uncoded"].astype(bool)]
    if pooled.empty or not (pooled["n_units"] > 0).any():
        note = pooled["note"].iloc[0] if len(pooled) and pooled["note"].iloc[0] else "no session was coded by two coders"
        return f"Agreement between coders cannot be measured yet: {note}."
    row = pooled.iloc[0]
    names = str(row["coders"]).split(";")
    coders = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 2 else names)
    n = int(row["n_units"])
    if bool(row.get("too_few_units", n < MIN_UNITS)):
        return (f"Agreement between coders cannot be measured yet: {coders} made only {n} segment-by-code "
                f"decision{'s' if n != 1 else ''} on the same segments, fewer than the {MIN_UNITS} needed before "
                "a coefficient means anything (and far fewer than Krippendorff asks for).")
    text = f"Over {n} segment-by-code decisions of {coders}, " + _coefficient(
        "Krippendorff's alpha", row, "krippendorff_alpha", "alpha_ci_low", "alpha_ci_high", interpret_alpha)
    if pd.notna(row.get("cohen_kappa", float("nan"))):
        text += " and " + _coefficient("Cohen's kappa", row, "cohen_kappa", "cohen_kappa_ci_low",
                                       "cohen_kappa_ci_high", interpret_kappa, verb="")
    text += "."
    tentative, reliable = (row.get(q_column(m), float("nan")) for m in (ALPHA_TENTATIVE, ALPHA_RELIABLE))
    if pd.notna(row["krippendorff_alpha"]) and pd.notna(tentative) and pd.notna(reliable):
        text += (f" The probability that alpha is in truth below {ALPHA_TENTATIVE:.3f} is {_share(tentative)}, "
                 f"and below {ALPHA_RELIABLE:.3f} {_share(reliable)} (Hayes and Krippendorff's bootstrap).")
    expected = row.get("expected_agreement", float("nan"))
    chance = f", where chance alone would give {expected:.1f}%" if pd.notna(expected) else ""
    text += (f" The coders gave the same answer {row['percent_agreement']:.1f}% of the time{chance}, but most of "
             "that is agreeing that a theme does not apply; alpha and kappa discount such chance agreement.")
    return text


def describe_harvest(outcomes: pd.DataFrame, codebook: Codebook | None = None,
                     problems: pd.DataFrame | None = None) -> str:
    """A plain-words paragraph on a harvest: how many outcomes, when, where they cluster, how well checked.

    With the country's ``problems``, an empty harvest that could not be read is said to be
    unreadable rather than empty.

    Examples
    --------
    >>> o = pd.DataFrame({"outcome_id": ["A", "B", "C", "D"], "campaign_id": ["x", "x", "y", "y"],
    ...                   "date": pd.to_datetime(["2021-01-05", "2021-06-01", "2022-03-01", "2023-02-01"]),
    ...                   "outcome_area": ["OA-POWER", "OA-POWER", "OA-EQUITY", "OA-POWER"],
    ...                   "type_of_change": ["action", "agenda", "budget", "policy"],
    ...                   "level": ["local", "local", "national", "subnational"],
    ...                   "valence": ["positive", "positive", "positive", "negative"],
    ...                   "intended": ["intended", "unintended", "intended", "intended"],
    ...                   "substantiation": ["fully", "not-yet", "disagree", "partially"]})
    >>> print(describe_harvest(o))
    4 outcomes harvested for 2 campaigns, dated Jan 2021 to Feb 2023. The most frequent outcome area is OA-POWER (3 of 4). 2 are changes in policy or budgets; 2 are above the local level. 1 was not intended and 1 is negative (a change for the worse). 3 were put to an independent informant, who agreed fully or partly on 2.
    """
    if outcomes.empty:
        if problems is not None and len(problems):
            unreadable = problems.loc[(problems["severity"] == "error") & problems["row"].astype("string").fillna("").eq("")
                                      & problems["file"].astype(str).str.contains(r"outcomes\.(?:xlsx|csv)$")]
            if len(unreadable):
                return (f"The outcome harvest could not be read ({unreadable['rule'].iloc[0]}); "
                        "the Data quality section below says how to fix it.")
        return "No outcomes have been harvested for this country yet (or none in the period chosen)."
    n = len(outcomes)
    dates = pd.to_datetime(outcomes["date"], errors="coerce").dropna()
    labels = {}
    if codebook is not None:
        labels = vocabulary(codebook, "outcome_area").set_index("id")["label"].to_dict()
    areas = outcomes["outcome_area"].value_counts()
    top = areas.index[0] if len(areas) else None
    text = (f"{n} outcome{'s' if n != 1 else ''} harvested for {outcomes['campaign_id'].nunique()} campaign"
            f"{'s' if outcomes['campaign_id'].nunique() != 1 else ''}")
    if len(dates):
        text += f", dated {dates.min():%b %Y} to {dates.max():%b %Y}"
    text += "."
    if top is not None:
        text += f" The most frequent outcome area is {labels.get(top, top)} ({areas.iloc[0]} of {n})."
    policy = int(outcomes["type_of_change"].isin(["policy", "budget"]).sum())
    above = int(outcomes["level"].isin(["subnational", "national", "international"]).sum())
    text += f" {policy} are changes in policy or budgets; {above} are above the local level."
    unintended = int((outcomes.get("intended") == "unintended").sum())
    negative = int((outcomes.get("valence") == "negative").sum())
    text += (f" {unintended} {'was' if unintended == 1 else 'were'} not intended and {negative} "
             f"{'is' if negative == 1 else 'are'} negative (a change for the worse).")
    checked = outcomes["substantiation"].notna() & (outcomes["substantiation"] != "not-yet")
    agreed = outcomes["substantiation"].isin(["fully", "partially"])
    text += (f" {int(checked.sum())} {'was' if checked.sum() == 1 else 'were'} put to an independent informant, "
             f"who agreed fully or partly on {int(agreed.sum())}.")
    return text
