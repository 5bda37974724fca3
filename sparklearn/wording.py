"""Small helpers that put names and counts into a sentence: "3 campaigns", "Ghana and Kenya".

Shared by the analysis stage (the plain-words caveats each result carries, such as
"2 campaigns had no months in the period") and the report stage (the sentences under
each table), so both say counts and lists the same way. Nothing here reads data or
knows about sparklearn's tables.
"""

from __future__ import annotations

from collections.abc import Sequence


def listing(names: Sequence[object], limit: int = 8) -> str:
    """Names for a sentence: all of a few, the first ``limit`` of many."""
    names = [str(n) for n in names]
    return ", ".join(names) if len(names) <= limit else ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def and_list(names: Sequence[object], limit: int = 8) -> str:
    """Names for a sentence joined with "and": ``a``, ``a and b``, ``a, b and c``; the first ``limit`` of many.

    Examples
    --------
    >>> and_list(["Ghana"]), and_list(["Ghana", "Kenya"]), and_list(list("abcd"), limit=2)
    ('Ghana', 'Ghana and Kenya', 'a, b and 2 more')
    """
    names = [str(n) for n in names]
    if not names:
        return ""
    if len(names) > limit:
        names = [*names[:limit], f"{len(names) - limit} more"]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def in_words(name: str) -> str:
    """A column or field name as words: ``type_of_change`` -> ``type of change``.

    Examples
    --------
    >>> in_words("type_of_change")
    'type of change'
    """
    return name.replace("_", " ")


def count_noun(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in the right number: ``1 country``, ``3 countries``, ``0 outcomes``.

    Examples
    --------
    >>> count_noun(1, "country"), count_noun(3, "country"), count_noun(2, "simplifying assumption"), count_noun(1, "day")
    ('1 country', '3 countries', '2 simplifying assumptions', '1 day')
    """
    if n == 1:
        return f"1 {noun}"
    if plural is None:
        plural = noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in tuple("aeiou") else noun + "s"
    return f"{n} {plural}"
