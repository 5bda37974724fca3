"""Pseudonyms and redaction: no registered name leaves the participants register.

Stage: ingest (the last step before anything is written): :mod:`sparklearn.prepare`
pseudonymises the segments (:func:`pseudonymise_segments`) and the harvest's free text
(:func:`pseudonymise_text`) before it writes processed tables, and refuses to write
them if :func:`find_names` still finds a registered name. It lives in ingest because it
reads the register, a raw input, and no later stage may see a name.

``participants.csv`` (participant_id, name, role, organisation) is the only place
where names live. Everything derived shows people as *pseudonyms by role*.

Pseudonyms
    ``"<role> <4 hex digits>"``, e.g. ``"budget analyst 3f2a"``: the role (from the
    register, else the session's participants list, else ``participant``) plus the
    start of an HMAC-SHA256 of the participant_id keyed with a salt. The same person
    gets the same pseudonym in every session and every run; neither the name nor the
    participant_id can be read back from it without the salt. Four hex digits keep
    reports readable; if two people of one register with the same role would collide,
    both get eight digits (only then, so pseudonyms stay stable otherwise).

The salt
    ``salt.txt`` in the data folder (the folder with ``countries.yaml``), one random
    line, kept outside the repository with the real data. The bundled demo data (and
    copies of it, recognised by every ``participants.csv`` starting with the
    ``# SYNTHETIC DEMO DATA`` line) use :data:`DEMO_SALT`, which is public: the demo's
    people are fictitious. Any other data folder without ``salt.txt`` is refused.

Names inside text
    Every registered full name, and each part of it (given or family name, also the
    halves of a hyphenated name) of three letters or more, is replaced by the
    pseudonym of its person in square brackets: "as Omondi's group said" ->
    "as [research lead 3f2a]'s group said". Matching is on whole words, ignores
    accents both ways ("Aïssatou" = "Aissatou", also in decomposed Unicode) and
    allows any spacing or line break inside a full name. Full names match in any
    case; a single name part matches only when it starts with a capital letter
    ("Made", "MADE", not "made"): a part is often also an ordinary word (Indonesian
    "Made", Senegalese "Fall", English "Grace"), and a name written alone is
    capitalised, so this keeps quotes readable without letting names through. A
    part shared by several people ("Lubis") cannot say whose it is and becomes
    ``[participant]``. Participant ids in text (``KE-P04``: 3+ characters with a
    digit) are replaced by the pseudonym too: they are the key to the register. Names of people who are not in
    the register cannot be found: add everyone who may be named to the register.

Rejected register rows
    :func:`read_register` rejects rows with a duplicate participant_id or no name,
    but a rejected row's name must still be hidden. The functions here take either
    the register's accepted table or the whole :class:`~sparklearn.ingest.problems.Checked`
    result; given the ``Checked``, they redact the names of rejected rows too (pass
    it whenever you have it).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pandas as pd

from sparklearn.exceptions import InputError, ParameterError
from sparklearn.ingest.problems import (
    Checked,
    columns_as_headed,
    flag_rows,
    problems_frame,
    split_rejected,
)
from sparklearn.ingest.spreadsheets import read_table
from sparklearn.ingest.text import read_text_file

#: Salt of the bundled synthetic demo data. Public on purpose: the demo's people are fictitious.
DEMO_SALT = "sparklearn-synthetic-demo-salt"


#: What an ambiguous name part (shared by several registered people) becomes.
AMBIGUOUS = "[participant]"


REGISTER_COLUMNS = ["participant_id", "name", "role", "organisation"]


_REQUIRED = ["participant_id", "name", "role"]


_DEMO_MARK = "# SYNTHETIC DEMO DATA"


_MIN_PART = 3


_MARKS = "[\u0300-\u036f]*"


def read_register(path: str | Path) -> Checked:
    """Read and check a participants register (``participants.csv``).

    Errors (row rejected, kept in ``rejected``): no participant_id, a participant_id
    given twice (every row holding it), no name. Warning: no role (the pseudonym
    says ``participant``); a file read as Windows-1252. A missing ``organisation``
    column is added empty.

    Raises
    ------
    InputError
        The file cannot be read (see :func:`~sparklearn.ingest.spreadsheets.read_table`),
        or lacks a required column (participant_id, name, role): without them no name
        could be hidden, so the country stops here. The message names the file, the
        header row, the missing column, the headers found and the headers expected.

    Returns
    -------
    Checked
        ``accepted``: participant_id, name, role, organisation, source_file,
        source_row; ``rejected``: the same plus ``problem``; ``problems``.

    Examples
    --------
    >>> from sparklearn.config import resolve_paths
    >>> reg = read_register(resolve_paths().raw / "kenya" / "participants.csv")
    >>> reg.n_read, len(reg.rejected), reg.accepted.loc[0, "role"]
    (11, 0, 'research lead')
    """
    table = read_table(path, what="the participants register")
    headers = {str(Path(path)): table.attrs["headers"]}  # keyed as flag_rows names the file (source_file)
    file = str(path)
    missing = [c for c in _REQUIRED if c not in table.columns]
    if missing:
        # The headers found are not quoted: in a register saved without its header row,
        # the "headers" are the first person's id and name.
        raise InputError(
            f"the participants register has no {' or '.join(repr(c) for c in missing)} column in its header row",
            file=file, row=table.attrs["header_row"], column=missing[0],
            fix=f"head the columns {', '.join(REGISTER_COLUMNS)} (in any order; organisation may be left out); if "
                "the first row is a person, add the header row above it. Nothing is prepared for this country "
                "until the register can be read: it is what keeps names out of the reports")
    if "organisation" not in table.columns:
        table.insert(len(_REQUIRED), "organisation", "")
    table = table[[*REGISTER_COLUMNS, *[c for c in table.columns if c not in REGISTER_COLUMNS]]]
    ids = table["participant_id"]
    found = [
        flag_rows(table, ids == "", column="participant_id", rule="participant_id is empty",
                  fix="give every participant an id such as KE-P12"),
        flag_rows(table, ids.duplicated(keep=False) & (ids != ""), column="participant_id",
                  rule="participant_id appears twice", fix="give each person their own id; merge repeated rows"),
        flag_rows(table, table["name"] == "", column="name", rule="name is empty",
                  fix="write the person's name (it stays in this file only)"),
        flag_rows(table, table["role"] == "", column="role", rule="role is empty", severity="warning",
                  fix="write the person's role (e.g. partner staff): reports call people by role"),
    ]
    # A formula Excel saved no result for reads as empty; its text is not shown (it may hold a name).
    found.append(problems_frame(table.attrs.get("unsaved_formulas", [])).assign(value="(formula withheld)"))
    if table.attrs.get("fell_back"):
        found.append(problems_frame([{"file": file, "row": None, "column": "", "value": "",
                                      "rule": "not UTF-8: read as Windows-1252", "severity": "warning",
                                      "fix": "check accented letters in names (a name spelt differently in the "
                                             "notes is not found); save as 'CSV UTF-8' next time"}]))
    problems = pd.concat(found, ignore_index=True).sort_values(["row", "column"], kind="stable", na_position="first")
    # A name never shows in a problem, whatever the file calls its column (prepare also withholds by column name).
    problems["value"] = problems["value"].where((problems["column"] != "name") | (problems["value"] == ""),
                                                "(name withheld)")
    problems = columns_as_headed(problems, headers)
    return split_rejected(table, problems.reset_index(drop=True))


def _is_demo(raw: Path) -> bool:
    registers = sorted(raw.glob("*/participants.csv"))
    if not registers:
        return False

    def marked(f: Path) -> bool:
        return read_text_file(f, what="the participants register").text.startswith(_DEMO_MARK)

    return all(marked(f) for f in registers)


def salt_for(raw_dir: str | Path) -> str:
    """The salt for a data folder's pseudonyms: its ``salt.txt``, or the demo salt for demo data.

    Parameters
    ----------
    raw_dir
        The data folder (the one holding ``countries.yaml`` and the country folders).

    Raises
    ------
    InputError
        If the folder is not (a copy of) the synthetic demo data and has no
        ``salt.txt``, or ``salt.txt`` holds no salt.

    Examples
    --------
    >>> from sparklearn.config import resolve_paths
    >>> salt_for(resolve_paths().raw) == DEMO_SALT  # the tests run in the repository, on its demo data
    True
    """
    raw = Path(raw_dir)
    file = raw / "salt.txt"
    command = f'python -c "import secrets; print(secrets.token_hex(16))" > {file}'
    if file.is_file():
        lines = [ln.strip() for ln in read_text_file(file, what="the salt file").text.splitlines()]
        salt = next((ln for ln in lines if ln and not ln.startswith("#")), "")
        if not salt:
            raise InputError("salt.txt holds no salt", file=file,
                             fix=f"write one random line into it, e.g. {command}")
        return salt
    if _is_demo(raw):
        return DEMO_SALT
    raise InputError("no salt.txt in the data folder: pseudonyms of real people need a secret salt", file=file,
                     fix=f"create it once with a random line and keep it with the data, never in git: {command}")


def pseudonym(participant_id: str, role: str, salt: str, *, digits: int = 4) -> str:
    """A person's stable pseudonym: their role and a short salted hash of their id.

    Examples
    --------
    >>> pseudonym("KE-P03", "budget analyst", "s3cret")
    'budget analyst 2e59'
    >>> pseudonym("KE-P03", "budget analyst", "s3cret") == pseudonym(" KE-P03 ", "budget analyst", "s3cret")
    True
    >>> pseudonym("KE-P03", "", "s3cret")
    'participant 2e59'
    """
    digest = hmac.new(str(salt).encode("utf-8"), str(participant_id).strip().encode("utf-8"), hashlib.sha256)
    role = " ".join(str(role or "").split()) or "participant"
    return f"{role} {digest.hexdigest()[:digits]}"


def _register_table(register: pd.DataFrame | Checked) -> pd.DataFrame:
    """Every row whose name must be hidden: accepted first, then rejected (rejected rows still hold names)."""
    if isinstance(register, Checked):
        frames = [register.accepted, register.rejected]
    else:
        frames = [register]
    for frame in frames:
        missing = [c for c in ("participant_id", "name") if c not in frame.columns]
        if missing:
            raise ParameterError(f"the register lacks column(s) {', '.join(missing)}; pass what read_register "
                                 "returns (or its accepted table)")
    table = pd.concat([f.reindex(columns=["participant_id", "name", "role"]) for f in frames], ignore_index=True)
    return table.fillna("").astype("str").apply(lambda c: c.str.strip())


def _pseudonyms(ids: pd.Series, roles: pd.Series, salt: str) -> pd.Series:
    """participant_id -> pseudonym for unique ids; colliding pseudonyms get eight digits."""
    people = pd.DataFrame({"id": ids, "role": roles}).drop_duplicates("id").reset_index(drop=True)
    short = pd.Series([pseudonym(i, r, salt) for i, r in zip(people["id"], people["role"])], dtype="str")
    clash = short.duplicated(keep=False)
    short[clash] = [pseudonym(i, r, salt, digits=8) for i, r in zip(people.loc[clash, "id"],
                                                                    people.loc[clash, "role"])]
    return pd.Series(short.to_numpy(), index=people["id"].to_numpy(), dtype="str")


# --------------------------------------------------------------------------- name matching


def _fold(text: str) -> str:
    """Accent-free, case-free, single-spaced form of a name: the key matched names are looked up by."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    bare = re.sub(r"[\u2018\u2019\u02bc`´]", "'", bare)
    bare = re.sub(r"[\u2010\u2011\u2012\u2013]", "-", bare)
    return " ".join(bare.casefold().split())


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """str.translate table: each accented Latin letter -> its base letter, same case, one for one.

    Matching runs on the text translated with it, which has the same length as the text,
    so a match's position is the name's position in the original: accents are ignored
    both ways with a small pattern (one alternative per name instead of per spelling).
    """
    table = {}
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        char = chr(code)
        bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if char.isalpha() and len(bare) == 1 and bare.isascii() and bare != char:
            table[code] = bare
    for dash in "\u2010\u2011\u2012\u2013":
        table[ord(dash)] = "-"
    for quote in "\u2018\u2019\u02bc`\u00b4":
        table[ord(quote)] = "'"
    return table


def _token_pattern(token: str, *, capital_first: bool) -> str:
    """Regex for one name in folded text: any case (or a capital first letter), any spacing,
    combining accents (decomposed Unicode) allowed after each letter."""
    folded = unicodedata.normalize("NFC", " ".join(token.split())).translate(_fold_table())
    out = []
    for i, char in enumerate(folded):
        if char.isspace():
            out.append(r"\s+")
        elif capital_first and i == 0 and char.isalpha():
            out.append(f"(?-i:{re.escape(char.upper())}){_MARKS}")
        else:
            out.append(re.escape(char) + (_MARKS if char.isalpha() else ""))
    return "".join(out)


def _name_parts(name: str) -> set[str]:
    words = name.split()
    pieces = set(words) | {p for w in words for p in re.split(r"[-\u2010\u2011]", w)}
    return {p.strip("'.,") for p in pieces if len(p.strip("'.,")) >= _MIN_PART}


class _Matcher:
    """One compiled alternation of every name (and id) in a register, with who each one is."""

    def __init__(self, rows: tuple[tuple[str, str], ...], *, with_ids: bool) -> None:
        owners: dict[str, set[str]] = {}
        full: dict[str, str] = {}
        parts: dict[str, str] = {}
        for pid, name in rows:
            if not name:
                continue
            owners.setdefault(_fold(name), set()).add(pid)
            full.setdefault(_fold(name), name)
            for part in _name_parts(name):
                owners.setdefault(_fold(part), set()).add(pid)
                parts.setdefault(_fold(part), part)
        # Ids are matched only when they look like ids (a digit, 3+ characters), never as words.
        for pid in (p for p, _ in rows if with_ids and len(p) >= _MIN_PART and re.search(r"\d", p)):
            owners.setdefault(_fold(pid), set()).add(pid)
            full.setdefault(_fold(pid), pid)
        self.owners = owners
        # Longest first, so a full name wins over its parts at the same place.
        alternatives = sorted([(len(k), _token_pattern(v, capital_first=False)) for k, v in full.items()]
                              + [(len(k), _token_pattern(v, capital_first=True)) for k, v in parts.items()
                                 if k not in full],
                              key=lambda t: -t[0])
        self.pattern = (re.compile(r"(?<!\w)(?:" + "|".join(p for _, p in alternatives) + r")" + _MARKS
                                   + r"(?!\w)", re.IGNORECASE) if alternatives else None)

    def who(self, matched: str) -> set[str]:
        return self.owners.get(_fold(matched), set())

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where names are in ``text`` (positions in ``text`` itself)."""
        if self.pattern is None or not isinstance(text, str):
            return []
        return [m.span() for m in self.pattern.finditer(text.translate(_fold_table()))]

    def replace(self, text: str, pseudonyms: pd.Series) -> str:
        if not isinstance(text, str):
            return text
        spans = self.spans(text)
        if not spans:
            return text
        out, last = [], 0
        for start, end in spans:
            who = self.who(text[start:end])
            # A name whose row has no participant_id (a rejected row) has no pseudonym: still hidden.
            one = next(iter(who)) if len(who) == 1 else None
            out += [text[last:start], f"[{pseudonyms[one]}]" if one in pseudonyms.index else AMBIGUOUS]
            last = end
        return "".join(out) + text[last:]


@lru_cache(maxsize=16)
def _cached_matcher(rows: tuple[tuple[str, str], ...], with_ids: bool) -> _Matcher:
    return _Matcher(rows, with_ids=with_ids)


def _matcher(register: pd.DataFrame | Checked, *, with_ids: bool) -> _Matcher:
    # The same register is matched several times per run; compile its pattern once.
    table = _register_table(register)
    return _cached_matcher(tuple(zip(table["participant_id"], table["name"])), with_ids)


def _pseudonyms_for(register: pd.DataFrame | Checked, salt: str,
                    extra: pd.DataFrame | None = None) -> pd.Series:
    table = _register_table(register)
    table = table.loc[table["participant_id"] != ""]
    if extra is not None:
        table = pd.concat([table[["participant_id", "role"]], extra], ignore_index=True)
    return _pseudonyms(table["participant_id"], table["role"], salt)


def pseudonymise_text(text: pd.Series, register: pd.DataFrame | Checked, salt: str | None) -> pd.Series:
    """Replace every registered name (and participant id) in free text with ``[pseudonym]``.

    For outcome descriptions, memos, titles: any text column that may mention people.
    See the module notes for how names are matched.

    Parameters
    ----------
    text
        Strings (missing values stay missing).
    register
        :func:`read_register`'s result (or its ``accepted`` table).
    salt
        From :func:`salt_for`. Without one (``None``) every name becomes
        ``[participant]``: a pseudonym hashed without a secret would be guessable.

    Returns
    -------
    pandas.Series
        A new series, same index.

    Examples
    --------
    >>> reg = pd.DataFrame({"participant_id": ["SN-P04", "SN-P08", "SN-P01"],
    ...                     "name": ["Aïssatou Diop", "Khady Mbaye", "Souleymane Mbaye"],
    ...                     "role": ["community monitor", "partner staff", "research lead"]})
    >>> text = pd.Series(["Aissatou DIOP et Mbaye sont venues", "Khady's report, made by SN-P04"])
    >>> for line in pseudonymise_text(text, reg, "s3cret"):
    ...     print(line)
    [community monitor 2d16] et [participant] sont venues
    [partner staff d0be]'s report, made by [community monitor 2d16]
    """
    matcher = _matcher(register, with_ids=True)
    names = _pseudonyms_for(register, salt) if salt is not None else pd.Series(dtype="str")
    # Replacing needs each match's owner, so it runs per cell (as str.replace with a function would).
    return pd.Series([matcher.replace(v, names) for v in text], index=text.index, dtype=text.dtype, name=text.name)


def pseudonymise_segments(segments: pd.DataFrame, register: pd.DataFrame | Checked, salt: str) -> pd.DataFrame:
    """Segments with speakers as pseudonyms and registered names in the text replaced.

    Parameters
    ----------
    segments
        As :func:`sparklearn.ingest.sessions.read_sessions` reads them (``speaker`` is the
        participant_id, ``speaker_role`` the session's role for them).
    register
        :func:`read_register`'s result (or its ``accepted`` table).
    salt
        From :func:`salt_for`.

    Returns
    -------
    pandas.DataFrame
        A new table with the same columns: ``speaker`` is the pseudonym (by the
        register's role; a speaker missing from the register is pseudonymised from
        their id and session role; a note's blank speaker stays blank), ``text`` has
        names replaced (so has ``translation``, when there). ``start``/``end`` still point
        into the session file, so they no longer slice the pseudonymised text (:mod:`sparklearn.qdpx` accounts for this).

    Examples
    --------
    >>> reg = pd.DataFrame({"participant_id": ["KE-P01", "KE-P04"], "name": ["Omondi Barasa", "Kiptoo Lekishon"],
    ...                     "role": ["research lead", "partner staff"]})
    >>> seg = pd.DataFrame({"speaker": ["KE-P04", "KE-P09"], "speaker_role": ["partner staff", "monitor"],
    ...                     "text": ["As omondi barasa said", "Omondi's point"]})
    >>> pseudonymise_segments(seg, reg, "s3cret")
                  speaker   speaker_role                          text
    0  partner staff a80f  partner staff  As [research lead 46c2] said
    1        monitor a661        monitor  [research lead 46c2]'s point
    """
    missing = [c for c in ("speaker", "speaker_role", "text") if c not in segments.columns]
    if missing:
        raise ParameterError(f"the segments table lacks column(s) {', '.join(missing)}; pass what "
                             "sparklearn.ingest.sessions.read_sessions returns")
    out = segments.copy()
    speakers = segments[["speaker", "speaker_role"]].fillna("").astype("str")
    speakers = speakers.loc[speakers["speaker"].str.strip() != ""]
    names = _pseudonyms_for(register, salt, speakers.set_axis(["participant_id", "role"], axis=1)
                            .assign(participant_id=lambda t: t["participant_id"].str.strip()))
    who = segments["speaker"].fillna("").astype("str").str.strip()
    out["speaker"] = who.map(names).fillna("").astype("str")
    out["text"] = pseudonymise_text(segments["text"], register, salt)
    if "translation" in segments.columns:  # a translation names the same people as the turn
        out["translation"] = pseudonymise_text(segments["translation"].fillna("").astype("str"), register, salt)
    return out


def find_names(table: pd.DataFrame, register: pd.DataFrame | Checked) -> pd.DataFrame:
    """Every place in a table's text columns where a registered name is written.

    The guard before anything is written: it should return no rows for a derived
    table. Names are matched as in :func:`pseudonymise_text` (whole words, accents
    ignored, full names in any case, single parts when capitalised); participant ids
    are not names and are not reported.

    Returns
    -------
    pandas.DataFrame
        column, row (the table's index label), participant_id (whose name;
        ``";"``-joined when a name part is shared), start (character position in the
        cell). The name itself is not repeated, so the table can be printed or logged.

    Examples
    --------
    >>> reg = pd.DataFrame({"participant_id": ["KE-P01"], "name": ["Omondi Barasa"], "role": ["research lead"]})
    >>> t = pd.DataFrame({"text": ["fine", "ask BARASA", "fine too"], "n": [1, 2, 3]})
    >>> find_names(t, reg).values.tolist()
    [['text', 1, 'KE-P01', 4]]
    """
    matcher = _matcher(register, with_ids=False)
    columns = ["column", "row", "participant_id", "start"]
    hits = []
    for name in table.columns:
        col = table[name]
        if not (pd.api.types.is_string_dtype(col) or pd.api.types.is_object_dtype(col)
                or isinstance(col.dtype, pd.CategoricalDtype)):
            continue
        hits.extend({"column": str(name), "row": row, "participant_id": ";".join(sorted(matcher.who(value[a:b]))),
                     "start": a}
                    for row, value in col.items() for a, b in matcher.spans(value))
    return pd.DataFrame(hits, columns=columns)
