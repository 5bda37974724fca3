"""The warm-kernel server and its relay: the processes behind :mod:`sparklearn.batch.kernels`.

Two commands, both run by the batch, never by a notebook:

- ``python -m sparklearn.batch.kernel_server serve FD``: the *server*. It
  imports the libraries every notebook imports (:data:`PRELOAD`), then waits on the listening socket ``FD``; for each request it forks, and the
  child becomes an ordinary ipykernel, started as ``ipykernel_launcher`` starts one,
  with the requester's environment, working folder and standard streams.
- ``python -S kernel_server.py relay SOCKET KERNEL-ARGS...``: the *relay*, the command
  the batch's kernel provisioner launches in place of ``python -m ipykernel_launcher``.
  It asks the server for a kernel, forwards signals (interrupt, terminate) to it, and
  lives as long as the kernel does; the kernel exits when its relay is gone.

So each notebook still runs in a fresh process of its own, but one that starts from a
copy of memory in which the imports are done. What is preloaded is chosen so that a
forked kernel is the kernel a fresh start would give:

- only libraries whose import does not depend on being inside a kernel: not IPython,
  ipykernel or matplotlib, which read the kernel's environment when imported
  (``JPY_PARENT_PID``, ``MPLBACKEND``); each kernel imports those itself, after the fork.
  (pandas picks ``display.max_columns`` when imported: the notebooks set it in
  :func:`sparklearn.report.display.report_setup`, so no report depends on where
  pandas was imported.)
- the server runs single-threaded (BLAS threads off: the batch runs one notebook per
  core already), because forking a multi-threaded process is unsafe; it refuses to
  fork if a preloaded library started a thread.

A forked kernel ends as a fresh one does: the interpreter exits normally and runs its
exit handlers. This file is also the relay's script, run without ``site``: its top
level imports only the standard library.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import sys

#: Modules the server imports before it forks: what the notebooks import, short of
#: anything that reads the kernel's environment at import (IPython, ipykernel, matplotlib).
PRELOAD = (
    "numpy", "pandas", "scipy.stats", "scipy.sparse", "scipy.optimize", "statsmodels.genmod.generalized_linear_model",
    "statsmodels.discrete.discrete_model", "statsmodels.stats.proportion", "statsmodels.stats.inter_rater",
    "statsmodels.stats.contingency_tables", "statsmodels.stats.rates", "pyarrow.parquet",
    "pyarrow.dataset", "networkx", "krippendorff", "PIL.Image", "PIL.PngImagePlugin", "yaml", "jinja2",
    "pandas.io.formats.html", "pandas.io.formats.style",
    "sparklearn.codebook", "sparklearn.countries", "sparklearn.store", "sparklearn.analysis.themes",
    "sparklearn.analysis.quotes", "sparklearn.analysis.agreement", "sparklearn.analysis.outcomes",
    "sparklearn.analysis.rates", "sparklearn.analysis.contingency", "sparklearn.analysis.cases",
    "sparklearn.analysis.qca", "sparklearn.analysis.sessions",
)

#: Modules a kernel must import itself: they read the kernel's environment when imported.
KERNEL_ONLY = ("IPython", "ipykernel", "matplotlib", "matplotlib_inline")

#: Set in the server before numpy loads: a forked child must not inherit BLAS worker threads.
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                   # pyarrow's allocator would otherwise start a background purging thread.
                   "JE_ARROW_MALLOC_CONF": "background_thread:false"}

_STREAMS = (0, 1, 2)


# --------------------------------------------------------------------------- the relay

def relay(socket_path: str, kernel_args: list[str]) -> int:
    """Ask the server for a kernel, hand it this process's streams, forward signals until it ends."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(socket_path)
        request = json.dumps({"argv": kernel_args, "env": dict(os.environ), "cwd": os.getcwd()}).encode()
        socket.send_fds(conn, [request + b"\n"], list(_STREAMS))
        reply = _read_line(conn)
    except OSError as err:
        print(f"sparklearn kernel relay: no kernel from {socket_path}: {err}", file=sys.stderr)
        return 1
    if not reply:
        print(f"sparklearn kernel relay: the kernel server at {socket_path} closed without a kernel",
              file=sys.stderr)
        return 1
    kernel = int(reply)

    def forward(signum, _frame):
        try:
            os.kill(kernel, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(signum, forward)
    # The kernel holds the other end: it closes when the kernel exits, however it exits.
    _wait_until_closed(conn)
    return 0


def _read_line(conn: socket.socket, data: bytes = b"") -> bytes:
    """``data`` plus what ``conn`` sends up to a newline (or until it closes), stripped."""
    while not data.endswith(b"\n"):
        chunk = conn.recv(1 << 20)
        if not chunk:
            break
        data += chunk
    return data.strip()


def _wait_until_closed(conn: socket.socket) -> None:
    """Block until the other end of ``conn`` is closed (nothing is sent on it after the request)."""
    try:
        while conn.recv(64):
            pass
    except OSError:
        pass


# --------------------------------------------------------------------------- the server

def serve(listener_fd: int) -> None:
    """Preload, then fork a kernel for each request on the listening socket ``listener_fd``.

    Returns only in a forked child, once its kernel has ended (see :func:`_become_kernel`).
    """
    import selectors

    listener = socket.socket(fileno=listener_fd)
    # As ipykernel_launcher does before it imports anything: the folder the server was
    # started from is not on a kernel's sys.path.
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    # As Python's gc documentation advises a process that forks without exec: no collections
    # while preloading, then every preloaded object set aside, so that a kernel's collections
    # never walk (and copy, page by page) the server's memory. Each child enables gc again.
    gc.disable()
    _preload()
    gc.freeze()
    threads = _thread_count()
    if threads > 1:
        raise SystemExit(f"sparklearn kernel server: {threads} threads after preloading; forking is unsafe")
    # Children are reaped automatically; each child restores the default handlers.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with selectors.DefaultSelector() as selector:
        selector.register(listener, selectors.EVENT_READ)
        selector.register(sys.stdin, selectors.EVENT_READ)
        while True:
            for key, _ in selector.select():
                if key.fileobj is sys.stdin:
                    if not os.read(sys.stdin.fileno(), 1024):
                        os.killpg(0, signal.SIGKILL)  # the batch is gone: so are its kernels
                    continue
                conn, _ = listener.accept()
                try:
                    message, fds, _, _ = socket.recv_fds(conn, 1 << 20, len(_STREAMS))
                    request = json.loads(_read_line(conn, message))
                except (OSError, ValueError) as err:
                    print(f"sparklearn kernel server: bad request: {err}", file=sys.stderr, flush=True)
                    conn.close()
                    continue
                if os.fork() == 0:
                    selector.close()
                    listener.close()
                    _become_kernel(conn, request, fds)  # ends this child with SystemExit
                conn.close()
                for fd in fds:
                    os.close(fd)


def _preload() -> None:
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    # First uses that load more: PIL's image plugins.
    from PIL import Image

    Image.preinit()
    early = [name for name in KERNEL_ONLY if name in sys.modules]
    if early:
        raise SystemExit(f"sparklearn kernel server: {', '.join(early)} imported before forking; "
                         "each kernel must import it with its own environment")


def _thread_count() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        import threading

        return threading.active_count()


def _become_kernel(conn: socket.socket, request: dict, fds: list[int]) -> None:
    """In the forked child: turn into the kernel the relay asked for, then exit as a kernel does.

    Never returns: it raises ``SystemExit``, which unwinds the server's loop so that the
    interpreter ends normally (exit handlers, flushed streams), as a fresh kernel's does.
    """
    import threading

    gc.enable()
    for signum in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    for fd, stream in zip(fds, _STREAMS):
        os.dup2(fd, stream)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    conn.sendall(f"{os.getpid()}\n".encode())

    def exit_with_relay() -> None:
        _wait_until_closed(conn)
        os._exit(1)  # the relay is gone: so is this kernel, whatever it is doing

    threading.Thread(target=exit_with_relay, name="sparklearn-relay-watch", daemon=True).start()
    try:
        # Imported here, with the relay's environment, as a fresh kernel imports them.
        import ipykernel_launcher
        from ipykernel import kernelapp

        sys.argv = [ipykernel_launcher.__file__, *request["argv"]]
        kernelapp.launch_new_instance(argv=request["argv"])
    except SystemExit:
        raise
    except BaseException:  # noqa: BLE001 - a kernel that cannot start says why on its stderr
        import traceback

        traceback.print_exc()
        raise SystemExit(1) from None
    raise SystemExit(0)


def main(argv: list[str]) -> int:
    """``serve FD [CODEBOOK]`` (the server) or ``relay SOCKET KERNEL-ARGS...`` (a kernel command)."""
    if len(argv) == 2 and argv[0] == "serve":
        serve(int(argv[1]))
        return 0
    if len(argv) >= 2 and argv[0] == "relay":
        return relay(argv[1], argv[2:])
    print("usage: python -m sparklearn.batch.kernel_server serve FD [CODEBOOK] | relay SOCKET KERNEL-ARGS...",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
