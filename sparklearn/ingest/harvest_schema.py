"""The outcome harvest's contract: columns, vocabularies, the pandera schema, guidance text.

Stage: ingest (reference knowledge of one raw input). An **outcome** (Wilson-Grau and
Britt 2012) is an observed change in the behaviour of a **social actor** that the
campaign plausibly influenced. Each row of a harvest describes one: the outcome (who
changed what, when and where), its **significance**, the **contribution** of the
change agents, how it is classified (outcome area, type of change, actor type, level,
strategic components, intended or not, positive or negative), whether an independent
informant **substantiated** it, and the earlier outcomes it **builds on**. Optional
columns (:data:`OPTIONAL`) say who gained (``social_group``), the kind of change
(``kind_of_change``), the stage of the budget cycle (``budget_stage``) and, where
known, the money involved (``amount``, ``currency`` as an ISO 4217 code of
:data:`CURRENCIES`, ``amount_year``); a harvest without them reads as before.

This module says what a harvest *is*; :mod:`sparklearn.ingest.harvest` reads and checks
one, :mod:`sparklearn.report.sheets` writes the Excel template from the same columns,
headers and guidance, and :mod:`sparklearn.analysis.outcomes` summarises the accepted
table. Keeping the contract apart from the reader lets the template and the summaries
use it without importing the reader's Excel and date machinery.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sparklearn.codebook import Codebook, load_codebook, vocabulary
from sparklearn.countries import Registry

if TYPE_CHECKING:
    # The schema library is imported where a schema is built, not here: the summaries
    # (sparklearn.analysis.outcomes) use this module's columns in every notebook kernel,
    # which never checks a harvest and should not pay half a second to load pandera.
    import pandera.pandas as pa

#: Name of the harvest sheet in a workbook.
SHEET = "Outcomes"


#: Optional columns (who gained, the kind of change, the budget cycle and the money): a
#: harvest without them reads exactly as before, and an empty cell in them never warns.
OPTIONAL = ("social_group", "kind_of_change", "budget_stage", "amount", "currency", "amount_year")


#: Optional single-value columns checked against the codebook vocabulary of the same name.
OPTIONAL_CONTROLLED = ("kind_of_change", "budget_stage")


#: Active ISO 4217 currency codes (tender currencies of the CLDR territory list, 2025).
CURRENCIES = frozenset([
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD",
    "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CLP", "CNY",
    "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP",
    "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR",
    "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT",
    "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR",
    "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK",
    "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD",
    "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD",
    "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF",
    "XPF", "YER", "ZAR", "ZMW", "ZWG",
])


#: Columns of a harvest sheet, in order (what :func:`sparklearn.report.sheets.write_harvest` writes).
HARVEST_COLUMNS = [
    "outcome_id", "country", "campaign_id", "date", "social_actor", "actor_type", "outcome",
    "significance", "contribution", "other_contributors", "outcome_area", "type_of_change",
    "level", "strategic_components", "intended", "valence", "substantiation",
    "substantiator_role", "sources", "builds_on", *OPTIONAL,
]


#: Columns of the outcomes table (the data contract), in order.
OUTCOME_COLUMNS = [
    "outcome_id", "country", "campaign_id", "date", "date_precision", "social_actor", "actor_type",
    "outcome", "significance", "contribution", "other_contributors", "outcome_area", "type_of_change",
    "level", "strategic_components", "intended", "valence", "substantiation", "substantiator_role",
    "sources", "builds_on", *OPTIONAL, "source_file", "source_row",
]


#: Single-value columns checked against the codebook vocabulary of the same name.
CONTROLLED = ("actor_type", "outcome_area", "type_of_change", "level", "intended", "valence", "substantiation")


#: Multi-value column -> the vocabulary its parts come from.
MULTI_VALUE = {"strategic_components": "strategic_component"}


#: Columns a harvest cannot do without: a row without them is rejected.
REQUIRED = ("outcome_id", "campaign_id", "outcome")


#: Header the template writes for each column (``read_table`` normalises it back).
HEADERS = {c: c.replace("_", " ").capitalize().replace(" id", " ID") for c in HARVEST_COLUMNS}


#: What to write in each column (the Guidance sheet and the cell prompts); ``{code}`` (the
#: country code, e.g. SN) and ``{campaign}`` (a campaign id of the country) are filled in
#: by :func:`column_guidance` so that a harvester sees examples of their own country.
GUIDANCE = {
    "outcome_id": "A short unique id, e.g. {code}-O001. Other outcomes refer to it in 'Builds on'.",
    "country": "The country's slug (one choice in the list).",
    "campaign_id": "The campaign whose change agents contributed (choose from the list, e.g. {campaign}).",
    "date": "When the change happened: a date (2023-03-15) or a month (2023-03 or March 2023).",
    "social_actor": "WHO changed: the person's role or the organisation, never a private name.",
    "actor_type": "The kind of social actor (choose from the list).",
    "outcome": "The outcome: who changed what, when and where. One observable change in behaviour, "
               "relationships, actions, policies or practices.",
    "significance": "Why the change matters for the people the campaign works with.",
    "contribution": "How the campaign's change agents contributed, directly or indirectly, "
                    "partially or wholly.",
    "other_contributors": "Other actors or factors that also contributed.",
    "outcome_area": "The SPARK outcome area the change belongs to (choose from the list).",
    "type_of_change": "What kind of change it is (choose from the list).",
    "level": "The level of governance at which the change happened (choose from the list).",
    "strategic_components": "The SPARK strategic components that contributed: one or more ids "
                            "separated by ';', e.g. SC-AGENCY;SC-COALITION (the Guidance sheet lists them).",
    "intended": "Was the change intended by the campaign? (choose from the list)",
    "valence": "Is the change positive or negative for the campaign's goals? (choose from the list)",
    "substantiation": "Did an independent informant confirm the description? Not yet, fully, "
                      "partially, or disagrees (choose from the list).",
    "substantiator_role": "The informant's role (not their name) when substantiated.",
    "sources": "Where the evidence is: documents, reflection sessions (by session id, e.g. {code}-S01), media.",
    "builds_on": "Ids of the earlier outcomes this one grew from, separated by ';' (e.g. {code}-O003;{code}-O007).",
    "social_group": "Optional. WHO GAINED: the groups of people the change is meant to benefit, one or more "
                    "separated by ';', e.g. women;farmers (the Guidance sheet lists them).",
    "kind_of_change": "Optional. Where the change lands: policy, budget allocation, budget execution, service "
                      "delivery, practice or system (choose from the list).",
    "budget_stage": "Optional. The stage of the budget cycle the change belongs to: formulation, approval, "
                    "execution, or oversight and audit (choose from the list).",
    "amount": "Optional. The money involved, where known: a plain number without the currency "
              "(e.g. 25000000), never negative; a cut is described in the outcome text.",
    "currency": "The currency of the amount as an ISO 4217 code (KES, GHS, INR, IDR, NGN, XOF, ZAR, USD...); "
                "required when there is an amount.",
    "amount_year": "The budget year of the amount: 2023, or a fiscal year written 2023/24.",
}


# ------------------------------------------------------------------------- schema


def _parts_in(allowed: Sequence[str]) -> pa.Check:
    import pandera.pandas as pa

    allowed = set(allowed)

    def check(s: pd.Series) -> pd.Series:
        codes, uniques = pd.factorize(s.astype("string"))  # check each distinct cell once
        parts = pd.Series(uniques, dtype="string").str.split(";").explode()
        ok = (parts.isna() | parts.isin(allowed)).groupby(level=0).all().reindex(range(len(uniques)), fill_value=True)
        return pd.Series(np.where(codes >= 0, ok.to_numpy(dtype=bool)[np.maximum(codes, 0)], True), index=s.index)

    return pa.Check(check, name="parts_in_vocabulary", error=f"each ';'-separated part is one of {sorted(allowed)}")


def outcome_schema(codebook: Codebook | None = None, *, registry: Registry | None = None,
                   country: str | None = None) -> pa.DataFrameSchema:
    """The pandera schema of the outcomes table, with vocabularies from the codebook.

    Parameters
    ----------
    codebook
        Supplies the vocabularies of :data:`CONTROLLED` and ``strategic_component``;
        default the codebook of the data folder.
    registry, country
        When both are given, ``country`` must be that slug and ``campaign_id`` one of
        its campaigns.

    Examples
    --------
    >>> schema = outcome_schema()
    >>> list(schema.columns) == OUTCOME_COLUMNS
    True
    >>> schema.columns["level"].metadata["fix"]
    'use one of: local, subnational, national, international'
    """
    import pandera.pandas as pa

    codebook = codebook or load_codebook()
    text = {"dtype": "string", "nullable": True, "coerce": True}
    columns: dict[str, pa.Column] = {
        "outcome_id": pa.Column("string", pa.Check.str_length(min_value=1), unique=True, coerce=True,
                                metadata={"fix": "give every outcome its own id"}),
        "country": pa.Column("string", coerce=True),
        "campaign_id": pa.Column("string", coerce=True, metadata={"fix": "use a campaign id of the country"}),
        "date": pa.Column("datetime64[ns]", nullable=True, coerce=True),
        "date_precision": pa.Column("string", pa.Check.isin(["day", "month"]), nullable=True, coerce=True),
    }
    for name in OUTCOME_COLUMNS[5:-2]:
        if name in CONTROLLED:
            ids = vocabulary(codebook, name)["id"].tolist()
            columns[name] = pa.Column("string", pa.Check.isin(ids), nullable=True, coerce=True,
                                      metadata={"fix": "use one of: " + ", ".join(ids)})
        elif name in MULTI_VALUE:
            ids = vocabulary(codebook, MULTI_VALUE[name])["id"].tolist()
            columns[name] = pa.Column("string", _parts_in(ids), nullable=True, coerce=True,
                                      metadata={"fix": "separate ids of " + ", ".join(ids) + " with ';'"})
        elif name == "outcome":
            columns[name] = pa.Column("string", pa.Check.str_length(min_value=1), coerce=True,
                                      metadata={"fix": "describe who changed what, when and where"})
        elif name in OPTIONAL:
            columns[name] = _optional_column(name, codebook)
        elif name == "builds_on":
            columns[name] = pa.Column("string", pa.Check.str_matches(r"^[^;\s]+(;[^;\s]+)*$"), nullable=True,
                                      coerce=True, metadata={"fix": "separate outcome ids with ';'"})
        else:
            columns[name] = pa.Column(**text)
    columns["source_file"] = pa.Column("string", coerce=True)
    columns["source_row"] = pa.Column("int64", pa.Check.ge(1), coerce=True)
    if registry is not None and country is not None:
        campaigns = registry.campaigns_of(country)["campaign_id"].tolist()
        columns["country"] = pa.Column("string", pa.Check.isin([country]), coerce=True,
                                       metadata={"fix": f"keep only outcomes of {country} in this harvest"})
        columns["campaign_id"] = pa.Column("string", pa.Check.isin(campaigns), coerce=True,
                                           metadata={"fix": "use one of: " + ", ".join(campaigns)})
    return pa.DataFrameSchema(columns, strict=True, ordered=True, name="outcomes")


def _optional_column(name: str, codebook: Codebook) -> pa.Column:
    """The schema column of one of :data:`OPTIONAL` (a codebook without the vocabulary checks nothing)."""
    import pandera.pandas as pa

    if name == "amount":
        return pa.Column("float64", pa.Check.ge(0), nullable=True, coerce=True,
                         metadata={"fix": "write the amount as a positive number"})
    if name == "currency":
        return pa.Column("string", pa.Check.isin(sorted(CURRENCIES)), nullable=True, coerce=True,
                         metadata={"fix": "use an ISO 4217 code, e.g. KES, XOF, USD"})
    if name == "amount_year":
        return pa.Column("string", pa.Check.str_matches(r"^\d{4}(/\d{2})?$"), nullable=True, coerce=True,
                         metadata={"fix": "write a year (2023) or a fiscal year (2023/24)"})
    vocab = "social_group" if name == "social_group" else name
    if vocab not in codebook.vocabularies:
        return pa.Column("string", nullable=True, coerce=True)
    ids = vocabulary(codebook, vocab)["id"].tolist()
    if name == "social_group":
        return pa.Column("string", _parts_in(ids), nullable=True, coerce=True,
                         metadata={"fix": "separate ids of " + ", ".join(ids) + " with ';'"})
    return pa.Column("string", pa.Check.isin(ids), nullable=True, coerce=True,
                     metadata={"fix": "use one of: " + ", ".join(ids)})


@cache
def _default_schema() -> pa.DataFrameSchema:
    return outcome_schema(load_codebook())


def __getattr__(name: str) -> object:
    # OUTCOME_SCHEMA needs the codebook, which is only read on first use (not at import).
    if name == "OUTCOME_SCHEMA":
        return _default_schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -------------------------------------------------------------------- guidance


def column_guidance(country: str, registry: Registry) -> dict[str, str]:
    """What to write in each column of a country's harvest, with examples in its own ids.

    Parameters
    ----------
    country
        Country slug; its ``code`` and first campaign make the examples.
    registry
        The country and campaign registry.

    Returns
    -------
    dict
        Column of :data:`HARVEST_COLUMNS` -> the text of :data:`GUIDANCE` filled in.

    Examples
    --------
    >>> from sparklearn.countries import load_registry
    >>> g = column_guidance("senegal", load_registry())
    >>> g["outcome_id"]
    "A short unique id, e.g. SN-O001. Other outcomes refer to it in 'Builds on'."
    >>> g["campaign_id"]
    'The campaign whose change agents contributed (choose from the list, e.g. sn-sanitation).'
    """
    code = str(registry.country(country)["code"])
    campaigns = registry.campaigns_of(country)["campaign_id"].tolist()
    texts = dict(GUIDANCE)
    if not campaigns:  # nothing to show as an example
        texts["campaign_id"] = texts["campaign_id"].replace(", e.g. {campaign}", "")
    return {c: text.format(code=code, campaign=campaigns[0] if campaigns else "") for c, text in texts.items()}
