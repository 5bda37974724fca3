"""(from validation.py)
One way of telling users what is wrong with their input.

Every loader reports row-level problems as records with the same columns,
:data:`PROBLEM_COLUMNS`: the file, the row as the user's spreadsheet numbers it,
the column, the offending value, the rule broken, how to fix it, and a severity.
Errors reject the row (it is kept in a rejected table, never dropped); warnings
keep it. Rows read = rows accepted + rows rejected, always.

Schemas are pandera ``DataFrameSchema`` objects; each column may carry
``metadata={"fix": "..."}`` so the report can say how to fix what pandera found.

(from sessions.py)
Reflection-session files -> a sessions table and a segments table.

A session file is Markdown with YAML front matter (see ``data/raw/README.md``)::

    ---
    session_id: KE-S01
    title: "Round 1 reflection: working with legislators"
    date: 2020-12-02
    round: 1
    country: kenya
    campaigns: [ke-primary-health]
    facilitator: research lead
    language: en
    participants:
      - {participant_id: KE-P01, role: "research lead"}
    ---
    # Round 1 reflection: working with legislators

    **KE-P01:** Welcome, everyone.

    **KE-P04 [sw]:** A turn in another language carries a language tag.

How the text is cut into segments
    One segment per speaker turn. A turn starts at a line ``**ID:**`` (also accepted:
    ``**ID**:``, and a language tag ``[fr]`` either inside the bold, ``**ID [fr]:**``,
    or at the start of the text, ``**ID:** [fr] ...``) and runs to the next turn, the
    next heading or the end of the file. Paragraphs without a speaker tag belong to
    the turn above them: note-takers and the demo generator write a long turn as
    several paragraphs with only the first tagged, and the data contract numbers
    segments by speaker turns (``{session_id}-T{turn:03d}``), so an untagged paragraph
    cannot be a turn of its own without renumbering every later segment (and the
    codings that point at them). Text that no turn can own (before the first turn,
    or after a heading other than the title) is kept as a *note* segment, never
    dropped: speaker ``""``, speaker_role ``"note"``, turn ``0``, id
    ``{session_id}-N{k:03d}``, with a warning in case a speaker tag was forgotten.
    Headings are structure, not speech: they are in no segment.

Offsets
    ``start`` and ``end`` are character offsets into the file's text after removing
    a UTF-8 byte-order mark and turning CRLF (and lone CR) into LF, which is what
    :func:`session_text` returns; ``session_text(f)[start:end] == text``. So the same
    session saved with or without a BOM, with LF or CRLF, gives the same segments.
    A segment's text excludes the speaker tag, the language tag and trailing blank
    space; inner blank lines between paragraphs of one turn are kept.

What is checked
    Every problem has :data:`~sparklearn.ingest.problems.PROBLEM_COLUMNS`; ``row`` is the
    line in the file as an editor numbers it, ``column`` the front-matter key (or
    ``turn`` / ``file``). Errors reject the whole session (it goes to ``rejected``
    and none of its segments is kept: a session with an unknown campaign or date
    would put wrong numbers in every table downstream): empty file, not UTF-8, no or
    invalid front matter, missing ``session_id``, ``date``, ``round`` or ``country``,
    a date that is not YYYY-MM-DD, a round that is not a whole number >= 1, an
    unknown country or campaign (when a registry is given), a country other than the
    folder's (when ``country=`` is given), the same ``session_id`` in two files (both
    rejected: codings could not tell them apart). Warnings keep the session: a
    speaker not in the front-matter participants list, unattributed text read as a
    note, no speaker turns, a missing title (the ``#`` heading is used), language,
    facilitator or campaigns, a file name other than ``<session_id>.md``.

(from reliability.py)
Inter-coder agreement on double-coded reflection sessions.

Country leads have a sample of sessions coded by two (or more) coders. This module
says how far the coders agree, code by code and over all codes, and lists the
disagreements for the coders' reconciliation meeting.

Decisions (read these before quoting a number)
----------------------------------------------
**Unit = segment.** For each code, every segment is a unit and each coder gives it a
value: 1 (the coder applied the code), 0 (the coder coded the session but not this
code on this segment) or missing (NaN: the coder did not code that session).

**Which coder saw what.** A coding sheet lists only the codes a coder applied, not
the segments the coder read and left alone. We take a coder to have coded a *whole
session* when the coder applied at least one code anywhere in it; every segment of
that session then gets 0 or 1 from that coder. A session with no coding at all from
a coder is missing for that coder.

**Double-coded material.** The segments of sessions coded by at least two of the
compared coders (``coders``, by default every coder in the table). Krippendorff's
alpha and percent agreement use all of them (with three or more coders a unit may
miss one coder: alpha handles missing data). Cohen's and Fleiss' kappa need every
compared coder on every unit, so they use the *complete* units, coded by all compared
coders (``n_complete``); with two coders that is the same set.

**Which segments exist.** With the ``segments`` table every segment of a double-coded
session is a unit, including segments to which no coder applied any code (*uncoded*
segments, e.g. a facilitator's question). Without it only segments that appear in
the codings are known, so uncoded segments cannot be counted (the ``note`` says so).
``include_uncoded=False`` drops segments to which none of the compared coders applied
any code; ``"both"`` returns both versions (column ``with_uncoded``). Uncoded segments
are agreements on "not this code" for every code, so including them raises percent
agreement; chance-corrected coefficients move less.

**Overall ("all codes").** Pooled over segment x code units: every (segment, code)
pair of the double-coded material is one binary unit, and the coefficients are
computed once on the stacked matrix (``unit = "segment x code"``). Only codes that at
least one compared coder applied in that material are stacked; codebook codes nobody
used would add only agreements on absence and inflate the figure. The mean of the
per-code coefficients can be taken from the per-code rows if wanted.

**Percent agreement** is the share (in percent, 0-100) of units on which all coders
present gave the same value.

**Rare codes.** A code applied on fewer than ``FEW_APPLIED`` (5) segments gets a
note: one stray coding then decides the coefficient (a code one coder applied once
has kappa 0 or below however well the coders agree otherwise).

**Undefined values.** Kappa and alpha are undefined when all values are the same (no
variation: e.g. a code nobody applied, or applied everywhere) or when fewer than two
units can be compared. Such cells are NaN and the ``note`` column says why in words;
no warning is raised. Cohen's kappa is NaN with a note unless exactly two coders are
compared.

Libraries: Krippendorff's alpha from the ``krippendorff`` package (nominal, missing
values as NaN); Cohen's and Fleiss' kappa from :mod:`statsmodels.stats.inter_rater`.
The subjects x categories table for Fleiss' kappa is the one
:func:`statsmodels.stats.inter_rater.aggregate_raters` returns; for 0/1 data it is
``[coders - k, k]`` per unit (k = coders who applied the code), which we build
vectorised because ``aggregate_raters`` loops over rows in Python (seconds for a
million units); a test checks the two agree.

(from outcomes.py)
Outcome harvests (Wilson-Grau and Britt 2012): schema, Excel template, reading, summaries.

An **outcome** is an observed change in the behaviour of a **social actor** that the
campaign plausibly influenced. Each row of a harvest describes one: the outcome (who
changed what, when and where), its **significance**, the **contribution** of the
change agents, how it is classified (outcome area, type of change, actor type, level,
strategic components, intended or not, positive or negative), whether an independent
informant **substantiated** it, and the earlier outcomes it **builds on**.

Reading (:func:`read_harvest`) is lenient about form and strict about meaning:

- ``.xlsx`` (sheet "Outcomes", else the first sheet whose header row looks like a
  harvest; other sheets are ignored) and ``.csv`` (UTF-8 with or without a byte-order
  mark; Windows-1252 read with a warning). The header row may sit below a few title
  rows; headers are matched ignoring case, spaces and punctuation, with a few common
  synonyms ("Outcome description", "Level of governance"...), so columns may be
  renamed within reason and reordered.
- Rows are numbered as the user sees them in Excel. **Blank rows are not outcomes**:
  they are skipped and not counted in ``n_read``; every other row is either accepted
  or rejected (rows read = accepted + rejected).
- Cells merged down a column give their value to every row of the range (warning);
  cells merged across columns keep the value in the first column (warning). Formula
  cells give the result Excel saved; a formula without a saved result is an error.
- Dates: Excel date cells, ``2023-03-15``, ``15/03/2023`` (day first; month first
  only when the day-first reading is impossible, with a warning), ``15 March 2023``,
  ``March 15, 2023``, and month-precision ``March 2023``, ``2023-03``, ``03/2023``
  (English, French or Indonesian month names). ``date`` holds the first day of the
  month when ``date_precision`` is ``month``.
- Controlled columns accept the vocabulary id or label, ignoring case, spaces,
  hyphens and underscores; near misses get a suggestion. Multi-value cells
  (``strategic_components``, ``builds_on``) are split on ``;`` (or a line break),
  then on ``,``, and stored ``;``-joined (components in codebook order).

What rejects a row (errors) and what only warns follows Wilson-Grau practice: an
outcome must be identifiable (a unique id), attributable (a known campaign of the
country) and described (the outcome text); its classification must use the codebook;
its links must point at outcomes of the harvest without going round in circles.
Significance and contribution are the other two parts of a full description, but
harvesters draft and complete them with the change agents, so a missing one only
warns, as do a missing social actor, date or classification, a substantiation
without the informant's role, an outcome dated before its campaign started or
before an outcome it builds on, and a link to an id used by two rows (those rows are
rejected; the link is left out of the circle and date checks until the duplicate is fixed).

Empty optional values are missing (NA) in the accepted table. ``substantiated`` in the
summaries means an independent informant agreed **fully or partially**
(:data:`sparklearn.analysis.outcomes.CONFIRMED`), counted among the outcomes put to an
informant (substantiation other than ``not-yet``).

(from compare.py)
Cross-country comparison: comparable denominators, careful statistics, case comparison.

Seven countries and about fourteen campaigns are a small N, so this module keeps the
comparison honest in four ways:

1. **Comparable denominators.** Counts are read against campaign-months active and
   reflection sessions held (:func:`exposure`, :func:`outcome_rates`), so that no
   country looks bigger for having more campaigns or a longer harvest.
2. **Statistics that say what they can.** Contingency tables switch to an exact test
   when cells are small (:func:`contingency`); rates are compared with a Poisson or
   negative-binomial GLM with the exposure as offset (:func:`rate_ratios`); every
   family of tests is Holm-corrected; every result carries plain-words ``warnings``
   and a ``describe_*`` helper turns it into a careful sentence (effect size,
   interval, caveat; never a bare p-value).
3. **Themes** by country or campaign (:func:`theme_matrix`), what is distinctive for a
   country beyond chance (:func:`distinctive_themes`), and over rounds
   (:func:`themes_over_rounds`).
4. **Case comparison**: campaign conditions calibrated from the harvest and the
   session codings with documented rules (:func:`campaign_conditions`), then
   crisp-set QCA through :mod:`sparklearn.qca` (:func:`case_comparison`).

Every function takes tidy tables and returns new ones; none plots or rounds
(figures are in :mod:`sparklearn.plots`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sparklearn.analysis.agreement import ALPHA_RELIABLE, ALPHA_TENTATIVE
from sparklearn.analysis.cases import CaseComparison
from sparklearn.analysis.contingency import ContingencyResult
from sparklearn.analysis.rates import RateRatios
from sparklearn.codebook import Codebook, vocabulary
from sparklearn.wording import _and_list, _count, _words


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


def describe_agreement(table: pd.DataFrame) -> str:
    """A plain-words paragraph on :func:`agreement`'s pooled row: alpha, kappa, what they mean, on what n.

    Examples
    --------
    >>> t = pd.DataFrame({"code_id": ["all codes"], "with_uncoded": [True], "n_units": [120],
    ...                   "krippendorff_alpha": [0.74], "cohen_kappa": [0.73], "percent_agreement": [97.5],
    ...                   "coders": ["coder-a;coder-b"], "note": [""]})
    >>> print(describe_agreement(t))
    Over 120 segment-by-code decisions of coder-a and coder-b, Krippendorff's alpha is 0.74 (acceptable for tentative conclusions only (0.667 <= alpha < 0.800)) and Cohen's kappa 0.73 (substantial). The coders gave the same answer 97.5% of the time, but most of that is agreeing that a theme does not apply; alpha and kappa discount such chance agreement.
    """
    pooled = table.loc[table["code_id"] == "all codes"]
    if "with_uncoded" in pooled and pooled["with_uncoded"].any():
        pooled = pooled.loc[pooled["with_uncoded"].astype(bool)]
    if pooled.empty or not (pooled["n_units"] > 0).any():
        note = pooled["note"].iloc[0] if len(pooled) and pooled["note"].iloc[0] else "no session was coded by two coders"
        return f"Agreement between coders cannot be measured yet: {note}."
    row = pooled.iloc[0]
    coders = " and ".join(str(row["coders"]).split(";"))
    alpha, kappa = row["krippendorff_alpha"], row.get("cohen_kappa", float("nan"))
    text = (f"Over {int(row['n_units'])} segment-by-code decisions of {coders}, Krippendorff's alpha is "
            f"{alpha:.2f} ({interpret_alpha(alpha)})")
    if pd.notna(kappa):
        text += f" and Cohen's kappa {kappa:.2f} ({interpret_kappa(kappa)})"
    text += (f". The coders gave the same answer {row['percent_agreement']:.1f}% of the time, but most of that is "
             "agreeing that a theme does not apply; alpha and kappa discount such chance agreement.")
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


# --------------------------------------------------------------------------- sentences for the report


def as_percent(share: pd.Series) -> pd.Series:
    """Shares (0 to 1) as percentages with one decimal, as text for report tables; missing -> "".

    Examples
    --------
    >>> as_percent(pd.Series([0.625, float("nan"), 1.0])).tolist()
    ['62.5', '', '100.0']
    """
    return share.map(lambda v: "" if pd.isna(v) else f"{100 * v:.1f}")


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"


def format_p(p: float) -> str:
    """A p-value for a table cell, as the sentences write it: ``< 0.001``, ``0.012``, ``0.36``; NaN -> ``""``.

    Examples
    --------
    >>> [format_p(p) for p in (0.00004, 0.0123, 0.357, float("nan"))]
    ['< 0.001', '0.012', '0.36', '']
    """
    return "" if pd.isna(p) else _p(float(p)).removeprefix("p = ").removeprefix("p ")


def _shown(value: object, names: Mapping[str, str] | None, labels: Mapping[str, str] | None) -> str:
    """A value as readers know it: its country name, else its label, else itself."""
    names, labels = names or {}, labels or {}
    return str(names.get(value, labels.get(value, value)))


def _relabel(text: str, names: Mapping[str, str] | None, labels: Mapping[str, str] | None) -> str:
    """``text`` with every whole-word slug or id in ``names`` / ``labels`` replaced by its name or label.

    The caveats are written by the analysis functions, which list values as they are in
    the data (``south-africa``, ``OA-ACCOUNT``); a slug counts as a word only if no
    letter, digit, ``_`` or ``-`` touches it, so ``india`` is not found in ``indonesia``.
    """
    mapping = {str(k): str(v) for k, v in {**(labels or {}), **(names or {})}.items() if str(k)}
    if not mapping:
        return text
    keys = sorted(mapping, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, keys)) + r")(?![\w-])")
    return pattern.sub(lambda m: mapping[m.group(1)], text)


def _strength(v: float, rows: int, cols: int) -> str:
    """Cohen's (1988) benchmarks for Cramér's V, scaled by the table's smaller dimension."""
    scale = np.sqrt(max(min(rows, cols) - 1, 1))
    return ("negligible" if v < 0.1 / scale else "weak" if v < 0.3 / scale
            else "moderate" if v < 0.5 / scale else "strong")


_TEST_NAMES = {"chi-square": "chi-square test", "fisher exact": "Fisher's exact test",
               "monte-carlo exact": "Monte-Carlo exact test"}


def describe_contingency(result: ContingencyResult, *, alpha: float = 0.05, max_cells: int = 3,
                         names: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None) -> str:
    """A careful plain-language account of :func:`contingency`: effect size, test, notable cells, caveats.

    The strength of Cramér's V is worded with Cohen's (1988) benchmarks for the
    table's smaller dimension; a 2 x 2 table is described by its odds ratio.

    Parameters
    ----------
    result
        From :func:`contingency`.
    alpha
        Level the test's p-value is read against.
    max_cells
        Most cells that stand out named.
    names, labels
        Country slug -> name and code or vocabulary id -> label: every value named
        (cells that stand out, values in the caveats) is looked up in ``names``,
        then ``labels``, and shown as it is if in neither.

    Examples
    --------
    >>> from sparklearn.analysis.contingency import contingency
    >>> o = pd.DataFrame({"country": ["ghana"] * 30 + ["kenya"] * 30,
    ...                   "level": ["local"] * 22 + ["national"] * 8 + ["local"] * 9 + ["national"] * 21})
    >>> print(describe_contingency(contingency(o, "country", "level")))
    Country and level are moderately associated in these 60 outcomes (Cramér's V = 0.43), more than chance
    easily produces with these totals (chi-square test, p < 0.001). The odds ratio is 6.2 (95% CI 1.8 to 23.1).
    An association describes these harvests; it does not show why they differ.
    """
    row, col = _words(result.row), _words(result.col)
    caveats = " ".join(f"Caveat: {_relabel(w, names, labels)}." for w in result.warnings)
    if result.test == "none":
        return f"No test of {row} against {col} was possible. {caveats}".strip()
    strength = _strength(result.cramers_v, *result.table.shape)
    test = f"{_TEST_NAMES[result.test]}, {_p(result.p_value)}"
    if result.p_value < alpha:
        adverb = {"negligible": "negligibly", "weak": "weakly", "moderate": "moderately", "strong": "strongly"}
        text = (f"{row.capitalize()} and {col} are {adverb[strength]} associated in these {result.n} outcomes "
                f"(Cramér's V = {result.cramers_v:.2f}), more than chance easily produces with these totals "
                f"({test}).")
    else:
        text = (f"The association between {row} and {col} in these {result.n} outcomes (Cramér's V = "
                f"{result.cramers_v:.2f}, {strength} by Cohen's benchmarks) is within what chance produces with "
                f"these totals ({test}).")
    if not np.isnan(result.odds_ratio):
        low, high = result.odds_ratio_ci
        text += f" The odds ratio is {result.odds_ratio:.1f} (95% CI {low:.1f} to {high:.1f})."
    else:
        notable = result.cells.loc[result.cells["notable"]]
        notable = notable.reindex(notable["adjusted_residual"].abs().sort_values(ascending=False).index)
        if len(notable):
            described = [
                f"{_shown(r[result.row], names, labels)} has {'more' if r['adjusted_residual'] > 0 else 'fewer'} "
                f"outcomes in '{_shown(r[result.col], names, labels)}' "
                f"than expected if every {_words(result.row)} spread its outcomes alike ({r['observed']} observed, {r['expected']:.1f} expected; adjusted "
                f"residual {r['adjusted_residual']:+.1f})" for r in notable.head(max_cells).to_dict("records")]
            text += (f" Cells that stand out (after Holm correction over {len(result.cells)} cells): "
                     + "; ".join(described) + ".")
        else:
            text += f" No single cell stands out after Holm correction over {len(result.cells)} cells."
    text += " An association describes these harvests; it does not show why they differ."
    return f"{text} {caveats}".strip()


def describe_rate_ratios(result: RateRatios, *, max_terms: int = 5, names: Mapping[str, str] | None = None,
                         labels: Mapping[str, str] | None = None) -> str:
    """A careful plain-language account of :func:`rate_ratios`: ratios with intervals and caveats.

    First which intervals exclude 1 (the levels whose rate is hard to reconcile with the
    reference's) and which include it, naming every level; then the ratios one by one,
    those whose interval excludes 1 first, at most ``max_terms`` of them (the text says
    which are left to the table and figure).

    Parameters
    ----------
    result
        From :func:`rate_ratios`.
    max_terms
        Most levels described one by one.
    names, labels
        Country slug -> name and id -> label: every level named (the reference,
        each term, levels in the caveats) is looked up in ``names``, then
        ``labels``, and shown as it is if in neither.

    Examples
    --------
    >>> from sparklearn.analysis.rates import rate_ratios
    >>> e = pd.DataFrame({"campaign_id": list("abcdef"), "country": list("uvwxyz"),
    ...                   "sector": ["health"] * 3 + ["water"] * 3, "start": pd.Timestamp("2020-01-01"),
    ...                   "end": pd.Timestamp("2024-01-01"), "campaign_months": [10.0, 20, 30, 10, 20, 40],
    ...                   "n_sessions": 1, "session_share": 1.0})
    >>> o = pd.DataFrame({"campaign_id": list("a" * 2 + "b" * 4 + "c" * 6 + "d" * 4 + "e" * 8 + "f" * 16),
    ...                   "date": pd.Timestamp("2021-01-01")})
    >>> print(describe_rate_ratios(rate_ratios(o, e, by="sector")))
    Outcomes per campaign-month by sector, compared with a Poisson model (the standard model for counts) over 6
    campaigns; the reference is water (0.40 outcomes per campaign-month). The interval of health excludes 1. health: 0.50 times the
    reference rate (95% CI 0.25 to 0.98; p = 0.045 after Holm correction). An interval that excludes 1 means
    the data are hard to reconcile with equal rates; one that includes 1 means they are compatible with no
    difference (and with a sizeable one).
    """
    ref = result.table.loc[result.table["reference"]].iloc[0]
    model = ("Poisson model (the standard model for counts)" if result.family == "poisson" else
             "negative-binomial model (a model for counts that allows them to vary between campaigns more than "
             "chance alone would)")
    sentences = [f"Outcomes per campaign-month by {_words(result.by)}, compared with a {model} over {result.n} "
                 f"campaigns; the reference is {_shown(ref['term'], names, labels)} ({ref['rate']:.2f} outcomes per "
                 "campaign-month)."]
    terms = result.table.loc[~result.table["reference"] & result.table["ci_low"].notna()].assign(
        excludes=lambda t: (t["ci_low"] > 1) | (t["ci_high"] < 1))
    terms = terms.sort_values(["excludes", "rate_ratio"], ascending=[False, False])
    excluding = [_shown(t, names, labels) for t in terms.loc[terms["excludes"], "term"]]
    including = [_shown(t, names, labels) for t in terms.loc[~terms["excludes"], "term"]]
    compatible = "the data are compatible with the reference rate"
    if not excluding and len(including) == 1:
        sentences.append(f"The interval of {including[0]} includes 1: {compatible}.")
    elif not excluding and including:
        sentences.append(f"None of the {len(including)} intervals excludes 1: for every {_words(result.by)} "
                         f"{compatible}.")
    elif excluding and not including:
        sentences.append(f"The interval of {excluding[0]} excludes 1." if len(excluding) == 1
                         else f"All {len(excluding)} intervals exclude 1.")
    elif excluding:
        which = (f"Only the interval of {excluding[0]} excludes 1" if len(excluding) == 1
                 else f"The intervals of {_and_list(excluding)} exclude 1")
        sentences.append(f"{which}; for {'the other' if len(including) == 1 else 'the others'} "
                         f"({_and_list(including)}) {compatible}.")
    shown, rest = terms.head(max_terms), terms.iloc[max_terms:]
    sentences += [f"{_shown(r['term'], names, labels)}: {r['rate_ratio']:.2f} times the reference rate (95% CI "
                  f"{r['ci_low']:.2f} to {r['ci_high']:.2f}; {_p(r['p_holm'])} after Holm correction)."
                  for r in shown.to_dict("records")]
    if len(rest):
        sentences.append(f"The ratio{'s' if len(rest) > 1 else ''} of "
                         f"{_and_list([_shown(t, names, labels) for t in rest['term']])} "
                         f"{'are' if len(rest) > 1 else 'is'} not described one by one here but shown in the "
                         "figure.")
    sentences.append("An interval that excludes 1 means the data are hard to reconcile with equal rates; one that "
                     "includes 1 means they are compatible with no difference (and with a sizeable one).")
    sentences += [f"Caveat: {_relabel(w, names, labels)}." for w in result.warnings]
    return " ".join(sentences)


def describe_substantiation(table: pd.DataFrame, by: str = "country", *, names: Mapping[str, str] | None = None,
                            labels: Mapping[str, str] | None = None) -> str:
    """A plain-language account of :func:`substantiation_by`, group by group.

    Parameters
    ----------
    table
        From :func:`substantiation_by`.
    by
        Its grouping column.
    names, labels
        Country slug -> name and id -> label: each group is looked up in
        ``names``, then ``labels``, and shown as it is if in neither.

    Examples
    --------
    >>> from sparklearn.analysis.outcomes import substantiation_by
    >>> o = pd.DataFrame({"country": ["ghana"] * 5,
    ...                   "substantiation": ["fully", "partially", "disagree", "not-yet", "not-yet"]})
    >>> print(describe_substantiation(substantiation_by(o)))
    Of 5 outcomes, 3 (60%) have been checked with an independent informant, who confirmed 2 fully or partially.
    By country: ghana 3 of 5 checked, 2 confirmed (67%, 95% CI 21% to 94%). Outcomes are not picked for checking
    at random, so a high confirmation rate may reflect which outcomes were checked as much as how sound the
    harvest is.
    """
    total, checked = int(table["n_outcomes"].sum()), int(table["n_checked"].sum())
    confirmed = int((table["n_fully"] + table["n_partially"]).sum())
    parts = []
    for r in table.to_dict("records"):
        part = f"{_shown(r[by], names, labels)} {r['n_checked']} of {r['n_outcomes']} checked"
        if r["n_checked"]:
            part += (f", {r['n_fully'] + r['n_partially']} confirmed ({r['share_confirmed']:.0%}, 95% CI "
                     f"{r['confirmed_low']:.0%} to {r['confirmed_high']:.0%})")
        parts.append(part)
    return (f"Of {total} outcomes, {checked} ({checked / total:.0%}) have been checked with an independent informant, "
            f"who confirmed {confirmed} fully or partially. By {_words(by)}: " + "; ".join(parts) + ". Outcomes are "
            "not picked for checking at random, so a high confirmation rate may reflect which outcomes were checked "
            "as much as how sound the harvest is.")


def describe_distinctive(table: pd.DataFrame, by: str = "country", *, labels: Mapping[str, str] | None = None,
                         top: int = 3, names: Mapping[str, str] | None = None) -> str:
    """A plain-language account of :func:`distinctive_themes`: each group's most distinctive codes.

    Parameters
    ----------
    table
        From :func:`distinctive_themes`.
    by
        Its grouping column.
    labels
        Code id -> label, for the codes named.
    top
        Most codes named per group and direction.
    names
        Country slug -> name, for the groups; a group not in it is looked up in
        ``labels``, then shown as it is.

    Examples
    --------
    >>> t = pd.DataFrame({"country": ["ghana", "ghana"], "code_id": ["X", "Y"], "z": [3.2, -2.9],
    ...                   "coverage": [0.3, 0.01], "coverage_rest": [0.1, 0.08], "direction": ["more", "less"]})
    >>> print(describe_distinctive(t, labels={"X": "Follow the money"}))
    ghana's segments are coded more often with 'Follow the money' (30% of segments against 10% elsewhere, z =
    +3.2); and less often with 'Y' (1% against 8%, z = -2.9). Distinctive means the difference is larger than chance would make it after Holm correction
    within each country (weighted log-odds, Monroe et al. 2008, which keep rarely used codes from looking
    distinctive by chance); segments of one session are
    not independent, so read this as a ranking.
    """
    labels = labels or {}
    sentences = []
    for group, part in table.groupby(by, sort=True):
        group = _shown(group, names, labels)
        def listed(rows: pd.DataFrame, first: bool) -> str:
            items = [f"'{labels.get(r['code_id'], r['code_id'])}' ({r['coverage']:.0%}"
                     + (" of segments against " if first and i == 0 else " against ")
                     + f"{r['coverage_rest']:.0%}{' elsewhere' if first and i == 0 else ''}, z = {r['z']:+.1f})"
                     for i, r in enumerate(rows.to_dict("records"))]
            return _and_list(items, limit=len(items))

        more = part.loc[part["direction"] == "more"].sort_values("z", ascending=False).head(top)
        less = part.loc[part["direction"] == "less"].sort_values("z").head(top)
        if not len(more) and not len(less):
            sentences.append(f"{group} has no code that stands out beyond chance.")
            continue
        clauses = ([f"more often with {listed(more, True)}"] if len(more) else []) + (
            [f"less often with {listed(less, not len(more))}"] if len(less) else [])
        sentences.append(f"{group}'s segments are coded " + "; and ".join(clauses) + ".")
    return " ".join(sentences) + (
        " Distinctive means the difference is larger than chance would make it after Holm correction within each "
        f"{_words(by)} (weighted log-odds, Monroe et al. 2008, which keep rarely used codes from looking distinctive "
        "by chance); segments of one session are not "
        "independent, so read this as a ranking.")


def combination_words(expression: str, labels: Mapping[str, str] | None = None, *, capitals: bool = True) -> str:
    """A QCA expression in words: ``*`` reads "and", ``~`` "not", ``+`` "or".

    Parameters
    ----------
    expression
        A combination (``A*~B``) or a solution (``A*~B + C``), as in the ``term`` and
        ``expression`` columns of :attr:`CaseComparison.solutions`.
    labels
        Condition name -> words (``{"MEDIA": "media work"}``); a name not in it is shown as it is.
    capitals
        Write the connectives AND, NOT, OR in capitals, so that they stand out from
        the conditions' own words in a table.

    Examples
    --------
    >>> combination_words("BROAD_COALITION*~AUDIT_OR_PARLIAMENT", {"BROAD_COALITION": "a broad coalition",
    ...                   "AUDIT_OR_PARLIAMENT": "engagement with audit or parliament"})
    'a broad coalition AND NOT engagement with audit or parliament'
    >>> combination_words("A*~B + C", capitals=False)
    'A and not B, or C'
    """
    labels = labels or {}
    and_, not_, or_ = ("AND", "NOT", "OR") if capitals else ("and", "not", "or")

    def literal(lit: str) -> str:
        name = lit.strip().lstrip("~")
        return (f"{not_} " if lit.strip().startswith("~") else "") + labels.get(name, name)

    return f", {or_} ".join(f" {and_} ".join(literal(x) for x in term.split("*"))
                            for term in expression.split(" + "))


def _boolean_words(expression: str, labels: Mapping[str, str]) -> str:
    """QCA notation in a sentence: ``A*~B + C`` -> ``A AND NOT B, OR C``.

    Capitals keep the logic apart from the conditions' own words ("engagement with audit or parliament").
    """
    return combination_words(expression, labels)


def describe_case_comparison(result: CaseComparison, *, labels: Mapping[str, str] | None = None,
                             names: Mapping[str, str] | None = None) -> str:
    """A plain-language account of :func:`case_comparison`: solutions, their fit and the caveats.

    Parameters
    ----------
    result
        From :func:`case_comparison`.
    labels
        Condition or outcome name -> words (``{"MEDIA": "media work"}``).
    names
        Case (campaign) id or country slug -> name, for the cases listed (looked up in
        ``names``, then ``labels``) and the values named in the caveats; a case in
        neither mapping is shown as it is.

    Examples
    --------
    >>> from sparklearn.analysis.cases import case_comparison
    >>> cases = pd.DataFrame({"campaign_id": list("abcdef"), "A": [1, 1, 0, 1, 1, 0], "B": [1, 0, 1, 0, 1, 1],
    ...                       "Y": [1, 0, 0, 0, 1, 0]})
    >>> print(describe_case_comparison(case_comparison(cases, ["A", "B"], "Y"), labels={"Y": "a win"}))
    Complex solution (no assumptions about configurations no case has): a win where A AND B (consistency 1.00,
    coverage 1.00; cases a, e). Parsimonious solution: A AND B (consistency 1.00, coverage 1.00). Caveats: 3 of
    the 4 possible configurations of 2 conditions are observed in 6 cases; the other 1 are logical remainders
    (limited diversity). 6 cases and 2 conditions: with few cases per condition, random data too can give
    contradiction-free truth tables (Marx and Dusa 2011); read the solutions as hypotheses to check in the
    cases, not as findings.
    """
    labels = labels or {}
    outcome = labels.get(result.outcome.lstrip("~"), result.outcome.lstrip("~"))
    if result.outcome.startswith("~"):
        outcome = f"no {outcome}"
    text = []
    for kind in ("complex", "parsimonious"):
        part = result.solutions.loc[result.solutions["kind"] == kind]
        if not len(part):
            continue
        first = part.loc[part["solution"] == 1].iloc[0]
        fit = f"consistency {first['solution_consistency']:.2f}, coverage {first['solution_coverage']:.2f}"
        if kind == "complex":
            cases = ", ".join(_shown(c, names, labels) for c in dict.fromkeys(
                ";".join(part.loc[part["solution"] == 1, "cases"]).split(";")))
            text.append(f"Complex solution (no assumptions about configurations no case has): {outcome} where "
                        f"{_boolean_words(first['expression'], labels)} ({fit}; cases {cases}).")
        else:
            n_solutions = int(part["solution"].max())
            models = "; ".join(_boolean_words(e, labels) for e in part["expression"].unique())
            n_assumed = result.simplifying_assumptions["configuration"].nunique()
            assumed = f", resting on {_count(n_assumed, 'simplifying assumption')} about configurations no case has" \
                if n_assumed else ""
            text.append(f"Parsimonious solution{'s' if n_solutions > 1 else ''}"
                        f"{f' ({n_solutions}, equally minimal)' if n_solutions > 1 else ''}: {models} ({fit}"
                        f"{assumed}).")
    if not text:
        text.append(f"No configuration of conditions is consistently linked to {outcome}.")
    # Caveats name cases, not conditions; short condition names ("A") could match ordinary words.
    caveats = [_relabel(w, names, None) for w in result.warnings]
    return " ".join(text) + " Caveats: " + " ".join(f"{w[:1].upper()}{w[1:]}." for w in caveats)
