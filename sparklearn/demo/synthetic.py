"""Large random tables for the benchmarks: codings, outcome harvests and campaign registries.

Unlike the demo folder these are not meant to be read: they exercise the analysis at
10^4 to 10^6 rows, so they are built with vectorised numpy and pandas, not turn by turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sparklearn.countries import Registry
from sparklearn.demo.content import OUTCOME_COLUMNS
from sparklearn.exceptions import ParameterError

# ------------------------------------------------------------- large synthetic tables

_DEMO_SLUGS = ("ghana", "india", "indonesia", "kenya", "nigeria", "senegal", "south-africa")


def _country_slugs(n: int) -> list[str]:
    return list(_DEMO_SLUGS[:n]) if n <= len(_DEMO_SLUGS) else [f"country-{i:03d}" for i in range(n)]


def _text(categories: Sequence[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``categories[codes]`` as a string column, decoded by Arrow (far faster than Python strings)."""
    dictionary = pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int32()),
                                                pa.array(list(categories), type=pa.string()))
    return pd.array(dictionary.dictionary_decode(), dtype="str")


def synth_codings(n_codings: int, n_segments: int, n_codes: int, n_coders: int = 2,
                  seed: int = 0) -> pd.DataFrame:
    """A large coding table for benchmarks: every coder codes the same segments, partly agreeing.

    Each used segment has a "true" code (skewed: a few codes are frequent); each coder
    starts from it with probability 0.7 (from a random code otherwise) and codes ``k``
    consecutive codes from there, so no coder gives a segment the same code twice.
    Segments are grouped 15 to a session and sessions spread over the seven demo
    countries.

    Parameters
    ----------
    n_codings
        Rows to make.
    n_segments
        Segments available; as many are used as ``n_codings`` needs (at most this many).
    n_codes, n_coders
        Codes (``C0000``...) and coders (``coder-0``...).
    seed
        The same seed gives the same table.

    Returns
    -------
    pandas.DataFrame
        segment_id, session_id, coder, code_id, country: ``n_codings`` rows of string
        columns.

    Examples
    --------
    >>> t = synth_codings(1000, 200, 12, seed=1)
    >>> t.shape, t["coder"].nunique()
    ((1000, 5), 2)
    >>> bool(t.duplicated(["segment_id", "coder", "code_id"]).any())
    False
    """
    if min(n_codings, n_segments, n_codes, n_coders) < 1:
        raise ParameterError("synth_codings needs positive n_codings, n_segments, n_codes and n_coders")
    per = -(-n_codings // (n_segments * n_coders))  # codes per (segment, coder)
    if per > n_codes:
        raise ParameterError(f"{n_codings} codings over {n_segments} segments and {n_coders} coders need "
                             f"{per} distinct codes per segment but n_codes is {n_codes}; raise n_codes or n_segments")
    rng = np.random.default_rng(seed)
    row = np.arange(n_codings)
    segment = row // (n_coders * per)
    coder = (row // per) % n_coders
    n_used = int(segment[-1]) + 1
    true_code = np.minimum(rng.zipf(1.6, size=n_used) - 1, n_codes - 1)
    start = np.where(rng.random((n_used, n_coders)) < 0.7, true_code[:, None],
                     rng.integers(0, n_codes, size=(n_used, n_coders)))
    code = (start[segment, coder] + row % per) % n_codes
    n_sessions = (n_used - 1) // 15 + 1
    sessions = [f"S{i:06d}" for i in range(n_sessions)]
    return pd.DataFrame({
        "segment_id": _text([f"{sessions[i // 15]}-T{i % 15 + 1:03d}" for i in range(n_used)], segment),
        "session_id": _text(sessions, segment // 15),
        "coder": _text([f"coder-{i}" for i in range(n_coders)], coder),
        "code_id": _text([f"C{i:04d}" for i in range(n_codes)], code),
        "country": _text(_DEMO_SLUGS, segment // 15 % len(_DEMO_SLUGS)),
    })


_VOCAB = {
    "actor_type": ["executive", "legislature", "audit-institution", "local-government", "media", "courts",
                   "community", "cso", "traditional-faith", "private-sector", "donor"],
    "type_of_change": ["action", "relationship", "agenda", "policy", "budget", "practice", "discourse"],
    "level": ["local", "subnational", "national", "international"],
    "outcome_area": ["OA-POWER", "OA-SPACES", "OA-EQUITY", "OA-ACCOUNT"],
}


_COMPONENTS = ["SC-AGENCY", "SC-COALITION", "SC-ROOTCAUSE", "SC-ECOSYSTEM", "SC-ENABLING", "SC-DISCOURSE"]


def synth_outcomes(n_rows: int, n_countries: int = 7, seed: int = 0) -> pd.DataFrame:
    """A large outcome harvest for benchmarks, with the harvest's columns and vocabularies.

    Outcomes are numbered by date within each country; ``builds_on`` links about 40 %
    of them to an earlier outcome of the same country. Countries are the demo's slugs
    (``country-000``... beyond seven), two campaigns each.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`OUTCOME_COLUMNS`: ``date`` as datetime64, the rest strings.

    Examples
    --------
    >>> o = synth_outcomes(500, n_countries=3, seed=2)
    >>> o.shape, sorted(o["country"].unique())
    ((500, 20), ['ghana', 'india', 'indonesia'])
    >>> links = o.loc[o["builds_on"] != "", ["outcome_id", "builds_on"]]
    >>> bool((links["builds_on"] < links["outcome_id"]).all())
    True
    """
    if n_rows < 1 or n_countries < 1:
        raise ParameterError("synth_outcomes needs positive n_rows and n_countries")
    rng = np.random.default_rng(seed)
    slugs = _country_slugs(n_countries)
    country = rng.integers(0, n_countries, size=n_rows)
    days = rng.integers(0, 1826, size=n_rows)
    order = np.lexsort((days, country))
    country, days = country[order], days[order]
    first = np.searchsorted(country, np.arange(n_countries))
    pos = np.arange(n_rows) - first[country]
    prefix = pa.DictionaryArray.from_arrays(pa.array(country, type=pa.int32()),
                                            pa.array([f"X{i:03d}" for i in range(n_countries)])).dictionary_decode()
    ids = pc.binary_join_element_wise(prefix, pc.utf8_lpad(pc.cast(pa.array(pos), pa.string()), 6, "0"), "-O")
    earlier = first[country] + np.floor(rng.random(n_rows) * pos).astype(np.int64)
    linked = (pos > 0) & (rng.random(n_rows) < 0.4)
    builds_on = pc.if_else(pa.array(linked), pc.take(ids, pa.array(earlier)), "")

    def pick(values: Sequence[str], p: Sequence[float] | None = None) -> pd.api.extensions.ExtensionArray:
        return _text(values, rng.choice(len(values), size=n_rows, p=p))

    def constant(value: str) -> pd.api.extensions.ExtensionArray:
        return _text([value], np.zeros(n_rows, dtype=np.int32))

    combos = [";".join(c for j, c in enumerate(_COMPONENTS) if mask >> j & 1) for mask in range(1, 64)
              if bin(mask).count("1") <= 3]
    substantiation = rng.choice(4, size=n_rows, p=[0.7, 0.14, 0.11, 0.05])
    frame = pd.DataFrame({
        "outcome_id": pd.array(ids, dtype="str"),
        "country": _text(slugs, country),
        "campaign_id": _text([f"{s}-c{k}" for s in slugs for k in (1, 2)], 2 * country + rng.integers(0, 2, n_rows)),
        "date": pd.Timestamp("2020-01-01") + pd.to_timedelta(days, unit="D"),
        "social_actor": constant("Synthetic actor"),
        "actor_type": pick(_VOCAB["actor_type"]),
        "outcome": pd.array(pc.binary_join_element_wise("Synthetic outcome", ids, " "), dtype="str"),
        "significance": constant("Synthetic significance"),
        "contribution": constant("Synthetic contribution"),
        "other_contributors": constant(""),
        "outcome_area": pick(_VOCAB["outcome_area"]),
        "type_of_change": pick(_VOCAB["type_of_change"]),
        "level": pick(_VOCAB["level"], [0.45, 0.3, 0.22, 0.03]),
        "strategic_components": pick(combos),
        "intended": pick(["intended", "unintended"], [0.88, 0.12]),
        "valence": pick(["positive", "negative"], [0.93, 0.07]),
        "substantiation": _text(["not-yet", "fully", "partially", "disagree"], substantiation),
        "substantiator_role": _text(["", "independent informant"], (substantiation > 0).astype(np.int32)),
        "sources": constant("Synthetic source"),
        "builds_on": pd.array(builds_on, dtype="str"),
    })
    return frame[OUTCOME_COLUMNS]


def synth_campaigns(n_countries: int = 100, seed: int = 0) -> Registry:
    """A large registry of fictitious countries and campaigns for comparison benchmarks.

    Returns
    -------
    Registry
        ``countries`` (slug, name, code, languages, colour, n_campaigns) and
        ``campaigns`` (campaign_id, country, country_name, name, sector, entry_point,
        partners, start_date), shaped like :func:`sparklearn.countries.load_registry`'s.

    Examples
    --------
    >>> reg = synth_campaigns(50, seed=3)
    >>> len(reg.countries), int(reg.countries["n_campaigns"].sum()) == len(reg.campaigns)
    (50, True)
    """
    if n_countries < 1:
        raise ParameterError("synth_campaigns needs a positive n_countries")
    rng = np.random.default_rng(seed)
    slugs = np.array([f"country-{i:03d}" for i in range(n_countries)], dtype=object)
    n_campaigns = rng.integers(1, 5, size=n_countries)
    names = pd.Series(slugs).str.replace("-", " ").str.title()
    countries = pd.DataFrame({
        "slug": slugs, "name": names, "code": [f"C{i:03d}" for i in range(n_countries)],
        "languages": np.array(["en", "fr", "en;fr", "id;en", "en;sw"], dtype=object)[rng.integers(0, 5, n_countries)],
        "colour": [f"#{c:06x}" for c in rng.integers(0, 0xFFFFFF, size=n_countries)],
        "n_campaigns": n_campaigns.astype("int64"),
    })
    owner = np.repeat(np.arange(n_countries), n_campaigns)
    k = np.arange(len(owner)) - np.repeat(np.cumsum(n_campaigns) - n_campaigns, n_campaigns) + 1
    sectors = np.array(["water and sanitation", "health", "agriculture", "social assistance", "education",
                        "fishing communities", "mining communities"], dtype=object)
    sector = sectors[rng.integers(0, len(sectors), size=len(owner))]
    campaigns = pd.DataFrame({
        "campaign_id": pd.Series(slugs[owner]) + "-" + pd.Series(k).astype(str),
        "country": slugs[owner],
        "country_name": names.to_numpy()[owner],
        "name": "Campaign on " + pd.Series(sector),
        "sector": sector,
        "entry_point": "access to " + pd.Series(sector) + " services",
        "partners": "Partner " + pd.Series(k).astype(str),
        "start_date": pd.Timestamp("2019-07-01") + pd.to_timedelta(rng.integers(0, 730, size=len(owner)), unit="D"),
    })
    campaigns["start_date"] = campaigns["start_date"].astype("datetime64[ns]")
    return Registry(countries, campaigns, Path("<synthetic>"))
