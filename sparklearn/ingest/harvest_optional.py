"""Reading the optional columns of a harvest: who gained, the kind of change, the budget cycle and the money.

Stage: ingest. Called by :mod:`sparklearn.ingest.harvest` for the columns of
:data:`~sparklearn.ingest.harvest_schema.OPTIONAL`; kept apart so the reader stays short.
A harvest without these columns, or with them left empty, reads exactly as before: an
empty cell here is never a problem (nobody has to know the amount of every outcome).
A value that is there must mean something:

- ``social_group`` (several per cell, split like the strategic components),
  ``kind_of_change`` and ``budget_stage``: ids or labels of the codebook vocabularies
  of the same names; a value in none is an error with a suggestion.
- ``amount``: a plain non-negative number. ``1250000``, ``1,250,000``, ``1 250 000``
  and ``1250000.50`` are read; ``KES 1.2m``, ``1,5`` or ``-300`` are errors (the
  currency has its own column; a cut is said in the outcome text).
- ``currency``: an ISO 4217 code (:data:`~sparklearn.ingest.harvest_schema.CURRENCIES`),
  in any case; a common name or sign (KSh, FCFA, Rs, Rp, naira, cedi, rand, $) is an
  error that suggests the code, never silently converted. An amount without a
  currency is an error: without it the amount cannot be summed with any other.
- ``amount_year``: a year (2023) or a fiscal year (2023/24, 2023-24, 2023/2024,
  FY2023/24), stored ``2023`` or ``2023/24``; before 1990 or more than a year ahead is
  an error. A currency or a year without an amount only warns.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd

from sparklearn.codebook import Codebook, vocabulary
from sparklearn.ingest.cells import did_you_mean, match_vocabulary, split_vocabulary
from sparklearn.ingest.harvest_schema import CURRENCIES, OPTIONAL_CONTROLLED
from sparklearn.ingest.problems import problems_frame

#: Names and signs people type for a currency -> the ISO 4217 code to suggest.
CURRENCY_NAMES = {
    "KSH": "KES", "KSHS": "KES", "SHILLING": "KES", "SHILLINGS": "KES", "FCFA": "XOF", "CFA": "XOF",
    "F CFA": "XOF", "FRANC CFA": "XOF", "RS": "INR", "RUPEE": "INR", "RUPEES": "INR", "₹": "INR", "RP": "IDR",
    "RUPIAH": "IDR", "N": "NGN", "₦": "NGN", "NAIRA": "NGN", "GH₵": "GHS", "GHC": "GHS", "CEDI": "GHS",
    "CEDIS": "GHS", "R": "ZAR", "RAND": "ZAR", "$": "USD", "US$": "USD", "DOLLAR": "USD", "DOLLARS": "USD",
    "€": "EUR", "EURO": "EUR", "EUROS": "EUR", "£": "GBP",
}

_FLAG = Callable[..., pd.DataFrame]


def read_optional(frame: pd.DataFrame, codebook: Codebook, flag: _FLAG) -> tuple[dict[str, pd.Series], list]:
    """The optional columns typed, and their problems.

    Parameters
    ----------
    frame
        The harvest as text cells (``""`` for empty), with ``source_file`` and
        ``source_row``; the optional columns may be all empty.
    codebook
        Gives the vocabularies ``social_group``, ``kind_of_change`` and ``budget_stage``
        (only looked up when a value needs them).
    flag
        ``flag(frame, mask, column, rule, fix, severity="error", value=None)`` -> problems
        of the rows where ``mask`` holds (the reader's own).

    Returns
    -------
    tuple
        Column -> typed values (``amount`` float, the others string; NA when empty),
        and a list of problem frames.

    Examples
    --------
    >>> from sparklearn.codebook import load_codebook
    >>> from sparklearn.ingest.harvest import _flag
    >>> f = pd.DataFrame({"social_group": ["women; Farmers", ""], "kind_of_change": ["Budget allocation", ""],
    ...                   "budget_stage": ["", ""], "amount": ["1,250,000", "-5"], "currency": ["kes", "KES"],
    ...                   "amount_year": ["2023-24", ""], "source_file": "h.csv", "source_row": [2, 3]})
    >>> out, found = read_optional(f, load_codebook(), _flag)
    >>> out["social_group"][0], out["kind_of_change"][0], float(out["amount"][0]), out["currency"][0], out["amount_year"][0]
    ('women;farmers', 'budget-allocation', 1250000.0, 'KES', '2023/24')
    >>> pd.concat(found)[["row", "column", "rule"]].values.tolist()
    [[3, 'amount', 'negative amount']]
    """
    found: list[pd.DataFrame] = []
    out: dict[str, pd.Series] = {}

    def add(*args, **kwargs) -> None:
        found.append(flag(frame, *args, **kwargs))

    def table_of(name: str, cells: pd.Series) -> pd.DataFrame | None:
        if name in codebook.vocabularies:
            return vocabulary(codebook, name)
        add(cells != "", name, f"the codebook has no list '{name}'",
            f"add the vocabulary '{name}' to codebook.yaml, or leave this column empty")
        return None

    cells = frame["social_group"]
    out["social_group"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    if (cells != "").any() and (table := table_of("social_group", cells)) is not None:
        joined, unknown = split_vocabulary(cells, table)
        if len(unknown):
            found.append(problems_frame(pd.DataFrame({
                "file": frame.loc[unknown.index, "source_file"].to_numpy(),
                "row": frame.loc[unknown.index, "source_row"].to_numpy(), "column": "social_group",
                "value": unknown["part"].to_numpy(), "rule": "not in the codebook list",
                "fix": did_you_mean(unknown["suggestion"], table["id"].astype(str).tolist()).to_numpy(),
                "severity": "error"}).to_dict("records")))
        out["social_group"] = joined
    for column in OPTIONAL_CONTROLLED:
        cells = frame[column]
        out[column] = pd.Series(pd.NA, index=frame.index, dtype="string")
        if (cells != "").any() and (table := table_of(column, cells)) is not None:
            value, suggestion = match_vocabulary(cells, table)
            add(value.isna() & (cells != ""), column, "not in the codebook list",
                did_you_mean(suggestion, table["id"].astype(str).tolist()))
            out[column] = value

    amount, currency, year = frame["amount"], frame["currency"], frame["amount_year"]
    number = _numbers(amount)
    add((amount != "") & number.isna(), "amount", "not a number",
        "write the amount as a plain number (e.g. 25000000) and the currency in 'Currency'")
    add(number < 0, "amount", "negative amount",
        "write the amount as a positive number; say in the outcome text if money was cut")
    out["amount"] = number.where(number >= 0)
    code = currency.str.strip().str.upper()
    known = code.isin(CURRENCIES)
    named = code.map(CURRENCY_NAMES).astype("string")
    add((code != "") & ~known, "currency", "not an ISO 4217 currency code",
        ("write the code '" + named + "'").fillna("write an ISO 4217 code, e.g. KES, GHS, INR, IDR, NGN, XOF, ZAR, USD"))
    add((amount != "") & (code == ""), "currency", "amount without a currency",
        "add the currency of the amount (an ISO 4217 code, e.g. KES)", value=amount)
    add((amount == "") & (code != ""), "currency", "currency without an amount",
        "add the amount, or clear the currency", "warning")
    out["currency"] = code.where(known & (code != "")).astype("string")
    fiscal = _years(year)
    add((year != "") & fiscal.isna(), "amount_year", "not a year",
        "write a year (2023) or a fiscal year (2023/24)")
    first = pd.to_numeric(fiscal.str[:4], errors="coerce")
    add((first < 1990) | (first > date.today().year + 1), "amount_year", "year before 1990 or in the future",
        "check the budget year")
    add((amount == "") & (year != ""), "amount_year", "budget year without an amount",
        "add the amount, or clear the year", "warning")
    out["amount_year"] = fiscal.where((first >= 1990) & (first <= date.today().year + 1)).astype("string")
    return out, found


def _numbers(cells: pd.Series) -> pd.Series:
    """Plain numbers, with ``,`` or spaces as thousands separators; NA for anything else."""
    text = cells.astype("string").str.replace(r"[\s\u00a0\u202f']", "", regex=True)
    grouped = text.str.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?").fillna(False)
    text = text.where(~grouped, text.str.replace(",", "", regex=False))
    plain = text.str.fullmatch(r"-?\d+(\.\d+)?").fillna(False)
    return pd.to_numeric(text.where(plain), errors="coerce").astype("float64")


def _years(cells: pd.Series) -> pd.Series:
    """``2023`` or ``2023/24`` (from 2023, FY2023/24, 2023-24, 2023/2024); NA for anything else."""
    text = cells.astype("string").str.strip().str.replace(r"^(?:FY|fy|F\.Y\.)\s*", "", regex=True)
    parts = text.str.extract(r"^(\d{4})(?:\s*[/\-–]\s*(\d{2}|\d{4}))?$")
    start, end = parts[0], parts[1].str[-2:]
    follows = (pd.to_numeric(start, errors="coerce") + 1) % 100 == pd.to_numeric(end, errors="coerce")
    joined = (start + "/" + end).where(end.notna() & follows)
    return joined.fillna(start.where(parts[1].isna())).astype("string")
