"""(from compare.py)
Cross-country comparison: comparable denominators, careful statistics, case comparison.

Seven countries and about fourteen campaigns are a small N, so this module keeps the
comparison honest in four ways:

1. **Comparable denominators.** Counts are read against campaign-months active and
   reflection sessions held (:func:`exposure`, :func:`outcome_rates`), so that no
   country looks bigger for having more campaigns or a longer harvest.
2. **Statistics that say what they can.** Contingency tables switch to an exact test
   when cells are small (:func:`contingency`); rates are compared with a Poisson or
   negative-binomial GLM with the exposure as offset (:func:`rate_ratios`); every
   family of tests is Holm-corrected; every result carries plain-words ``warnings``
   and a ``describe_*`` helper turns it into a careful sentence (effect size,
   interval, caveat; never a bare p-value).
3. **Themes** by country or campaign (:func:`theme_matrix`), what is distinctive for a
   country beyond chance (:func:`distinctive_themes`), and over rounds
   (:func:`themes_over_rounds`).
4. **Case comparison**: campaign conditions calibrated from the harvest and the
   session codings with documented rules (:func:`campaign_conditions`), then
   crisp-set QCA through :mod:`sparklearn.qca` (:func:`case_comparison`).

Every function takes tidy tables and returns new ones; none plots or rounds
(figures are in :mod:`sparklearn.plots`).
"""

from __future__ import annotations

from collections.abc import Sequence


def _listing(names: Sequence[object], limit: int = 8) -> str:
    """Names for a sentence: all of a few, the first ``limit`` of many."""
    names = [str(n) for n in names]
    return ", ".join(names) if len(names) <= limit else ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def _and_list(names: Sequence[object], limit: int = 8) -> str:
    """Names for a sentence joined with "and": ``a``, ``a and b``, ``a, b and c``; the first ``limit`` of many.

    Examples
    --------
    >>> _and_list(["Ghana"]), _and_list(["Ghana", "Kenya"]), _and_list(list("abcd"), limit=2)
    ('Ghana', 'Ghana and Kenya', 'a, b and 2 more')
    """
    names = [str(n) for n in names]
    if not names:
        return ""
    if len(names) > limit:
        names = [*names[:limit], f"{len(names) - limit} more"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _words(name: str) -> str:
    return name.replace("_", " ")


def _count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in the right number: ``1 country``, ``3 countries``, ``0 outcomes``.

    Examples
    --------
    >>> _count(1, "country"), _count(3, "country"), _count(2, "simplifying assumption"), _count(1, "day")
    ('1 country', '3 countries', '2 simplifying assumptions', '1 day')
    """
    if n == 1:
        return f"1 {noun}"
    if plural is None:
        plural = noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in tuple("aeiou") else noun + "s"
    return f"{n} {plural}"
