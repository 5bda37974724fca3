"""(from validation.py)
One way of telling users what is wrong with their input.

Every loader reports row-level problems as records with the same columns,
:data:`PROBLEM_COLUMNS`: the file, the row as the user's spreadsheet numbers it,
the column, the offending value, the rule broken, how to fix it, and a severity.
Errors reject the row (it is kept in a rejected table, never dropped); warnings
keep it. Rows read = rows accepted + rows rejected, always.

Schemas are pandera ``DataFrameSchema`` objects; each column may carry
``metadata={"fix": "..."}`` so the report can say how to fix what pandera found.

(from coding.py)
Codings of reflection-session segments: coding sheets in, themes out.

Two halves:

**Coding sheets.** :func:`read_codings` reads the sheets coders fill in (CSV or
Excel; ``session_id, segment_id, code, coder, memo``) and checks every row against
the codebook and the segments table; :func:`coding_templates` writes a blank Excel
sheet per session, one row per speaker turn with its pseudonymised text and a
dropdown of codebook codes, which :func:`read_codings` reads back.

**Themes.** Tidy tables for the questions researchers ask of coded material:
how often each theme comes up (:func:`code_frequencies`), which themes go together
(:func:`cooccurrence`), a framework matrix of cases by themes with representative
quotes (:func:`framework_matrix`, :func:`framework_matrix_to_excel`), what people
said about a theme (:func:`quotes`) and how themes move across rounds
(:func:`themes_over_rounds`).

Counting rules, the same in every function:

- A *coded segment* is a (segment, code) pair that at least one coder applied:
  two coders giving a segment the same code count once, except when ``coder`` is one
  of the grouping columns.
- With ``level="parent"`` or ``level="group"`` codes are first rolled up to their
  parent or their top-level group (via the codebook), then de-duplicated per segment,
  so a segment coded with both ``PW-FORM-HIDDEN`` and ``PW-FORM-VISIBLE`` counts once
  for ``PW-FORM``.
- Coverage is coded segments divided by all segments in the group (coded or not),
  so it needs the segments table; without it coverage is missing, never guessed.

Counting works on integer codes (``pandas.factorize``, ``numpy.bincount``,
``scipy.sparse``) rather than on strings, so a million codings take well under
a second (``benchmarks/bench_themes.py``).

(from pipeline.py)
The batch: prepare every country, run the notebooks with papermill, render HTML reports.

``run_batch`` is what ``sparklearn run`` calls. In order, it

1. plans the notebooks: ``notebooks/country.py`` once per country, the optional
   notebooks a lead put in ``notebooks/countries/<slug>[-topic].py``, and
   ``notebooks/comparison.py`` over all of them;
2. checks every parameter against the notebook's ``parameters`` cell *before* any
   kernel starts (papermill itself only warns about an unknown parameter);
3. prepares each country's processed tables (skipped when its inputs did not change)
   and hands its notebooks to a pool of workers as soon as they are ready;
4. runs each notebook with papermill (read with jupytext: papermill cannot read a
   ``.py`` notebook), keeps the executed ``.ipynb`` and renders its HTML report with
   nbconvert in this process, through sparklearn's own template (no code, no scripts,
   nothing from the network, figures embedded, a table of contents, a provenance
   footer);
5. writes ``reports/index.html``.

A notebook's cache key is the SHA-256 of its source, its parameters, the hashes of
its input files, the sparklearn version and a fingerprint of the library's own files
(so that a fix in a module re-runs the reports it changes even before the version is
bumped). Keys live in ``reports/.cache.json`` beside the outputs they describe; a
failed notebook is never cached, so it runs again until it succeeds.

Workers are threads, not processes: the work happens in the kernels (separate
processes), and a thread only relays messages and renders; threads spare each
worker the second or so of importing papermill and nbconvert again.

Kernels come warm: each notebook still gets a kernel process of its own, but forked
from a server that imported pandas, matplotlib, statsmodels and sparklearn once
(:mod:`sparklearn.kernels`); on the demo batch that halves the kernels' start-up and
a third of the whole run. ``run_batch(warm_kernels=False)`` (``sparklearn run
--fresh-kernels``) starts every kernel from scratch, and the batch falls back to that
by itself where the server cannot run. Report figures are drawn once and cropped
(:func:`figure_png`), not laid out twice and PNG-encoded twice by ``savefig``.

Every output is written to a temporary file in its folder and moved into place with
``os.replace``, so an interrupted run leaves the previous reports whole.

Notebook-side helpers (``notebook_paths``, ``country_tables``, ``report_setup``) live
here too because they are report plumbing; this module imports papermill, nbconvert
and jupytext only inside the functions that need them, so that a kernel importing
it stays quick to start.

(from prepare.py)
Prepare one country's processed tables from its raw files.

The first step of the one-way pipeline (``data/raw`` -> ``data/processed/<country>``):
read the participants register, the reflection sessions, the coding sheets and the
outcome harvest; check them; pseudonymise the speakers; write tidy Parquet tables,
the rejected rows, every problem found, and a manifest with the hashes of the inputs.
Raw files are only ever read.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

import pandas as pd

#: What makes Excel or LibreOffice read a cell as a formula (OWASP's CSV-injection list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def protect_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy where text cells starting with ``= + - @`` (or tab, CR) get a leading apostrophe.

    Use on anything exported to Excel or CSV, so a cell such as ``=HYPERLINK(...)``
    is shown as text instead of being run as a formula. Numbers and dates are left
    alone.

    Examples
    --------
    >>> protect_formulas(pd.DataFrame({"t": ["=1+1", "ok", "@SUM(A1)", None], "n": [-1, 2, 3, 4]}))
            t  n
    0   '=1+1 -1
    1      ok  2
    2  '@SUM(A1)  3
    3    <NA>  4
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        text = values.astype("string")
        risky = text.str.startswith(FORMULA_START).fillna(False)
        if risky.any():
            out[column] = text.where(~risky, "'" + text)
    return out


#: A cell starting with one of these is a formula (or can become one) in Excel or
#: LibreOffice; OWASP's "CSV injection" advice is to prefix such text with ``'``.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# --------------------------------------------------------------------------- Excel helpers


def excel_safe(value: object) -> object:
    """Text that Excel will not run as a formula: a leading ``= + - @`` (or tab, CR) gets a ``'``.

    Numbers and missing values pass through unchanged.

    Examples
    --------
    >>> excel_safe("=HYPERLINK(\\"http://x\\")"), excel_safe("- a bullet"), excel_safe("fine"), excel_safe(3)
    ('\\'=HYPERLINK("http://x")', "'- a bullet", 'fine', 3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# --------------------------------------------------------------------------- hashing

def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- atomic files

def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    # os.open with 0o666 honours the umask (mkstemp would leave reports readable by us only).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
