"""Where data text becomes HTML: report tables and outcome cards, escaped in one place.

Report stage. Everything a reader sees in a report that comes from the data (session
turns, outcome descriptions, codes, problem values) is turned into HTML here and only
here, so escaping is decided once: :func:`table_html` renders any DataFrame a notebook
displays (it is the notebook display formatter set up by
:func:`sparklearn.report.display.report_setup`), and :func:`outcome_cards` lays out
the outcome harvest for reading. Both escape every value (``<``, ``>``, ``&``; the
cards quotes too); neither lets markup from the data through. Sentences are Markdown:
:func:`markdown_text` makes any text from the data literal before a notebook displays
it as Markdown. Last, :func:`sanitise_report` is the safety net over a whole rendered
report page: whatever got through, only the markup the report template needs survives
(no script, no event handler, no ``javascript:`` link).

:func:`outcomes_for_readers` prepares the harvest's text for both (labels instead of
ids, dates as people write them, names pseudonymised); :func:`readable_number` is how
a report writes a number in a table, and :func:`with_caption` gives a table its caption.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

import pandas as pd

from sparklearn.codebook import Codebook, vocabulary
from sparklearn.frames import require_columns

# ------------------------------------------------------------- export for readers


#: Columns of :func:`outcomes_for_readers`.
READER_COLUMNS = ["outcome_id", "date", "campaign", "social_actor", "actor_type", "outcome", "significance",
                  "contribution", "outcome_area", "type_of_change", "level", "substantiation", "builds_on"]


_FREE_TEXT = ("social_actor", "outcome", "significance", "contribution")


def outcomes_for_readers(
    outcomes: pd.DataFrame,
    register: pd.DataFrame | None = None,
    salt: str | None = None,
    *,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """The outcomes as readers of the HTML report see them: in full, labelled, pseudonymised.

    Description, significance and contribution are kept whole (no truncation).
    Vocabulary ids become labels when ``codebook`` is given; dates are shown as
    ``15 Mar 2023`` or ``Mar 2023`` according to their precision. Names of the
    participants ``register`` in the free-text columns are replaced with
    ``sparklearn.ingest.privacy.pseudonymise_text`` (role pseudonyms with ``salt``,
    ``[participant]`` without). The text is plain: render with :func:`table_html` or
    :func:`outcome_cards`, which escape
    it, or protect it with :func:`protect_formulas` before writing a spreadsheet.

    Returns
    -------
    pandas.DataFrame
        :data:`READER_COLUMNS`, sorted by date then id.

    Examples
    --------
    >>> o = pd.DataFrame({"outcome_id": ["KE-O1"], "date": pd.to_datetime(["2023-03-01"]),
    ...                   "date_precision": ["month"], "campaign_id": ["ke-phc"], "social_actor": ["Ward office"],
    ...                   "outcome": ["Amina Otieno's ward <b>published</b> its budget."],
    ...                   "significance": ["First time."], "contribution": ["Budget training."]})
    >>> reg = pd.DataFrame({"participant_id": ["KE-P03"], "name": ["Amina Otieno"], "role": ["partner staff"]})
    >>> r = outcomes_for_readers(o, register=reg)
    >>> r.loc[0, "date"], "Amina" in r.loc[0, "outcome"]
    ('Mar 2023', False)
    """
    require_columns(outcomes, ["outcome_id", "outcome"], "outcomes")
    frame = outcomes.copy()
    for column in READER_COLUMNS:
        if column not in frame.columns and column != "campaign":
            frame[column] = pd.NA
    dates = pd.to_datetime(frame["date"], errors="coerce")
    month = (frame["date_precision"].astype("string") == "month").fillna(False) \
        if "date_precision" in frame.columns else pd.Series(False, index=frame.index)
    shown = dates.dt.strftime("%d %b %Y").str.lstrip("0").where(~month, dates.dt.strftime("%b %Y"))
    table = pd.DataFrame({"outcome_id": frame["outcome_id"].astype("string"), "date": shown.astype("string"),
                          "campaign": frame.get("campaign_id", pd.Series(pd.NA, index=frame.index)).astype("string")})
    for column in READER_COLUMNS[3:]:
        table[column] = frame[column].astype("string")
    if codebook is not None:
        for column in ("actor_type", "outcome_area", "type_of_change", "level", "substantiation"):
            labels = vocabulary(codebook, column).set_index("id")["label"]
            table[column] = table[column].map(labels).fillna(table[column]).astype("string")
    if register is not None:
        from sparklearn.ingest.privacy import pseudonymise_text

        for column in _FREE_TEXT:
            table[column] = pseudonymise_text(table[column], register, salt).astype("string")
    order = pd.DataFrame({"d": dates, "i": table["outcome_id"]}).sort_values(["d", "i"], na_position="last").index
    return table.loc[order, READER_COLUMNS].reset_index(drop=True)


def readable_number(x: float) -> str:
    """A number as a report shows it: whole numbers as integers, others with the precision their size needs.

    Whole numbers (a count kept as a float, 8.0) read ``8``; from 1,000 thousands are
    separated and decimals dropped; from 10 one decimal (so a value rounded to one
    decimal is never padded: ``58.6``, not ``58.60``); below 10 two decimals; below
    0.01 two significant figures, so small values are not shown as 0.

    Parameters
    ----------
    x
        The number.

    Returns
    -------
    str
        The number as text; missing -> ``""``.

    Examples
    --------
    >>> [readable_number(v) for v in (0.139, 1240.5, 0.0034, 0.0, float("nan"), 8.0, 58.6, 58.58, 3.5)]
    ['0.14', '1,240', '0.0034', '0', '', '8', '58.6', '58.6', '3.50']
    """
    if pd.isna(x):
        return ""
    if x == 0:
        return "0"
    if abs(x) >= 1000 or float(x).is_integer():
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:,.1f}"
    if abs(x) >= 0.01:
        return f"{x:,.2f}"
    return f"{x:.2g}"


def with_caption(frame: pd.DataFrame, caption: str) -> pd.DataFrame:
    """``frame`` with a caption, which :func:`table_html` shows as the table's ``<caption>``.

    The caption is kept in ``frame.attrs["caption"]`` (pandas carries ``attrs`` through
    ``rename``, ``assign`` and the like); ``frame`` itself is not changed.

    Parameters
    ----------
    frame
        Any table.
    caption
        What the table shows, in a sentence or a phrase (plain text: it is escaped).

    Returns
    -------
    pandas.DataFrame
        A shallow copy of ``frame`` carrying the caption.

    Examples
    --------
    >>> t = with_caption(pd.DataFrame({"campaign": ["Water"], "outcomes": [3]}), "Outcomes by campaign")
    >>> "<caption>Outcomes by campaign</caption>" in table_html(t)
    True
    """
    captioned = frame.copy(deep=False)
    captioned.attrs = {**frame.attrs, "caption": str(caption)}
    return captioned


def named(ids: pd.Series, names: Mapping[str, str], sep: str = ";") -> pd.Series:
    """Ids (one per cell, or ``sep``-joined) as the names readers know: campaign names for campaign ids.

    An id without a name is kept as it is; missing stays missing.

    Parameters
    ----------
    ids
        Ids, one or several per cell.
    names
        Id -> name (the registry's campaign names, say).
    sep
        What joins several ids in a cell; the names are joined with ", ".

    Returns
    -------
    pandas.Series
        Text, same index.

    Examples
    --------
    >>> named(pd.Series(["ke-health", "ke-health;ke-water", None]), {"ke-health": "Primary health care"}).tolist()
    ['Primary health care', 'Primary health care, ke-water', <NA>]
    """
    return ids.map(lambda cell: ", ".join(names.get(i.strip(), i.strip()) for i in str(cell).split(sep)),
                   na_action="ignore").astype("string")


def _accessible(markup: str, caption: str | None, label_column: bool) -> str:
    """pandas' table with a caption, column headers scoped, and each row's label as its row header."""
    import lxml.html

    table = lxml.html.fragment_fromstring(markup)
    for th in table.iterfind("thead/tr/th"):
        th.set("scope", "col")
    for row in table.iterfind("tbody/tr"):
        headers = row.findall("th")
        for th in headers:
            th.set("scope", "row")
        if not headers and label_column:
            first = row.find("td")
            if first is not None:
                first.tag = "th"
                first.set("scope", "row")
    if caption:
        element = lxml.html.Element("caption")
        element.text = " ".join(caption.split())
        table.insert(0, element)
    return lxml.html.tostring(table, encoding="unicode")


def table_html(frame: pd.DataFrame) -> str:
    """A DataFrame as report HTML: escaped, captioned, with row headers, no meaningless 0, 1, 2 index.

    Every cell and label is escaped (``<``, ``>``, ``&``); missing values are blank;
    line breaks inside text become spaces; at most ``display.max_rows`` rows. For
    readers of screen readers, ``frame.attrs["caption"]`` (see :func:`with_caption`)
    becomes the table's ``<caption>``, column headers get ``scope="col"``, and each
    row's label gets ``<th scope="row">``: the index when it is shown, else the first
    column when it holds text (a name, a date), not numbers.

    Parameters
    ----------
    frame
        Any table.

    Returns
    -------
    str
        An HTML ``<table class="dataframe">``; the index is shown only when it means
        something (named, or not the default 0, 1, 2...).

    Examples
    --------
    >>> "<th>0</th>" in table_html(pd.DataFrame({"a": [1]}))
    False
    >>> '<th scope="row">x</th>' in table_html(pd.DataFrame({"a": [1]}, index=["x"]))
    True
    >>> "one two" in table_html(pd.DataFrame({"t": ["one\\n\\ntwo"]}))
    True
    >>> "&lt;script&gt;" in table_html(pd.DataFrame({"outcome": ["<script>x</script>"]}))
    True
    >>> '<th scope="row">Kenya</th>' in table_html(pd.DataFrame({"country": ["Kenya"], "outcomes": [3]}))
    True
    """
    plain = isinstance(frame.index, pd.RangeIndex) and frame.index.name is None
    limit = pd.get_option("display.max_rows")
    # pandas shows a line break inside a cell as a literal "\n"; in a table cell a space reads better.
    text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c]) or frame[c].dtype == object]
    if text:
        frame = frame.assign(**{str(c): frame[c].map(lambda v: " ".join(v.split()) if isinstance(v, str) else v)
                                for c in text if isinstance(c, str)})
    label_column = plain and len(frame.columns) > 0 and not pd.api.types.is_numeric_dtype(frame.iloc[:, 0])
    markup = frame.to_html(index=not plain, max_rows=limit, escape=True, border=0,
                           classes="dataframe", na_rep="", show_dimensions=len(frame) > limit)
    # show_dimensions adds a "<p>n rows</p>" after the table: keep it, outside the rewritten table.
    table_end = markup.rindex("</table>") + len("</table>")
    caption = frame.attrs.get("caption")
    return _accessible(markup[:table_end], str(caption) if caption else None, label_column) + markup[table_end:]


#: Labelled paragraphs of an outcome card: column -> label.
CARD_TEXT = {"outcome": "Outcome", "significance": "Significance", "contribution": "Contribution"}


#: Facts on the last line of an outcome card: column -> label (the actor type joins the actor).
CARD_FACTS = {"social_actor": "Actor", "outcome_area": "Outcome area", "type_of_change": "Type of change",
              "level": "Level", "substantiation": "Substantiation", "builds_on": "Builds on"}


def outcome_cards(table: pd.DataFrame) -> str:
    """The outcomes as HTML cards, one per outcome, for reading in a report.

    A card is an ``<article class="sl-outcome">`` with a heading line (``sl-outcome-head``:
    outcome id · date · campaign), the labelled paragraphs of :data:`CARD_TEXT` in full, and
    a line of facts (``sl-outcome-facts``: actor with its type, then :data:`CARD_FACTS`).
    Every value is escaped; missing or empty values are left out, not shown as "nan".
    The markup holds no headings (they would enter the report's contents), no scripts and
    no style attributes: the report's CSS styles the three classes.

    Parameters
    ----------
    table
        :func:`outcomes_for_readers`'s table (other columns are ignored; of
        :data:`READER_COLUMNS` only ``outcome_id`` and ``outcome`` are required).

    Returns
    -------
    str
        The cards in the order of ``table`` (empty for an empty table).

    Examples
    --------
    >>> t = pd.DataFrame({"outcome_id": ["SN-O1"], "date": ["Mar 2023"], "campaign": ["sn-sanitation"],
    ...                   "outcome": ["The mayor <b>opened</b> the latrines & showers."],
    ...                   "level": ["Local"], "significance": [None]})
    >>> print(outcome_cards(t))
    <article class="sl-outcome">
    <p class="sl-outcome-head"><strong>SN-O1</strong> · Mar 2023 · sn-sanitation</p>
    <p><strong>Outcome:</strong> The mayor &lt;b&gt;opened&lt;/b&gt; the latrines &amp; showers.</p>
    <p class="sl-outcome-facts">Level: Local</p>
    </article>
    """
    require_columns(table, ["outcome_id", "outcome"], "outcomes")
    if table.empty:
        return ""
    table = table.reset_index(drop=True)  # rows are matched up by position below

    def text(column: str) -> pd.Series:
        # Escaped text, NA when missing or blank; line breaks kept visible.
        if column not in table.columns:
            return pd.Series(pd.NA, index=table.index, dtype="string")
        values = table[column].astype("string").str.strip()
        if column == "builds_on":  # before escaping, which writes entities ending in ';'
            values = values.str.replace(r"\s*;\s*", "; ", regex=True)
        values = values.where(values != "")
        return values.map(html.escape, na_action="ignore").astype("string").str.replace("\n", "<br>\n", regex=False)

    def joined(pieces: list[pd.Series], sep: str) -> pd.Series:
        # The non-missing pieces of each row joined with sep (NA when none).
        frame = pd.concat(pieces, axis=1)
        return frame.stack().dropna().groupby(level=0).agg(sep.join).reindex(table.index).astype("string")

    head = joined([("<strong>" + text("outcome_id") + "</strong>"), text("date"), text("campaign")], " · ")
    paragraphs = [("<p><strong>" + label + ":</strong> " + text(column) + "</p>\n")
                  for column, label in CARD_TEXT.items()]
    actor_type = text("actor_type")
    actor = (text("social_actor") + " (" + actor_type + ")").fillna(text("social_actor")).fillna(actor_type)
    facts = joined([label + ": " + (actor if column == "social_actor" else text(column))
                    for column, label in CARD_FACTS.items()], " · ")
    cards = ('<article class="sl-outcome">\n'
             + ('<p class="sl-outcome-head">' + head + "</p>\n").fillna("")
             + sum((p.fillna("") for p in paragraphs), pd.Series("", index=table.index, dtype="string"))
             + ('<p class="sl-outcome-facts">' + facts + "</p>\n").fillna("")
             + "</article>")
    return "\n".join(cards.tolist())


# ------------------------------------------------------------- text as markup


#: Characters that mean something in Markdown (CommonMark and nbconvert's extensions:
#: ``$`` opens maths, ``|`` a table, ``~`` strike-through); each gets a backslash.
_MARKDOWN_SIGNS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:])")


def markdown_text(text: object) -> str:
    """Text from the data made literal for a Markdown output: no markup, link, maths or list survives.

    HTML's ``& < >`` become entities and every character Markdown reads as syntax gets a
    backslash (``[x](javascript:...)`` stays text, ``$`` does not start maths, ``- a``
    does not start a list). The reader sees the same characters. Line breaks become
    spaces (a blank line would end the paragraph a sentence is in). Apply it to a whole
    plain sentence (the ``describe_*`` functions return plain text) or to each value
    put into a Markdown string.

    Parameters
    ----------
    text
        Any value; ``str()`` of it is used.

    Returns
    -------
    str
        Markdown that renders as exactly ``text``.

    Examples
    --------
    >>> print(markdown_text("<img src=x onerror=alert(1)> [x](javascript:alert(1)) *a* $5"))
    &lt;img src=x onerror=alert\\(1\\)&gt; \\[x\\]\\(javascript\\:alert\\(1\\)\\) \\*a\\* \\$5
    """
    flat = " ".join(str(text).split())
    return _MARKDOWN_SIGNS.sub(r"\\\1", html.escape(flat, quote=False))


#: Tags a rendered report may hold: the template's page, nbconvert's output wrappers,
#: pandas' tables (and a Styler's ``<style>``), Markdown's text, the outcome cards.
REPORT_TAGS = frozenset({
    "a", "article", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img",
    "li", "main", "nav", "ol", "p", "pre", "section", "small", "span", "strong", "style", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})


#: Attributes a report may hold: per tag, and ``*`` on any tag. No ``on*`` handler.
REPORT_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "role", "aria-label", "data-mime-type"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "style"}, "th": {"colspan", "rowspan", "scope", "style"},
    "tr": {"style"}, "style": {"type"}, "ol": {"start"},
}


def _report_url(tag: str, attribute: str, value: str) -> str | None:
    # A link goes within the page or to a relative file; a picture is an embedded image.
    if attribute == "href" and value.lower().startswith(("data:", "http:", "https:", "mailto:", "//")):
        return None if value.lower().startswith("data:") else value
    if attribute == "src" and not value.startswith(("data:image/png;", "data:image/jpeg;", "data:image/svg+xml;")):
        return None
    return value


_CLEANER = None


def sanitise_report(page: str) -> str:
    """A rendered report page with only the markup a report needs: the safety net under the escaping.

    The page's body is cleaned with ``nh3`` (the Ammonia sanitiser): tags and attributes
    outside :data:`REPORT_TAGS` and :data:`REPORT_ATTRIBUTES` are dropped, ``<script>``
    with its content, every event-handler attribute, and any URL that is not relative,
    ``http(s)``, ``mailto`` or (pictures only) an embedded ``data:image``, so
    ``javascript:`` links go. CSS (pandas' table styles) is kept: it runs no script in
    a browser, and Ammonia cannot filter a ``<style>`` sheet's properties. The head and
    the ``<body>`` tag are the template's own and are kept as they are.

    Examples
    --------
    >>> page = ('<html><head><title>t</title></head><body style="--c: red"><p onclick="x()">Hi</p>'
    ...         '<a href="javascript:alert(1)">x</a><script>alert(1)</script><a href="#s">s</a></body></html>')
    >>> print(sanitise_report(page))
    <html><head><title>t</title></head><body style="--c: red"><p>Hi</p><a>x</a><a href="#s">s</a></body></html>
    """
    global _CLEANER
    if _CLEANER is None:
        import nh3

        _CLEANER = nh3.Cleaner(
            tags=set(REPORT_TAGS), attributes={k: set(v) for k, v in REPORT_ATTRIBUTES.items()},
            clean_content_tags={"script", "iframe", "object", "embed", "noscript", "template"},
            url_schemes={"http", "https", "mailto", "data"}, attribute_filter=_report_url,
            link_rel=None, strip_comments=True)
    opening = re.search(r"<body\b[^>]*>", page, flags=re.IGNORECASE)
    closing = page.lower().rfind("</body>")
    if opening is None or closing < opening.end():
        return _CLEANER.clean(page)
    return page[:opening.end()] + _CLEANER.clean(page[opening.end():closing]) + page[closing:]
