"""(from validation.py)
One way of telling users what is wrong with their input.

Every loader reports row-level problems as records with the same columns,
:data:`PROBLEM_COLUMNS`: the file, the row as the user's spreadsheet numbers it,
the column, the offending value, the rule broken, how to fix it, and a severity.
Errors reject the row (it is kept in a rejected table, never dropped); warnings
keep it. Rows read = rows accepted + rows rejected, always.

Schemas are pandera ``DataFrameSchema`` objects; each column may carry
``metadata={"fix": "..."}`` so the report can say how to fix what pandera found.

(from prepare.py)
Prepare one country's processed tables from its raw files.

The first step of the one-way pipeline (``data/raw`` -> ``data/processed/<country>``):
read the participants register, the reflection sessions, the coding sheets and the
outcome harvest; check them; pseudonymise the speakers; write tidy Parquet tables,
the rejected rows, every problem found, and a manifest with the hashes of the inputs.
Raw files are only ever read.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sparklearn import __version__
from sparklearn.codebook import Codebook, load_codebook
from sparklearn.config import Paths, resolve_paths
from sparklearn.countries import Registry, load_registry
from sparklearn.exceptions import InputError
from sparklearn.files import protect_formulas, sha256_file
from sparklearn.ingest.problems import Checked, problems_frame


def save_quarantine(folder: str | Path, name: str, checked: Checked) -> dict[str, Path]:
    """Write rejected rows and problems under ``folder`` (a processed country folder).

    Writes ``rejected_<name>.csv`` and ``problems_<name>.csv`` atomically and returns
    their paths. Never called on a raw-data folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = {"rejected": folder / f"rejected_{name}.csv", "problems": folder / f"problems_{name}.csv"}
    for key, table in (("rejected", checked.rejected), ("problems", checked.problems)):
        tmp = out[key].with_suffix(".csv.tmp")
        # Rejected rows are opened in Excel to be fixed: a cell like "=HYPERLINK(...)" must not run.
        protect_formulas(table).to_csv(tmp, index=False)
        tmp.replace(out[key])
    return out


#: Tables written per country, in the order the notebooks read them.
TABLES = ("sessions", "segments", "codings", "outcomes")


_SESSION_GLOB = "sessions/*.md"


_CODING_GLOBS = ("codings/*.csv", "codings/*.xlsx")


_HARVEST_NAMES = ("outcomes.xlsx", "outcomes.csv")


def input_files(slug: str, paths: Paths) -> list[Path]:
    """Every raw file a country's tables depend on, sorted (the cache key's inputs).

    Examples
    --------
    >>> names = [p.name for p in input_files("kenya", resolve_paths())]
    >>> names[:2]
    ['codebook.yaml', 'countries.yaml']
    """
    folder = paths.country_raw(slug)
    files = [paths.codebook_file, paths.countries_file]
    for pattern in ("participants.csv", "salt.txt", _SESSION_GLOB, *_CODING_GLOBS, *_HARVEST_NAMES):
        files.extend(sorted(folder.glob(pattern)))
    salt = paths.raw / "salt.txt"
    if salt.exists():
        files.append(salt)
    return [f for f in files if f.is_file()]


def _harvest_file(folder: Path) -> Path | None:
    return next((folder / n for n in _HARVEST_NAMES if (folder / n).exists()), None)


def _write_parquet(table: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    table.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _write_text(text: str, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


#: Free-text columns that may mention a participant by name.
_FREE_TEXT = ("memo", "social_actor", "outcome", "significance", "contribution", "other_contributors", "sources",
              "substantiator_role", "text")


def _redacted(checked: Checked, register, salt: str) -> Checked:
    """``checked`` with registered names replaced in free text, rejected rows and problem values.

    Each accepted cell where a name was replaced gets a warning (without the name), so a
    lead learns to describe people by role rather than finding out from the report.
    """
    from sparklearn.ingest.privacy import pseudonymise_text

    found: list[pd.DataFrame] = []

    def clean(frame: pd.DataFrame, columns, *, report: bool = False) -> pd.DataFrame:
        frame = frame.copy()
        for column in columns:
            if column in frame.columns and len(frame):
                before = frame[column].astype("string")
                frame[column] = pseudonymise_text(before, register, salt)
                changed = (before.fillna("") != frame[column].astype("string").fillna("")).to_numpy()
                if report and changed.any() and {"source_file", "source_row"} <= set(frame.columns):
                    hit = frame.loc[changed]
                    found.append(problems_frame(pd.DataFrame({
                        "file": hit["source_file"], "row": hit["source_row"], "column": column,
                        "value": "(name withheld)", "rule": "a participant's name (or id) in free text",
                        "fix": "it was replaced by the person's pseudonym in every output; describe people by "
                               "their role instead", "severity": "warning"}).to_dict("records")))
        return frame

    rejected_text = [c for c in checked.rejected.columns if not c.endswith("_id") and c not in ("source_file", "source_row")]
    accepted = clean(checked.accepted, _FREE_TEXT, report=True)
    return Checked(accepted, clean(checked.rejected, rejected_text),
                   pd.concat([clean(checked.problems, ["value"]), *found], ignore_index=True))


@dataclass(frozen=True)
class Prepared:
    """What :func:`prepare_country` produced: the tables, the problems and the manifest."""

    tables: dict[str, pd.DataFrame]
    problems: pd.DataFrame
    manifest: dict


def prepare_country(
    slug: str,
    paths: Paths | None = None,
    *,
    registry: Registry | None = None,
    codebook: Codebook | None = None,
) -> dict:
    """Read, check and pseudonymise one country's raw files; write its processed tables.

    Returns the manifest (also written to ``manifest.json``): ``country``, ``inputs``
    (relative path -> sha256), ``tables`` (name -> read / accepted / rejected),
    ``n_errors``, ``n_warnings``, ``sparklearn_version``.
    """
    return prepare(slug, paths, registry=registry, codebook=codebook).manifest


def prepare(slug: str, paths: Paths | None = None, *, registry: Registry | None = None,
            codebook: Codebook | None = None) -> Prepared:
    """Like :func:`prepare_country`, also returning the tables and problems."""
    from sparklearn.ingest.codings import read_codings
    from sparklearn.ingest.harvest import read_harvest
    from sparklearn.ingest.privacy import (
        find_names,
        pseudonymise_segments,
        read_register,
        salt_for,
    )
    from sparklearn.ingest.sessions import read_sessions

    paths = paths or resolve_paths()
    registry = registry or load_registry(paths.countries_file)
    codebook = codebook or load_codebook(paths.codebook_file)
    registry.country(slug)
    raw = paths.country_raw(slug)
    if not raw.is_dir():
        raise InputError(f"no folder for country '{slug}'", file=raw,
                         fix=f"create {raw} with participants.csv, sessions/, codings/ and outcomes.xlsx")
    out = paths.country_processed(slug)
    out.mkdir(parents=True, exist_ok=True)

    register = read_register(raw / "participants.csv")
    sessions_read = read_sessions(raw / "sessions", registry=registry, country=slug)
    segments = pseudonymise_segments(sessions_read.segments, register, salt_for(paths.raw))
    codings = read_codings(sorted(p for g in _CODING_GLOBS for p in raw.glob(g)), codebook=codebook,
                           segments=segments, sessions=sessions_read.sessions)
    harvest_path = _harvest_file(raw)
    if harvest_path is not None:
        try:
            outcomes = read_harvest(harvest_path, country=slug, registry=registry, codebook=codebook)
        except InputError as err:
            # An unreadable workbook costs the country its harvest, not its sessions and themes:
            # the report still runs and its data-quality section says what to fix.
            outcomes = Checked(pd.DataFrame(), pd.DataFrame(), problems_frame([{
                "file": err.file or str(harvest_path), "row": err.row, "column": err.column or "",
                "value": "" if err.value is None else err.value, "rule": err.message, "severity": "error",
                "fix": err.fix or "open the file in Excel, check it, and save it again as .xlsx"}]))
    else:
        outcomes = Checked(pd.DataFrame(), pd.DataFrame(), problems_frame([{
            "file": str(raw / "outcomes.xlsx"), "row": None, "column": "", "value": "",
            "rule": "no outcome harvest found", "severity": "warning",
            "fix": "add outcomes.xlsx (sparklearn template outcomes --country " + slug + ")"}]))

    # Outcome descriptions, memos and rejected rows are free text that may name people.
    salt = salt_for(paths.raw)
    codings = _redacted(codings, register, salt)
    outcomes = _redacted(outcomes, register, salt)
    tables = {"sessions": sessions_read.sessions, "segments": segments,
              "codings": codings.accepted, "outcomes": outcomes.accepted}
    leaks = pd.concat([find_names(t, register) for t in tables.values() if len(t)], ignore_index=True) \
        if any(len(t) for t in tables.values()) else pd.DataFrame()
    if len(leaks):
        # A registered name in a derived table is a privacy failure, not a data problem: stop.
        raise InputError(f"{len(leaks)} registered name(s) would be written to processed tables",
                         file=out, fix="report this as a bug; nothing was written")

    # The register's problems and rejected rows are reported, but never with a name in them.
    public_register = Checked(register.accepted.drop(columns="name", errors="ignore"),
                              register.rejected.drop(columns="name", errors="ignore"),
                              register.problems.assign(value=register.problems["value"].where(
                                  register.problems["column"] != "name", "(name withheld)")))
    problems = pd.concat([public_register.problems, sessions_read.problems, codings.problems, outcomes.problems],
                         ignore_index=True)
    problems.insert(0, "country", slug)
    for name, table in tables.items():
        _write_parquet(table, out / f"{name}.parquet")
    save_quarantine(out, "participants", public_register)
    _write_text(sessions_read.rejected.to_csv(index=False), out / "rejected_sessions.csv")
    save_quarantine(out, "codings", codings)
    save_quarantine(out, "outcomes", outcomes)
    _write_text(problems.to_csv(index=False), out / "problems.csv")

    counts = {
        "participants": register, "codings": codings, "outcomes": outcomes,
    }
    manifest = {
        "country": slug,
        "sparklearn_version": __version__,
        "inputs": {str(f.relative_to(paths.raw)): sha256_file(f) for f in input_files(slug, paths)},
        "tables": {
            **{name: {"read": c.n_read, "accepted": len(c.accepted), "rejected": len(c.rejected)}
               for name, c in counts.items()},
            "sessions": {"read": sessions_read.n_read, "accepted": len(sessions_read.sessions),
                         "rejected": len(sessions_read.rejected)},
            "segments": {"read": len(segments), "accepted": len(segments), "rejected": 0},
        },
        "n_errors": int((problems["severity"] == "error").sum()),
        "n_warnings": int((problems["severity"] == "warning").sum()),
    }
    _write_text(json.dumps(manifest, indent=2, sort_keys=True), out / "manifest.json")
    return Prepared(tables, problems, manifest)


@dataclass(frozen=True)
class Validation:
    """Problems across countries plus a per-country, per-table row count summary."""

    problems: pd.DataFrame
    summary: pd.DataFrame


def validate_countries(countries: list[str] | None = None, paths: Paths | None = None) -> Validation:
    """Prepare the given countries (default: all) and collect every problem.

    Country folders in the data folder that the registry does not know are reported
    as errors, so a misspelt folder is never silently ignored.

    Returns
    -------
    Validation
        ``problems``: country + the problem columns. ``summary``: country, table, read,
        accepted, rejected.
    """
    paths = paths or resolve_paths()
    registry = load_registry(paths.countries_file)
    codebook = load_codebook(paths.codebook_file)
    slugs = countries or registry.slugs
    for slug in slugs:
        registry.country(slug)
    stray = sorted(p.name for p in paths.raw.iterdir() if p.is_dir() and p.name not in registry.slugs
                   and not p.name.startswith("."))
    problems = [problems_frame([{
        "file": str(paths.raw / name), "row": None, "column": "", "value": name,
        "rule": "folder for an unknown country", "severity": "error",
        "fix": f"rename the folder to one of {', '.join(registry.slugs)} or add the country to countries.yaml",
    } for name in stray]).assign(country="")]
    summary = []
    for slug in slugs:
        prepared = prepare(slug, paths, registry=registry, codebook=codebook)
        problems.append(prepared.problems)
        summary.extend({"country": slug, "table": t, **c} for t, c in prepared.manifest["tables"].items())
    table = pd.concat(problems, ignore_index=True)
    table = table[["country", *[c for c in table.columns if c != "country"]]]
    return Validation(table, pd.DataFrame(summary))
