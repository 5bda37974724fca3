"""The SPARK codebook (``codebook.yaml``): load it, check it, walk its hierarchy.

The codebook is the shared vocabulary of the analysis: coding sheets, REFI-QDA
projects and outcome harvests all refer to its codes. It is one YAML file::

    version: "1.0.0"
    title: SPARK codebook
    codes:                       # a flat list; `parent:` builds the hierarchy
      - id: PW                   # a group root has no parent
        label: Power (power cube)
        definition: ...
        when_to_use: ...
        when_not_to_use: ...
        example: ...
      - id: PW-FORM
        label: Forms of power
        parent: PW
        ...
    vocabularies:                # controlled lists, e.g. for outcome harvests
      outcome_area: {codes_under: OA}          # the direct children of code OA
      valence: [{id: positive, label: Positive}, {id: negative, label: Negative}]

Stage: reference data (below ingest; read by every stage above). The file is read with
:func:`sparklearn.textfiles.load_yaml`, which refuses files that are not UTF-8 (or
UTF-16/32 with a byte-order mark), larger than 2 MB, empty or not a mapping, and YAML that
could exhaust memory (aliases expanding past 200,000 values), nests too deep, gives a key
twice in one mapping or holds an impossible date, each with its line.

Loading checks the whole file once (YAML syntax, ids, labels, parents, cycles,
vocabularies) and raises :class:`~sparklearn.exceptions.CodebookError` naming the
file, the line, the code and the fix, so everything downstream can trust it.
Extra fields on a code (such as ``ibp_component``) become columns of the codebook
table; an extra field named like a vocabulary must take an id from it. Labels must
be unique (ignoring case), because coding sheets may use a label instead of an id.

A ``codes_under`` vocabulary takes the *direct* children of its code, so a
vocabulary never mixes a grouping code with the codes under it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import yaml
from rapidfuzz import fuzz, process, utils

from sparklearn.config import resolve_paths
from sparklearn.exceptions import CodebookError, ParameterError
from sparklearn.textfiles import (
    Problem,
    load_yaml,
    raise_problems,
    yaml_line,
)

#: Fields every code may have in ``codebook.yaml``.
CODE_FIELDS = ("id", "label", "parent", "definition", "when_to_use", "when_not_to_use", "example")
TEXT_FIELDS = ("definition", "when_to_use", "when_not_to_use", "example")

#: Columns of :func:`codebook_table`, in order; extra code fields follow them.
CODEBOOK_COLUMNS = [
    "code_id", "label", "parent_id", "group_id", "depth", "path", *TEXT_FIELDS, "order", "is_leaf",
    "ibp_component",
]

#: Joins the labels of a code's ancestors in the ``path`` column.
PATH_SEPARATOR = " > "

#: Extra code fields that must come from the vocabulary of the same name.
VOCABULARY_FIELDS = ("ibp_component",)

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
_SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_FIELD_PATTERN = r"[a-z][a-z0-9_]*"
_RESERVED = {c for c in CODEBOOK_COLUMNS if c not in TEXT_FIELDS and c not in ("label", "ibp_component")}
# Near misses below this rapidfuzz ratio are not worth suggesting.
_SUGGEST_CUTOFF = 80

@lru_cache(maxsize=1)
def _schemas():
    """The two pandera schemas: what a code entry must look like, and the codebook table.

    Built on first use, not at import: the schema library takes half a second to load
    (it pulls in hypothesis when that is installed), and notebook kernels never check a
    codebook. They read the checked copy the store keeps (:func:`sparklearn.store.reference`).

    The entry schema says what a code entry must look like once read (ids and labels
    present, ids usable in CSV files and REFI-QDA); the graph rules (duplicates,
    parents, cycles) are checked separately because they concern pairs of rows. The
    table schema is the contract of :func:`codebook_table`.
    """
    import pandera.pandas as pa

    entry = pa.DataFrameSchema(
        {
            "code_id": pa.Column("string", pa.Check.str_matches(_ID_PATTERN), nullable=False),
            "label": pa.Column("string", nullable=False),
            "parent_id": pa.Column("string", nullable=True),
            **{name: pa.Column("string", nullable=True) for name in TEXT_FIELDS},
        },
        strict=False,
    )
    table = pa.DataFrameSchema(
        {
            "code_id": pa.Column("string", pa.Check.str_matches(_ID_PATTERN), unique=True),
            "label": pa.Column("string", unique=True),
            "parent_id": pa.Column("string", nullable=True),
            "group_id": pa.Column("string"),
            "depth": pa.Column("int64", pa.Check.ge(0)),
            "path": pa.Column("string"),
            **{name: pa.Column("string", nullable=True) for name in TEXT_FIELDS},
            "order": pa.Column("int64", pa.Check.ge(1), unique=True),
            "is_leaf": pa.Column(bool),
            "ibp_component": pa.Column("string", nullable=True),
        },
        strict=False,
        ordered=True,
    )
    return entry, table


@dataclass(frozen=True, eq=False)
class Codebook:
    """A checked codebook.

    Attributes
    ----------
    version, title, description
        From the file's top-level keys.
    codes
        The codebook table (see :func:`codebook_table`).
    vocabularies
        Read-only mapping of vocabulary name -> DataFrame with ``id``, ``label`` and
        any extra fields (see :func:`vocabulary`).
    source
        The file the codebook was read from, if any.
    """

    version: str
    title: str
    codes: pd.DataFrame = field(repr=False)
    vocabularies: Mapping[str, pd.DataFrame] = field(repr=False)
    source: Path | None = None
    description: str = field(default="", repr=False)


def _fail(problems: Sequence[Problem], source: Path | None) -> None:
    """Raise one CodebookError for all problems found at one stage of the checks."""
    raise_problems(problems, file=source, what="the codebook", error=CodebookError)


def _closest(value: object, choices: Sequence[str]) -> str | None:
    hit = process.extractOne(str(value), list(choices), scorer=fuzz.ratio,
                             processor=utils.default_process, score_cutoff=_SUGGEST_CUTOFF)
    return hit[0] if hit else None


def _did_you_mean(value: object, choices: Sequence[str]) -> str:
    best = _closest(value, choices)
    return f"; did you mean '{best}'?" if best else ""


def _normalise(values: pd.Series) -> pd.Series:
    """Matching key: text trimmed, inner whitespace collapsed, case folded."""
    return values.astype("string").str.strip().str.replace(r"\s+", " ", regex=True).str.casefold()


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Load and check ``codebook.yaml``.

    Parameters
    ----------
    path
        The codebook file; defaults to ``codebook.yaml`` in the data folder
        (``--data`` / ``SPARKLEARN_DATA`` / the bundled ``data/raw``).

    Returns
    -------
    Codebook
        With the codebook table in ``codes`` and the controlled lists in
        ``vocabularies``.

    Raises
    ------
    CodebookError
        Missing, binary, oversized or non-UTF-8 file; YAML syntax error, a key given
        twice in one mapping, an impossible date, aliases or nesting past the limits of
        :mod:`sparklearn.textfiles` (each with its line); missing version, id or label,
        duplicate ids or labels (both positions), unknown parent, a cycle of parents, an
        unknown ``codes_under`` code or vocabulary id: each names the file, line, code
        and fix.

    Examples
    --------
    >>> cb = load_codebook()
    >>> cb.version, len(cb.codes) > 80
    ('1.0.0', True)
    >>> cb.codes.groupby("group_id").size()["OA"]
    np.int64(5)
    """
    path = Path(path) if path else resolve_paths().codebook_file
    if not path.is_file():
        raise CodebookError("codebook not found", file=path,
                            fix="point --data (or SPARKLEARN_DATA) at a folder holding codebook.yaml")
    stat = path.stat()
    checked = _load_codebook_cached(path, stat.st_mtime_ns, stat.st_size)
    # Callers get tables of their own: the cached ones must stay as the file says.
    return dataclasses.replace(checked, codes=checked.codes.copy(), vocabularies=MappingProxyType(
        {name: table.copy() for name, table in checked.vocabularies.items()}))


@lru_cache(maxsize=8)
def _load_codebook_cached(path: Path, mtime_ns: int, size: int) -> Codebook:
    """Read and check the codebook once per version of the file (checking is ~0.3 s of pandas).

    Commands that read it more than once (validate, then prepare each country) check it once.
    """
    doc = load_yaml(path, what="the codebook", error=CodebookError, expect="'version:', 'title:' and a 'codes:' list")
    return _build(doc.data, path, doc.root)


def codebook_from_dict(data: Mapping[str, Any], *, source: str | Path | None = None) -> Codebook:
    """Check a codebook given as a dict shaped like ``codebook.yaml`` (e.g. built from a ``.qdc``).

    Examples
    --------
    >>> cb = codebook_from_dict({"version": "1", "codes": [
    ...     {"id": "BR", "label": "Barriers"},
    ...     {"id": "BR-INFO", "label": "Lack of information", "parent": "BR"}]})
    >>> cb.codes[["code_id", "depth", "path"]]
       code_id  depth                           path
    0       BR      0                       Barriers
    1  BR-INFO      1  Barriers > Lack of information
    """
    return _build(data, Path(source) if source else None, None)


def _build(data: object, source: Path | None, root: yaml.Node | None) -> Codebook:
    if not isinstance(data, Mapping):
        raise CodebookError("does not hold a codebook", file=source,
                            fix="start the file with 'version:', 'title:' and a 'codes:' list")
    if data.get("version") in (None, ""):
        raise CodebookError("has no version", file=source, column="version",
                            fix='add a first line such as version: "1.0.0" (bump it when codes change)')
    if not isinstance(data["version"], str):
        raise CodebookError("version must be text", file=source, row=yaml_line(root, "version"),
                            column="version", value=data["version"],
                            fix=f'put the version in quotes: version: "{data["version"]}"')
    entries = data.get("codes")
    if not isinstance(entries, list) or not entries:
        raise CodebookError("has no 'codes:' list", file=source, row=yaml_line(root, "codes"), column="codes",
                            fix="add 'codes:' followed by one '- id: ...' entry per code")
    lines = [yaml_line(root, "codes", i) for i in range(len(entries))]
    _fail([Problem(f"codes entry {i + 1} is not a set of 'field: value' lines", line=lines[i],
                    fix="start each code with '- id: ...' and indent its other fields under it")
           for i, entry in enumerate(entries) if not isinstance(entry, Mapping)], source)

    frame = _entries_frame(entries, lines, source)
    _check_graph(frame, lines, source)
    table = _tidy(frame)
    vocabularies = _vocabularies(data.get("vocabularies"), table, source, root)
    _check_vocabulary_fields(table, vocabularies, lines, source)
    return Codebook(
        version=data["version"],
        title=str(data.get("title") or (source.stem if source else "codebook")),
        codes=_schemas()[1].validate(table),
        vocabularies=MappingProxyType(vocabularies),
        source=source,
        description=str(data.get("description") or "").strip(),
    )


def _who(frame: pd.DataFrame, pos: int) -> str:
    code_id = frame["code_id"].iloc[pos]
    return f"code '{code_id}'" if pd.notna(code_id) else f"codes entry {pos + 1}"


def _entries_frame(entries: list[Mapping], lines: list[int | None], source: Path | None) -> pd.DataFrame:
    """Code entries as a frame of text columns, checked field by field."""
    frame = pd.DataFrame.from_records(entries)
    extras = [c for c in frame.columns if c not in CODE_FIELDS]
    frame = frame.rename(columns={"id": "code_id", "parent": "parent_id"})
    problems = []
    for name in extras:
        first = int(frame[name].notna().to_numpy().argmax())
        known = _closest(name, CODE_FIELDS)
        if name in _RESERVED:
            problems.append(Problem(f"{_who(frame, first)} has the field '{name}', which is reserved",
                                     line=lines[first], column=name,
                                     fix="write the code's own id as 'id:' and its parent as 'parent:'; "
                                         "group_id, depth, path, order and is_leaf are computed"))
        elif known and not str(name).startswith(f"{known}_"):
            problems.append(Problem(f"{_who(frame, first)} has an unknown field '{name}'", line=lines[first],
                                     column=name, fix=f"did you mean '{known}'? (extra fields are allowed, "
                                                      "but this one looks like a misspelling)"))
        else:
            problems += _field_problems(frame, name, lambda p: _who(frame, p), lines)
    _fail(problems, source)

    for name in ("code_id", "label", "parent_id", *TEXT_FIELDS, *extras):
        column = frame[name] if name in frame else pd.Series(pd.NA, index=frame.index)
        frame[name] = column.astype("string").str.strip().replace("", pd.NA)
    frame = frame[["code_id", "label", "parent_id", *TEXT_FIELDS, *extras]]
    from pandera.errors import SchemaErrors

    try:
        _schemas()[0].validate(frame, lazy=True)
    except SchemaErrors as err:
        cases = err.failure_cases.dropna(subset=["index"])[["index", "column", "check", "failure_case"]]
        _fail([_entry_problem(frame, int(pos), str(col), str(check), value, lines)
               for pos, col, check, value in cases.itertuples(index=False)], source)
    return frame


def _field_problems(frame: pd.DataFrame, name: object, who: Callable[[int], str],
                    lines: list[int | None]) -> list[Problem]:
    """An extra field must have a plain name and one text value per row."""
    first = int(frame[name].notna().to_numpy().argmax())
    if not re.fullmatch(_FIELD_PATTERN, str(name)):
        return [Problem(f"{who(first)} has a field named '{name}'", line=lines[first], column=str(name),
                         fix="name fields in lowercase words joined by '_'; inside {...} a comma starts a new "
                             "field, so put text containing commas in quotes")]
    nested = frame[name].map(lambda v: isinstance(v, (list, dict))).to_numpy()
    return [Problem(f"{who(p)}: field '{name}' holds a list or mapping", line=lines[p], column=str(name),
                     fix="give one text value (join several with ';')") for p in np.flatnonzero(nested)[:1]]


def _entry_problem(frame: pd.DataFrame, pos: int, column: str, check: str, value: object,
                   lines: list[int | None]) -> Problem:
    field_name = {"code_id": "id", "parent_id": "parent"}.get(column, column)
    if check == "not_nullable":
        fixes = {"id": "add 'id:' with a short unique id such as OA-POWER",
                 "label": "add 'label:' with the name coders see"}
        return Problem(f"{_who(frame, pos)} has no {field_name}", line=lines[pos], column=field_name,
                        fix=fixes.get(field_name, f"add '{field_name}:'"))
    if column == "code_id" and check.startswith("str_matches"):
        return Problem(f"codes entry {pos + 1} has an id with spaces or unusual characters", line=lines[pos],
                        column="id", value=value,
                        fix="use letters, digits, '-', '_' or '.' only, e.g. OA-POWER")
    return Problem(f"{_who(frame, pos)}: '{field_name}' fails {check}", line=lines[pos], column=field_name,
                    value=value, fix="correct the value")


def _positions(pos: Sequence[int], lines: list[int | None]) -> str:
    return " and ".join(f"entry {p + 1}" + (f" (line {lines[p]})" if lines[p] else "") for p in pos)


def _check_graph(frame: pd.DataFrame, lines: list[int | None], source: Path | None) -> None:
    """Unique ids and labels, known parents, no cycles: each stage reports all it finds."""
    problems = []
    for column, what in (("code_id", "id"), ("label", "label")):
        key = _normalise(frame[column])
        dup = key[key.duplicated(keep=False)]
        for _, group in dup.groupby(dup, sort=False):
            pos = [frame.index.get_loc(i) for i in group.index]
            problems.append(Problem(
                f"{what} '{frame[column].iloc[pos[0]]}' is used by more than one code "
                f"(ignoring case): {_positions(pos, lines)}",
                line=lines[pos[-1]], column=what,
                fix=f"give each code its own {what}" + (" (add the parent's name to tell them apart)"
                                                         if what == "label" else "; delete the entry if it is a copy")))
    _fail(problems, source)

    ids = frame["code_id"].tolist()
    orphan = frame["parent_id"].notna() & ~frame["parent_id"].isin(ids)
    _fail([Problem(f"code '{frame['code_id'].iloc[p]}' has an unknown parent", line=lines[p], column="parent",
                    value=frame["parent_id"].iloc[p],
                    fix="use the id of a code in this file as 'parent:', or remove 'parent:' to make it a "
                        "group root" + _did_you_mean(frame["parent_id"].iloc[p], ids))
           for p in np.flatnonzero(orphan.to_numpy())], source)

    has_parent = frame["parent_id"].notna()
    graph = nx.DiGraph(zip(frame.loc[has_parent, "code_id"], frame.loc[has_parent, "parent_id"]))
    order = {code: pos for pos, code in enumerate(ids)}
    # Name each cycle from its first code in the file, so that messages are stable.
    cycles = []
    for cycle in nx.simple_cycles(graph):
        start = min(range(len(cycle)), key=lambda k: order[cycle[k]])
        cycles.append(cycle[start:] + cycle[:start])
    cycles.sort(key=lambda c: order[c[0]])
    _fail([Problem(f"codes form a cycle through their parents: {' -> '.join([*c, c[0]])}",
                    line=lines[order[c[0]]], column="parent", value=[*c, c[0]][1],
                    fix="each arrow points from a code to its parent; give one of these codes a parent outside "
                        "the cycle, or remove its 'parent:' to make it a group root")
           for c in cycles], source)


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Add group, depth and path by walking up one level at a time for all codes at once."""
    parent_of = pd.Series(frame["parent_id"].array, index=frame["code_id"].array)
    label_of = pd.Series(frame["label"].array, index=frame["code_id"].array)
    ancestor = frame["parent_id"]
    group, path = frame["code_id"], frame["label"]
    depth = pd.Series(0, index=frame.index, dtype="int64")
    # Terminates: cycles were ruled out, so every chain of parents reaches a root.
    while ancestor.notna().any():
        has = ancestor.notna()
        depth = depth + has.astype("int64")
        group = ancestor.where(has, group)
        path = (ancestor.map(label_of) + PATH_SEPARATOR + path).where(has, path)
        ancestor = ancestor.map(parent_of)
    extras = [c for c in frame.columns if c not in CODEBOOK_COLUMNS]
    table = frame.assign(
        group_id=group.astype("string"), depth=depth, path=path.astype("string"),
        order=pd.Series(np.arange(1, len(frame) + 1), index=frame.index, dtype="int64"),
        is_leaf=~frame["code_id"].isin(frame["parent_id"].dropna()),
    )
    if "ibp_component" not in table:
        table["ibp_component"] = pd.Series(pd.NA, index=table.index, dtype="string")
    return table[[*CODEBOOK_COLUMNS, *extras]].reset_index(drop=True)


def _vocabularies(raw: object, table: pd.DataFrame, source: Path | None,
                  root: yaml.Node | None) -> dict[str, pd.DataFrame]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise CodebookError("'vocabularies:' is not a set of named lists", file=source,
                            row=yaml_line(root, "vocabularies"), column="vocabularies",
                            fix="write 'vocabularies:' followed by 'name:' and its list of {id, label} entries")
    extras = [c for c in table.columns if c not in CODEBOOK_COLUMNS or c == "ibp_component"]
    out, problems = {}, []
    for name, spec in raw.items():
        line = yaml_line(root, "vocabularies", name)
        if isinstance(spec, Mapping) and set(spec) == {"codes_under"}:
            under = str(spec["codes_under"])
            kids = table.loc[table["parent_id"] == under]
            if under not in set(table["code_id"]):
                problems.append(Problem(f"vocabulary '{name}' takes codes under an unknown code", line=line,
                                         column="codes_under", value=under,
                                         fix="name a code id of this file" + _did_you_mean(under, table["code_id"])))
            elif kids.empty:
                problems.append(Problem(f"vocabulary '{name}' takes codes under '{under}', which has none",
                                         line=line, column="codes_under", value=under,
                                         fix="name a code that has child codes"))
            else:
                used = [c for c in extras if kids[c].notna().any()]
                out[name] = kids[["code_id", "label", *used]].rename(columns={"code_id": "id"}).reset_index(drop=True)
        elif isinstance(spec, list) and spec and all(isinstance(e, Mapping) for e in spec):
            frame, found = _vocabulary_list(str(name), spec, table, [yaml_line(root, "vocabularies", name, i)
                                                                     for i in range(len(spec))])
            problems += found
            out[name] = frame
        else:
            problems.append(Problem(f"vocabulary '{name}' is neither a list of entries nor 'codes_under:'",
                                     line=line, column=str(name),
                                     fix="give a list of {id: ..., label: ...} entries, or {codes_under: CODE}"))
    _fail(problems, source)
    return out


def _vocabulary_list(name: str, spec: list[Mapping], table: pd.DataFrame,
                     lines: list[int | None]) -> tuple[pd.DataFrame, list[Problem]]:
    frame = pd.DataFrame.from_records(spec)
    for column in ("id", "label"):
        frame[column] = (frame[column] if column in frame else pd.Series(pd.NA, index=frame.index))
    extras = [c for c in frame.columns if c not in ("id", "label")]
    problems = [found for c in extras
                for found in _field_problems(frame, c, lambda p: f"vocabulary '{name}' entry {p + 1}", lines)]
    frame = frame[["id", "label", *extras]].astype("string").apply(lambda s: s.str.strip().replace("", pd.NA))
    problems += [
        Problem(f"vocabulary '{name}' entry {p + 1} has no {column}", line=lines[p], column=column,
                 fix=f"add '{column}:' to the entry")
        for column in ("id", "label") for p in np.flatnonzero(frame[column].isna().to_numpy())
    ]
    bad_id = frame["id"].notna() & ~frame["id"].str.fullmatch(_SLUG_PATTERN).fillna(False)
    problems += [Problem(f"vocabulary '{name}' entry {p + 1} has an id that is not a lowercase slug",
                          line=lines[p], column="id", value=frame["id"].iloc[p],
                          fix="use lowercase letters, digits and single hyphens, e.g. local-government")
                 for p in np.flatnonzero(bad_id.to_numpy())]
    dup = frame["id"].notna() & frame["id"].duplicated()
    problems += [Problem(f"vocabulary '{name}' has the id '{frame['id'].iloc[p]}' twice", line=lines[p],
                          column="id", value=frame["id"].iloc[p], fix="give each entry its own id")
                 for p in np.flatnonzero(dup.to_numpy())]
    if "code" in frame:
        unknown = frame["code"].notna() & ~frame["code"].isin(table["code_id"])
        problems += [Problem(f"vocabulary '{name}' entry '{frame['id'].iloc[p]}' refers to an unknown code",
                              line=lines[p], column="code", value=frame["code"].iloc[p],
                              fix="use a code id of this file" + _did_you_mean(frame["code"].iloc[p],
                                                                                table["code_id"]))
                     for p in np.flatnonzero(unknown.to_numpy())]
    return frame, problems


def _check_vocabulary_fields(table: pd.DataFrame, vocabularies: Mapping[str, pd.DataFrame],
                             lines: list[int | None], source: Path | None) -> None:
    """Extra code fields named like a vocabulary take that vocabulary's ids."""
    problems = []
    for name in [c for c in table.columns if c in vocabularies or c in VOCABULARY_FIELDS]:
        used = table[name].notna()
        if name not in vocabularies:
            if used.any():
                p = int(used.to_numpy().argmax())
                problems.append(Problem(f"code '{table['code_id'].iloc[p]}' uses '{name}' but the codebook "
                                         f"has no vocabulary '{name}'", line=lines[p], column=name,
                                         fix=f"add a '{name}:' list under 'vocabularies:'"))
            continue
        known = vocabularies[name]["id"].tolist()
        problems += [Problem(f"code '{table['code_id'].iloc[p]}' has an unknown {name}", line=lines[p],
                              column=name, value=table[name].iloc[p],
                              fix=f"use one of: {', '.join(known)}" + _did_you_mean(table[name].iloc[p], known))
                     for p in np.flatnonzero((used & ~table[name].isin(known)).to_numpy())]
    _fail(problems, source)


def codebook_table(codebook: Codebook) -> pd.DataFrame:
    """The codebook as a tidy table, one row per code in file order.

    Returns
    -------
    pandas.DataFrame
        code_id, label, parent_id (NA for group roots), group_id (the group root's
        id), depth (0 for roots), path (ancestors' labels joined by ``" > "``),
        definition, when_to_use, when_not_to_use, example, order (1-based position in
        the file), is_leaf, ibp_component, then any other extra fields of the file.

    Examples
    --------
    >>> t = codebook_table(load_codebook()).set_index("code_id")
    >>> hidden = t.loc["PW-FORM-HIDDEN"]
    >>> hidden["group_id"], int(hidden["depth"]), hidden["path"]
    ('PW', 2, 'Power (power cube) > Forms of power > Hidden power')
    >>> t.loc["SC-ROOTCAUSE", "ibp_component"]
    'ibp-capacity'
    """
    return codebook.codes.copy()


def code_labels(codebook: Codebook) -> dict[str, str]:
    """Code id -> label, for figures and tables readers see.

    Parameters
    ----------
    codebook
        From :func:`load_codebook`.

    Returns
    -------
    dict
        Every code's id (groups and the codes under them) mapped to its label; vocabularies
        have their own labels (:func:`vocabulary`).

    Examples
    --------
    >>> code_labels(load_codebook())["OA-SPACES"]
    'Democratised fiscal governance spaces'
    """
    table = codebook_table(codebook)
    return dict(zip(table["code_id"], table["label"]))


def vocabulary(codebook: Codebook, name: str) -> pd.DataFrame:
    """One controlled list of the codebook (e.g. ``actor_type`` for outcome harvests).

    Returns
    -------
    pandas.DataFrame
        id, label, then the entries' extra fields (e.g. ``code`` for ``actor_type``,
        ``ibp_component`` for ``strategic_component``).

    Raises
    ------
    ParameterError
        For an unknown name; the message lists the known ones.

    Examples
    --------
    >>> vocabulary(load_codebook(), "substantiation")[["id", "label"]]
              id             label
    0    not-yet           Not yet
    1      fully      Fully agrees
    2  partially  Partially agrees
    3   disagree         Disagrees
    """
    if name not in codebook.vocabularies:
        known = list(codebook.vocabularies)
        raise ParameterError(f"unknown vocabulary '{name}'{_did_you_mean(name, known)} "
                             f"(the codebook has: {', '.join(known) or 'none'})")
    return codebook.vocabularies[name].copy()


def lookup_codes(values: pd.Series, codebook: Codebook) -> pd.DataFrame:
    """Match what coders wrote (an id or a label) against the codebook.

    Matching ignores case and surrounding or repeated whitespace; an id match wins over
    a label match. Values that match nothing get the closest id or label as a
    suggestion when one is near enough.

    Parameters
    ----------
    values
        Code ids or labels as written, e.g. the ``code`` column of a coding sheet.
    codebook
        From :func:`load_codebook`.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``values``: value (as given), code_id (NA when unmatched),
        suggestion (NA unless an unmatched value is close to an id or label),
        matched_by ("id", "label" or NA).

    Examples
    --------
    >>> lookup_codes(pd.Series(["OA-POWER", " hidden  POWER", "OA-POWR", "weather"]), load_codebook())
                value         code_id suggestion matched_by
    0        OA-POWER        OA-POWER       <NA>         id
    1   hidden  POWER  PW-FORM-HIDDEN       <NA>      label
    2         OA-POWR            <NA>   OA-POWER       <NA>
    3         weather            <NA>       <NA>       <NA>
    """
    codes = codebook.codes
    unique = pd.Series(values.dropna().unique())
    key = _normalise(unique)
    by_id = key.map(pd.Series(codes["code_id"].array, index=_normalise(codes["code_id"]).array))
    by_label = key.map(pd.Series(codes["code_id"].array, index=_normalise(codes["label"]).array))
    matched = pd.DataFrame({
        "code_id": by_id.fillna(by_label).astype("string"),
        "matched_by": pd.Series(np.select([by_id.notna(), by_label.notna()], ["id", "label"], ""),
                                dtype="string").replace("", pd.NA),
        "suggestion": pd.Series(pd.NA, index=unique.index, dtype="string"),
    })
    missing = matched["code_id"].isna().to_numpy()
    if missing.any():
        choices = [*codes["code_id"], *codes["label"]]
        scores = process.cdist(unique[missing].astype(str).tolist(), choices, scorer=fuzz.ratio,
                               processor=utils.default_process, score_cutoff=_SUGGEST_CUTOFF)
        best = np.asarray(choices, dtype=object)[scores.argmax(axis=1)]
        matched.loc[missing, "suggestion"] = np.where(scores.max(axis=1) > 0, best, None)
    matched.index = pd.Index(unique.array)
    out = pd.DataFrame({"value": values}, index=values.index)
    for column in ("code_id", "suggestion", "matched_by"):
        out[column] = values.map(matched[column]).astype("string")
    return out


def _require_code(codebook: Codebook, code_id: str) -> None:
    ids = codebook.codes["code_id"]
    if code_id not in set(ids):
        raise ParameterError(f"unknown code '{code_id}'{_did_you_mean(code_id, ids.tolist())} "
                             "(use the ids of codebook_table(codebook)['code_id'])")


def children(codebook: Codebook, code_id: str) -> list[str]:
    """Ids of the codes directly under ``code_id``, in file order.

    Examples
    --------
    >>> children(load_codebook(), "PW-SPACE")
    ['PW-SPACE-CLOSED', 'PW-SPACE-INVITED', 'PW-SPACE-CLAIMED']
    """
    _require_code(codebook, code_id)
    codes = codebook.codes
    return codes.loc[codes["parent_id"] == code_id, "code_id"].tolist()


def descendants(codebook: Codebook, code_id: str) -> list[str]:
    """Ids of ``code_id`` and every code under it, in file order.

    Useful to roll codings up to a grouping code: a passage coded ``PW-FORM-HIDDEN``
    also counts for ``PW-FORM`` and ``PW``.

    Examples
    --------
    >>> descendants(load_codebook(), "PW-FORM")
    ['PW-FORM', 'PW-FORM-VISIBLE', 'PW-FORM-HIDDEN', 'PW-FORM-INVISIBLE']
    """
    _require_code(codebook, code_id)
    codes = codebook.codes
    found, frontier = {code_id}, [code_id]
    while frontier:
        frontier = codes.loc[codes["parent_id"].isin(frontier), "code_id"].tolist()
        found.update(frontier)
    return codes.loc[codes["code_id"].isin(found), "code_id"].tolist()
