"""The batch's execute step: one notebook, run by papermill in a kernel process of its own.

Each notebook gets a new kernel process (the ``python3`` kernelspec ``make setup``
installs), started from scratch, so that nothing one country's notebook leaves behind
can reach another's. papermill saves the executed notebook when a cell fails, so a
notebook that fails still leaves the cells that ran, which :func:`failure_of` reads
to say where and why it failed. A kernel that fails to start for a passing reason (a
port taken by another kernel starting at the same moment, a slow start on a busy
machine) is started once more.

Kernels run in process sessions of their own (jupyter_client starts them so), so
the Ctrl-C a user types reaches only the batch: :class:`Kernels` keeps track of the
kernels a batch has running, through the public ``kernel_manager_class`` papermill
accepts, so that an interrupted batch takes them down at once instead of waiting for
each notebook to end.
"""

from __future__ import annotations

import asyncio
import re
import signal
import threading
from functools import cached_property
from pathlib import Path
from typing import Any

from sparklearn.batch.plan import Job, read_notebook

#: The kernelspec every notebook runs in (``make setup`` installs it into the environment).
KERNEL = "python3"

_TRANSIENT = ("kernel died before replying", "address already in use", "kernel didn't respond",
              "timeout waiting for kernel", "timed out")


class Kernels:
    """The kernels of one batch: the kernel manager class that records them, and :meth:`stop`.

    Examples
    --------
    >>> kernels = Kernels()
    >>> kernels.manager_class.__name__, kernels.stopped.is_set()
    ('BatchKernelManager', False)
    """

    def __init__(self) -> None:
        self.stopped = threading.Event()
        self._running: set = set()
        self._lock = threading.Lock()

    @cached_property
    def manager_class(self) -> type:
        """The ``AsyncKernelManager`` subclass to hand papermill (``kernel_manager_class``): fresh kernels."""
        from jupyter_client.manager import AsyncKernelManager

        kernels = self

        class BatchKernelManager(AsyncKernelManager):
            """An ``AsyncKernelManager`` whose kernels the batch can stop (see :class:`Kernels`)."""

            async def start_kernel(self, **kw: Any) -> None:
                await super().start_kernel(**kw)
                kernels._started(self)

            async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
                try:
                    await super().shutdown_kernel(now=now, restart=restart)
                finally:
                    with kernels._lock:
                        kernels._running.discard(self)

        return BatchKernelManager

    def _started(self, manager) -> None:
        with self._lock:
            self._running.add(manager)
            late = self.stopped.is_set()  # started while the batch was being stopped
        if late:
            _kill(manager)

    def stop(self) -> None:
        """Kill every kernel running now, and any that finishes starting later."""
        self.stopped.set()
        with self._lock:
            running = list(self._running)
        for manager in running:
            _kill(manager)


def _kill(manager) -> None:
    # The provisioner signals the kernel's whole process group (the kernel and what it started).
    try:
        asyncio.run(manager.provisioner.send_signal(signal.SIGKILL))
    except (AttributeError, OSError, RuntimeError):
        pass  # already gone


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
            headings = re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", cell.source, flags=re.MULTILINE)
            section = headings[-1] if headings else section
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return {"error_cell": index, "error_section": section,
                        "error_name": out.get("ename", ""), "error_value": out.get("evalue", "")}
    return None


def _saved(scratch: Path, fallback):
    """The notebook papermill saved at ``scratch``, or ``fallback`` when it is missing or cut short."""
    import nbformat

    try:
        return nbformat.read(scratch, as_version=4)
    except (OSError, ValueError):  # nbformat's NotJSONError is a ValueError
        return fallback


def execute(job: Job, workdir: Path, kernels: Kernels | None = None) -> tuple[Any, dict[str, Any] | None]:
    """Run one notebook; return the executed notebook and its failure (None when it ran through).

    The executed notebook's cells are numbered in order (:func:`number_cells`), so that
    the same notebook run on the same data gives the same report.
    """
    executed, failure = _execute(job, workdir, kernels)
    return number_cells(executed), failure


def number_cells(nb):
    """Give each cell of ``nb`` its position as its id (``cell-0``, ``cell-1``...); return ``nb``.

    jupytext and papermill give new cells random ids, which reports show as anchors:
    two runs of one notebook on the same data would differ in every cell for no reason.

    Examples
    --------
    >>> from nbformat.v4 import new_code_cell, new_notebook
    >>> [cell.id for cell in number_cells(new_notebook(cells=[new_code_cell("1"), new_code_cell("2")])).cells]
    ['cell-0', 'cell-1']
    """
    for position, cell in enumerate(nb.cells):
        cell.id = f"cell-{position}"
    return nb


def _execute(job: Job, workdir: Path, kernels: Kernels | None) -> tuple[Any, dict[str, Any] | None]:
    """:func:`execute` before the cells are numbered.

    The executed notebook is saved by papermill into ``workdir`` so that a failure
    still leaves the partial notebook to render. A kernel that fails to start for a
    transient reason is started once more, unless the batch is being stopped
    (``kernels.stopped``). A kernel that cannot start at all is a failure in the
    section ``kernel``.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    nb = read_notebook(job.source)
    scratch = workdir / f"{job.name.replace('/', '__')}.ipynb"
    manager = kernels.manager_class if kernels is not None else None
    for attempt in (1, 2):
        scratch.unlink(missing_ok=True)
        tracked = {"kernel_manager_class": manager} if manager is not None else {}
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
                **tracked,
            )
            return executed, None
        except PapermillExecutionError as err:
            executed = _saved(scratch, None)
            if executed is None:  # a cell failed, and the notebook showing where could not be saved
                return nb, {"error_cell": None, "error_section": "kernel", "error_name": type(err).__name__,
                            "error_value": f"{err}; the executed notebook could not be saved in {scratch.parent}"}
            return executed, failure_of(executed)
        except Exception as err:  # noqa: BLE001 - a broken kernel must not stop the batch
            # The partial notebook, unless saving it is what failed (a full disk leaves it cut short):
            # then the error to report is the saving's (e.g. "No space left on device"), not the reading's.
            partial = _saved(scratch, nb)
            stopping = kernels is not None and kernels.stopped.is_set()
            if attempt == 1 and _is_transient(err) and not _any_cell_ran(partial) and not stopping:
                continue
            return partial, {"error_cell": None, "error_section": "kernel",
                             "error_name": type(err).__name__, "error_value": str(err)}
    raise AssertionError("unreachable")
