"""Agreement between coders on double-coded reflection sessions.

Analysis stage: codings and segments in, tidy tables out; no files and no prose (the
sentences are :func:`sparklearn.report.words.describe_agreement`, the Excel agenda for
the coders' reconciliation meeting :func:`sparklearn.report.sheets.disagreements_to_excel`).
Country leads have a sample of sessions coded by two (or more) coders; this module says
how far the coders agree, code by code and over all codes (:func:`agreement`, built on
:func:`coefficients` for any units x coders matrix and :func:`reliability_matrix`),
lists the disagreements to talk through (:func:`disagreements`) and what each coder
did (:func:`coder_summary`).

Every number here depends less on the formula than on what counts as a unit and which
coder saw it, so the module is shaped around the decisions below, made once and used
by every function; the coefficients themselves come from well-kept libraries.

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

**Too few units.** Fewer than :data:`~sparklearn.analysis.alpha.MIN_UNITS` (10) units
coded by two or more coders: the coefficients are computed but ``too_few_units`` is
True and the note says so; the reader text gives no figure then (the reasons and the
source, Krippendorff 2004, are in :mod:`sparklearn.analysis.alpha`).

**Missing values** in any spreadsheet form (empty, blank, ``NA``, ``N/A``, ``#N/A``,
``-``, None, NaN, pd.NA: :data:`~sparklearn.analysis.alpha.MISSING_MARKERS`) are
missing, never a category, in the ratings of :func:`coefficients` and in the key
columns of the codings (a coding without a code is no coding).

**What is reported.** Percent agreement; the agreement expected by chance
(``expected_agreement``, Pe, in percent: Cohen's from each coder's own shares with two
coders, Fleiss' from the pooled shares with more), so that kappa = (Po - Pe) / (1 - Pe);
Bennett, Alpert and Goldstein's (1954) S, chance = 1 / number of categories (with three
or more coders Randolph's generalisation); Cohen's kappa with its asymptotic standard
error and interval (Fleiss, Cohen and Everitt 1969, as statsmodels computes them);
Fleiss' kappa; Krippendorff's alpha with Hayes and Krippendorff's (2007) bootstrap
interval and the probabilities that it is below 0.667 and 0.800
(:mod:`sparklearn.analysis.alpha`). The bootstrap, like kappa's standard error, treats
units as independent; segments of one session, and the codes of one segment in the
pooled row, are not, so read the intervals as the least uncertainty there is.
Per-unit agreement of rating tables is :func:`sparklearn.analysis.alpha.unit_agreement`;
for codings, :func:`disagreements` lists each unit and code the coders disagree on.

Libraries: Krippendorff's alpha from the ``krippendorff`` package (missing values as
NaN), its interval from :mod:`sparklearn.analysis.alpha`; Cohen's and Fleiss' kappa,
kappa's standard error and Bennett's S (``fleiss_kappa(method="randolph")``) from
:mod:`statsmodels.stats.inter_rater`. The subjects x categories table for Fleiss' kappa
is the one :func:`statsmodels.stats.inter_rater.aggregate_raters` returns; for 0/1 data
it is ``[coders - k, k]`` per unit (k = coders who applied the code), which we build
vectorised because ``aggregate_raters`` loops over rows in Python (seconds for a
million units); a test checks the two agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from statsmodels.stats.inter_rater import cohens_kappa, fleiss_kappa

from sparklearn.analysis.alpha import (
    ALPHA_RELIABLE,
    ALPHA_TENTATIVE,
    BOOTSTRAP_SEED,
    CONFIDENCE,
    MIN_UNITS,
    N_BOOT,
    Encoded,
    Level,
    alpha_summary,
    distinct,
    encode,
    is_missing,
    q_column,
)
from sparklearn.exceptions import ParameterError
from sparklearn.frames import require_columns

#: ``code_id`` of the pooled row of :func:`agreement`.
ALL_CODES = "all codes"


#: Columns of :func:`agreement`.
AGREEMENT_COLUMNS = [
    "code_id", "unit", "with_uncoded", "n_units", "n_complete", "n_uncoded", "n_applied",
    "n_coders", "coders", "percent_agreement", "expected_agreement", "bennett_s", "cohen_kappa",
    "cohen_kappa_se", "cohen_kappa_ci_low", "cohen_kappa_ci_high", "fleiss_kappa",
    "krippendorff_alpha", "alpha_ci_low", "alpha_ci_high", q_column(ALPHA_TENTATIVE),
    q_column(ALPHA_RELIABLE), "too_few_units", "note",
]


#: Columns of :func:`disagreements`.
DISAGREEMENT_COLUMNS = [
    "country", "session_id", "segment_id", "code_id", "applied_by", "not_applied_by",
    "n_applied", "n_coders", "memos", "text",
]


#: Columns of :func:`coder_summary`.
CODER_SUMMARY_COLUMNS = [
    "coder", "n_sessions", "n_segments", "n_codings", "n_codes", "n_double_coded_sessions",
]


#: Below this many segments with the code, a per-code row gets a "rests on few cases" note.
FEW_APPLIED = 5


_CODING_COLUMNS = ["session_id", "segment_id", "code_id", "coder"]


PLACED_SEGMENT_COLUMNS = ["segment_id", "session_id"]


# --------------------------------------------------------------------------- inputs


def _clean_codings(codings: pd.DataFrame) -> pd.DataFrame:
    require_columns(codings, _CODING_COLUMNS, "codings")
    # A coding without its session, segment, code or coder (in any spreadsheet form) is no coding.
    keep = ~is_missing(codings[_CODING_COLUMNS].to_numpy(dtype=object)).any(axis=1)
    out = codings.loc[keep].copy()
    for c in _CODING_COLUMNS:
        out[c] = out[c].astype(str)
    if "memo" not in out.columns:
        out["memo"] = pd.NA
    if "country" not in out.columns:
        out["country"] = pd.NA
    return out


def _pick_coders(codings: pd.DataFrame, coders: Sequence[str] | None) -> list[str]:
    present = sorted(codings["coder"].unique())
    if coders is None:
        return present
    if isinstance(coders, str):
        coders = [coders]
    chosen = list(dict.fromkeys(str(c) for c in coders))
    unknown = [c for c in chosen if c not in present]
    if unknown:
        raise ParameterError(
            f"coder {unknown[0]!r} has no codings in the table; coders present: "
            f"{', '.join(present) or 'none'}. Fix: spell the coder as in the coding sheets' "
            f"'coder' column")
    if len(chosen) < 2:
        raise ParameterError(
            f"agreement compares at least two coders, got only {chosen!r}. Fix: name two or "
            f"more of {', '.join(present)} (or leave coders=None to compare them all)")
    return chosen


class _Material:
    """The double-coded material: units (segments), coders, who saw what, what was applied."""

    def __init__(self, codings: pd.DataFrame, segments: pd.DataFrame | None,
                 coders: Sequence[str] | None) -> None:
        codings = _clean_codings(codings)
        self.coders = _pick_coders(codings, coders)
        self.segments_given = segments is not None
        codings = codings.loc[codings["coder"].isin(self.coders)]
        seen = codings[["session_id", "coder"]].drop_duplicates()
        n_seen = seen.groupby("session_id")["coder"].size()
        double = n_seen.index[n_seen >= 2]
        self.codings = codings.loc[codings["session_id"].isin(double)]
        units = self.codings[["segment_id", "session_id"]]
        if segments is not None:
            require_columns(segments, PLACED_SEGMENT_COLUMNS, "segments")
            extra = segments.loc[segments["session_id"].astype(str).isin(double), PLACED_SEGMENT_COLUMNS]
            units = pd.concat([units, extra.astype(str)], ignore_index=True)
        # A segment id names its session, so the first session seen for it is the one.
        units = units.drop_duplicates("segment_id").sort_values(["session_id", "segment_id"])
        self.units = units.reset_index(drop=True)
        unit_ix = pd.Series(np.arange(len(self.units)), index=self.units["segment_id"])
        coder_ix = pd.Series(np.arange(len(self.coders)), index=self.coders)

        # Who coded the unit's session: 0, everyone else missing.
        self.available = np.full((len(self.units), len(self.coders)), np.nan)
        saw = self.units.reset_index().merge(seen, on="session_id")
        self.available[saw["index"].to_numpy(), coder_ix[saw["coder"]].to_numpy()] = 0.0

        applied = self.codings[["segment_id", "coder", "code_id"]].drop_duplicates()
        self.applied = pd.DataFrame({
            "unit": unit_ix[applied["segment_id"]].to_numpy(),
            "coder": coder_ix[applied["coder"]].to_numpy(),
            "code_id": applied["code_id"].to_numpy(),
        })
        self.coded = np.zeros(len(self.units), dtype=bool)
        self.coded[self.applied["unit"].to_numpy()] = True

    def codes(self, keep: np.ndarray) -> list[str]:
        """Codes applied at least once on the kept units."""
        return sorted(self.applied.loc[keep[self.applied["unit"].to_numpy()], "code_id"].unique())

    def matrix(self, code_id: str) -> np.ndarray:
        """Units x coders: 1 applied, 0 not applied, NaN coder did not code the session."""
        m = self.available.copy()
        rows = self.applied.loc[self.applied["code_id"] == code_id]
        m[rows["unit"].to_numpy(), rows["coder"].to_numpy()] = 1.0
        return m


# --------------------------------------------------------------------------- statistics


def _as_matrix(ratings, level: Level, order: Sequence | None) -> Encoded:
    """Units x coders as numbers, NaN where missing in any form (see :func:`~sparklearn.analysis.alpha.encode`)."""
    frame = pd.DataFrame(ratings)
    names = list(frame.columns)
    # Rows as a spreadsheet with a header row numbers them.
    return encode(frame.to_numpy(), level, order,
                  where=lambda i: {"row": i // len(names) + 2, "column": str(names[i % len(names)])})


def _kappas(complete: np.ndarray, domain: np.ndarray, confidence: float) -> dict:
    """Cohen's kappa with its standard error and interval, Fleiss' kappa, Pe and Bennett's S."""
    index = np.searchsorted(domain, complete).astype(int)
    n_cat = len(domain)
    # The subjects x categories table aggregate_raters builds, without its row loop.
    counts = (index[:, :, None] == np.arange(n_cat)).sum(axis=1)
    out = {"fleiss_kappa": float(fleiss_kappa(counts)),
           # Chance = 1 / categories: Bennett et al.'s S, and Randolph's kappa with more coders.
           "bennett_s": float(fleiss_kappa(counts, method="randolph"))}
    if complete.shape[1] != 2:
        shares = counts.sum(axis=0) / counts.sum()
        return out | {"expected_agreement": 100.0 * float(shares @ shares)}
    table = np.bincount(index[:, 0] * n_cat + index[:, 1], minlength=n_cat ** 2).reshape(n_cat, n_cat)
    # On a handful of units the asymptotic variance can come out below zero: no standard error then.
    with np.errstate(invalid="ignore"):
        result = cohens_kappa(table)
    se = float(result.std_kappa)
    low, high = ((np.nan, np.nan) if not np.isfinite(se) else (result.kappa, result.kappa) if se == 0
                 else result.distribution_kappa.interval(confidence))
    return out | {"cohen_kappa": float(result.kappa), "cohen_kappa_se": se,
                  "cohen_kappa_ci_low": float(low), "cohen_kappa_ci_high": float(high),
                  "expected_agreement": 100.0 * float(table.sum(axis=1) @ table.sum(axis=0)) / table.sum() ** 2}


def coefficients(ratings, *, level: Level = "nominal", order: Sequence | None = None,
                 n_boot: int = N_BOOT, seed: int | None = BOOTSTRAP_SEED,
                 confidence: float = CONFIDENCE) -> dict:
    """Percent and chance agreement, Bennett's S, Cohen's and Fleiss' kappa, Krippendorff's alpha.

    Parameters
    ----------
    ratings
        A units x coders array or DataFrame of values (numbers or text), missing in
        any spreadsheet form where a coder did not code the unit.
    level, order
        Alpha's level of measurement and, for ordinal text, the categories lowest first
        (:func:`sparklearn.analysis.alpha.encode`); the other coefficients treat the
        values as categories.
    n_boot, seed, confidence
        Alpha's bootstrap (resamples, 0 for none; seed) and the level of both intervals.

    Returns
    -------
    dict
        n_units (units with two or more values: percent agreement and alpha),
        n_complete (units every coder coded: kappa, Pe and S),
        percent_agreement (0-100, share of units on which all their coders agree),
        expected_agreement (0-100, Pe: chance agreement behind Cohen's kappa with two
        coders, Fleiss' with more), bennett_s, cohen_kappa (NaN unless exactly two
        coders), cohen_kappa_se, cohen_kappa_ci_low, cohen_kappa_ci_high (asymptotic),
        fleiss_kappa, krippendorff_alpha, alpha_ci_low, alpha_ci_high (bootstrap),
        q_below_0.667 and q_below_0.800 (probability that alpha is below), too_few_units
        (fewer than 10 units), note (why a value is undefined or doubtful, in words; ""
        if none).

    Examples
    --------
    Krippendorff (2011), binary example: two coders, ten units.

    >>> a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    >>> b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    >>> c = coefficients(np.column_stack([a, b]))
    >>> round(c["krippendorff_alpha"], 3), c["percent_agreement"], c["too_few_units"]
    (0.095, 60.0, False)
    """
    encoded = _as_matrix(ratings, level, order)
    m = encoded.codes
    minimums = (ALPHA_TENTATIVE, ALPHA_RELIABLE)
    out = {key: np.nan for key in (
        "percent_agreement", "expected_agreement", "bennett_s", "cohen_kappa", "cohen_kappa_se",
        "cohen_kappa_ci_low", "cohen_kappa_ci_high", "fleiss_kappa", "krippendorff_alpha",
        "alpha_ci_low", "alpha_ci_high", *map(q_column, minimums))}
    notes: list[str] = []
    n_present = (~np.isnan(m)).sum(axis=1)
    pairable = m[n_present >= 2]
    complete = m[n_present == m.shape[1]] if m.shape[1] >= 2 else m[:0]
    out |= {"n_units": len(pairable), "n_complete": len(complete), "too_few_units": len(pairable) < MIN_UNITS}
    if m.shape[1] < 2:
        out["note"] = "agreement needs at least two coders"
        return out
    if len(pairable) == 0:
        out["note"] = "no segment was coded by two or more of these coders"
        return out
    out["percent_agreement"] = 100.0 * float(
        np.mean(np.nanmin(pairable, axis=1) == np.nanmax(pairable, axis=1)))
    values = distinct(pairable[~np.isnan(pairable)])
    if len(values) < 2:
        shown = encoded.labels.get(float(values[0]), f"{values[0]:g}")
        notes.append(f"no variation (every value is {shown}): kappa and alpha are undefined")
    elif len(pairable) < 2:
        notes.append("only one unit to compare: kappa and alpha are undefined")
    else:
        alpha = alpha_summary(pairable, encoded.domain, level, n_boot=n_boot, seed=seed,
                              confidence=confidence, minimums=minimums)
        out |= {"krippendorff_alpha": alpha["alpha"], "alpha_ci_low": alpha["ci_low"],
                "alpha_ci_high": alpha["ci_high"], **{q_column(v): alpha[q_column(v)] for v in minimums}}
        if len(complete) < 2 or complete.min() == complete.max():
            notes.append("fewer than two units coded by all coders, or no variation among "
                         "them: Cohen's and Fleiss' kappa are undefined")
        else:
            out |= _kappas(complete, encoded.domain, confidence)
    if m.shape[1] != 2:
        notes.append("Cohen's kappa compares exactly two coders; see Fleiss' kappa and alpha")
    if out["too_few_units"]:
        notes.append(f"only {len(pairable)} unit(s) coded by two or more coders, fewer than {MIN_UNITS}: "
                     f"too few for the coefficients to mean much")
    out["note"] = "; ".join(notes)
    return out


def _binary_agreement(m: np.ndarray, n_boot: int = N_BOOT, seed: int | None = BOOTSTRAP_SEED) -> dict:
    """:func:`coefficients` plus n_applied (units where some coder applied the code)."""
    out = coefficients(m, n_boot=n_boot, seed=seed)
    out["note"] = out["note"].replace(
        "every value is 1", "every coder applied it to every segment").replace(
        "every value is 0", "no coder applied it to any of these segments")
    pairable = m[(~np.isnan(m)).sum(axis=1) >= 2]
    out["n_applied"] = int((np.nan_to_num(pairable) > 0).any(axis=1).sum())
    return out


def agreement(codings: pd.DataFrame, segments: pd.DataFrame | None = None, *,
              coders: Sequence[str] | None = None,
              include_uncoded: bool | Literal["both"] = True,
              n_boot: int = N_BOOT, seed: int | None = BOOTSTRAP_SEED) -> pd.DataFrame:
    """Agreement between coders per code and over all codes, on double-coded segments.

    Parameters
    ----------
    codings
        Codings table (session_id, segment_id, code_id, coder; other columns ignored).
    segments
        Segments table (segment_id, session_id); when given, segments no coder coded
        are units too. See the module docstring for every decision.
    coders
        The coders to compare (at least two); default every coder in ``codings``.
    include_uncoded
        Keep segments to which no compared coder applied any code (True), drop them
        (False), or return both versions (``"both"``).
    n_boot, seed
        Resamples for alpha's bootstrap interval (0: none) and their seed; each row
        is resampled from the same seed, so a row's interval does not depend on the others.

    Returns
    -------
    pandas.DataFrame
        One row per code, then the pooled ``"all codes"`` row (per ``with_uncoded``):
        code_id, unit ("segment" or "segment x code"), with_uncoded, n_units (units
        coded by two or more coders: percent agreement, alpha), n_complete (units coded
        by all coders: Cohen's and Fleiss' kappa), n_uncoded (units no coder coded),
        n_applied (units where at least one coder applied the code), n_coders, coders
        (";"-joined), percent_agreement (0-100), expected_agreement (0-100, Pe),
        bennett_s, cohen_kappa, cohen_kappa_se, cohen_kappa_ci_low, cohen_kappa_ci_high
        (95%), fleiss_kappa, krippendorff_alpha, alpha_ci_low, alpha_ci_high (95%,
        bootstrap), q_below_0.667 and q_below_0.800 (probability that alpha is below),
        too_few_units (fewer than 10 units), note (why a value is undefined or doubtful,
        in words; "" if none). See :func:`coefficients`.

    Raises
    ------
    ParameterError
        ``coders`` names a coder without codings, or fewer than two coders.
    InputError
        A required column is missing.

    Examples
    --------
    >>> codings = pd.DataFrame({
    ...     "session_id": ["S1"] * 5,
    ...     "segment_id": ["S1-T001", "S1-T002", "S1-T003", "S1-T001", "S1-T003"],
    ...     "code_id": ["A", "A", "B", "A", "A"],
    ...     "coder": ["ann", "ann", "ann", "bo", "bo"]})
    >>> t = agreement(codings)
    >>> t[["code_id", "n_units", "percent_agreement"]]
         code_id  n_units  percent_agreement
    0          A        3          33.333333
    1          B        3          66.666667
    2  all codes        6          50.000000
    """
    if include_uncoded == "both":
        return pd.concat([agreement(codings, segments, coders=coders, include_uncoded=flag,
                                    n_boot=n_boot, seed=seed)
                          for flag in (True, False)], ignore_index=True)
    if include_uncoded not in (True, False):
        raise ParameterError(f"include_uncoded must be True, False or 'both', got {include_uncoded!r}")
    codings = _clean_codings(codings)
    present = sorted(codings["coder"].unique())
    base = {"with_uncoded": bool(include_uncoded)}
    if coders is None and len(present) < 2:
        who = f"only one coder ({present[0]}) in the codings" if present else "no codings"
        row = {**_binary_agreement(np.empty((0, 2))), **base, "code_id": ALL_CODES,
               "unit": "segment x code", "n_uncoded": 0, "n_coders": len(present),
               "coders": ";".join(present),
               "note": f"{who}: agreement needs at least two coders coding the same sessions"}
        return _tidy([row])
    material = _Material(codings, segments, coders)
    keep = np.ones(len(material.units), dtype=bool) if include_uncoded else material.coded
    base |= {"n_coders": len(material.coders), "coders": ";".join(material.coders)}
    caveat = ("no segments table: segments no coder coded are unknown and not counted"
              if include_uncoded and not material.segments_given else "")
    rows, stacked = [], []
    n_uncoded = int((~material.coded[keep]).sum())
    for code in material.codes(keep):
        m = material.matrix(code)[keep]
        stacked.append(m)
        row = {**_binary_agreement(m, n_boot, seed), **base, "code_id": code, "unit": "segment",
               "n_uncoded": n_uncoded}
        if row["n_applied"] < FEW_APPLIED:
            # One stray coding gives kappa 0 or below however well the coders agree otherwise.
            few = (f"applied on only {row['n_applied']} segment(s): "
                   f"the coefficients rest on very few cases")
            row["note"] = "; ".join(n for n in (few, row["note"]) if n)
        rows.append(row)
    pooled = np.vstack(stacked) if stacked else np.empty((0, len(material.coders)))
    row = {**_binary_agreement(pooled, n_boot, seed), **base, "code_id": ALL_CODES, "unit": "segment x code",
           "n_uncoded": n_uncoded * len(stacked)}
    if not stacked:
        row["note"] = "no session was coded by two or more of these coders"
    rows.append(row)
    for r in rows:
        r["note"] = "; ".join(n for n in (r["note"], caveat) if n)
    return _tidy(rows)


def _tidy(rows: list[dict]) -> pd.DataFrame:
    out = pd.DataFrame(rows).reindex(columns=AGREEMENT_COLUMNS)
    for c in ("n_units", "n_complete", "n_uncoded", "n_applied", "n_coders"):
        out[c] = out[c].astype(int)
    numbers = AGREEMENT_COLUMNS[AGREEMENT_COLUMNS.index("percent_agreement"):-2]
    out[numbers] = out[numbers].astype(float)
    out[["with_uncoded", "too_few_units"]] = out[["with_uncoded", "too_few_units"]].astype(bool)
    return out


def reliability_matrix(codings: pd.DataFrame, code_id: str, segments: pd.DataFrame | None = None,
                       *, coders: Sequence[str] | None = None) -> pd.DataFrame:
    """The segment x coder presence matrix of one code on the double-coded material.

    Returns
    -------
    pandas.DataFrame
        Index segment_id, one column per coder: 1.0 applied, 0.0 not applied, NaN the
        coder did not code that session.

    Examples
    --------
    >>> codings = pd.DataFrame({"session_id": ["S1", "S1", "S2"],
    ...     "segment_id": ["S1-T001", "S1-T002", "S2-T001"], "code_id": ["A", "B", "A"],
    ...     "coder": ["ann", "bo", "ann"]})
    >>> reliability_matrix(codings, "A")
                 ann   bo
    segment_id
    S1-T001      1.0  0.0
    S1-T002      0.0  0.0
    """
    material = _Material(codings, segments, coders)
    return pd.DataFrame(material.matrix(str(code_id)), columns=material.coders,
                        index=pd.Index(material.units["segment_id"], name="segment_id"))


# --------------------------------------------------------------------------- reconciliation


def disagreements(codings: pd.DataFrame, segments: pd.DataFrame | None = None, *,
                  coders: Sequence[str] | None = None, excerpt_chars: int = 200) -> pd.DataFrame:
    """Every segment and code on which the coders disagree, for the reconciliation meeting.

    A disagreement is a code that some, but not all, of the coders who coded the
    segment's session applied to the segment.

    Parameters
    ----------
    codings, segments, coders
        As for :func:`agreement`. With ``segments`` the (pseudonymised) segment text
        is shown, cut to at most ``excerpt_chars`` characters at a word boundary.

    Returns
    -------
    pandas.DataFrame
        country, session_id, segment_id, code_id, applied_by and not_applied_by
        (";"-joined coders), n_applied, n_coders (coders who coded the session), memos
        ("coder: memo" of the coders who applied it, " | "-joined), text (the excerpt;
        missing without ``segments``); sorted by session, segment and code.

    Examples
    --------
    >>> codings = pd.DataFrame({"session_id": ["S1"] * 3,
    ...     "segment_id": ["S1-T001", "S1-T001", "S1-T002"], "code_id": ["A", "A", "B"],
    ...     "coder": ["ann", "bo", "bo"], "memo": [None, None, "unsure"]})
    >>> disagreements(codings)[["segment_id", "code_id", "applied_by", "not_applied_by", "memos"]]
      segment_id code_id applied_by not_applied_by       memos
    0    S1-T002       B         bo            ann  bo: unsure
    """
    codings = _clean_codings(codings)
    if coders is None and codings["coder"].nunique() < 2:
        return pd.DataFrame(columns=DISAGREEMENT_COLUMNS)
    material = _Material(codings, segments, coders)
    names = np.asarray(material.coders, dtype=object)
    applied = material.applied.assign(coder=names[material.applied["coder"].to_numpy()])
    n_present = (~np.isnan(material.available)).sum(axis=1)
    per = applied.groupby(["unit", "code_id"], sort=False).agg(
        applied_by=("coder", lambda s: ";".join(sorted(s))), n_applied=("coder", "size"))
    per = per.reset_index()
    per["n_coders"] = n_present[per["unit"].to_numpy()]
    per = per.loc[per["n_applied"] < per["n_coders"]]

    # Coders who saw the session but did not apply the code: present pairs minus applied.
    units, coder_ix = np.nonzero(~np.isnan(material.available))
    saw = pd.DataFrame({"unit": units, "coder": names[coder_ix]})
    absent = per[["unit", "code_id"]].merge(saw, on="unit").merge(
        applied, on=["unit", "code_id", "coder"], how="left", indicator=True)
    absent = absent.loc[absent["_merge"] == "left_only"]
    not_by = absent.groupby(["unit", "code_id"])["coder"].agg(lambda s: ";".join(sorted(s)))
    per = per.merge(not_by.rename("not_applied_by").reset_index(), on=["unit", "code_id"], how="left")

    memo = material.codings.loc[material.codings["memo"].notna()
                                & (material.codings["memo"].astype(str).str.strip() != "")]
    memo = memo.assign(line=memo["coder"] + ": " + memo["memo"].astype(str))
    memo = memo.groupby(["segment_id", "code_id"])["line"].agg(" | ".join).rename("memos")

    per = per.assign(segment_id=material.units["segment_id"].to_numpy()[per["unit"].to_numpy()],
                     session_id=material.units["session_id"].to_numpy()[per["unit"].to_numpy()])
    per = per.merge(memo.reset_index(), on=["segment_id", "code_id"], how="left")
    country = material.codings.drop_duplicates("segment_id").set_index("segment_id")["country"]
    per["country"] = per["segment_id"].map(country)
    if segments is not None and "text" in segments.columns:
        text = segments.assign(segment_id=segments["segment_id"].astype(str)) \
            .drop_duplicates("segment_id").set_index("segment_id")["text"].astype(str)
        # An excerpt is read in a table cell: paragraph breaks become spaces.
        text = text.str.replace(r"\s+", " ", regex=True).str.strip()
        cut = text.str.slice(0, excerpt_chars)
        # Cut at a word boundary so the excerpt does not end in half a word.
        text = cut.where(text.str.len() <= excerpt_chars,
                         cut.str.replace(r"\s+\S*$", "", regex=True) + "…")
        per["text"] = per["segment_id"].map(text)
    else:
        per["text"] = pd.NA
    per = per.sort_values(["session_id", "segment_id", "code_id"]).reset_index(drop=True)
    return per.reindex(columns=DISAGREEMENT_COLUMNS)


def coder_summary(codings: pd.DataFrame, *, coders: Sequence[str] | None = None) -> pd.DataFrame:
    """How much each coder coded, and how much of it another coder also coded.

    Returns
    -------
    pandas.DataFrame
        coder, n_sessions, n_segments, n_codings (distinct segment-code pairs), n_codes
        (distinct codes), n_double_coded_sessions (sessions also coded by another of
        the coders); sorted by coder.

    Examples
    --------
    >>> codings = pd.DataFrame({"session_id": ["S1", "S1", "S2"],
    ...     "segment_id": ["S1-T001", "S1-T001", "S2-T001"], "code_id": ["A", "A", "B"],
    ...     "coder": ["ann", "bo", "ann"]})
    >>> coder_summary(codings)[["coder", "n_sessions", "n_double_coded_sessions"]]
      coder  n_sessions  n_double_coded_sessions
    0   ann           2                        1
    1    bo           1                        1
    """
    codings = _clean_codings(codings)
    if coders is not None:
        codings = codings.loc[codings["coder"].isin(_pick_coders(codings, coders))]
    pairs = codings[["coder", "segment_id", "code_id"]].drop_duplicates()
    seen = codings[["session_id", "coder"]].drop_duplicates()
    double = seen.groupby("session_id")["coder"].transform("size") >= 2
    out = pd.DataFrame({
        "n_sessions": seen.groupby("coder").size(),
        "n_segments": codings.groupby("coder")["segment_id"].nunique(),
        "n_codings": pairs.groupby("coder").size(),
        "n_codes": codings.groupby("coder")["code_id"].nunique(),
        "n_double_coded_sessions": seen.loc[double].groupby("coder").size(),
    }).fillna(0).astype(int)
    return out.rename_axis("coder").reset_index().reindex(columns=CODER_SUMMARY_COLUMNS)
