"""(from compare.py)
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

(from pipeline.py)
The batch: prepare every country, run the notebooks with papermill, render HTML reports.

``run_batch`` is what ``sparklearn run`` calls. In order, it

1. plans the notebooks: ``notebooks/country.py`` once per country, the optional
   notebooks a lead put in ``notebooks/countries/<slug>[-topic].py``, and
   ``notebooks/comparison.py`` over all of them;
2. checks every parameter against the notebook's ``parameters`` cell *before* any
   kernel starts (papermill itself only warns about an unknown parameter);
3. prepares each country's processed tables (skipped when its inputs did not change)
   and hands its notebooks to a pool of workers as soon as they are ready;
4. runs each notebook with papermill (read with jupytext: papermill cannot read a
   ``.py`` notebook), keeps the executed ``.ipynb`` and renders its HTML report with
   nbconvert in this process, through sparklearn's own template (no code, no scripts,
   nothing from the network, figures embedded, a table of contents, a provenance
   footer);
5. writes ``reports/index.html``.

A notebook's cache key is the SHA-256 of its source, its parameters, the hashes of
its input files, the sparklearn version and a fingerprint of the library's own files
(so that a fix in a module re-runs the reports it changes even before the version is
bumped). Keys live in ``reports/.cache.json`` beside the outputs they describe; a
failed notebook is never cached, so it runs again until it succeeds.

Workers are threads, not processes: the work happens in the kernels (separate
processes), and a thread only relays messages and renders; threads spare each
worker the second or so of importing papermill and nbconvert again.

Kernels come warm: each notebook still gets a kernel process of its own, but forked
from a server that imported pandas, matplotlib, statsmodels and sparklearn once
(:mod:`sparklearn.kernels`); on the demo batch that halves the kernels' start-up and
a third of the whole run. ``run_batch(warm_kernels=False)`` (``sparklearn run
--fresh-kernels``) starts every kernel from scratch, and the batch falls back to that
by itself where the server cannot run. Report figures are drawn once and cropped
(:func:`figure_png`), not laid out twice and PNG-encoded twice by ``savefig``.

Every output is written to a temporary file in its folder and moved into place with
``os.replace``, so an interrupted run leaves the previous reports whole.

Notebook-side helpers (``notebook_paths``, ``country_tables``, ``report_setup``) live
here too because they are report plumbing; this module imports papermill, nbconvert
and jupytext only inside the functions that need them, so that a kernel importing
it stays quick to start.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sparklearn.config import Paths, resolve_paths
from sparklearn.exceptions import InputError
from sparklearn.files import _sha256_file

#: Processed tables read per country (see ``sparklearn.prepare``).
TABLES = ("sessions", "segments", "codings", "outcomes")


#: Columns of each processed table when no country has rows (the data contract).
_EMPTY_COLUMNS = {
    "sessions": ["session_id", "country", "campaign_ids", "date", "round"],
    "segments": ["segment_id", "session_id", "country", "turn"],
    "codings": ["country", "session_id", "segment_id", "code_id", "coder"],
    "outcomes": ["outcome_id", "country", "campaign_id", "date", "actor_type", "outcome_area",
                 "type_of_change", "level", "strategic_components", "valence", "substantiation"],
}


_RUN_FIRST = "run `sparklearn run` first (it prepares data/processed/<country>/), or point processed_dir at its output"


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class Stacked:
    """Processed tables of several countries stacked; every table keeps its ``country`` column.

    ``sessions``, ``segments``, ``codings`` and ``outcomes`` follow the data contract
    (see ``sparklearn.prepare``); ``countries`` lists the slugs read, in order.
    """

    countries: tuple[str, ...]
    sessions: pd.DataFrame
    segments: pd.DataFrame
    codings: pd.DataFrame
    outcomes: pd.DataFrame


def load_processed(
    processed_dir: str | Path,
    countries: Sequence[str] | None = None,
    *,
    period_start: str | None = None,
    period_end: str | None = None,
) -> Stacked:
    """Read every country's processed tables and stack them.

    Parameters
    ----------
    processed_dir
        The ``processed`` folder, holding one ``<country>/`` folder with
        ``sessions.parquet``, ``segments.parquet``, ``codings.parquet`` and
        ``outcomes.parquet`` per country.
    countries
        Slugs to read, in order; default: every sub-folder holding ``sessions.parquet``.
    period_start, period_end
        ``"YYYY-MM-DD"`` bounds (inclusive) on session and outcome dates, as in the
        country notebooks; segments and codings follow their sessions.

    Returns
    -------
    Stacked
        The four tables, rows of all countries one after the other.

    Raises
    ------
    InputError
        Naming the missing folder or file and the fix (run ``sparklearn run`` first).

    Examples
    --------
    >>> import tempfile
    >>> load_processed(tempfile.mkdtemp())
    Traceback (most recent call last):
    ...
    sparklearn.exceptions.InputError: ...: no country folder holds processed tables. Fix: run `sparklearn run` first...
    """
    folder = Path(processed_dir)
    if not folder.is_dir():
        raise InputError("the processed-tables folder does not exist", file=folder, fix=_RUN_FIRST)
    if countries is None:
        countries = sorted(p.name for p in folder.iterdir() if (p / "sessions.parquet").is_file())
        if not countries:
            raise InputError("no country folder holds processed tables", file=folder, fix=_RUN_FIRST)
    countries = tuple(countries)
    frames: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    for slug in countries:
        if not (folder / slug).is_dir():
            raise InputError(f"no processed tables for country '{slug}'", file=folder / slug,
                             fix=f"run `sparklearn run --countries {slug}` first, or check the slug's spelling")
        for name in TABLES:
            path = folder / slug / f"{name}.parquet"
            if not path.is_file():
                raise InputError(f"the processed {name} table of '{slug}' is missing", file=path,
                                 fix=f"run `sparklearn run --countries {slug}` again")
            frames[name].append(pd.read_parquet(path))

    def stack(name: str) -> pd.DataFrame:
        parts = [f for f in frames[name] if len(f)]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_EMPTY_COLUMNS[name])

    sessions, segments, codings, outcomes = (stack(name) for name in TABLES)
    if period_start is not None or period_end is not None:
        sessions = sessions.loc[_in_period(sessions["date"], period_start, period_end)].reset_index(drop=True)
        segments = segments.loc[segments["session_id"].isin(sessions["session_id"])].reset_index(drop=True)
        codings = codings.loc[codings["session_id"].isin(sessions["session_id"])].reset_index(drop=True)
        outcomes = outcomes.loc[_in_period(outcomes["date"], period_start, period_end)].reset_index(drop=True)
    return Stacked(countries, sessions, segments, codings, outcomes)


def _in_period(dates: pd.Series, start: str | None, end: str | None) -> pd.Series:
    """Dates within [start, end]; an undated row is kept (it cannot be placed outside)."""
    dates = pd.to_datetime(dates, errors="coerce")
    keep = pd.Series(True, index=dates.index)
    if start is not None:
        keep &= ~(dates < pd.Timestamp(start))
    if end is not None:
        keep &= ~(dates > pd.Timestamp(end))
    return keep


# --------------------------------------------------------------------------- in notebooks

def notebook_paths(data_dir: str | Path | None = None, processed_dir: str | Path | None = None) -> Paths:
    """The folders a notebook reads, from its ``data_dir`` and ``processed_dir`` parameters.

    ``None`` means the default (``$SPARKLEARN_DATA`` or the demo data; the repository's
    ``data/processed``), so a lead can run the notebook in JupyterLab as it is.

    Examples
    --------
    >>> notebook_paths("/data/spark", "/out/processed").processed.name
    'processed'
    """
    base = resolve_paths(data_dir)
    processed = Path(processed_dir).expanduser().resolve() if processed_dir else base.processed
    return Paths(raw=base.raw, processed=processed, reports=base.reports)


@dataclass(frozen=True)
class CountryTables:
    """One country's processed tables, as a notebook reads them.

    ``sessions``, ``segments``, ``codings``, ``outcomes`` (see the data contract) and
    ``problems`` (country + the problem columns), restricted to the period asked for;
    ``manifest`` as written by :func:`sparklearn.prepare.prepare_country`.
    """

    country: str
    sessions: pd.DataFrame
    segments: pd.DataFrame
    codings: pd.DataFrame
    outcomes: pd.DataFrame
    problems: pd.DataFrame
    manifest: dict


def country_tables(
    country: str,
    paths: Paths,
    *,
    period_start: str | None = None,
    period_end: str | None = None,
) -> CountryTables:
    """Read a country's processed tables, preparing them first if they are missing or stale.

    The batch has always prepared them already; in JupyterLab this makes the notebook
    work on a fresh checkout and after a raw file changed.

    Parameters
    ----------
    country
        Country slug.
    paths
        Folders (see :func:`notebook_paths`).
    period_start, period_end
        ``"YYYY-MM-DD"`` bounds (inclusive) on session and outcome dates; None for open.
        Segments and codings follow their sessions.

    Returns
    -------
    CountryTables
    """
    from sparklearn import prepare

    folder = paths.country_processed(country)
    manifest_file = folder / "manifest.json"
    current = sorted(_sha256_file(f) for f in prepare.input_files(country, paths))
    manifest = json.loads(manifest_file.read_text(encoding="utf-8")) if manifest_file.exists() else None
    if manifest is None or sorted(manifest["inputs"].values()) != current:
        manifest = prepare.prepare_country(country, paths)
    tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in prepare.TABLES}
    problems = pd.read_csv(folder / "problems.csv", dtype=str, keep_default_na=False)

    start = pd.Timestamp(period_start) if period_start else None
    end = pd.Timestamp(period_end) if period_end else None

    def in_period(dates: pd.Series) -> pd.Series:
        keep = pd.Series(True, index=dates.index)
        if start is not None:
            keep &= dates >= start
        if end is not None:
            keep &= dates <= end
        return keep

    sessions = tables["sessions"]
    if start is not None or end is not None:
        sessions = sessions.loc[in_period(sessions["date"])].reset_index(drop=True)
        kept = sessions["session_id"]
        tables["segments"] = tables["segments"].loc[tables["segments"]["session_id"].isin(kept)].reset_index(drop=True)
        tables["codings"] = tables["codings"].loc[tables["codings"]["session_id"].isin(kept)].reset_index(drop=True)
        if "date" in tables["outcomes"]:
            outcome_dates = pd.to_datetime(tables["outcomes"]["date"], errors="coerce")
            tables["outcomes"] = tables["outcomes"].loc[in_period(outcome_dates)].reset_index(drop=True)
    return CountryTables(country, sessions, tables["segments"], tables["codings"], tables["outcomes"],
                         problems, manifest)
