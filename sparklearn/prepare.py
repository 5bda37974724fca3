"""The prepare stage: the only writer of processed tables.

One country's raw files in (participants register, reflection sessions, coding sheets,
outcome harvest), read and checked by the ``ingest`` readers; speakers and names in free
text pseudonymised; tidy tables out. :func:`prepare` does it in memory and, unless told
not to, writes ``<processed>/<country>/``: the four tables of :data:`TABLE_COLUMNS` as
Parquet, the rejected rows and problems as CSV, and ``manifest.json``. Raw files are
only ever read.

Privacy: registered names are replaced by pseudonyms in every hand-typed text
(segments, memos, outcome descriptions, coders, session titles, facilitators and roles,
rejected rows, problem values), each replacement with a warning at its file and line
that does not repeat the name. A name left where it cannot be replaced (a file name,
an id) stops the country with an error saying where, and nothing is written. A country
whose register cannot be read stops too: the register is what keeps names out.

Early in a project a country may have no ``sessions/`` folder or no harvest yet: each
is a warning and the country still runs. :func:`validate_countries` goes on to the next
country when one cannot be prepared, with that country's error as a problem row.

This module also holds the contract of what it writes, so that the writer and the one
reader (:mod:`sparklearn.store`, which imports it from here) cannot disagree:

- :data:`TABLE_COLUMNS`: the tables and their columns, in order (the readers in
  ``ingest`` return these columns; :func:`prepare` checks every table against them
  before writing, so a reader that drifts fails at once rather than in a notebook);
- the manifest: ``inputs`` (the fingerprint of the raw files, :func:`input_hashes`) and
  the library that wrote the tables (``sparklearn_version`` and ``library``, a hash of
  the package's own files: :func:`library_fingerprint`). The store's staleness rule
  compares both with the current ones.

Only light modules are imported at the top: notebook kernels import this module (for
the contract) through the store, and the readers, with their schema library, are
needed only when a country is actually prepared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sparklearn import __version__
from sparklearn.config import Paths, resolve_paths
from sparklearn.exceptions import InputError
from sparklearn.files import sha256_file, write_atomic, write_csv

if TYPE_CHECKING:
    from sparklearn.codebook import Codebook
    from sparklearn.countries import Registry
    from sparklearn.ingest.problems import Checked
    from sparklearn.ingest.sessions import SessionsRead

#: The processed tables and their columns, in order: the data contract between
#: :func:`prepare` (the writer) and :mod:`sparklearn.store` (the reader). Every
#: table has these columns even when it has no rows.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "sessions": ("session_id", "country", "campaign_ids", "date", "round", "title", "facilitator_role",
                 "language", "n_participants", "source_file"),
    "segments": ("segment_id", "session_id", "country", "turn", "speaker", "speaker_role", "text", "start", "end",
                 "language", "campaign_id", "translation", "translation_language"),
    "codings": ("country", "session_id", "segment_id", "code_id", "coder", "memo", "source_file", "source_row"),
    "outcomes": ("outcome_id", "country", "campaign_id", "date", "date_precision", "social_actor", "actor_type",
                 "outcome", "significance", "contribution", "other_contributors", "outcome_area",
                 "type_of_change", "level", "strategic_components", "intended", "valence", "substantiation",
                 "substantiator_role", "sources", "builds_on", "social_group", "kind_of_change", "budget_stage",
                 "amount", "currency", "amount_year", "source_file", "source_row"),
    "decisions": ("decision_id", "country", "campaign_id", "session_id", "date", "decided_by",
                  "strategic_component", "decision", "addresses", "due_date", "status", "follow_up",
                  "outcome_ids", "source_file", "source_row"),
}

#: Processed tables per country, in the order the notebooks read them.
TABLES = tuple(TABLE_COLUMNS)

#: Tables whose ``date`` column places a row in a period (segments and codings follow their session).
DATED_TABLES = ("sessions", "outcomes", "decisions")


def conform(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the contract's columns of processed table ``name``, in order.

    A table without rows (a country without a harvest) gets the columns with no rows;
    a table with rows must have every column (extra ones are dropped).

    Raises
    ------
    MissingColumnsError
        Naming the table and the columns it lacks.

    Examples
    --------
    >>> list(conform("codings", pd.DataFrame()).columns)[:3]
    ['country', 'session_id', 'segment_id']
    """
    from sparklearn.frames import require_columns

    columns = list(TABLE_COLUMNS[name])
    if list(table.columns) == columns:
        return table
    if table.empty and not len(table.columns):
        return pd.DataFrame(columns=columns)
    require_columns(table, columns, name)
    return table[columns]


def save_quarantine(folder: str | Path, name: str, checked: Checked) -> dict[str, Path]:
    """Write rejected rows and problems under ``folder`` (a processed country folder).

    Writes ``rejected_<name>.csv`` and ``problems_<name>.csv`` atomically and returns
    their paths. Never called on a raw-data folder.
    """
    folder = Path(folder)
    out = {"rejected": folder / f"rejected_{name}.csv", "problems": folder / f"problems_{name}.csv"}
    for key, table in (("rejected", checked.rejected), ("problems", checked.problems)):
        # Rejected rows are opened in Excel to be fixed: a cell like "=HYPERLINK(...)" must not run.
        write_csv(out[key], table)
    return out


_SESSION_GLOB = "sessions/*.md"


_CODING_GLOBS = ("codings/*.csv", "codings/*.xlsx")


_HARVEST_NAMES = ("outcomes.xlsx", "outcomes.csv")


_DECISIONS_NAMES = ("decisions.xlsx", "decisions.csv")


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
    for pattern in ("participants.csv", "salt.txt", _SESSION_GLOB, *_CODING_GLOBS, *_HARVEST_NAMES, *_DECISIONS_NAMES):
        files.extend(sorted(folder.glob(pattern)))
    salt = paths.raw / "salt.txt"
    if salt.exists():
        files.append(salt)
    return [f for f in files if f.is_file()]


def input_hashes(slug: str, paths: Paths) -> dict[str, str]:
    """The input fingerprint of a country: each of :func:`input_files` by its path in the data folder -> SHA-256.

    Stored as the manifest's ``inputs``; the store compares it with the current one.
    """
    return {f.relative_to(paths.raw).as_posix(): sha256_file(f) for f in input_files(slug, paths)}


#: What every demo file carries near its start (:data:`sparklearn.demo.content.SYNTHETIC_MARKER`;
#: the demo sits above this stage, so the words are repeated here and a test keeps them equal).
SYNTHETIC_MARKER = "SYNTHETIC DEMO DATA"


def is_synthetic(slug: str, paths: Paths) -> bool:
    """True when a country's raw files are (or include) synthetic demo data.

    The demo marks every text file it writes near the top: the participants register's
    first line and the coding sheets' (``# SYNTHETIC DEMO DATA ...``), each session's
    ``synthetic:`` front matter. One marked file is enough: a page built partly from
    demo data must say so. Recorded as the manifest's ``synthetic``; the reports show
    a banner from it.

    Examples
    --------
    >>> is_synthetic("kenya", resolve_paths())  # the repository ships only demo data
    True
    """
    texts = [f for f in input_files(slug, paths) if f.suffix in {".csv", ".md", ".txt"} and f.name != "salt.txt"]
    for file in texts:
        with open(file, encoding="utf-8", errors="replace") as handle:
            if SYNTHETIC_MARKER in handle.read(600).upper():
                return True
    return False


_PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def library_fingerprint() -> str:
    """A hash of sparklearn's own code and data files, stored in every manifest (``library``).

    The version number alone would keep tables written by an older build of the same
    version (a fix not yet released) looking current.
    """
    import hashlib

    files = sorted(p for p in _PACKAGE.rglob("*") if p.is_file() and p.suffix in {".py", ".yaml"})
    listing = "\n".join(f"{f.relative_to(_PACKAGE).as_posix()} {sha256_file(f)}" for f in files)
    return hashlib.sha256(listing.encode()).hexdigest()[:16]


def _read_sessions(folder: Path, *, registry: Registry, country: str) -> SessionsRead:
    """The country's sessions; a country without a sessions folder yet has none, with a warning."""
    from sparklearn.ingest.problems import problems_frame
    from sparklearn.ingest.sessions import SessionsRead, read_sessions

    if folder.exists() and not folder.is_dir():
        raise InputError("'sessions' is a file, not a folder", file=folder,
                         fix="make 'sessions' a folder holding one <session_id>.md file per reflection session")
    if not folder.exists():
        return SessionsRead.empty(problems_frame([{
            "file": str(folder), "row": None, "column": "", "value": "", "severity": "warning",
            "rule": "no sessions folder yet",
            "fix": "create it and put one <session_id>.md file per reflection session in it"}]))
    return read_sessions(folder, registry=registry, country=country)


def _read_decisions(raw: Path, slug: str, *, registry: Registry, codebook: Codebook, sessions: pd.DataFrame,
                    outcomes: pd.DataFrame) -> Checked:
    """The country's decisions register, checked against its sessions and outcomes; empty when it keeps none."""
    from sparklearn.ingest.decisions import (
        empty_decisions,
        read_decisions,
        unreadable_register,
    )
    from sparklearn.ingest.problems import Checked, problems_frame

    found = [raw / name for name in _DECISIONS_NAMES if (raw / name).is_file()]
    if not found:  # optional: a team may not keep one (yet); the report says so
        return Checked(empty_decisions(), pd.DataFrame(), problems_frame())
    path = found[0]
    try:
        checked = read_decisions(path, country=slug, registry=registry, codebook=codebook, sessions=sessions,
                                 outcome_ids=outcomes["outcome_id"].astype(str).tolist() if len(outcomes) else [])
    except InputError as err:
        # As for the harvest: an unreadable register costs the decisions, not the country's report.
        checked = unreadable_register(err, path)
    ignored = problems_frame([{"file": str(other), "row": None, "column": "", "value": "",
                               "rule": f"two decisions registers: this one was not read ({path.name} was)",
                               "fix": f"keep one register: merge {other.name} into {path.name}, then move it out of "
                                      "the country folder", "severity": "warning"} for other in found[1:]])
    return Checked(checked.accepted, checked.rejected, pd.concat([checked.problems, ignored], ignore_index=True),
                   headers=checked.headers)


def _harvest_file(folder: Path) -> Path | None:
    return next((folder / n for n in _HARVEST_NAMES if (folder / n).exists()), None)


#: Free-text columns that may mention a participant by name (a coder may be one too).
_FREE_TEXT = ("memo", "social_actor", "outcome", "significance", "contribution", "other_contributors", "sources",
              "substantiator_role", "text", "coder", "decision", "decided_by", "follow_up")


#: Session columns typed by hand that may hold a name -> the front-matter key they come from.
_SESSION_TEXT = {"title": "title", "facilitator_role": "facilitator"}


_NAME_FIX = "it was replaced by the person's pseudonym in every output; describe people by their role instead"


def _redacted(checked: Checked, register, salt: str) -> Checked:
    """``checked`` with registered names replaced in free text, rejected rows and problem values.

    Each accepted cell where a name was replaced gets a warning (without the name), so a
    lead learns to describe people by role rather than finding out from the report.
    """
    from sparklearn.ingest.privacy import pseudonymise_text
    from sparklearn.ingest.problems import Checked, columns_as_headed, problems_frame

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
                        "fix": _NAME_FIX, "severity": "warning"}).to_dict("records")))
        return frame

    rejected_text = [c for c in checked.rejected.columns if not c.endswith("_id") and c not in ("source_file", "source_row")]
    accepted = clean(checked.accepted, _FREE_TEXT, report=True)
    # The warnings name each column as the lead's file heads it, as the reader's own problems do.
    named = columns_as_headed(pd.concat([problems_frame(), *found], ignore_index=True), checked.headers)
    return Checked(accepted, clean(checked.rejected, rejected_text),
                   pd.concat([clean(checked.problems, ["value"]), named], ignore_index=True), headers=checked.headers)


def _redacted_sessions(read: SessionsRead, register, salt: str) -> SessionsRead:
    """Sessions with registered names replaced in titles, facilitators, roles, rejected rows and problems.

    A title is typed by hand and may name someone ("Visit with <name>"): the name becomes
    the person's pseudonym and a warning points at the line of the key, without the name.
    Roles in the participants list get the same treatment, before they make pseudonyms.
    """
    from sparklearn.ingest.privacy import pseudonymise_text
    from sparklearn.ingest.problems import problems_frame
    from sparklearn.ingest.sessions import SessionsRead

    sessions, segments = read.sessions.copy(), read.segments.copy()
    lines = read.key_lines.set_index(["file", "key"])["line"] if len(read.key_lines) else pd.Series(dtype="int64")
    found = []
    for column, key in (*_SESSION_TEXT.items(), ("speaker_role", "participants")):
        table = segments if column == "speaker_role" else sessions
        if not len(table):
            continue
        before = table[column].astype("string")
        table[column] = pseudonymise_text(before, register, salt).astype(str)
        changed = before.fillna("") != table[column].astype("string").fillna("")
        files = (table["session_id"].map(sessions.set_index("session_id")["source_file"])
                 if column == "speaker_role" else table["source_file"])[changed].drop_duplicates()
        found += [{"file": f, "row": lines.get((f, key)), "column": key, "value": "(name withheld)",
                   "rule": f"a participant's name (or id) in the session's {key}", "fix": _NAME_FIX,
                   "severity": "warning"} for f in files]
    rejected = read.rejected.copy()
    for column in ("title", "facilitator_role"):
        if len(rejected):
            rejected[column] = pseudonymise_text(rejected[column].astype("string"), register, salt)
    # A YAML message may quote a key of the front matter, and a key may be a name.
    problems = read.problems.assign(value=pseudonymise_text(read.problems["value"], register, salt),
                                    rule=pseudonymise_text(read.problems["rule"], register, salt))
    return SessionsRead(sessions, segments, pd.concat([problems, problems_frame(found)], ignore_index=True),
                        rejected, read.key_lines)


def _stop_on_names(tables: dict[str, pd.DataFrame], register, raw: Path, salt: str) -> None:
    """Raise, naming where (never the name), if a registered name is still in a table to be written.

    Free text was pseudonymised; what is left is a name in an id, a file name or a
    folder name, which the user must change: nothing is written. The file is named with
    the name replaced by the person's pseudonym (the message is printed, and a batch
    shows it in its index).
    """
    from sparklearn.ingest.privacy import find_names, pseudonymise_text

    for name, table in tables.items():
        if not len(table):
            continue
        # The data folder's own path (a user's home folder) is not the data: check the path inside it.
        local = table.assign(**{c: table[c].astype(str).map(lambda f: _inside(f, raw))
                                for c in ("source_file",) if c in table.columns})
        leaks = find_names(local, register)
        if not len(leaks):
            continue
        first = leaks.iloc[0]
        row = table.loc[first["row"]]
        where = str(row.get("source_file") or (f"session {row['session_id']}" if "session_id" in row.index else raw))
        raise InputError(
            f"a registered participant's name is in the {name} table's '{first['column']}' column "
            f"({len(leaks)} place(s) in all; shown here as the person's pseudonym)",
            file=pseudonymise_text(pd.Series([where]), register, salt).iloc[0],
            row=int(row["source_row"]) if "source_row" in row.index else None, column=str(first["column"]),
            fix="rename the file, folder or id so that it holds no participant's name; nothing was written")


def _inside(file: str, raw: Path) -> str:
    try:
        return Path(file).relative_to(raw).as_posix()
    except ValueError:
        return file


@dataclass(frozen=True)
class Prepared:
    """What :func:`prepare` produced: the tables, the problems, the manifest, and the quarantine.

    ``tables`` follow :data:`TABLE_COLUMNS`; ``problems`` has ``country`` and the problem
    columns; ``quarantine`` holds the checked register, sessions, codings and outcomes
    whose rejected rows and problems :func:`write_prepared` saves as CSV.
    """

    tables: dict[str, pd.DataFrame]
    problems: pd.DataFrame
    manifest: dict
    quarantine: dict[str, Checked]


def prepare_country(
    slug: str,
    paths: Paths | None = None,
    *,
    registry: Registry | None = None,
    codebook: Codebook | None = None,
) -> dict:
    """Prepare one country and write its processed tables; return the manifest (see :func:`prepare`)."""
    return prepare(slug, paths, registry=registry, codebook=codebook).manifest


def prepare(slug: str, paths: Paths | None = None, *, registry: Registry | None = None,
            codebook: Codebook | None = None, write: bool = True) -> Prepared:
    """Read, check and pseudonymise one country's raw files; write its processed tables.

    Parameters
    ----------
    slug
        Country slug.
    paths
        Folders (default :func:`sparklearn.config.resolve_paths`); the tables are written
        to ``paths.country_processed(slug)``.
    registry, codebook
        Default: read from the data folder.
    write
        False prepares in memory only: nothing is written anywhere (the file-making
        commands do this when no output folder was named).

    Returns
    -------
    Prepared
        ``manifest`` (also written to ``manifest.json``): ``country``, ``inputs`` (path in
        the data folder -> SHA-256), ``sparklearn_version``, ``library`` (see
        :func:`library_fingerprint`), ``tables`` (name -> read / accepted / rejected),
        ``n_errors``, ``n_warnings``, ``synthetic`` (:func:`is_synthetic`).

    Raises
    ------
    InputError
        When the country has no folder, or a registered name would reach a table
        (then nothing is written).
    ParameterError
        When ``write`` is True and ``paths`` has no output folder.
    """
    from sparklearn.codebook import load_codebook
    from sparklearn.countries import load_registry
    from sparklearn.ingest.codings import read_codings
    from sparklearn.ingest.harvest import read_harvest
    from sparklearn.ingest.privacy import pseudonymise_segments, read_register, salt_for
    from sparklearn.ingest.problems import Checked, problems_frame

    paths = paths or resolve_paths()
    out = paths.country_processed(slug) if write else None  # no output folder: stop before reading anything
    registry = registry or load_registry(paths.countries_file)
    codebook = codebook or load_codebook(paths.codebook_file)
    registry.country(slug)
    raw = paths.country_raw(slug)
    if not raw.is_dir():
        raise InputError(f"no folder for country '{slug}'", file=raw,
                         fix=f"create {raw} with participants.csv, sessions/, codings/ and outcomes.xlsx")
    # Hashed before reading: a file changed while it is read leaves the tables stale, not current.
    inputs = input_hashes(slug, paths)

    register = read_register(raw / "participants.csv")
    salt = salt_for(paths.raw)
    sessions_read = _redacted_sessions(_read_sessions(raw / "sessions", registry=registry, country=slug),
                                       register, salt)
    segments = pseudonymise_segments(sessions_read.segments, register, salt)
    codings = read_codings(sorted(p for g in _CODING_GLOBS for p in raw.glob(g)), codebook=codebook,
                           segments=segments, sessions=sessions_read.sessions,
                           rejected_sessions=sessions_read.rejected["session_id"])
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
    others = [raw / n for n in _HARVEST_NAMES if (raw / n).exists() and raw / n != harvest_path]
    if harvest_path is not None and others:
        outcomes = Checked(outcomes.accepted, outcomes.rejected, pd.concat([outcomes.problems, problems_frame([{
            "file": str(other), "row": None, "column": "", "value": "", "severity": "warning",
            "rule": f"two outcome harvests: this one was not read ({harvest_path.name} was)",
            "fix": f"keep one harvest: merge {other.name} into {harvest_path.name}, then move it out of the country "
                   "folder"} for other in others])], ignore_index=True), headers=outcomes.headers)

    decisions = _read_decisions(raw, slug, registry=registry, codebook=codebook, sessions=sessions_read.sessions,
                                outcomes=outcomes.accepted)

    # Outcome descriptions, memos, decisions and rejected rows are free text that may name people.
    codings = _redacted(codings, register, salt)
    outcomes = _redacted(outcomes, register, salt)
    decisions = _redacted(decisions, register, salt)
    tables = {"sessions": sessions_read.sessions, "segments": segments,
              "codings": codings.accepted, "outcomes": outcomes.accepted, "decisions": decisions.accepted}
    tables = {name: conform(name, table) for name, table in tables.items()}
    _stop_on_names(tables, register, paths.raw, salt)

    # The register's problems and rejected rows are reported, but never with a name in them.
    public_register = Checked(register.accepted.drop(columns="name", errors="ignore"),
                              register.rejected.drop(columns="name", errors="ignore"),
                              register.problems.assign(value=register.problems["value"].where(
                                  register.problems["column"] != "name", "(name withheld)")))
    problems = pd.concat([public_register.problems, sessions_read.problems, codings.problems, outcomes.problems,
                          decisions.problems],
                         ignore_index=True)
    problems.insert(0, "country", slug)

    counts = {
        "participants": register, "codings": codings, "outcomes": outcomes, "decisions": decisions,
    }
    manifest = {
        "country": slug,
        "sparklearn_version": __version__,
        "library": library_fingerprint(),
        "inputs": inputs,
        "tables": {
            **{name: {"read": c.n_read, "accepted": len(c.accepted), "rejected": len(c.rejected)}
               for name, c in counts.items()},
            "sessions": {"read": sessions_read.n_read, "accepted": len(sessions_read.sessions),
                         "rejected": len(sessions_read.rejected)},
            "segments": {"read": len(segments), "accepted": len(segments), "rejected": 0},
        },
        "n_errors": int((problems["severity"] == "error").sum()),
        "n_warnings": int((problems["severity"] == "warning").sum()),
        "synthetic": is_synthetic(slug, paths),
    }
    quarantine = {"participants": public_register,
                  "sessions": Checked(sessions_read.sessions, sessions_read.rejected, sessions_read.problems),
                  "codings": codings, "outcomes": outcomes, "decisions": decisions}
    prepared = Prepared(tables, problems, manifest, quarantine)
    if out is not None:
        write_prepared(prepared, out)
    return prepared


def write_prepared(prepared: Prepared, folder: str | Path) -> None:
    """Write a prepared country into its processed folder, the manifest last.

    Each file is written atomically; the old manifest is removed first and the new one
    written last, so a folder whose writing was interrupted (even by SIGKILL) has no
    manifest and reads as stale, never as current with a mix of old and new tables.
    """
    folder = Path(folder)
    (folder / "manifest.json").unlink(missing_ok=True)
    for name, table in prepared.tables.items():
        write_atomic(folder / f"{name}.parquet", table.to_parquet(index=False))
    save_quarantine(folder, "participants", prepared.quarantine["participants"])
    write_csv(folder / "rejected_sessions.csv", prepared.quarantine["sessions"].rejected)
    save_quarantine(folder, "codings", prepared.quarantine["codings"])
    save_quarantine(folder, "outcomes", prepared.quarantine["outcomes"])
    if "decisions" in prepared.quarantine:
        save_quarantine(folder, "decisions", prepared.quarantine["decisions"])
    write_csv(folder / "problems.csv", prepared.problems)  # values quoted from the data may start with "="
    write_atomic(folder / "manifest.json", json.dumps(prepared.manifest, indent=2, sort_keys=True))


@dataclass(frozen=True)
class Validation:
    """Problems across countries plus a per-country, per-table row count summary."""

    problems: pd.DataFrame
    summary: pd.DataFrame

    @property
    def n_errors(self) -> int:
        """Problems that rejected a row or a file."""
        return int((self.problems["severity"] == "error").sum())

    @property
    def n_warnings(self) -> int:
        """Problems that kept the row."""
        return int((self.problems["severity"] == "warning").sum())


def validate_countries(countries: list[str] | None = None, paths: Paths | None = None, *,
                       write: bool | None = None) -> Validation:
    """Prepare the given countries (default: all) and collect every problem.

    Country folders in the data folder that the registry does not know are reported
    as errors, so a misspelt folder is never silently ignored. A country that cannot be
    prepared at all (its register cannot be read, a name would reach a table) is one
    error row naming the file and the fix, and the other countries are still checked.

    Parameters
    ----------
    countries
        Country slugs (default: every country in the registry).
    paths
        Folders (default :func:`sparklearn.config.resolve_paths`).
    write
        Also write each country's processed folder (tables, rejected rows, problems).
        Default: when ``paths`` has an output folder.

    Returns
    -------
    Validation
        ``problems``: country + the problem columns. ``summary``: country, table, read,
        accepted, rejected.
    """
    from sparklearn.codebook import load_codebook
    from sparklearn.countries import load_registry
    from sparklearn.ingest.problems import problems_frame

    paths = paths or resolve_paths()
    write = paths.has_out if write is None else write
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
        try:
            prepared = prepare(slug, paths, registry=registry, codebook=codebook, write=write)
        except InputError as err:
            # A country that cannot be prepared (an unreadable register, a name in a file name)
            # is one error; the other countries are still checked.
            problems.append(problems_frame([{
                "file": err.file or str(paths.country_raw(slug)), "row": err.row, "column": err.column or "",
                "value": "" if err.value is None else err.value, "severity": "error",
                "rule": f"{err.message} (the country was not prepared)", "fix": err.fix or ""}]).assign(country=slug))
            continue
        problems.append(prepared.problems)
        summary.extend({"country": slug, "table": t, **c} for t, c in prepared.manifest["tables"].items())
    table = pd.concat(problems, ignore_index=True)
    table = table[["country", *[c for c in table.columns if c != "country"]]]
    return Validation(table, pd.DataFrame(summary, columns=["country", "table", "read", "accepted", "rejected"]))


# --------------------------------------------------------------------------- reference data

#: The folder, under the processed folder, that holds the checked registry and codebook
#: (a leading underscore, which no country slug can have, keeps it apart from countries).
REFERENCE_FOLDER = "_reference"


def reference_inputs(paths: Paths) -> dict[str, str | None]:
    """The fingerprint of the reference data: ``countries.yaml`` and ``codebook.yaml`` -> SHA-256 (None if missing).

    Examples
    --------
    >>> sorted(reference_inputs(resolve_paths()))
    ['codebook.yaml', 'countries.yaml']
    """
    files = {"countries.yaml": paths.countries_file, "codebook.yaml": paths.codebook_file}
    return {name: sha256_file(file) if file.is_file() else None for name, file in files.items()}


def write_reference(paths: Paths, *, registry: Registry | None = None, codebook: Codebook | None = None) -> dict:
    """Check the country registry and the codebook, and write them as tables under ``<processed>/_reference/``.

    The notebooks read these (:func:`sparklearn.store.reference`) instead of checking the
    YAML files again in every kernel: checking needs the schema library, half a second
    to import in each kernel, for files the batch has checked once already.

    Parameters
    ----------
    paths
        Folders; must have an output folder.
    registry, codebook
        Already checked; default: read and checked from the data folder.

    Returns
    -------
    dict
        The manifest also written to ``reference.json``: ``inputs``
        (:func:`reference_inputs`), ``sparklearn_version``, ``library``, the codebook's
        ``version``, ``title``, ``description`` and ``source``, the registry's
        ``source``, the ``vocabularies`` in order and the ``tables`` written.

    Raises
    ------
    RegistryError, CodebookError
        As :func:`sparklearn.countries.load_registry` and
        :func:`sparklearn.codebook.load_codebook`; nothing is written then.

    Examples
    --------
    >>> import tempfile
    >>> manifest = write_reference(resolve_paths(out=tempfile.mkdtemp()))
    >>> manifest["tables"][:4]
    ['countries', 'campaigns', 'sectors', 'codes']
    """
    from sparklearn.codebook import load_codebook
    from sparklearn.countries import load_registry

    inputs = reference_inputs(paths)  # hashed before reading, as for a country
    registry = registry or load_registry(paths.countries_file)
    codebook = codebook or load_codebook(paths.codebook_file)
    folder = paths.processed / REFERENCE_FOLDER
    vocabularies = list(codebook.vocabularies)
    tables = {"countries": registry.countries, "campaigns": registry.campaigns, "sectors": registry.sectors,
              "codes": codebook.codes,
              # By position, not name: a vocabulary's name is the codebook author's, not a safe file name.
              **{f"vocabulary-{i}": codebook.vocabularies[name] for i, name in enumerate(vocabularies)}}
    for name, table in tables.items():
        write_atomic(folder / f"{name}.parquet", table.to_parquet(index=False))
    manifest = {
        "inputs": inputs, "sparklearn_version": __version__, "library": library_fingerprint(),
        "codebook": {"version": codebook.version, "title": codebook.title, "description": codebook.description,
                     "source": str(codebook.source) if codebook.source else None},
        "registry": {"source": str(registry.source)},
        "vocabularies": vocabularies, "tables": list(tables),
    }
    write_atomic(folder / "reference.json", json.dumps(manifest, indent=2))
    return manifest
