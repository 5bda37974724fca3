"""Where sparklearn reads and writes: folders from the user's flags, environment and project.

The base stage: every other module asks this one for its folders, and nothing here
reads a data file. Folders are resolved in this order, for each of them:

1. a flag (``--data DIR``, ``--out DIR``) or a notebook's ``data_dir`` / ``processed_dir``
   parameter;
2. an environment variable: ``SPARKLEARN_DATA`` (the raw data) and ``SPARKLEARN_OUT``
   (outputs: ``processed/`` and ``reports/`` under it);
3. the *project*: the nearest folder, from the current directory upward, holding a
   ``sparklearn.toml`` or ``data/raw/countries.yaml``. Its ``data/raw``,
   ``data/processed``, ``reports`` and ``notebooks`` folders are the defaults
   (``sparklearn.toml`` may name others, see :func:`find_project`).

Never from where the package is installed: a second checkout using the first one's
environment reads and writes its own folders, and a non-editable install works from
any project. A notebook opened in JupyterLab runs in ``notebooks/`` and finds its
project one level up.

Two rules keep real data out of the repository:

- the project's output folders are the default only for the project's own data. When
  the data live elsewhere (``--data /secure/...``) and no ``--out`` / ``SPARKLEARN_OUT``
  is given, there is no output folder: commands that need one stop and say so, and the
  store prepares tables in memory (see :mod:`sparklearn.store`);
- commands that only make a file (``validate``, ``template``, ``export``, ``export-qdpx``,
  ``import-qdpx``) ask for ``default_out=False``: they write processed tables only into an
  output folder the user named.

Outside any project and without ``--data`` / ``SPARKLEARN_DATA``, :func:`resolve_paths`
raises an error saying what to do.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sparklearn.exceptions import ParameterError

#: The file that marks a project folder (optional: ``data/raw/countries.yaml`` marks one too).
PROJECT_FILE = "sparklearn.toml"

#: A project's folders unless its ``sparklearn.toml`` names others (relative to the project).
PROJECT_FOLDERS = {"data": "data/raw", "processed": "data/processed", "reports": "reports", "notebooks": "notebooks"}

_WHAT_TO_DO = (
    "cd into a sparklearn project (a folder holding sparklearn.toml or data/raw/countries.yaml, "
    "such as your sparklearn checkout), or pass --data DIR and --out DIR, "
    "or set SPARKLEARN_DATA and SPARKLEARN_OUT"
)


@dataclass(frozen=True)
class Project:
    """A project folder and its folders (see :func:`find_project`).

    ``processed`` and ``reports`` are None when the project's ``sparklearn.toml`` sets
    ``data`` outside the project without naming them: outputs never default into a
    project whose data live elsewhere.
    """

    root: Path
    data: Path
    processed: Path | None
    reports: Path | None
    notebooks: Path


def find_project(start: str | Path | None = None) -> Project | None:
    """The nearest project folder from ``start`` (default: the current directory) upward.

    A project folder holds ``sparklearn.toml`` or ``data/raw/countries.yaml``. A
    ``sparklearn.toml`` may name the project's folders, relative to it (every key is
    optional; these are the defaults)::

        data = "data/raw"
        processed = "data/processed"
        reports = "reports"
        notebooks = "notebooks"

    Parameters
    ----------
    start
        A folder (or a file, meaning its folder) to search from.

    Returns
    -------
    Project or None
        None when no folder from ``start`` up to the file system's root is a project.

    Raises
    ------
    ParameterError
        When ``sparklearn.toml`` is not valid TOML or holds a key other than those above.

    Examples
    --------
    >>> import tempfile
    >>> find_project(tempfile.mkdtemp()) is None
    True
    >>> project = find_project()  # the tests run in the repository
    >>> project.data.relative_to(project.root).as_posix()
    'data/raw'
    """
    here = Path(start if start is not None else Path.cwd()).expanduser().resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        settings = folder / PROJECT_FILE
        if settings.is_file():
            return _project(folder, _read_settings(settings))
        if (folder / PROJECT_FOLDERS["data"] / "countries.yaml").is_file():
            return _project(folder, {})
    return None


def _read_settings(file: Path) -> dict[str, str]:
    try:
        settings = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ParameterError(f"{file}: not valid TOML ({err}); fix the line it names, or delete the file") from err
    unknown = sorted(set(settings) - set(PROJECT_FOLDERS))
    wrong = sorted(k for k, v in settings.items() if k in PROJECT_FOLDERS and not isinstance(v, str))
    if unknown or wrong:
        raise ParameterError(f"{file}: {'unknown key' if unknown else 'not a folder name'} "
                             f"{', '.join(map(repr, unknown or wrong))}; it may set, each to a folder in quotes: "
                             f"{', '.join(PROJECT_FOLDERS)}")
    return settings


def _project(root: Path, settings: dict[str, str]) -> Project:
    folders = {key: (root / Path(settings.get(key, default)).expanduser()).resolve()
               for key, default in PROJECT_FOLDERS.items()}
    data_at_home = folders["data"].is_relative_to(root)
    return Project(
        root=root,
        data=folders["data"],
        processed=folders["processed"] if data_at_home or "processed" in settings else None,
        reports=folders["reports"] if data_at_home or "reports" in settings else None,
        notebooks=folders["notebooks"],
    )


@dataclass(frozen=True)
class Paths:
    """Where inputs are read from and outputs written to.

    ``raw`` is never written by sparklearn. The output folders may be unset (None):
    reading :attr:`processed`, :attr:`reports` or :attr:`notebooks` then raises an
    error saying how to set them; :attr:`has_out` tells whether there is an output folder.
    """

    raw: Path
    processed_dir: Path | None = None
    reports_dir: Path | None = None
    notebooks_dir: Path | None = None

    @property
    def has_out(self) -> bool:
        """True when processed tables may be written (and read back) under :attr:`processed`."""
        return self.processed_dir is not None

    @property
    def processed(self) -> Path:
        """The folder of processed tables, one ``<country>/`` each."""
        return self._needed(self.processed_dir, "processed tables")

    @property
    def reports(self) -> Path:
        """The folder of HTML reports, the index and the executed notebooks."""
        return self._needed(self.reports_dir, "reports")

    @property
    def notebooks(self) -> Path:
        """The folder holding ``country.py``, ``comparison.py`` and ``countries/``."""
        if self.notebooks_dir is None:
            raise ParameterError(f"no notebooks folder: the notebooks belong to a sparklearn project; {_WHAT_TO_DO}")
        return self.notebooks_dir

    def _needed(self, folder: Path | None, what: str) -> Path:
        if folder is None:
            raise ParameterError(
                f"no folder for {what}: the data ({self.raw}) are not the current project's, so nothing is "
                f"written into a project by default; pass --out DIR or set SPARKLEARN_OUT (a folder beside "
                f"the data, not in a git checkout)")
        return folder

    @property
    def countries_file(self) -> Path:
        return self.raw / "countries.yaml"

    @property
    def codebook_file(self) -> Path:
        return self.raw / "codebook.yaml"

    def country_raw(self, slug: str) -> Path:
        return self.raw / slug

    def country_processed(self, slug: str) -> Path:
        return self.processed / slug


def resolve_paths(
    data: str | Path | None = None,
    out: str | Path | None = None,
    *,
    default_out: bool = True,
    cwd: str | Path | None = None,
) -> Paths:
    """Resolve input and output folders: arguments, then environment, then the project.

    Parameters
    ----------
    data
        Folder holding ``countries.yaml``, ``codebook.yaml`` and one folder per country.
        Default: ``$SPARKLEARN_DATA``, else the project's data folder.
    out
        Folder under which ``processed/`` and ``reports/`` are written. Default:
        ``$SPARKLEARN_OUT``, else the project's ``data/processed`` and ``reports``, but only
        when the data are the project's own (inside the project folder) and
        ``default_out`` is True; otherwise there is no output folder (see :class:`Paths`).
    default_out
        False for commands that only make a file: they write processed tables only
        into an output folder the user named (``--out`` or ``SPARKLEARN_OUT``).
    cwd
        Where to start looking for the project (default: the current directory).

    Raises
    ------
    ParameterError
        When no data folder is given and no project is found, saying what to do.

    Examples
    --------
    >>> p = resolve_paths()  # in the repository: its demo data and output folders
    >>> p.countries_file.name, p.processed.relative_to(p.raw.parent.parent).as_posix()
    ('countries.yaml', 'data/processed')
    >>> resolve_paths(default_out=False).has_out
    False
    """
    project = find_project(cwd)
    data = data or os.environ.get("SPARKLEARN_DATA") or None
    if data is None and project is None:
        raise ParameterError(f"no data folder: {Path(cwd or Path.cwd()).resolve()} is not inside a sparklearn "
                             f"project; {_WHAT_TO_DO}")
    raw = Path(data).expanduser().resolve() if data else project.data
    notebooks = project.notebooks if project else None
    out = out or os.environ.get("SPARKLEARN_OUT") or None
    if out:
        base = Path(out).expanduser().resolve()
        return Paths(raw, base / "processed", base / "reports", notebooks)
    if default_out and project is not None and (raw == project.data or raw.is_relative_to(project.root)):
        return Paths(raw, project.processed, project.reports, notebooks)
    return Paths(raw, None, None, notebooks)
