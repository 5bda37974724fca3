"""Quotes in their own language, with the lead's translation: escaped HTML marked with ``lang``.

Report stage. Reflection sessions are held in English, French (Senegal) and Bahasa
Indonesia (Indonesia), and a lead can give a translation for any turn in the session
file (:mod:`sparklearn.ingest.sessions`). A report page is in English (``lang="en"``),
so a French quote shown as it is would be read aloud by a screen reader with English
sounds and looks untranslated. Here each quote is wrapped in an element carrying its
language (``<span lang="fr">``), and its translation follows in an element carrying the
translation's (``<span lang="en">``). The parts come from
:func:`sparklearn.analysis.quotes.quote_parts`.

Escaping is decided here as in :mod:`sparklearn.report.tables`: every value from the
data goes through :func:`html.escape`; only the wrapping markup is ours, and it uses
only tags and attributes the report sanitiser keeps (``span``, ``table``, ``class``,
``lang``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import pandas as pd

#: A language tag as the session files write it (``fr``, ``id``, ``pt-BR``).
_LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")


def _lang(value: object) -> str:
    text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()
    return text if _LANG_TAG.match(text) else ""


def _shorten(text: str, limit: int | None) -> str:
    flat = " ".join(text.split())
    if limit is None or len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"


def quote_html(text: object, language: object = "", translation: object = "", translation_language: object = "",
               *, speaker: object = "", max_chars: int | None = None) -> str:
    """One quote as HTML: the words as said, marked with their language, then the translation if given.

    Parameters
    ----------
    text
        What was said (pseudonymised segment text).
    language
        Its language tag (``fr``, ``id``); not a valid tag: no ``lang`` attribute.
    translation, translation_language
        The lead's translation and its language (``en`` when not said).
    speaker
        Who said it (a pseudonym), shown after the quote; ``""`` for none.
    max_chars
        Longer text (and translation) is cut at a word and ends with "…".

    Returns
    -------
    str
        ``<span class="quote" lang="fr">“…”</span>``, then `` (speaker)``, then
        ``<span class="translation" lang="en">Translation: “…”</span>`` when there is a
        translation; every value escaped.

    Examples
    --------
    >>> print(quote_html("Nous avons écrit <b>au</b> maire.", "fr", "We wrote to the mayor.", "en"))
    <span class="quote" lang="fr">“Nous avons écrit &lt;b&gt;au&lt;/b&gt; maire.”</span> <span class="translation" lang="en">(translation: “We wrote to the mayor.”)</span>
    >>> print(quote_html("We wrote.", "en", speaker="staff 2e59"))
    <span class="quote" lang="en">“We wrote.”</span> (staff 2e59)
    """
    said = _shorten("" if text is None else str(text), max_chars)
    lang = _lang(language)
    marked = f' lang="{lang}"' if lang else ""
    out = f'<span class="quote"{marked}>“{html.escape(said)}”</span>'
    who = "" if speaker is None or (not isinstance(speaker, str) and pd.isna(speaker)) else str(speaker).strip()
    if who:
        out += f" ({html.escape(who)})"
    meant = "" if translation is None or (not isinstance(translation, str) and pd.isna(translation)) \
        else _shorten(str(translation), max_chars)
    if meant:
        into = _lang(translation_language) or "en"
        out += (f' <span class="translation" lang="{into}">(translation: “{html.escape(meant)}”)</span>')
    return out


def context_html(text: object, language: object = "") -> str:
    """The turns around a quote (``context_before`` of :func:`~sparklearn.analysis.quotes.quotes`) as HTML.

    Escaped, on one line as a table cell shows it, and marked with its language as the
    quote is (``<span lang="fr">``), so that a screen reader reads it in that language.

    Parameters
    ----------
    text
        The context lines (``speaker: text``); missing gives ``""``.
    language
        Their language tag (``context_before_language``); none or not a valid tag: no ``lang``.

    Returns
    -------
    str
        The escaped text, in a ``<span lang="...">`` when the language is known.

    Examples
    --------
    >>> context_html("animatrice 3f2a: Qu'avez-vous <fait> ?", "fr")
    '<span lang="fr">animatrice 3f2a: Qu&#x27;avez-vous &lt;fait&gt; ?</span>'
    >>> context_html(None, "fr"), context_html("staff 1: What changed?")
    ('', 'staff 1: What changed?')
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    shown = html.escape(" ".join(str(text).split()))
    lang = _lang(language)
    return f'<span lang="{lang}">{shown}</span>' if lang and shown else shown


def quotes_html(parts: pd.DataFrame, *, max_chars: int | None = 300, separator: str = "<br>") -> str:
    """Several quotes (rows of :func:`~sparklearn.analysis.quotes.quote_parts`) as one HTML cell.

    Parameters
    ----------
    parts
        segment_id, speaker, text, language, translation, translation_language.
    max_chars
        As for :func:`quote_html`.
    separator
        Markup between quotes.

    Returns
    -------
    str
        The quotes, each by :func:`quote_html` with its speaker.

    Examples
    --------
    >>> parts = pd.DataFrame({"segment_id": ["S1-T002"], "speaker": ["monitor a661"], "text": ["Kami menulis."],
    ...                       "language": ["id"], "translation": ["We wrote."], "translation_language": ["en"]})
    >>> 'lang="id"' in quotes_html(parts) and 'lang="en"' in quotes_html(parts)
    True
    """
    return separator.join(quote_html(r.text, r.language, r.translation, r.translation_language, speaker=r.speaker,
                                     max_chars=max_chars) for r in parts.itertuples(index=False))


def table_with_quotes_html(frame: pd.DataFrame, html_columns: Sequence[str], *, caption: str = "") -> str:
    """A report table whose ``html_columns`` already hold markup from :func:`quote_html`; every other cell escaped.

    Parameters
    ----------
    frame
        The table to show (a plain 0, 1, 2 index is not shown).
    html_columns
        Columns holding HTML made by this module (never data text as it is).
    caption
        A caption for the table (escaped); ``""`` for none.

    Returns
    -------
    str
        ``<table class="dataframe">`` with a header row; header cells ``scope="col"``.

    Examples
    --------
    >>> t = pd.DataFrame({"campaign": ["<Health>"], "quote": [quote_html("Kami menulis.", "id")]})
    >>> page = table_with_quotes_html(t, ["quote"])
    >>> "&lt;Health&gt;" in page and '<span class="quote" lang="id">' in page
    True
    """
    html_columns = set(html_columns)

    def cell(column: str, value: object) -> str:
        if column in html_columns:
            return "" if value is None else str(value)
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        return html.escape(" ".join(str(value).split()))

    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{cell(c, v)}</td>" for c, v in zip(frame.columns, row)) + "</tr>"
                   for row in frame.itertuples(index=False))
    top = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="dataframe">{top}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
