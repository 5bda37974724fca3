"""(from outcomes.py)
Outcome harvests (Wilson-Grau and Britt 2012): schema, Excel template, reading, summaries.

An **outcome** is an observed change in the behaviour of a **social actor** that the
campaign plausibly influenced. Each row of a harvest describes one: the outcome (who
changed what, when and where), its **significance**, the **contribution** of the
change agents, how it is classified (outcome area, type of change, actor type, level,
strategic components, intended or not, positive or negative), whether an independent
informant **substantiated** it, and the earlier outcomes it **builds on**.

Reading (:func:`read_harvest`) is lenient about form and strict about meaning:

- ``.xlsx`` (sheet "Outcomes", else the first sheet whose header row looks like a
  harvest; other sheets are ignored) and ``.csv`` (UTF-8 with or without a byte-order
  mark; Windows-1252 read with a warning). The header row may sit below a few title
  rows; headers are matched ignoring case, spaces and punctuation, with a few common
  synonyms ("Outcome description", "Level of governance"...), so columns may be
  renamed within reason and reordered.
- Rows are numbered as the user sees them in Excel. **Blank rows are not outcomes**:
  they are skipped and not counted in ``n_read``; every other row is either accepted
  or rejected (rows read = accepted + rejected).
- Cells merged down a column give their value to every row of the range (warning);
  cells merged across columns keep the value in the first column (warning). Formula
  cells give the result Excel saved; a formula without a saved result is an error.
- Dates: Excel date cells, ``2023-03-15``, ``15/03/2023`` (day first; month first
  only when the day-first reading is impossible, with a warning), ``15 March 2023``,
  ``March 15, 2023``, and month-precision ``March 2023``, ``2023-03``, ``03/2023``
  (English, French or Indonesian month names). ``date`` holds the first day of the
  month when ``date_precision`` is ``month``.
- Controlled columns accept the vocabulary id or label, ignoring case, spaces,
  hyphens and underscores; near misses get a suggestion. Multi-value cells
  (``strategic_components``, ``builds_on``) are split on ``;`` (or a line break),
  then on ``,``, and stored ``;``-joined (components in codebook order).

What rejects a row (errors) and what only warns follows Wilson-Grau practice: an
outcome must be identifiable (a unique id), attributable (a known campaign of the
country) and described (the outcome text); its classification must use the codebook;
its links must point at outcomes of the harvest without going round in circles.
Significance and contribution are the other two parts of a full description, but
harvesters draft and complete them with the change agents, so a missing one only
warns, as do a missing social actor, date or classification, a substantiation
without the informant's role, an outcome dated before its campaign started or
before an outcome it builds on, and a link to an id used by two rows (those rows are
rejected; the link is left out of the circle and date checks until the duplicate is fixed).

Empty optional values are missing (NA) in the accepted table. ``substantiated`` in the
summaries means an independent informant agreed **fully or partially**
(:data:`sparklearn.analysis.outcomes.CONFIRMED`), counted among the outcomes put to an
informant (substantiation other than ``not-yet``).
"""

from __future__ import annotations

import html

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
    ``[participant]`` without). The text is plain: render with :func:`to_html`, which escapes
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


def to_html(frame: pd.DataFrame, **kwargs) -> str:
    """An HTML table of ``frame`` with every cell escaped (``<``, ``>``, ``&``), missing values blank.

    Examples
    --------
    >>> "&lt;script&gt;" in to_html(pd.DataFrame({"outcome": ["<script>x</script>"]}))
    True
    """
    options = {"index": False, "na_rep": "", "border": 0, "classes": "outcomes"} | kwargs
    options["escape"] = True
    return frame.to_html(**options)


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
