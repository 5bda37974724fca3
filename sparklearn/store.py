"""The store: the only reader of processed tables.

Everything that analyses or reports a country (the notebooks, the file-making commands,
an analyst's own notebook) gets its tables from here, through two views over one reader:

- :func:`country_tables`: one country's tables, problems and manifest;
- :func:`load_processed`: several countries' tables stacked (the comparison).

Both follow three rules, stated once here:

**One table contract.** The tables and their columns are :data:`TABLE_COLUMNS`, defined
by the writer (:mod:`sparklearn.prepare`) and read back through the same Parquet and CSV
forms whether they come from a processed folder or were prepared in memory. A table
without rows still has every column.

**One staleness rule** (:func:`stale_reason`). A country's processed tables are current
when its ``manifest.json`` holds the same input fingerprint as the raw files have now
(every input file, by path and SHA-256) and was written by the same library (version
and :func:`~sparklearn.prepare.library_fingerprint`); never because the files exist.
Stale tables are prepared again before they are read (:func:`ensure_current`); the batch
uses the same rule.

**One period rule** (:data:`PERIOD_RULE`). With ``period_start`` / ``period_end``
(``"YYYY-MM-DD"``, inclusive), sessions and outcomes dated outside the period are left
out, segments and codings follow their session, and *undated rows are kept*: a row
without a date cannot be placed outside the period, and dropping it would lose it from
every period at once. This is the rule the rates already follow (an undated outcome
counts inside its campaign's window, :mod:`sparklearn.analysis.rates`). How many
undated rows a view kept is in its ``undated`` counts and its ``period_note``, a
sentence a report can show.

Where the tables come from depends on the paths (:mod:`sparklearn.config`): with an
output folder, stale countries are prepared into it and read from it; without one (the
data live outside the project and no ``--out`` was given, or a command that only makes
a file), they are prepared in memory, so nothing is written anywhere. In memory rather
than a temporary folder, because a temporary folder would still put pseudonymised real
text on a disk the user did not choose (and leave it there after a crash), and one
country's tables take about half a second to prepare and a few megabytes to hold.

The readers (and their schema library) are imported only when a country has to be
prepared, so a notebook kernel reading current tables stays quick to start.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

import pandas as pd

from sparklearn import __version__
from sparklearn.codebook import Codebook
from sparklearn.config import Paths, resolve_paths
from sparklearn.countries import Registry
from sparklearn.exceptions import InputError
from sparklearn.files import protect_formulas, read_written_csv
from sparklearn.ingest.problems import PROBLEM_COLUMNS
from sparklearn.prepare import (
    DATED_TABLES,
    REFERENCE_FOLDER,
    TABLE_COLUMNS,
    TABLES,
    Prepared,
    conform,
    input_hashes,
    library_fingerprint,
    reference_inputs,
)
from sparklearn.wording import count_noun

__all__ = [
    "PERIOD_RULE",
    "TABLES",
    "TABLE_COLUMNS",
    "CountryTables",
    "Reference",
    "Stacked",
    "country_problems",
    "country_tables",
    "ensure_current",
    "load_processed",
    "notebook_paths",
    "reference",
    "stale_reason",
]

#: Tables a processed folder written by an earlier sparklearn may lack: read as empty (the registers are optional).
OPTIONAL_TABLES = ("decisions",)

#: The period rule, in the words a report can use.
PERIOD_RULE = ("Sessions and outcomes dated outside the period are left out, with the segments and codings of "
               "those sessions; rows without a date are kept, as they cannot be placed outside it.")

_RUN_FIRST = "run `sparklearn run` first (it prepares <out>/processed/<country>/), or point processed_dir at its output"


# --------------------------------------------------------------------------- the two views

def _period_note(period: tuple[str | None, str | None], undated: Mapping[str, int]) -> str:
    if period == (None, None) or not any(undated.values()):
        return ""
    nouns = {"sessions": "session", "outcomes": "outcome", "decisions": "decision"}
    kept = " and ".join(count_noun(n, nouns[name]) for name, n in undated.items() if n)
    verb = "has" if sum(undated.values()) == 1 else "have"
    return f"{kept} {verb} no date and {'is' if verb == 'has' else 'are'} kept in this period: {PERIOD_RULE}"


@dataclass(frozen=True)
class CountryTables:
    """One country's processed tables, as a notebook reads them (:func:`country_tables`).

    ``sessions``, ``segments``, ``codings``, ``outcomes`` (columns: :data:`TABLE_COLUMNS`),
    restricted to the period asked for; ``problems`` (country + the problem columns, as
    text); ``manifest`` as :func:`sparklearn.prepare.prepare` wrote it; ``period``
    (start, end) as asked; ``undated`` (sessions, outcomes -> undated rows kept by the
    period rule).
    """

    country: str
    sessions: pd.DataFrame
    segments: pd.DataFrame
    codings: pd.DataFrame
    outcomes: pd.DataFrame
    problems: pd.DataFrame
    manifest: dict
    period: tuple[str | None, str | None] = (None, None)
    undated: Mapping[str, int] = field(default_factory=dict)
    #: What the team decided after its reflection sessions (the decisions register; no rows when it keeps none).
    decisions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(TABLE_COLUMNS["decisions"])))

    @property
    def period_note(self) -> str:
        """A sentence on the undated rows kept in the period (see :data:`PERIOD_RULE`); empty when none."""
        return _period_note(self.period, self.undated)


@dataclass(frozen=True)
class Stacked:
    """Processed tables of several countries stacked (:func:`load_processed`).

    ``sessions``, ``segments``, ``codings`` and ``outcomes`` (columns:
    :data:`TABLE_COLUMNS`, each with its ``country``), rows of all countries one after
    the other; ``countries`` lists the slugs read, in order; ``period`` and ``undated``
    as in :class:`CountryTables`.
    """

    countries: tuple[str, ...]
    sessions: pd.DataFrame
    segments: pd.DataFrame
    codings: pd.DataFrame
    outcomes: pd.DataFrame
    period: tuple[str | None, str | None] = (None, None)
    undated: Mapping[str, int] = field(default_factory=dict)
    #: What the team decided after its reflection sessions (the decisions register; no rows when it keeps none).
    decisions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(TABLE_COLUMNS["decisions"])))

    @property
    def period_note(self) -> str:
        """A sentence on the undated rows kept in the period (see :data:`PERIOD_RULE`); empty when none."""
        return _period_note(self.period, self.undated)


def country_tables(
    country: str,
    paths: Paths | None = None,
    *,
    period_start: str | None = None,
    period_end: str | None = None,
) -> CountryTables:
    """Read one country's processed tables, preparing them first when they are stale.

    The batch has always prepared them already; in JupyterLab this makes a notebook
    work on a fresh checkout and after a raw file changed. Without an output folder
    in ``paths``, the country is prepared in memory and nothing is written.

    Parameters
    ----------
    country
        Country slug.
    paths
        Folders (see :func:`notebook_paths`); default :func:`sparklearn.config.resolve_paths`
        (the project found from the current folder, or ``$SPARKLEARN_DATA`` / ``$SPARKLEARN_OUT``).
    period_start, period_end
        ``"YYYY-MM-DD"`` bounds (inclusive) on session and outcome dates; None for open.
        Segments and codings follow their sessions; undated rows are kept (:data:`PERIOD_RULE`).

    Returns
    -------
    CountryTables

    Examples
    --------
    >>> from sparklearn.config import resolve_paths
    >>> t = country_tables("kenya", resolve_paths(default_out=False), period_end="2020-12-31")
    >>> t.sessions["date"].max() <= pd.Timestamp("2020-12-31")
    True
    >>> set(t.segments["session_id"]) == set(t.sessions["session_id"])  # segments follow their sessions
    True
    """
    tables, problems, manifest = _current(country, paths or resolve_paths())
    kept, undated = _in_period(tables, period_start, period_end)
    return CountryTables(country, **kept, problems=problems, manifest=manifest,
                         period=(period_start, period_end), undated=undated)


def load_processed(
    source: Paths | str | Path | None = None,
    countries: Sequence[str] | None = None,
    *,
    period_start: str | None = None,
    period_end: str | None = None,
) -> Stacked:
    """Read several countries' processed tables and stack them.

    Parameters
    ----------
    source
        The folders (:class:`~sparklearn.config.Paths`): each country is brought up to
        date first, as in :func:`country_tables`. Or a ``processed`` folder on its own
        (for example copied from a batch's output, without the raw data): its tables are
        read as they are, since without the raw data there is nothing to compare their
        fingerprint with. Default: :func:`sparklearn.config.resolve_paths`.
    countries
        Slugs to read, in order; default: every country in the registry (with
        ``Paths``) or every sub-folder holding ``sessions.parquet`` (with a folder).
    period_start, period_end
        ``"YYYY-MM-DD"`` bounds (inclusive) on session and outcome dates, as in the
        country notebooks (:data:`PERIOD_RULE`).

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
    source = resolve_paths() if source is None else source
    if isinstance(source, Paths):
        if countries is None:
            from sparklearn.countries import load_registry

            countries = load_registry(source.countries_file).slugs
        parts = [_current(slug, source)[0] for slug in countries]
    else:
        folder = Path(source)
        if not folder.is_dir():
            raise InputError("the processed-tables folder does not exist", file=folder, fix=_RUN_FIRST)
        if countries is None:
            countries = sorted(p.name for p in folder.iterdir() if (p / "sessions.parquet").is_file())
            if not countries:
                raise InputError("no country folder holds processed tables", file=folder, fix=_RUN_FIRST)
        parts = [_read_tables(folder / slug, slug) for slug in countries]
    stacked = {name: _stack([part[name] for part in parts], name) for name in TABLES}
    kept, undated = _in_period(stacked, period_start, period_end)
    return Stacked(tuple(countries), **kept, period=(period_start, period_end), undated=undated)


def notebook_paths(data_dir: str | Path | None = None, processed_dir: str | Path | None = None) -> Paths:
    """The folders a notebook reads, from its ``data_dir`` and ``processed_dir`` parameters.

    ``None`` means the default (:func:`sparklearn.config.resolve_paths`: ``$SPARKLEARN_DATA``
    or the project's data, found from the notebook's folder upward; ``$SPARKLEARN_OUT`` or
    the project's ``data/processed``), so a lead can run the notebook in JupyterLab as it
    is. The batch passes both.

    Returns
    -------
    Paths
        The data folder and the processed folder (none when neither a parameter, the
        environment nor the project gives one: tables are then prepared in memory).

    Examples
    --------
    >>> notebook_paths("/data/spark", "/out/processed").processed.name
    'processed'
    """
    base = resolve_paths(data_dir)
    if processed_dir is None:
        return base
    return Paths(base.raw, Path(processed_dir).expanduser().resolve(), base.reports_dir, base.notebooks_dir)


# --------------------------------------------------------------------------- the staleness rule

def stale_reason(country: str, paths: Paths) -> str | None:
    """Why a country's processed tables are not current, or None when they are.

    Current means: ``manifest.json`` holds the input fingerprint the raw files have now
    (:func:`sparklearn.prepare.input_hashes`) and the library that wrote it is this one
    (``sparklearn_version`` and ``library``), and every table of the contract is there.

    Examples
    --------
    >>> import tempfile
    >>> from sparklearn.config import resolve_paths
    >>> stale_reason("kenya", resolve_paths(out=tempfile.mkdtemp()))
    'not prepared yet'
    """
    return _check(country, paths)[0]


def ensure_current(country: str, paths: Paths, *, registry=None, codebook=None, force: bool = False) -> dict:
    """Prepare a country into ``paths.processed`` unless it is current (:func:`stale_reason`); return its manifest.

    Parameters
    ----------
    country
        Country slug.
    paths
        Folders; must have an output folder.
    registry, codebook
        Passed to :func:`sparklearn.prepare.prepare` when the country is prepared.
    force
        Prepare even when current.
    """
    reason, manifest = _check(country, paths)
    if reason is None and not force:
        return manifest
    from sparklearn.prepare import prepare

    return prepare(country, paths, registry=registry, codebook=codebook).manifest


def _check(country: str, paths: Paths) -> tuple[str | None, dict | None]:
    folder = paths.country_processed(country)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "not prepared yet", None
    except (OSError, ValueError) as err:
        return f"its manifest.json cannot be read ({err})", None
    if (manifest.get("sparklearn_version"), manifest.get("library")) != (__version__, library_fingerprint()):
        return f"written by another build of sparklearn ({manifest.get('sparklearn_version')})", manifest
    inputs = manifest.get("inputs")
    current = input_hashes(country, paths)
    if inputs != current:
        inputs = inputs if isinstance(inputs, dict) else {}
        changed = sorted(set(inputs) ^ set(current) | {k for k in current if inputs.get(k, current[k]) != current[k]})
        return f"raw files changed: {', '.join(changed)}", manifest
    missing = [name for name in TABLES if not (folder / f"{name}.parquet").is_file()]
    if missing or not (folder / "problems.csv").is_file():
        return f"files missing from {folder}: {', '.join(missing) or 'problems.csv'}", manifest
    return None, manifest


# --------------------------------------------------------------------------- the reader

def _current(country: str, paths: Paths) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, dict]:
    """A country's tables, problems and manifest: from its processed folder, or prepared in memory."""
    if paths.has_out:
        manifest = ensure_current(country, paths)
        folder = paths.country_processed(country)
        return (_read_tables(folder, country), _read_problems(folder / "problems.csv"), manifest)
    from sparklearn.prepare import prepare

    prepared: Prepared = prepare(country, paths, write=False)
    # Read back through the same Parquet and CSV forms the writer would have written,
    # so that a table prepared in memory is the very table a processed folder holds.
    tables = {name: _read_parquet(io.BytesIO(table.to_parquet(index=False)), name)
              for name, table in prepared.tables.items()}
    return tables, _read_problems(io.StringIO(protect_formulas(prepared.problems).to_csv(index=False))), \
        prepared.manifest


def _read_tables(folder: Path, country: str) -> dict[str, pd.DataFrame]:
    if not folder.is_dir():
        raise InputError(f"no processed tables for country '{country}'", file=folder,
                         fix=f"run `sparklearn run --country {country}` first, or check the slug's spelling")
    tables = {}
    for name in TABLES:
        path = folder / f"{name}.parquet"
        if name in OPTIONAL_TABLES and not path.is_file():
            # A processed folder from before the decisions register (copied without raw data).
            tables[name] = conform(name, pd.DataFrame())
            continue
        if not path.is_file():
            raise InputError(f"the processed {name} table of '{country}' is missing", file=path,
                             fix=f"run `sparklearn run --country {country}` again")
        tables[name] = _read_parquet(path, name)
    return tables


def _read_parquet(source, name: str) -> pd.DataFrame:
    # Tables written before the contract held columns for empty tables have none.
    return conform(name, pd.read_parquet(source))


def country_problems(country: str, paths: Paths) -> pd.DataFrame:
    """The data problems a prepared country's processed folder holds (``problems.csv``), values as typed.

    Empty (no rows) when the country has not been prepared or has no problems. Unlike
    :func:`country_tables`, it never prepares: the batch reads it after preparing, to
    say what was wrong with the data at the end of a run.

    Examples
    --------
    >>> import tempfile
    >>> from sparklearn.config import resolve_paths
    >>> country_problems("kenya", resolve_paths(out=tempfile.mkdtemp())).empty
    True
    """
    path = paths.country_processed(country) / "problems.csv"
    if not path.is_file():
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    return _read_problems(path)


def _read_problems(source) -> pd.DataFrame:
    # Written with write_csv: the "'" put before a value like "=x" is taken off again.
    return read_written_csv(source)


def _stack(frames: list[pd.DataFrame], name: str) -> pd.DataFrame:
    parts = [f for f in frames if len(f)]
    return pd.concat(parts, ignore_index=True) if parts else conform(name, pd.DataFrame())


def _in_period(tables: dict[str, pd.DataFrame], start: str | None, end: str | None,
               ) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """The period rule: tables restricted to [start, end], and the undated rows kept per dated table."""
    if start is None and end is None:
        return tables, {}
    kept, undated = dict(tables), {}
    for name in DATED_TABLES:
        dates = pd.to_datetime(tables[name]["date"], errors="coerce")
        # Written as "not before, not after": an undated row (NaT) compares False both ways, so it stays.
        inside = pd.Series(True, index=dates.index)
        if start is not None:
            inside &= ~(dates < pd.Timestamp(start))
        if end is not None:
            inside &= ~(dates > pd.Timestamp(end))
        kept[name] = tables[name].loc[inside.to_numpy()].reset_index(drop=True)
        undated[name] = int(dates.isna().sum())
    sessions = kept["sessions"]["session_id"]
    for name in ("segments", "codings"):
        kept[name] = tables[name].loc[tables[name]["session_id"].isin(sessions).to_numpy()].reset_index(drop=True)
    return kept, undated


# --------------------------------------------------------------------------- reference data

class Reference(NamedTuple):
    """The checked country registry and codebook (unpack: ``registry, codebook = reference(paths)``)."""

    registry: Registry
    codebook: Codebook


def reference(paths: Paths | None = None) -> Reference:
    """The country registry and the codebook, checked, as the notebooks use them.

    With an output folder, they are read from the checked copy under
    ``<processed>/_reference/`` (:func:`sparklearn.prepare.write_reference`), written
    again first when stale by the same rule as a country's tables: the YAML files'
    fingerprint and the library that wrote it. So a notebook kernel reads two small
    tables instead of checking the YAML files, and never loads the schema library.
    Without an output folder, the YAML files are read and checked in memory.

    Parameters
    ----------
    paths
        Folders (default :func:`sparklearn.config.resolve_paths`).

    Returns
    -------
    Reference
        ``registry`` (:class:`~sparklearn.countries.Registry`) and ``codebook``
        (:class:`~sparklearn.codebook.Codebook`), equal to what
        :func:`~sparklearn.countries.load_registry` and
        :func:`~sparklearn.codebook.load_codebook` return.

    Raises
    ------
    RegistryError, CodebookError
        When a file is missing or wrong (from the checks, with file, line and fix).

    Examples
    --------
    >>> import tempfile
    >>> registry, codebook = reference(resolve_paths(out=tempfile.mkdtemp()))
    >>> len(registry.campaigns), codebook.version
    (14, '1.0.0')
    """
    paths = paths or resolve_paths()
    if not paths.has_out:
        from sparklearn.codebook import load_codebook
        from sparklearn.countries import load_registry

        return Reference(load_registry(paths.countries_file), load_codebook(paths.codebook_file))
    folder = paths.processed / REFERENCE_FOLDER
    manifest = _reference_manifest(folder, paths)
    if manifest is None:
        from sparklearn.prepare import write_reference

        manifest = write_reference(paths)
    tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in manifest["tables"]}
    about = manifest["codebook"]
    codebook = Codebook(
        version=about["version"], title=about["title"], codes=tables["codes"], description=about["description"],
        vocabularies=MappingProxyType({name: tables[f"vocabulary-{i}"]
                                       for i, name in enumerate(manifest["vocabularies"])}),
        source=Path(about["source"]) if about["source"] else None)
    registry = Registry(tables["countries"], tables["campaigns"], Path(manifest["registry"]["source"]),
                        tables["sectors"])
    return Reference(registry, codebook)


def _reference_manifest(folder: Path, paths: Paths) -> dict | None:
    """The reference copy's manifest when it is current (same inputs, same library, every table there), else None."""
    try:
        manifest = json.loads((folder / "reference.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    current = (manifest.get("inputs") == reference_inputs(paths)
               and (manifest.get("sparklearn_version"), manifest.get("library")) == (__version__, library_fingerprint())
               and all((folder / f"{name}.parquet").is_file() for name in manifest.get("tables", ())))
    return manifest if current else None
