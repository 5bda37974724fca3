"""What sparklearn writes for Taguette: the codebook as Taguette's CSV, one HTML document per session.

Stage: report (files a research lead uploads into Taguette). Taguette 1.5 imports a
codebook only as CSV and no REFI-QDA project, so the route is: ``sparklearn
export-taguette`` writes a folder (:func:`export_taguette`); the lead imports
``codebook.csv`` (Project info > Import codebook) and adds each session's ``.html``
(Documents > Add a document); after coding, Taguette's highlights export (Highlights >
See all highlights > Export this view > CSV or Excel) comes back through ``sparklearn import-qdpx``
(:func:`sparklearn.ingest.taguette.read_taguette_highlights`).

Why these formats (Taguette 1.5.2's own code)
    - Codebook: ``import_codebook.list_tags_csv`` reads a CSV with a ``tag`` (or
      ``name``, ``path``) column and an optional ``description``; tags are flat paths of
      at most 200 characters. Tags are named ``"<code id> <label>"``: Taguette's list is
      sorted by path, so codes stay grouped by framework (``OA``, ``OA-POWER``, ...),
      and its highlight export filter by path prefix takes a code with its children.
    - Documents: Taguette converts everything but HTML with calibre; HTML it only
      cleans (``convert.get_html_body``), so these documents open the same on every
      installation. Without ``<meta charset="utf-8">`` it reads them as Windows-1252.
    - Each turn is a paragraph starting with its speaker's pseudonym in bold. Taguette
      exports highlighted text with paragraphs joined by spaces; the reader finds the
      turns again by these labels.

Privacy
    Documents hold only the session's title and its pseudonymised turns, labelled with
    pseudonyms: no front matter, no participant ids. :func:`write_taguette` refuses to
    write (nothing at all) when a registered name or participant id is still in a title,
    a label or a turn.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

from sparklearn.codebook import Codebook, codebook_table, load_codebook
from sparklearn.config import Paths, resolve_paths
from sparklearn.exceptions import InputError
from sparklearn.files import write_atomic, write_csv, xml_text
from sparklearn.frames import require_columns
from sparklearn.ingest.privacy import find_names

#: Taguette's limit on a tag path (``validate.tag_path``).
TAG_PATH_LIMIT = 200
#: The codebook file in an export folder.
CODEBOOK_FILE = "codebook.csv"


def taguette_codebook(codebook: Codebook) -> pd.DataFrame:
    """The codebook as Taguette imports it: one row per code, in codebook order.

    Parameters
    ----------
    codebook
        From :func:`sparklearn.codebook.load_codebook`.

    Returns
    -------
    pandas.DataFrame
        tag (``"<code id> <label>"``, cut to Taguette's 200 characters), description
        (the definition, then "Use when: ..." and when not to, as the codebook says).

    Examples
    --------
    >>> from sparklearn.codebook import codebook_from_dict
    >>> cb = codebook_from_dict({"version": "1", "codes": [
    ...     {"id": "BR", "label": "Barriers", "definition": "What stops people.", "when_to_use": "Obstacles."}]})
    >>> taguette_codebook(cb).values.tolist()
    [['BR Barriers', 'What stops people. Use when: Obstacles.']]
    """
    table = codebook_table(codebook).sort_values("order", kind="stable")
    parts = [table[c].astype("string").str.strip().replace("", pd.NA) if c in table else pd.Series(pd.NA)
             for c in ("definition", "when_to_use", "when_not_to_use")]
    not_for = parts[2].mask(~parts[2].str.match(r"(?i)not\b", na=False), "Not for: " + parts[2])
    described = pd.concat([parts[0], "Use when: " + parts[1], not_for], axis=1)
    description = described.apply(lambda row: " ".join(row.dropna()), axis=1).astype("string")
    tag = (table["code_id"].astype("string") + " " + table["label"].astype("string")).str.slice(0, TAG_PATH_LIMIT)
    return pd.DataFrame({"tag": tag.to_numpy(), "description": description.to_numpy()})


def session_document(title: object, turns: pd.DataFrame, *, language: object = "en") -> str:
    """One session as an HTML document for Taguette: its title, then one paragraph per turn.

    Parameters
    ----------
    title
        The session's title (an ``<h1>``; left out when missing).
    turns
        The session's segments in turn order: text, and speaker (the pseudonym that
        starts the paragraph in bold, followed by a colon; no label when blank).
    language
        The ``lang`` of the document.

    Returns
    -------
    str
        A UTF-8 HTML page; every value is escaped. A blank line inside a turn starts a
        new paragraph.

    Examples
    --------
    >>> turns = pd.DataFrame({"speaker": ["monitor 1a2b"], "text": ["No drugs <again> & no nurse."]})
    >>> print(session_document("Round 1", turns).split("<body>")[1])
    <BLANKLINE>
    <h1>Round 1</h1>
    <p><strong>monitor 1a2b:</strong> No drugs &lt;again&gt; &amp; no nurse.</p>
    </body>
    </html>
    <BLANKLINE>
    """
    require_columns(turns, ["text"], "turns")
    speaker = turns["speaker"] if "speaker" in turns else pd.Series("", index=turns.index)
    speaker = speaker.fillna("").astype(str).map(xml_text).str.strip()
    label = speaker.map(lambda s: f"<strong>{html.escape(s)}:</strong> " if s else "")
    paragraphs = turns["text"].fillna("").astype(str).map(xml_text).str.strip().map(
        lambda t: [html.escape(p.strip()) for p in re.split(r"\n\s*\n", t) if p.strip()])
    body = [f"<p>{label.iloc[i] if n == 0 else ''}{p}</p>"
            for i, paras in enumerate(paragraphs) for n, p in enumerate(paras or [""])]
    title = "" if pd.isna(title) else html.escape(xml_text(title).strip())
    lang = html.escape(str(language).strip() if pd.notna(language) and str(language).strip() else "en")
    head = ["<!DOCTYPE html>", f'<html lang="{lang}">', "<head>", '<meta charset="utf-8">', f"<title>{title}</title>",
            "</head>", "<body>"]
    return "\n".join([*head, *([f"<h1>{title}</h1>"] if title else []), *body, "</body>", "</html>", ""])


def _check_private(texts: pd.DataFrame, register: pd.DataFrame | None) -> None:
    """Refuse texts (columns where, text) holding a registered name or participant id; the value is never shown."""
    if register is None or register.empty:
        return
    names = find_names(texts[["text"]], register)
    ids = sorted({str(v).strip() for v in register["participant_id"].dropna() if str(v).strip()}, key=len, reverse=True)
    with_id = (texts["text"].str.contains(r"(?<![\w-])(?:" + "|".join(map(re.escape, ids)) + r")(?![\w-])",
                                          case=False, regex=True, na=False) if ids else texts["text"].isna() & False)
    for kind, rows in (("participant's name", names["row"].unique()), ("participant id", texts.index[with_id])):
        if len(rows):
            raise InputError(f"{texts.loc[rows[0], 'where']} still contains a registered {kind}; nothing was written "
                             f"({len(rows)} place(s) in all)",
                             fix="export the pseudonymised segments the pipeline prepares (sparklearn export-taguette "
                                 "does), not the raw sessions")


def write_taguette(folder: str | Path, *, sessions: pd.DataFrame, segments: pd.DataFrame, codebook: Codebook,
                   register: pd.DataFrame | None = None) -> list[Path]:
    """Write the codebook as Taguette's CSV and one HTML document per session into ``folder``.

    Parameters
    ----------
    folder
        Created if needed; files of the same names are replaced (atomically), others
        are left alone.
    sessions
        session_id, and optionally title, language.
    segments
        segment_id, session_id, start, text, speaker: the pipeline's pseudonymised
        segments (text and speaker are written as they are).
    codebook
        From :func:`sparklearn.codebook.load_codebook`.
    register
        The participants register (participant_id, name, role): if a registered name
        (found as :func:`sparklearn.ingest.privacy.find_names` finds it) or participant id
        is in a title, label or turn, nothing is written.

    Returns
    -------
    list of pathlib.Path
        ``codebook.csv``, then ``<session id>.html`` for each session, by session id.

    Raises
    ------
    InputError
        A registered name or participant id is in the text (the message does not repeat it).

    Examples
    --------
    >>> import tempfile
    >>> from sparklearn.codebook import codebook_from_dict
    >>> cb = codebook_from_dict({"version": "1", "codes": [{"id": "BR", "label": "Barriers"}]})
    >>> seg = pd.DataFrame({"segment_id": ["KE-S01-T001"], "session_id": ["KE-S01"], "start": [0],
    ...                     "speaker": ["monitor 1a2b"], "text": ["No drugs."]})
    >>> written = write_taguette(tempfile.mkdtemp(), sessions=pd.DataFrame({"session_id": ["KE-S01"]}),
    ...                          segments=seg, codebook=cb)
    >>> [p.name for p in written]
    ['codebook.csv', 'KE-S01.html']
    """
    require_columns(sessions, ["session_id"], "sessions")
    require_columns(segments, ["segment_id", "session_id", "start", "text"], "segments")
    folder = Path(folder)
    sessions = sessions.sort_values("session_id", kind="stable").reset_index(drop=True)
    turns = segments.sort_values(["session_id", "start"], kind="stable")
    by_session = dict(tuple(turns.groupby("session_id", sort=False)))
    empty = turns.iloc[0:0]
    documents = {str(s.session_id): session_document(getattr(s, "title", None), by_session.get(s.session_id, empty),
                                                     language=getattr(s, "language", "en"))
                 for s in sessions.itertuples()}
    speaker = turns["speaker"] if "speaker" in turns else pd.Series("", index=turns.index)
    texts = pd.concat([
        pd.DataFrame({"where": "the title of session " + sessions["session_id"].astype(str),
                      "text": sessions.get("title", pd.Series("", index=sessions.index)).astype("string")}),
        pd.DataFrame({"where": "the speaker label of " + turns["segment_id"].astype(str),
                      "text": speaker.astype("string")}),
        pd.DataFrame({"where": "turn " + turns["segment_id"].astype(str), "text": turns["text"].astype("string")}),
    ], ignore_index=True)
    _check_private(texts, register)
    written = [folder / CODEBOOK_FILE]
    write_csv(written[0], taguette_codebook(codebook))
    for session_id, page in documents.items():
        written.append(folder / f"{session_id}.html")
        write_atomic(written[-1], page)
    return written


def export_taguette(country: str, folder: str | Path, *, paths: Paths | None = None) -> list[Path]:
    """Export a country's codebook and pseudonymised sessions for Taguette (``sparklearn export-taguette``).

    Reads the country's processed tables from the store (prepared in memory when
    ``paths`` has no output folder, the default) and the participants register, whose
    names and ids must not be in anything written (see :func:`write_taguette`).

    Parameters
    ----------
    country
        Country slug.
    folder
        Where to write (created if needed).
    paths
        Folders; default :func:`sparklearn.config.resolve_paths` without an output folder.

    Returns
    -------
    list of pathlib.Path
        The files written: ``codebook.csv`` and one ``<session id>.html`` per session.

    Examples
    --------
    >>> import tempfile
    >>> written = export_taguette("kenya", tempfile.mkdtemp())
    >>> [p.name for p in written[:3]], "KE-P0" in written[1].read_text(encoding="utf-8")
    (['codebook.csv', 'KE-S01.html', 'KE-S02.html'], False)
    """
    from sparklearn.ingest.privacy import read_register
    from sparklearn.store import country_tables

    paths = paths or resolve_paths(default_out=False)
    tables = country_tables(country, paths)
    register = read_register(paths.country_raw(country) / "participants.csv")
    people = pd.concat([register.accepted, register.rejected], ignore_index=True)
    people = people.loc[people["name"].fillna("").astype(str).str.strip() != "", ["participant_id", "name", "role"]]
    return write_taguette(folder, sessions=tables.sessions, segments=tables.segments,
                          codebook=load_codebook(paths.codebook_file), register=people)
