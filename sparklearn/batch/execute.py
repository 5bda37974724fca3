"""(from pipeline.py)
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
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from sparklearn.batch.kernels import KernelServer
from sparklearn.batch.plan import Job, read_notebook

KERNEL = "python3"


# --------------------------------------------------------------------------- execution

_TRANSIENT = ("kernel died before replying", "address already in use", "kernel didn't respond",
              "timeout waiting for kernel", "timed out")


def _is_transient(err: BaseException) -> bool:
    """Kernel start-up failures worth one more try (port clash, slow start)."""
    from nbclient.exceptions import DeadKernelError

    if isinstance(err, (DeadKernelError, TimeoutError)):
        return True
    text = str(err).lower()
    return isinstance(err, (RuntimeError, OSError)) and any(t in text for t in _TRANSIENT)


def _any_cell_ran(nb) -> bool:
    return any(c.cell_type == "code" and c.get("execution_count") for c in nb.cells)


def failure_of(nb) -> dict[str, Any] | None:
    """Where an executed notebook failed: the first cell with an error output.

    Returns
    -------
    dict or None
        ``error_cell`` (index in the executed notebook), ``error_section`` (the last
        heading above it), ``error_name`` and ``error_value``; None if no cell failed.
    """
    section = ""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            headings = re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", cell.source, flags=re.M)
            section = headings[-1] if headings else section
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return {"error_cell": index, "error_section": section,
                        "error_name": out.get("ename", ""), "error_value": out.get("evalue", "")}
    return None


def _execute(job: Job, workdir: Path, kernels: KernelServer | None = None,
             stop: threading.Event | None = None) -> tuple[Any, dict[str, Any] | None]:
    """Run one notebook; return the executed notebook and its failure (or None).

    The kernel comes warm from ``kernels`` when it can (see :mod:`sparklearn.kernels`);
    a warm kernel that fails to start is retried once as an ordinary one, and an
    ordinary one that fails for a transient reason (port clash, slow start) once more,
    unless ``stop`` is set (the batch was interrupted and took its kernels down).
    The executed notebook is saved by papermill into ``workdir`` so that a failure
    still leaves the partial notebook to render.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    nb = read_notebook(job.source)
    scratch = workdir / f"{job.name.replace('/', '__')}.ipynb"
    manager = kernels.kernel_manager_class() if kernels is not None else None
    for attempt in (1, 2):
        scratch.unlink(missing_ok=True)
        warm = {"kernel_manager_class": manager} if manager is not None else {}
        try:
            executed = papermill.execute_notebook(
                nb, str(scratch), parameters=job.parameters, kernel_name=KERNEL,
                progress_bar=False, start_timeout=60,
                # Saving the whole notebook (figures included) after every cell costs ~0.5 s a
                # notebook; papermill still saves it at the start, on an error and at the end.
                request_save_on_cell_execute=False,
                # The kernel's own log (plain-TCP notice, "KeyboardInterrupt caught") would
                # scramble the progress lines; its errors reach us as cell errors anyway.
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
                **warm,
            )
            return executed, None
        except PapermillExecutionError:
            executed = nbformat.read(scratch, as_version=4)
            return executed, failure_of(executed)
        except Exception as err:  # noqa: BLE001 - a broken kernel must not stop the batch
            partial = nbformat.read(scratch, as_version=4) if scratch.exists() else nb
            retry = manager is not None or _is_transient(err)
            if attempt == 1 and retry and not _any_cell_ran(partial) and not (stop and stop.is_set()):
                manager = None
                continue
            return partial, {"error_cell": None, "error_section": "kernel",
                             "error_name": type(err).__name__, "error_value": str(err)}
    raise AssertionError("unreachable")
