"""(from kernels.py)
Warm kernels for the batch: every notebook still gets a kernel of its own, started in milliseconds.

A fresh Python kernel spends seconds before it runs a cell: the interpreter starts,
then the notebook imports pandas, scipy, statsmodels, matplotlib, seaborn, pandera
and sparklearn. In a batch of nine notebooks on two cores that start-up was most of
the run. Sharing one kernel between notebooks would save it but let one country's
state leak into the next, so the batch does what preloading servers (gunicorn's
``--preload``, Android's zygote) do instead:

1. :class:`KernelServer` opens a Unix socket and starts one *server* process
   (``python -m sparklearn.kernels serve FD``) that holds it, imports those libraries
   once and warms matplotlib's fonts; a kernel asked for meanwhile waits in the
   socket's queue;
2. the kernel command jupyter_client launches for a notebook becomes a tiny *relay*
   (``python -S sparklearn/kernels.py relay SOCKET -f connection.json``, standard
   library only) that asks the server for a kernel;
3. the server forks: the child is an ordinary ipykernel, started exactly as
   ``ipykernel_launcher`` would start it, with the relay's environment, working
   folder and standard streams, in a process of its own that dies with the relay.

So each notebook runs in its own fresh process, as before (a crash or a stray global
in one cannot touch another), but starts from a copy of memory in which the imports
are already done. The relay forwards signals (interrupt, terminate) to its kernel;
when jupyter_client kills the relay, the kernel notices its socket close and exits.

The server loads what the notebooks import but runs nothing of theirs; it never
imports ``matplotlib_inline`` (importing it outside a kernel would switch off its
figure hooks for every child) and runs single-threaded (BLAS threads off: the batch
runs one notebook per core already), because forking a multi-threaded process is
unsafe. Where ``os.fork`` is not available or not safe (Windows, macOS), or when the
server cannot start, the batch starts kernels the usual way.

This file is also the relay's script, so its top level imports only the standard
library.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys

#: Modules the server imports before it forks: what the notebooks import, and the
#: libraries sparklearn imports inside functions.
PRELOAD = (
    "numpy", "pandas", "scipy.stats", "scipy.sparse", "statsmodels.api", "matplotlib",
    "matplotlib.pyplot", "matplotlib.dates", "seaborn", "pandera.pandas", "pyarrow.parquet", "openpyxl",
    "networkx", "krippendorff", "PIL.Image", "yaml", "IPython", "IPython.display", "IPython.core.pylabtools",
    "ipykernel.kernelapp", "pyarrow.dataset", "pandas.io.formats.html", "pandas.io.formats.string",
    "pandas.core.reshape.reshape", "pandas.core.methods.to_dict",
    "sparklearn.codebook", "sparklearn.countries", "sparklearn.store", "sparklearn.analysis.themes",
    "sparklearn.analysis.agreement", "sparklearn.analysis.outcomes", "sparklearn.analysis.rates",
    "sparklearn.analysis.contingency", "sparklearn.analysis.cases", "sparklearn.analysis.qca",
    "sparklearn.analysis.country_themes", "sparklearn.analysis.sessions", "sparklearn.report.words",
    "sparklearn.report.figures", "sparklearn.report.tables", "sparklearn.report.display",
)


#: Set in the server before numpy loads: a forked child must not inherit BLAS worker threads.
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                   # pyarrow's allocator would otherwise start a background purging thread.
                   "JE_ARROW_MALLOC_CONF": "background_thread:false"}


_INLINE = "module://matplotlib_inline.backend_inline"


_STREAMS = (0, 1, 2)


# --------------------------------------------------------------------------- the batch's side

class KernelServer:
    """The server process that forks warm kernels, and the kernel manager class that uses it.

    Parameters
    ----------
    folder
        Where the socket and the server's log go (a private temporary folder).
    kernel_name
        The kernelspec whose command the warm kernels stand in for.
    codebook_file
        A codebook the notebooks will load: the server checks it once before forking.

    Use as a context manager; :meth:`kernel_manager_class` is None when warm kernels
    are not available (see :attr:`reason`), and the caller starts kernels as usual.
    """

    def __init__(self, folder: str | os.PathLike, kernel_name: str = "python3",
                 codebook_file: str | os.PathLike | None = None):
        self.folder = os.fspath(folder)
        self.kernel_name = kernel_name
        self.codebook_file = os.fspath(codebook_file) if codebook_file else None
        self.socket_path = os.path.join(self.folder, "kernels.sock")
        self.log_path = os.path.join(self.folder, "kernel-server.log")
        self.process = None
        self.reason: str | None = None
        self._manager_class = None

    def __enter__(self) -> KernelServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        """Start the server (it imports in the background; kernels asked for meanwhile wait)."""
        import subprocess

        from jupyter_client.kernelspec import get_kernel_spec

        if not hasattr(os, "fork") or not sys.platform.startswith("linux"):
            self.reason = "warm kernels need Linux (os.fork)"
            return
        try:
            argv = get_kernel_spec(self.kernel_name).argv
        except Exception as err:  # noqa: BLE001 - no such kernel: papermill will say so per notebook
            self.reason = f"no kernel '{self.kernel_name}': {err}"
            return
        interpreter, options = _split_launcher(argv)
        if interpreter is None:
            self.reason = f"kernel '{self.kernel_name}' is not started with ipykernel_launcher"
            return
        env = {**os.environ, **SINGLE_THREADED, "MPLBACKEND": os.environ.get("MPLBACKEND") or _INLINE}
        # Listening before the server starts: a kernel asked for at once queues instead of failing.
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            try:
                listener.bind(self.socket_path)
                listener.listen(64)
            except OSError as err:  # e.g. a temporary folder whose path is too long for a socket
                self.reason = f"cannot open the kernel server's socket {self.socket_path}: {err}"
                return
            with open(self.log_path, "ab") as log:
                # stdin is a pipe the server watches: if the batch dies, the server and its kernels go too.
                self.process = subprocess.Popen(
                    [interpreter, *options, "-m", "sparklearn.batch.kernels", "serve", str(listener.fileno()),
                     *([self.codebook_file] if self.codebook_file else [])],
                    stdin=subprocess.PIPE, stdout=log, stderr=log, env=env, start_new_session=True,
                    pass_fds=(listener.fileno(),))
        finally:
            listener.close()
        self._manager_class = _manager_class(self.socket_path, interpreter)

    def kernel_manager_class(self):
        """The ``AsyncKernelManager`` subclass that launches warm kernels, or None (see :attr:`reason`)."""
        if self.process is None:
            return None
        if self.process.poll() is not None:
            self.reason = f"the kernel server stopped: {self.log_tail() or 'no message'}"
            return None
        return self._manager_class

    def log_tail(self, lines: int = 5) -> str:
        """The end of the server's log (why it stopped, when it did)."""
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as fh:
                return " ".join(fh.read().strip().splitlines()[-lines:])
        except OSError:
            return ""

    def close(self) -> None:
        """Stop the server and any kernel of its still running."""
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                # The server's session holds its kernels: one signal ends them all.
                os.killpg(self.process.pid, signal.SIGKILL)
            except OSError:
                pass
        self.process.wait()
        if self.process.stdin:
            self.process.stdin.close()
        self.process = None


def _split_launcher(argv: list[str]) -> tuple[str | None, list[str]]:
    """(interpreter, interpreter options) of a ``python [opts] -m ipykernel_launcher ...`` command.

    Examples
    --------
    >>> _split_launcher(["/v/bin/python", "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"])
    ('/v/bin/python', ['-Xfrozen_modules=off'])
    >>> _split_launcher(["R", "--slave"])
    (None, [])
    """
    for i in range(1, len(argv) - 1):
        if argv[i] == "-m" and argv[i + 1] == "ipykernel_launcher":
            interpreter = sys.executable if argv[0] in {"python", "python3"} else argv[0]
            return interpreter, argv[1:i]
    return None, []


def _manager_class(socket_path: str, interpreter: str):
    """An ``AsyncKernelManager`` whose kernel command is the relay to the server at ``socket_path``."""
    from jupyter_client.manager import AsyncKernelManager

    class WarmKernelManager(AsyncKernelManager):
        """Starts the kernel through sparklearn's kernel server (see :mod:`sparklearn.kernels`)."""

        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            found, _ = _split_launcher(cmd)
            if found is None or os.path.abspath(found) != os.path.abspath(interpreter):
                return cmd  # another kernel than the server's: start it the usual way
            start = cmd.index("ipykernel_launcher") + 1
            return [interpreter, "-S", os.path.abspath(__file__), "relay", socket_path, *cmd[start:]]

    return WarmKernelManager


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

def serve(listener_fd: int, codebook_file: str | None = None) -> None:
    """Preload, then fork a kernel for each request on the listening socket ``listener_fd``."""
    import selectors

    listener = socket.socket(fileno=listener_fd)
    # As ipykernel_launcher does before it imports anything: the folder the server was
    # started from is not on a kernel's sys.path.
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    _preload(codebook_file)
    threads = _thread_count()
    if threads > 1:
        raise SystemExit(f"sparklearn kernel server: {threads} threads after preloading; forking is unsafe")
    # Children are reaped automatically; each child restores the default handler.
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
                    _become_kernel(conn, request, fds)
                conn.close()
                for fd in fds:
                    os.close(fd)


def _preload(codebook_file: str | None = None) -> None:
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    # First uses that load more: pandera's pandas backends, PIL's image plugins.
    import pandas as pd
    import pandera.pandas as pa
    from PIL import Image

    pa.DataFrameSchema({"a": pa.Column(int, pa.Check.ge(0))}).validate(pd.DataFrame({"a": [1]}))
    Image.preinit()
    if codebook_file:
        from sparklearn.codebook import load_codebook

        try:
            load_codebook(codebook_file)  # cached: each notebook's load_codebook finds it checked
        except Exception as err:  # noqa: BLE001 - a bad codebook is the notebooks' to report
            print(f"sparklearn kernel server: codebook not preloaded: {err}", file=sys.stderr, flush=True)
    # The first text drawn loads the font files and fills matplotlib's layout caches;
    # draw some without pyplot, which would settle the backend before a kernel exists.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(2, 1))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.bar(["a", "b"], [1, 2])
    axes.set_title("warm-up", fontweight="bold")
    figure.canvas.draw()
    if "matplotlib_inline" in sys.modules:
        raise SystemExit("sparklearn kernel server: matplotlib_inline was preloaded; each kernel must import it")


def _thread_count() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        import threading

        return threading.active_count()


def _become_kernel(conn: socket.socket, request: dict, fds: list[int]) -> None:
    """In the forked child: turn into the kernel the relay asked for; never returns."""
    import atexit
    import threading

    code = 1
    try:
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
            os._exit(1)

        threading.Thread(target=exit_with_relay, name="sparklearn-relay-watch", daemon=True).start()
        # As ipykernel_launcher: argv is the launcher's (the server took its folder off sys.path).
        import ipykernel_launcher
        from ipykernel import kernelapp

        sys.argv = [ipykernel_launcher.__file__, *request["argv"]]
        _as_if_imported_in_kernel()
        kernelapp.launch_new_instance(argv=[*request["argv"], *_parent_argument()])
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 0 if done.code is None else 1
    except BaseException:  # noqa: BLE001 - a kernel that cannot start says why on its stderr
        import traceback

        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _as_if_imported_in_kernel() -> None:
    """Undo what the preloaded modules settled at import from being outside a kernel.

    pandas picks ``display.max_columns`` when it is imported: 0 (fit the terminal) in a
    terminal, 20 in a Jupyter kernel; the server imported it in no kernel at all.
    """
    import pandas

    pandas.set_option("display.max_columns", 20)


def _parent_argument() -> list[str]:
    """``IPKernelApp.parent_handle`` as a fresh kernel would read it from ``JPY_PARENT_PID``.

    The trait's default was read from the server's environment when ipykernel was imported.
    """
    parent = os.environ.get("JPY_PARENT_PID")
    return [f"--IPKernelApp.parent_handle={int(parent)}"] if parent and parent.isdigit() else []


def main(argv: list[str]) -> int:
    """``serve FD [CODEBOOK]`` (the server) or ``relay SOCKET KERNEL-ARGS...`` (a kernel command)."""
    if len(argv) in (2, 3) and argv[0] == "serve":
        serve(int(argv[1]), *argv[2:])
        return 0
    if len(argv) >= 2 and argv[0] == "relay":
        return relay(argv[1], argv[2:])
    print("usage: python -m sparklearn.kernels serve FD [CODEBOOK] | relay SOCKET KERNEL-ARGS...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
