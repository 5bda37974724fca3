"""Following the money: outcomes by stage of the budget cycle, and the amounts they involve, per currency.

Stage: analysis (DataFrames in, DataFrames out; no I/O, no prose, no plotting).

- :func:`budget_stages`: per country, how many outcomes belong to each stage of the
  budget cycle (formulation, approval, execution, oversight and audit), and how many of
  them say how much money;
- :func:`money_by_currency`: per country and **currency**, the outcomes with an amount,
  their total, median, largest amount and budget years. Amounts in different
  currencies are never added: a total is always of one currency;
- :func:`exchange_rates` and :func:`converted_totals`: a total across currencies only
  with rates the user gives explicitly (a notebook parameter), each with its source and
  year, which every converted figure carries along.

Amounts are what the harvest says the change involved (allocated, released, spent or
found missing); they are nominal (not adjusted for inflation) and in the year the
harvester gave.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sparklearn.codebook import Codebook, load_codebook
from sparklearn.exceptions import ParameterError
from sparklearn.frames import require_columns

_ISO = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class ExchangeRates:
    """Rates to convert amounts into one currency, with where they come from.

    ``rates[code]`` is how many units of ``to`` one unit of ``code`` is worth.
    """

    to: str
    rates: Mapping[str, float] = field(repr=False)
    source: str
    year: str

    def describe(self) -> str:
        """Where the rates come from, for the sentence beside any converted figure.

        Returns
        -------
        str

        Examples
        --------
        >>> exchange_rates({"KES": 0.0077}, to="USD", source="IMF", year=2023).describe()
        'converted to USD at rates from IMF, 2023'
        """
        return f"converted to {self.to} at rates from {self.source}, {self.year}"


def exchange_rates(rates: Mapping[str, float] | None, *, to: str, source: str, year: int | str) -> ExchangeRates | None:
    """Check the exchange rates a user gives (a notebook parameter); ``None`` when there are none.

    Parameters
    ----------
    rates
        ISO 4217 code -> units of ``to`` per unit of that currency (``to`` itself is 1).
        ``None`` or empty: no conversion (amounts stay per currency).
    to
        The ISO 4217 code to convert into.
    source, year
        Where the rates come from and for which year: required, as they are printed
        beside every converted figure.

    Returns
    -------
    ExchangeRates or None

    Raises
    ------
    ParameterError
        A code that is not three capital letters, a rate that is not a positive
        number, or no source or year.

    Examples
    --------
    >>> r = exchange_rates({"KES": 0.0077, "XOF": 0.00165}, to="USD", source="IMF IFS annual averages", year=2023)
    >>> r.rates["USD"], r.describe()
    (1.0, 'converted to USD at rates from IMF IFS annual averages, 2023')
    >>> exchange_rates(None, to="USD", source="", year="") is None
    True
    """
    if not rates:
        return None
    to = str(to).strip().upper()
    if not _ISO.match(to):
        raise ParameterError(f"exchange rates: '{to}' is not an ISO 4217 currency code; write e.g. USD")
    if not str(source).strip() or not str(year).strip():
        raise ParameterError("exchange rates need their source and year (e.g. source='IMF IFS annual averages', "
                             "year=2023): they are printed beside every converted amount")
    clean: dict[str, float] = {}
    for code, rate in rates.items():
        key = str(code).strip().upper()
        if not _ISO.match(key):
            raise ParameterError(f"exchange rates: '{code}' is not an ISO 4217 currency code")
        try:
            value = float(rate)
        except (TypeError, ValueError):
            raise ParameterError(f"exchange rate of {key} is not a number: {rate!r}") from None
        if not np.isfinite(value) or value <= 0:
            raise ParameterError(f"exchange rate of {key} must be a positive number, not {rate!r}")
        clean[key] = value
    clean.setdefault(to, 1.0)
    return ExchangeRates(to=to, rates=clean, source=str(source).strip(), year=str(year).strip())


def _amounts(outcomes: pd.DataFrame) -> pd.DataFrame:
    require_columns(outcomes, ["country", "amount", "currency"], what="the outcomes table")
    amount = pd.to_numeric(outcomes["amount"], errors="coerce")
    currency = outcomes["currency"].astype("string").replace("", pd.NA)
    keep = amount.notna() & currency.notna()
    out = outcomes.loc[keep].assign(amount=amount[keep].astype("float64"), currency=currency[keep])
    if "amount_year" not in out:
        out["amount_year"] = pd.NA
    return out


def budget_stages(outcomes: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """Per country, outcomes at each stage of the budget cycle, and how many of them give an amount.

    Parameters
    ----------
    outcomes
        The outcomes table (``country``, ``budget_stage``, ``amount``, ``currency``).
    codebook
        Labels and the order of the stages (``vocabularies: budget_stage``).

    Returns
    -------
    pandas.DataFrame
        One row per country and stage (every stage of the vocabulary, zeros included,
        then "stage not recorded"): ``country``, ``budget_stage`` (NA for not
        recorded), ``label``, ``n_outcomes``, ``n_with_amount``.

    Examples
    --------
    >>> o = pd.DataFrame({"country": ["kenya"] * 3, "budget_stage": ["approval", "approval", pd.NA],
    ...                   "amount": [5e6, np.nan, np.nan], "currency": ["KES", pd.NA, pd.NA]})
    >>> budget_stages(o)[["label", "n_outcomes", "n_with_amount"]].values.tolist()
    [['Formulation', 0, 0], ['Approval', 2, 1], ['Execution', 0, 0], ['Oversight and audit', 0, 0], ['stage not recorded', 1, 0]]
    """
    require_columns(outcomes, ["country", "budget_stage"], what="the outcomes table")
    codebook = codebook or load_codebook()
    vocab = (codebook.vocabularies["budget_stage"][["id", "label"]].astype(str) if "budget_stage" in codebook.vocabularies
             else pd.DataFrame({"id": [], "label": []}))
    stage = outcomes["budget_stage"].astype("string").replace("", pd.NA).fillna("")
    has_amount = pd.Series(False, index=outcomes.index)
    if {"amount", "currency"} <= set(outcomes.columns):
        has_amount = pd.to_numeric(outcomes["amount"], errors="coerce").notna() & outcomes["currency"].notna()
    frame = pd.DataFrame({"country": outcomes["country"].astype("string"), "budget_stage": stage,
                          "amount": has_amount.astype("int64")})
    counts = frame.groupby(["country", "budget_stage"]).agg(n_outcomes=("amount", "size"),
                                                              n_with_amount=("amount", "sum"))
    stages = [*vocab["id"], *sorted(set(stage) - set(vocab["id"]) - {""}), ""]
    grid = pd.MultiIndex.from_product([sorted(frame["country"].dropna().unique()), stages],
                                      names=["country", "budget_stage"])
    table = counts.reindex(grid, fill_value=0).reset_index()
    labels = dict(zip(vocab["id"], vocab["label"])) | {"": "stage not recorded"}
    table["label"] = table["budget_stage"].map(labels).fillna(table["budget_stage"]).astype("string")
    table["budget_stage"] = table["budget_stage"].replace("", pd.NA).astype("string")
    return table[["country", "budget_stage", "label", "n_outcomes", "n_with_amount"]].astype(
        {"n_outcomes": "int64", "n_with_amount": "int64"})


def money_by_currency(outcomes: pd.DataFrame, *, by: str | None = None) -> pd.DataFrame:
    """Per country and currency (and optionally per ``by``), the outcomes with an amount and their total.

    Amounts in different currencies are never added: each row is one currency.

    Parameters
    ----------
    outcomes
        The outcomes table (``country``, ``amount``, ``currency``, ``amount_year``).
        Rows without an amount or a currency are left out.
    by
        An extra column to split by, e.g. ``"budget_stage"`` or ``"campaign_id"``.

    Returns
    -------
    pandas.DataFrame
        ``country``, [``by``], ``currency``, ``n_outcomes``, ``total``, ``median``,
        ``largest``, ``first_year``, ``last_year`` (budget years as written, e.g.
        ``2023/24``). Empty (with these columns) when no outcome gives an amount.

    Examples
    --------
    >>> o = pd.DataFrame({"country": ["ghana"] * 3, "amount": [2e6, 1e6, 5e5], "currency": ["GHS", "GHS", "USD"],
    ...                   "amount_year": ["2022", "2023", "2023"]})
    >>> money_by_currency(o)[["currency", "n_outcomes", "total", "first_year", "last_year"]].values.tolist()
    [['GHS', 2, 3000000.0, '2022', '2023'], ['USD', 1, 500000.0, '2023', '2023']]
    """
    money = _amounts(outcomes)
    keys = ["country", *([by] if by else []), "currency"]
    columns = [*keys, "n_outcomes", "total", "median", "largest", "first_year", "last_year"]
    if money.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("total", "median", "largest") else
                                          "int64" if c == "n_outcomes" else "string") for c in columns})
    if by:
        money[by] = money[by].astype("string").fillna("")
    money["amount_year"] = money["amount_year"].astype("string")
    table = money.groupby(keys, sort=True).agg(
        n_outcomes=("amount", "size"), total=("amount", "sum"), median=("amount", "median"),
        largest=("amount", "max"), first_year=("amount_year", "min"), last_year=("amount_year", "max")).reset_index()
    if by:
        table[by] = table[by].replace("", pd.NA)
    return table[columns].astype({"n_outcomes": "int64", "first_year": "string", "last_year": "string"})


def converted_totals(outcomes: pd.DataFrame, rates: ExchangeRates) -> pd.DataFrame:
    """Per country, the amounts converted with the user's rates and added: only with explicit rates.

    Parameters
    ----------
    outcomes
        The outcomes table (``country``, ``amount``, ``currency``).
    rates
        From :func:`exchange_rates`; every currency in the amounts must have a rate.

    Returns
    -------
    pandas.DataFrame
        ``country``, ``n_outcomes``, ``currencies`` (``;``-joined codes), ``total``
        (in ``rates.to``), ``to``, ``rate_source``, ``rate_year``.

    Raises
    ------
    ParameterError
        A currency without a rate (nothing is converted by guess).

    Examples
    --------
    >>> o = pd.DataFrame({"country": ["ghana", "ghana"], "amount": [1000.0, 10.0], "currency": ["GHS", "USD"]})
    >>> r = exchange_rates({"GHS": 0.08}, to="USD", source="Bank of Ghana", year=2023)
    >>> converted_totals(o, r)[["country", "currencies", "total", "to", "rate_year"]].values.tolist()
    [['ghana', 'GHS;USD', 90.0, 'USD', '2023']]
    """
    money = _amounts(outcomes)
    missing = sorted(set(money["currency"]) - set(rates.rates))
    if missing:
        raise ParameterError(f"no exchange rate for {', '.join(missing)}; add it to the rates "
                             f"(units of {rates.to} per unit), or leave the rates out to keep amounts per currency")
    money["converted"] = money["amount"] * money["currency"].map(rates.rates).astype("float64")
    table = money.groupby("country", sort=True).agg(
        n_outcomes=("amount", "size"), currencies=("currency", lambda c: ";".join(sorted(set(c)))),
        total=("converted", "sum")).reset_index()
    return table.assign(to=rates.to, rate_source=rates.source, rate_year=rates.year)


def rates_from_parameter(spec: Mapping[str, object] | None) -> ExchangeRates | None:
    """The notebooks' ``money_conversion`` parameter as checked rates; ``None`` when it is not set.

    Parameters
    ----------
    spec
        ``{"to": "USD", "source": "...", "year": 2023, "rates": {"KES": 0.0077, ...}}``
        or None / empty (amounts stay per currency).

    Returns
    -------
    ExchangeRates or None

    Raises
    ------
    ParameterError
        Missing keys, or rates that :func:`exchange_rates` refuses.

    Examples
    --------
    >>> rates_from_parameter(None) is None
    True
    >>> rates_from_parameter({"to": "USD", "source": "IMF", "year": 2023, "rates": {"KES": 0.0077}}).rates["KES"]
    0.0077
    """
    if not spec:
        return None
    if not isinstance(spec, Mapping) or not {"to", "source", "year", "rates"} <= set(spec):
        raise ParameterError("money_conversion must be None or a dict with 'to', 'source', 'year' and 'rates', e.g. "
                             "{'to': 'USD', 'source': 'IMF IFS annual averages', 'year': 2023, "
                             "'rates': {'KES': 0.0077, 'XOF': 0.00165}}")
    rates = spec["rates"]
    if not isinstance(rates, Mapping) or not rates:
        raise ParameterError("money_conversion['rates'] must map currency codes to rates, e.g. {'KES': 0.0077}")
    return exchange_rates(rates, to=str(spec["to"]), source=str(spec["source"]), year=spec["year"])  # type: ignore[arg-type]
