"""The country and campaign registry (``countries.yaml``).

The registry is the shared vocabulary of places: every other table refers to a
country by its ``slug`` (``south-africa``) and to a campaign by its ``id``
(``za-sanitation``). Loading checks the file once and says precisely what is
wrong, so the rest of sparklearn can trust it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import yaml

from sparklearn.config import resolve_paths
from sparklearn.exceptions import RegistryError

COUNTRY_FIELDS = ["slug", "name", "code", "languages", "colour", "campaigns"]
CAMPAIGN_FIELDS = ["id", "name", "sector", "entry_point", "partners", "start_date"]

_CAMPAIGNS_SCHEMA = pa.DataFrameSchema(
    {
        "campaign_id": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9][a-z0-9-]*$"), unique=True),
        "country": pa.Column(str),
        "sector": pa.Column(str, pa.Check.str_length(min_value=1)),
        "start_date": pa.Column("datetime64[ns]"),
    },
    strict=False,
)


@dataclass(frozen=True)
class Registry:
    """Countries and campaigns as two tidy tables.

    ``countries``: slug, name, code, languages (``;``-joined), colour, n_campaigns.
    ``campaigns``: campaign_id, country, country_name, name, sector, entry_point,
    partners (``;``-joined), start_date.
    """

    countries: pd.DataFrame
    campaigns: pd.DataFrame
    source: Path

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


def _require(entry: dict, fields: list[str], where: str, path: Path) -> None:
    missing = [f for f in fields if entry.get(f) in (None, "", [])]
    if missing:
        raise RegistryError(f"{where} lacks {', '.join(missing)}", file=path, column=missing[0],
                            fix=f"add '{missing[0]}:' to {where}")


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
        With ``countries`` and ``campaigns`` tables (see :class:`Registry`).

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
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise RegistryError(f"is not valid YAML: {getattr(err, 'problem', err)}", file=path,
                            row=mark.line + 1 if mark else None,
                            fix="check indentation and colons on that line") from err
    if not isinstance(doc, dict) or not isinstance(doc.get("countries"), list) or not doc["countries"]:
        raise RegistryError("has no 'countries:' list", file=path,
                            fix="start the file with 'countries:' followed by one entry per country")
    countries, campaigns = [], []
    for i, entry in enumerate(doc["countries"], start=1):
        if not isinstance(entry, dict):
            raise RegistryError(f"country entry {i} is not a mapping", file=path, fix="use 'key: value' lines")
        _require(entry, COUNTRY_FIELDS, f"country entry {i} ({entry.get('slug', '?')})", path)
        for camp in entry["campaigns"]:
            _require(camp, CAMPAIGN_FIELDS, f"campaign '{camp.get('id', '?')}' of {entry['slug']}", path)
            campaigns.append({
                "campaign_id": str(camp["id"]), "country": entry["slug"], "country_name": entry["name"],
                "name": camp["name"], "sector": camp["sector"], "entry_point": camp["entry_point"],
                "partners": "; ".join(camp["partners"]), "start_date": camp["start_date"],
            })
        countries.append({
            "slug": entry["slug"], "name": entry["name"], "code": entry["code"],
            "languages": ";".join(entry["languages"]), "colour": entry["colour"],
            "n_campaigns": len(entry["campaigns"]),
        })
    countries_df = pd.DataFrame(countries)
    dup = countries_df["slug"][countries_df["slug"].duplicated()]
    if len(dup):
        raise RegistryError("a country slug appears twice", file=path, value=dup.iloc[0],
                            fix="give each country a unique slug")
    campaigns_df = pd.DataFrame(campaigns)
    campaigns_df["start_date"] = pd.to_datetime(campaigns_df["start_date"].astype(str), errors="coerce")
    try:
        campaigns_df = _CAMPAIGNS_SCHEMA.validate(campaigns_df, lazy=True)
    except pa.errors.SchemaErrors as err:
        case = err.failure_cases.iloc[0]
        raise RegistryError(f"campaign table fails '{case['check']}'", file=path, column=str(case["column"]),
                            value=case["failure_case"],
                            fix="campaign ids are unique lowercase slugs and start dates read YYYY-MM-DD") from err
    return Registry(countries_df, campaigns_df.reset_index(drop=True), path)
