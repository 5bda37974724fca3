"""The "choices and their effect" section in readers' words.

Report stage. :mod:`sparklearn.analysis.choices` reruns the comparison's key results
under each reasonable alternative of three choices (the exposure window, what counts as
a QCA win, the calibration thresholds) and returns ids and codes;
:func:`choices_for_readers` turns that into a table a reader can follow (country
names, conditions in words, settings as sentences) and :func:`describe_choices` says,
in plain sentences, which conclusions hold under every alternative and which change.
Text from the data is escaped by the notebook (``markdown_text`` / the table
formatter), never here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import pandas as pd

from sparklearn.report.comparison_words import combination_words

#: Each choice in words.
CHOICE_WORDS = {
    "exposure": "Exposure window (when a campaign's months stop counting)",
    "outcome": "What counts as a win in the case comparison",
    "anchors": "Calibration anchors of a condition of degree",
    "incl_cut": "Consistency a combination needs",
}

#: Each key result in words.
RESULT_WORDS = {
    "ranking": "countries from the highest outcomes per campaign-month to the lowest",
    "highest": "highest outcomes per campaign-month",
    "wins": "campaigns with a win",
    "necessary": "necessary conditions",
    "solution": "intermediate solution",
    "terms_kept": "combinations of the report's solution found again",
}

#: The settings of the exposure window and of the outcome rule in words.
SETTING_WORDS = {
    ("exposure", "country"): "each country's campaigns end at that country's own last harvest",
    ("exposure", "all"): "every campaign ends at the latest harvest of any country",
    ("outcome", "reported"): "any positive policy or budget change reported and not disputed counts as a win",
    ("outcome", "substantiated"): "only changes an informant confirmed count as wins, unchecked ones as none",
}


def _setting(choice: str, setting: str, conditions: Mapping[str, str], shares: Collection[str] = ()) -> str:
    if (choice, setting) in SETTING_WORDS:
        return SETTING_WORDS[(choice, setting)]
    if choice == "anchors":
        name, _, triple = setting.partition(" ")
        values = triple.split("/")
        if name in shares:  # anchors of a share read as percentages
            values = [f"{float(v):.0%}" for v in values]
        return f"{conditions.get(name, name)}: fully out / crossover / fully in at {' / '.join(values)}"
    if choice == "incl_cut":
        return f"consistency of at least {float(setting):.2f}"
    return setting


def _value(result: str, value: str, names: Mapping[str, str], conditions: Mapping[str, str]) -> str:
    if result in ("ranking", "highest"):
        return (" > " if result == "ranking" else ", ").join(names.get(v, v) for v in value.split(";") if v)
    if result == "necessary":
        return ", ".join(combination_words(v, conditions) for v in value.split(";") if v) or "none"
    if result == "solution":
        models = [combination_words(m, conditions) for m in value.split(" | ") if m]
        return " | equally well: ".join(models) or "no solution"
    if result == "terms_kept":
        kept, _, total = value.partition("/")
        return f"{kept} of {total}"
    return value


def choices_for_readers(summary: pd.DataFrame, *, names: Mapping[str, str] | None = None,
                        conditions: Mapping[str, str] | None = None, shares: Collection[str] = ()) -> pd.DataFrame:
    """:func:`~sparklearn.analysis.choices.choices_summary` as a table for readers.

    Parameters
    ----------
    summary
        choice, setting, chosen, result, value, same_as_chosen.
    names
        Country slug -> name.
    conditions
        Condition name -> words (``{"MEDIA": "media work"}``).
    shares
        Conditions whose anchors are shares (shown as percentages).

    Returns
    -------
    pandas.DataFrame
        choice, setting, result, value (in words), "same as the report" (``"the
        report's choice"`` for the chosen setting, else ``"yes"`` or ``"no"``).

    Examples
    --------
    >>> s = pd.DataFrame({"choice": ["exposure", "exposure"], "setting": ["country", "all"], "chosen": [True, False],
    ...                   "result": "highest", "value": ["za", "gh"], "same_as_chosen": [True, False]})
    >>> choices_for_readers(s, names={"za": "South Africa", "gh": "Ghana"})["same as the report"].tolist()
    ["the report's choice", 'no']
    """
    names, conditions = dict(names or {}), dict(conditions or {})
    return pd.DataFrame({
        "choice": [CHOICE_WORDS.get(c, c) for c in summary["choice"]],
        "setting": [_setting(c, s, conditions, shares) for c, s in zip(summary["choice"], summary["setting"])],
        "result": [RESULT_WORDS.get(r, r) for r in summary["result"]],
        "value": [_value(r, str(v), names, conditions) for r, v in zip(summary["result"], summary["value"])],
        "same as the report": ["the report's choice" if c else ("yes" if same else "no")
                               for c, same in zip(summary["chosen"], summary["same_as_chosen"])],
    })


def describe_choices(summary: pd.DataFrame, *, conditions: Mapping[str, str] | None = None,
                     shares: Collection[str] = ()) -> str:
    """Which key results hold under every alternative, and which change under which.

    Parameters
    ----------
    summary
        :func:`~sparklearn.analysis.choices.choices_summary` output.
    conditions
        Condition name -> words (for anchor settings).
    shares
        Conditions whose anchors are shares (shown as percentages).

    Returns
    -------
    str
        Plain sentences (escape before showing as Markdown).

    Examples
    --------
    >>> s = pd.DataFrame({"choice": ["exposure"] * 4, "setting": ["country", "country", "all", "all"],
    ...                   "chosen": [True, True, False, False], "result": ["ranking", "highest"] * 2,
    ...                   "value": ["a;b", "a", "b;a", "a"], "same_as_chosen": [True, True, False, True]})
    >>> print(describe_choices(s))
    Holds under every alternative tried: highest outcomes per campaign-month. Changes: countries from the highest outcomes per campaign-month to the lowest (when every campaign ends at the latest harvest of any country).
    """
    conditions = dict(conditions or {})
    others = summary.loc[~summary["chosen"].astype(bool)]
    if not len(others):
        return "No alternative was run."
    results = list(dict.fromkeys(summary["result"]))
    held = [r for r in results if others.loc[others["result"] == r, "same_as_chosen"].all()
            and (others["result"] == r).any()]
    changed = [r for r in results if r not in held and (others["result"] == r).any()]
    parts = []
    if held:
        parts.append("Holds under every alternative tried: " + "; ".join(RESULT_WORDS.get(r, r) for r in held) + ".")
    if changed:
        shown = []
        for r in changed:
            where = others.loc[(others["result"] == r) & ~others["same_as_chosen"].astype(bool)]
            settings = "; ".join(_setting(c, s, conditions, shares) for c, s in zip(where["choice"], where["setting"]))
            shown.append(f"{RESULT_WORDS.get(r, r)} (when {settings})")
        parts.append("Changes: " + "; ".join(shown) + ".")
    return " ".join(parts)
