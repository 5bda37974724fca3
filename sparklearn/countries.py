"""The country and campaign registry (``countries.yaml``).

Stage: reference data (below ingest; read by every stage above). The registry is the
shared vocabulary of places and sectors: every other table refers to a country by its
``slug`` (``south-africa``), to a campaign by its ``id`` (``za-sanitation``), and each
campaign names its sector from the registry's ``sectors:`` list, so that "Health",
"health " and "health care" cannot become three sectors of a comparison. (A registry
without the list, as written before it existed, still loads: its campaigns' sectors are
matched ignoring case and spacing, and two that look like one sector written two ways,
"health" and "health care", are an error that asks for the list.) The file::

    version: 1
    sectors:                         # the sectors campaigns may name (matched ignoring case and spacing)
      - {id: health, label: Health}
    countries:
      - slug: kenya                  # lowercase letters, digits and hyphens: folder names
        name: Kenya
        code: KE                     # starts participant ids (KE-P01)
        languages: [en, sw]
        colour: "#006b3f"            # in quotes: an unquoted # starts a comment
        campaigns:
          - id: ke-primary-health
            name: Primary health care
            sector: health
            entry_point: primary health care
            partners: [CEDC]
            start_date: 2019-11-01

Loading reads the file with :func:`sparklearn.textfiles.load_yaml` (encodings, size,
alias bombs, repeated keys, impossible dates) and then checks every entry, reporting all
problems at once, each with its line: missing or misplaced fields, duplicate slugs,
country codes and campaign ids (within and across countries), unknown sectors (with the
closest known one), dates that are not dates or are implausible. The rest of sparklearn
can then trust it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process, utils

from sparklearn.config import resolve_paths
from sparklearn.exceptions import RegistryError
from sparklearn.textfiles import (
    Problem,
    YamlDocument,
    load_yaml,
    raise_problems,
    yaml_line,
)

COUNTRY_FIELDS = ["slug", "name", "code", "languages", "colour", "campaigns"]
CAMPAIGN_FIELDS = ["id", "name", "sector", "entry_point", "partners", "start_date"]
SECTOR_FIELDS = ["id", "label"]
TOP_FIELDS = ["version", "sectors", "countries"]

#: Campaign start dates before this are taken for typing slips (SPARK began in 2019).
EARLIEST_START = dt.date(1990, 1, 1)
#: How far ahead a campaign may be planned to start.
YEARS_AHEAD = 5

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
_LISTS = {"languages", "partners"}
# Near misses below this rapidfuzz score are not worth suggesting.
_SUGGEST_CUTOFF = 80
# Without a sector list, two sector names this close (rapidfuzz ratio) are taken for one
# sector written two ways ("helth", "health"); "fishing" and "mining communities" stay apart.
_SAME_SECTOR = 90

@lru_cache(maxsize=1)
def _campaigns_schema():
    """The campaigns table's pandera schema, built on first use: notebook kernels never check a
    registry (they read the store's checked copy, :func:`sparklearn.store.reference`), so they
    need not load the schema library."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "campaign_id": pa.Column(str, pa.Check.str_matches(_SLUG.pattern), unique=True),
            "country": pa.Column(str),
            "sector": pa.Column(str, pa.Check.str_length(min_value=1)),
            "start_date": pa.Column("datetime64[ns]"),
        },
        strict=False,
    )


@dataclass(frozen=True)
class Registry:
    """Countries, campaigns and sectors as tidy tables.

    ``countries``: slug, name, code, languages (``;``-joined), colour, n_campaigns.
    ``campaigns``: campaign_id, country, country_name, name, sector, entry_point,
    partners (``;``-joined), start_date.
    ``sectors``: sector (the id campaigns use), label, n_campaigns; a registry built in
    code without one, or read from a file without a ``sectors:`` list, gets each
    campaign sector as its own label.
    """

    countries: pd.DataFrame
    campaigns: pd.DataFrame
    source: Path
    sectors: pd.DataFrame | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.sectors is None:
            named = list(pd.unique(self.campaigns["sector"])) if "sector" in self.campaigns else []
            object.__setattr__(self, "sectors", _sector_table(named, named, self.campaigns))

    @property
    def slugs(self) -> list[str]:
        return self.countries["slug"].tolist()

    def country(self, slug: str) -> pd.Series:
        """One country's row; a clear error names the known slugs when ``slug`` is unknown."""
        hit = self.countries.loc[self.countries["slug"] == slug]
        if hit.empty:
            raise RegistryError(
                f"unknown country '{slug}'", file=self.source, value=slug,
                fix=f"use one of: {', '.join(self.slugs)}",
            )
        return hit.iloc[0]

    def campaigns_of(self, slug: str) -> pd.DataFrame:
        self.country(slug)
        return self.campaigns.loc[self.campaigns["country"] == slug].reset_index(drop=True)

    def colours(self) -> dict[str, str]:
        """Country slug -> hex colour, one palette for every figure and report."""
        return dict(zip(self.countries["slug"], self.countries["colour"]))

    def sector_labels(self) -> dict[str, str]:
        """Sector id -> label, for figures and tables (``labels=``).

        Examples
        --------
        >>> load_registry().sector_labels()["water and sanitation"]
        'Water and sanitation'
        """
        return dict(zip(self.sectors["sector"], self.sectors["label"]))


def _sector_table(ids: list[str], labels: list[str], campaigns: pd.DataFrame) -> pd.DataFrame:
    counts = campaigns["sector"].value_counts() if "sector" in campaigns else pd.Series(dtype="int64")
    table = pd.DataFrame({"sector": pd.Series(ids, dtype="str"), "label": pd.Series(labels, dtype="str")})
    return table.assign(n_campaigns=table["sector"].map(counts).fillna(0).astype("int64"))


def _normal(text: str) -> str:
    """Matching key of a sector: trimmed, single-spaced, case folded."""
    return " ".join(text.split()).casefold()


def _closest(value: str, choices: list[str], scorer=fuzz.WRatio) -> str | None:
    hit = process.extractOne(value, choices, scorer=scorer, processor=utils.default_process,
                             score_cutoff=_SUGGEST_CUTOFF)
    return hit[0] if hit else None


def _blank(value: object) -> bool:
    """Nothing, empty text, or a list or mapping of nothing (``partners: [~]``)."""
    if isinstance(value, list):
        return all(_blank(v) for v in value)
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, dict) and not value)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


_EXAMPLES = {
    "colour": 'colour: "#1f4e9c" in quotes (unquoted, # starts a comment)',
    "start_date": "start_date: 2020-01-31",
    "languages": "languages: [en]",
    "partners": "partners: [Partner name]",
    "campaigns": "'campaigns:' followed by its campaigns, each starting with '- id:'",
    "sector": "'sector:' with an id from the 'sectors:' list",
    "code": "code: KE (participant ids start with it)",
}

# Fields of the other kind of entry: one found here is most likely indented wrongly.
_COUNTRY_ONLY = {f: "a country" for f in COUNTRY_FIELDS if f not in CAMPAIGN_FIELDS}
_CAMPAIGN_ONLY = {f: "a campaign" for f in CAMPAIGN_FIELDS if f not in COUNTRY_FIELDS}


class _Reader:
    """Reads the parsed file's entries as text, collecting every problem with its line."""

    def __init__(self, doc: YamlDocument) -> None:
        self.root, self.problems = doc.root, []

    def add(self, message: str, fix: str, keys: tuple, *, column: str | None = None, value: object = None) -> None:
        self.problems.append(Problem(message, fix, line=yaml_line(self.root, *keys), column=column, value=value))

    def entry(self, entry: object, keys: tuple, where: str, fields: list[str],
              elsewhere: dict[str, str]) -> dict[str, object] | None:
        """One entry's fields (text, lists of text, or as given for dates and campaigns); None if not a mapping."""
        if not isinstance(entry, Mapping):
            self.add(f"{where} is not a set of 'field: value' lines",
                     "start the entry with '- ' and indent its fields under it, one 'field: value' per line", keys,
                     value=_short(entry))
            return None
        for name in entry:
            if name in fields:
                continue
            if str(name) in elsewhere:
                self.add(f"{where} has the field '{name}', which belongs to {elsewhere[str(name)]}",
                         "check the indentation here and above: fields indented alike belong to one entry, and each "
                         "entry starts with '- '", (*keys, name), column=str(name))
                continue
            near = _closest(str(name), fields, fuzz.ratio)
            if near and not str(name).startswith(f"{near}_"):
                self.add(f"{where} has an unknown field '{name}'", f"did you mean '{near}'?", (*keys, name),
                         column=str(name))
        out = {}
        for name in fields:
            value = entry.get(name)
            if _blank(value):
                self.add(f"{where} lacks {name}", f"add {_EXAMPLES.get(name, repr(name + ':'))} to {where}",
                         (*keys, name) if name in entry else keys, column=name)
                out[name] = None
            elif name in ("campaigns", "start_date"):
                out[name] = value
            elif name in _LISTS:
                out[name] = self.text_list(value, (*keys, name), where, name)
            else:
                out[name] = self.text(value, (*keys, name), where, name)
        return out

    def text(self, value: object, keys: tuple, where: str, name: str) -> str | None:
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, bool):
            self.add(f"{where}: '{name}' was read as {str(value).lower()}, not as text",
                     f'put the value in quotes, e.g. {name}: "NO" (unquoted, YAML reads yes, no, on, off, true and '
                     "false as true or false)", keys, column=name, value=value)
            return None
        if isinstance(value, (int, float, dt.date)):
            return str(value)
        self.add(f"{where}: '{name}' holds a list or mapping, not one value",
                 f"give one value on the line '{name}: ...'", keys, column=name, value=_short(value))
        return None

    def text_list(self, value: object, keys: tuple, where: str, name: str) -> list[str]:
        """A list of texts; one text alone counts as a list of one."""
        if not isinstance(value, list):
            return [t for t in [self.text(value, keys, where, name)] if t]
        return [t for i, v in enumerate(value) if (t := self.text(v, (*keys, i), where, name))]


def _sectors(reader: _Reader, raw: object, entries: list) -> dict[str, tuple[str, str]]:
    """The sector vocabulary: matching key -> (id, label); empty when the list is broken."""
    if raw is None:
        return _sectors_named(reader, entries)
    if not isinstance(raw, list) or not raw:
        reader.add("'sectors:' is not a list of {id, label} entries",
                   "write 'sectors:' followed by lines such as '  - {id: health, label: Health}'", ("sectors",),
                   column="sectors")
        return {}
    out: dict[str, tuple[str, str]] = {}
    first: dict[str, int] = {}
    for i, item in enumerate(raw):
        entry = reader.entry(item, ("sectors", i), f"sector entry {i + 1}", SECTOR_FIELDS, {})
        if entry is None or entry["id"] is None:
            continue
        sector, key = entry["id"], _normal(entry["id"])
        if sector != key:
            reader.add(f"sector id '{sector}' is not written in lowercase with single spaces", f"write it as '{key}'",
                       ("sectors", i, "id"), column="id", value=sector)
        if key in out:
            reader.add(f"sector '{sector}' is listed twice (first as entry {first[key] + 1}, ignoring case and "
                       "spacing)", "list each sector once", ("sectors", i, "id"), column="id", value=sector)
            continue
        out[key], first[key] = (key, entry["label"] or key), i
    return out


def _alike(a: str, b: str) -> bool:
    """Two sector names that are likely one sector: one's words inside the other's, or a typing slip apart."""
    words_a, words_b = set(a.split()), set(b.split())
    return words_a <= words_b or words_b <= words_a or fuzz.ratio(a, b) >= _SAME_SECTOR


def _sectors_named(reader: _Reader, entries: list) -> dict[str, tuple[str, str]]:
    """Without a 'sectors:' list: the campaigns' sectors (case and spacing aside), unless two look like one."""
    lines: dict[str, int | None] = {}
    for i, entry in enumerate(entries):
        listed = entry.get("campaigns") if isinstance(entry, Mapping) else None
        for j, camp in enumerate(listed if isinstance(listed, list) else []):
            if isinstance(camp, Mapping) and isinstance(camp.get("sector"), str) and camp["sector"].strip():
                lines.setdefault(_normal(camp["sector"]),
                                 yaml_line(reader.root, "countries", i, "campaigns", j, "sector"))
    for a, b in itertools.combinations(lines, 2):
        if _alike(a, b):
            reader.problems.append(Problem(
                f"campaigns name the sectors '{a}' (line {lines[a]}) and '{b}' (line {lines[b]}): one sector "
                "written two ways?", f"write it the same way in every campaign; if these are two sectors, list "
                f"both under 'sectors:' before 'countries:', e.g. sectors: [{{id: {a}, label: ...}}, "
                f"{{id: {b}, label: ...}}]", line=lines[b], column="sector", value=b))
    return {key: (key, key) for key in lines}


def _entries(reader: _Reader, entries: list, sectors: dict[str, tuple[str, str]]) -> tuple[list, list]:
    """Country rows and campaign rows; problems (with lines) go to ``reader``."""
    countries, campaigns = [], []
    seen: dict[tuple[str, str], tuple[str, int | None]] = {}   # (kind, value) -> (who, line)
    latest = dt.date.today().replace(year=dt.date.today().year + YEARS_AHEAD, day=1)

    def once(kind: str, value: str | None, who: str, keys: tuple, fix: str) -> None:
        if value is None:
            return
        line = yaml_line(reader.root, *keys)
        if (kind, value) in seen:
            first_who, first_line = seen[(kind, value)]
            reader.add(f"{kind} '{value}' is used twice: by {first_who} on line {first_line}, and again by {who}", fix,
                       keys, column=keys[-1], value=value)
        else:
            seen[(kind, value)] = (who, line)

    for i, item in enumerate(entries):
        keys = ("countries", i)
        slug_hint = item.get("slug") if isinstance(item, Mapping) else None
        where = f"country entry {i + 1}" + (f" ({slug_hint})" if isinstance(slug_hint, str) else "")
        country = reader.entry(item, keys, where, COUNTRY_FIELDS, _CAMPAIGN_ONLY)
        if country is None:
            continue
        slug = country["slug"]
        if slug is not None and not _SLUG.fullmatch(slug):
            reader.add(f"{where}: slug '{slug}' is not lowercase letters, digits and single hyphens",
                       "write it like south-africa: it names the country's data folder", (*keys, "slug"),
                       column="slug", value=slug)
        if country["colour"] is not None and not _COLOUR.fullmatch(country["colour"]):
            reader.add(f"{where}: colour '{country['colour']}' is not a hex colour", 'write it like colour: '
                       '"#1f4e9c", in quotes', (*keys, "colour"), column="colour", value=country["colour"])
        once("country slug", slug, where, (*keys, "slug"), "give each country its own slug; delete the entry if "
             "it is a copy")
        once("country code", country["code"], where, (*keys, "code"),
             "give each country its own code: participant ids start with it")
        listed = country["campaigns"]
        if listed is not None and not isinstance(listed, list):
            reader.add(f"{where}: 'campaigns:' is not a list", "start each campaign with '- id:' on its own line, "
                       "indented under 'campaigns:'", (*keys, "campaigns"), column="campaigns", value=_short(listed))
            listed = None
        for j, raw_camp in enumerate(listed or []):
            camp_keys = (*keys, "campaigns", j)
            camp_id = raw_camp.get("id") if isinstance(raw_camp, Mapping) else None
            who = f"campaign '{camp_id if camp_id is not None else j + 1}' of {slug or where}"
            camp = reader.entry(raw_camp, camp_keys, who, CAMPAIGN_FIELDS, _COUNTRY_ONLY)
            if camp is None:
                continue
            if camp["id"] is not None and not _SLUG.fullmatch(camp["id"]):
                reader.add(f"{who}: id is not lowercase letters, digits and single hyphens",
                           "write it like ke-primary-health", (*camp_keys, "id"), column="id", value=camp["id"])
            once("campaign id", camp["id"], f"{slug or where}", (*camp_keys, "id"),
                 "give each campaign its own id; if a campaign moved country, delete its old entry")
            sector = _sector(reader, camp["sector"], sectors, who, (*camp_keys, "sector"))
            given, start = camp["start_date"], _date(camp["start_date"])
            if given is not None and start is None:
                reader.add(f"{who}: start_date is not a date", "write it as YYYY-MM-DD, e.g. 2020-01-31",
                           (*camp_keys, "start_date"), column="start_date",
                           value=given if isinstance(given, str) else _short(given))
            elif start is not None and not EARLIEST_START <= start <= latest:
                reader.add(f"{who}: start_date {start} is implausible (before {EARLIEST_START} or more than "
                           f"{YEARS_AHEAD} years ahead)", "check the year", (*camp_keys, "start_date"),
                           column="start_date", value=str(start))
            campaigns.append({
                "campaign_id": camp["id"], "country": slug, "country_name": country["name"], "name": camp["name"],
                "sector": sector, "entry_point": camp["entry_point"], "partners": "; ".join(camp["partners"] or []),
                "start_date": start,
            })
        countries.append({
            "slug": slug, "name": country["name"], "code": country["code"],
            "languages": ";".join(country["languages"] or []), "colour": country["colour"],
            "n_campaigns": len(listed or []),
        })
    return countries, campaigns


def _sector(reader: _Reader, named: str | None, sectors: dict[str, tuple[str, str]], who: str,
            keys: tuple) -> str | None:
    """The sector id a campaign names (matched ignoring case and spacing), or a problem."""
    if named is None or not sectors:
        return named
    hit = sectors.get(_normal(named))
    if hit:
        return hit[0]
    ids = [sector for sector, _ in sectors.values()]
    near = _closest(named, ids)
    reader.add(f"{who} names the sector '{named}', which is not in the 'sectors:' list",
               (f"did you mean '{near}'? " if near else "") + f"Use one of: {', '.join(ids)}; or add the sector to "
               "'sectors:' if it is a new one", keys, column="sector", value=named)
    return None


def load_registry(path: str | Path | None = None) -> Registry:
    """Load and check ``countries.yaml``.

    Parameters
    ----------
    path
        The registry file; defaults to ``countries.yaml`` in the data folder
        (``--data`` / ``SPARKLEARN_DATA`` / the bundled demo data).

    Returns
    -------
    Registry
        With ``countries``, ``campaigns`` and ``sectors`` tables (see :class:`Registry`).

    Raises
    ------
    RegistryError
        Naming the file and, for each problem, its line and the fix: YAML syntax, a key
        given twice in one mapping, missing, mistyped or misplaced fields, duplicate
        slugs, codes or campaign ids (within and across countries), a sector not in
        ``sectors:`` (with the closest one), a start date that is not a date. Sector
        names match the list ignoring case and spacing; without a list, two sector names
        that look like one (``health``, ``health care``) are an error.

    Examples
    --------
    >>> reg = load_registry()
    >>> len(reg.countries), len(reg.campaigns)
    (7, 14)
    >>> reg.campaigns.groupby("sector").size()["water and sanitation"]
    np.int64(4)
    """
    path = Path(path) if path else resolve_paths().countries_file
    if not path.exists():
        raise RegistryError("country registry not found", file=path,
                            fix="point --data at a folder holding countries.yaml")
    what = "the country registry"
    doc = load_yaml(path, what=what, error=RegistryError,
                    expect="'sectors:' (the sectors campaigns may name) and 'countries:' (one entry per country)")
    reader = _Reader(doc)
    for name in doc.data:
        near = _closest(str(name), TOP_FIELDS, fuzz.ratio)
        if name not in TOP_FIELDS and near:
            reader.add(f"unknown top-level key '{name}'", f"did you mean '{near}'?", (name,), column=str(name))
    entries = doc.data.get("countries")
    if not isinstance(entries, list) or not entries:
        reader.add("has no 'countries:' list", "add 'countries:' followed by one '- slug: ...' entry per country",
                   ("countries",), column="countries")
        raise_problems(reader.problems, file=path, what=what, error=RegistryError)
    sectors = _sectors(reader, doc.data.get("sectors"), entries)
    countries, campaigns = _entries(reader, entries, sectors)
    raise_problems(reader.problems, file=path, what=what, error=RegistryError)

    countries_df = pd.DataFrame(countries)
    campaigns_df = pd.DataFrame(campaigns)
    campaigns_df["start_date"] = pd.to_datetime(campaigns_df["start_date"].astype(str), errors="coerce")
    campaigns_df = _campaigns_schema().validate(campaigns_df).reset_index(drop=True)
    ids, labels = [i for i, _ in sectors.values()], [label for _, label in sectors.values()]
    return Registry(countries_df, campaigns_df, path, _sector_table(ids, labels, campaigns_df))
