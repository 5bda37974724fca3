"""(from sessions.py)
Reflection-session files -> a sessions table and a segments table.

A session file is Markdown with YAML front matter (see ``data/raw/README.md``)::

    ---
    session_id: KE-S01
    title: "Round 1 reflection: working with legislators"
    date: 2020-12-02
    round: 1
    country: kenya
    campaigns: [ke-primary-health]
    facilitator: research lead
    language: en
    participants:
      - {participant_id: KE-P01, role: "research lead"}
    ---
    # Round 1 reflection: working with legislators

    **KE-P01:** Welcome, everyone.

    **KE-P04 [sw]:** A turn in another language carries a language tag.

How the text is cut into segments
    One segment per speaker turn. A turn starts at a line ``**ID:**`` (also accepted:
    ``**ID**:``, and a language tag ``[fr]`` either inside the bold, ``**ID [fr]:**``,
    or at the start of the text, ``**ID:** [fr] ...``) and runs to the next turn, the
    next heading or the end of the file. Paragraphs without a speaker tag belong to
    the turn above them: note-takers and the demo generator write a long turn as
    several paragraphs with only the first tagged, and the data contract numbers
    segments by speaker turns (``{session_id}-T{turn:03d}``), so an untagged paragraph
    cannot be a turn of its own without renumbering every later segment (and the
    codings that point at them). Text that no turn can own (before the first turn,
    or after a heading other than the title) is kept as a *note* segment, never
    dropped: speaker ``""``, speaker_role ``"note"``, turn ``0``, id
    ``{session_id}-N{k:03d}``, with a warning in case a speaker tag was forgotten.
    Headings are structure, not speech: they are in no segment.

Offsets
    ``start`` and ``end`` are character offsets into the file's text after removing
    a UTF-8 byte-order mark and turning CRLF (and lone CR) into LF, which is what
    :func:`session_text` returns; ``session_text(f)[start:end] == text``. So the same
    session saved with or without a BOM, with LF or CRLF, gives the same segments.
    A segment's text excludes the speaker tag, the language tag and trailing blank
    space; inner blank lines between paragraphs of one turn are kept.

What is checked
    Every problem has :data:`~sparklearn.ingest.problems.PROBLEM_COLUMNS`; ``row`` is the
    line in the file as an editor numbers it, ``column`` the front-matter key (or
    ``turn`` / ``file``). Errors reject the whole session (it goes to ``rejected``
    and none of its segments is kept: a session with an unknown campaign or date
    would put wrong numbers in every table downstream): empty file, not UTF-8, no or
    invalid front matter, missing ``session_id``, ``date``, ``round`` or ``country``,
    a date that is not YYYY-MM-DD, a round that is not a whole number >= 1, an
    unknown country or campaign (when a registry is given), a country other than the
    folder's (when ``country=`` is given), the same ``session_id`` in two files (both
    rejected: codings could not tell them apart). Warnings keep the session: a
    speaker not in the front-matter participants list, unattributed text read as a
    note, no speaker turns, a missing title (the ``#`` heading is used), language,
    facilitator or campaigns, a file name other than ``<session_id>.md``.
"""

from __future__ import annotations

import pandas as pd


def session_overview(sessions: pd.DataFrame, segments: pd.DataFrame, codings: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per session for a report: date, round, campaigns, title, language, people, turns, coders.

    Examples
    --------
    >>> s = pd.DataFrame({"session_id": ["KE-S01"], "date": pd.to_datetime(["2021-03-02"]), "round": [1],
    ...                   "campaign_ids": ["ke-health"], "title": ["Round 1"], "language": ["en"],
    ...                   "n_participants": [5]})
    >>> g = pd.DataFrame({"session_id": ["KE-S01", "KE-S01"], "segment_id": ["KE-S01-T001", "KE-S01-T002"]})
    >>> c = pd.DataFrame({"session_id": ["KE-S01"], "coder": ["coder-a"]})
    >>> session_overview(s, g, c)[["session_id", "turns", "coders"]].values.tolist()
    [['KE-S01', 2, 'coder-a']]
    """
    turns = segments.groupby("session_id").size().rename("turns")
    table = sessions[["session_id", "date", "round", "campaign_ids", "title", "language", "n_participants"]].merge(
        turns, left_on="session_id", right_index=True, how="left")
    table["turns"] = table["turns"].fillna(0).astype(int)
    if codings is not None and len(codings):
        coders = codings.groupby("session_id")["coder"].agg(lambda c: ", ".join(sorted(set(c)))).rename("coders")
        table = table.merge(coders, left_on="session_id", right_index=True, how="left")
        table["coders"] = table["coders"].fillna("not coded yet")
    table["date"] = pd.to_datetime(table["date"]).dt.strftime("%d %b %Y")
    return table.rename(columns={"campaign_ids": "campaigns", "n_participants": "people"}).sort_values(
        ["round", "session_id"]).reset_index(drop=True)
