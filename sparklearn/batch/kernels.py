"""Warm kernels for the batch, through jupyter_client's kernel-provisioner interface.

A fresh kernel spends two seconds or more before it runs a notebook's first cell:
the interpreter starts, then the notebook imports pandas, scipy, statsmodels and
sparklearn. In a batch of nine notebooks on two cores that
start-up is about a third of the run (measured in ``benchmarks/bench_batch.py``).
Sharing one kernel between notebooks would save it but let one country's state leak
into the next, so the batch forks each notebook's kernel from a server that did the
imports once (:mod:`sparklearn.batch.kernel_server`), as preloading servers such as
gunicorn's ``--preload`` do.

The batch's side of it, all through jupyter_client's public interfaces:

- :class:`KernelServer` starts and stops the server for one batch;
- :class:`WarmProvisioner`, a :class:`~jupyter_client.provisioning.LocalProvisioner`
  registered under the entry point group ``jupyter_client.kernel_provisioners`` as
  ``sparklearn-warm`` (see ``pyproject.toml``), launches the server's relay in place of
  ``python -m ipykernel_launcher``, in its documented ``pre_launch`` step; everything
  else (connection files, ports, signals, shutdown) is the local provisioner's;
- :class:`WarmKernelSpecs` hands the batch's kernel managers the installed kernelspec
  with a ``kernel_provisioner`` stanza naming it, which is how a kernelspec chooses its
  provisioner.

Where warm kernels cannot run (no ``os.fork``: Windows; macOS, where forking after
imports is unsafe; the server cannot start; sparklearn installed without its entry
points), the batch starts kernels the usual way and says why (:attr:`KernelServer.reason`).
``sparklearn run --fresh-kernels`` does so on purpose.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, Self

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Unicode

from sparklearn.batch import kernel_server

#: The provisioner's name in the ``jupyter_client.kernel_provisioners`` entry point group.
PROVISIONER = "sparklearn-warm"

_RELAY = str(Path(kernel_server.__file__).resolve())


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


class WarmProvisioner(LocalProvisioner):
    """Launches a kernel through the warm-kernel server's relay (see :mod:`sparklearn.batch.kernel_server`).

    Configured from the kernelspec's ``kernel_provisioner`` stanza (:class:`WarmKernelSpecs`).
    A kernel command that is not ``<the server's interpreter> -m ipykernel_launcher`` is
    launched unchanged.
    """

    socket_path = Unicode("", config=True, help="The kernel server's Unix socket.")
    interpreter = Unicode("", config=True, help="The Python the server runs (and forks kernels of).")

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        kwargs = await super().pre_launch(**kwargs)
        cmd = kwargs["cmd"]
        found, _ = _split_launcher(cmd)
        if self.socket_path and found and os.path.abspath(found) == os.path.abspath(self.interpreter):
            start = cmd.index("ipykernel_launcher") + 1
            kwargs["cmd"] = [self.interpreter, "-S", _RELAY, "relay", self.socket_path, *cmd[start:]]
        return kwargs


class WarmKernelSpecs(KernelSpecManager):
    """The installed kernelspecs, each with a ``kernel_provisioner`` stanza naming :class:`WarmProvisioner`."""

    socket_path = Unicode("")
    interpreter = Unicode("")

    def get_kernel_spec(self, kernel_name: str):
        spec = super().get_kernel_spec(kernel_name)
        spec.metadata = {**spec.metadata, "kernel_provisioner": {
            "provisioner_name": PROVISIONER,
            "config": {"socket_path": self.socket_path, "interpreter": self.interpreter}}}
        return spec


class KernelServer:
    """The server process that forks warm kernels for one batch.

    Parameters
    ----------
    folder
        Where the socket and the server's log go (a private temporary folder).
    kernel_name
        The kernelspec whose kernels the warm ones stand in for.

    Use as a context manager. :meth:`kernel_specs` is None when warm kernels are not
    available (see :attr:`reason`): the caller then starts kernels as usual.
    """

    def __init__(self, folder: str | os.PathLike, kernel_name: str = "python3"):
        self.folder = os.fspath(folder)
        self.kernel_name = kernel_name
        self.socket_path = os.path.join(self.folder, "kernels.sock")
        self.log_path = os.path.join(self.folder, "kernel-server.log")
        self.process: subprocess.Popen | None = None
        self.interpreter: str | None = None
        self._options: list[str] = []
        self.reason: str | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the server (it imports in the background; kernels asked for meanwhile wait)."""
        import socket

        self.reason = self._unavailable()
        if self.reason:
            return
        env = {**os.environ, **kernel_server.SINGLE_THREADED}
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
                    [self.interpreter, *self._options, "-m", "sparklearn.batch.kernel_server", "serve",
                     str(listener.fileno())],
                    stdin=subprocess.PIPE, stdout=log, stderr=log, env=env, start_new_session=True,
                    pass_fds=(listener.fileno(),))
        finally:
            listener.close()

    def _unavailable(self) -> str | None:
        """Why warm kernels cannot run here, or None; sets the interpreter the server will run."""
        from jupyter_client.kernelspec import get_kernel_spec
        from jupyter_client.provisioning import KernelProvisionerFactory

        if not hasattr(os, "fork") or not sys.platform.startswith("linux"):
            return "warm kernels need Linux (os.fork)"
        try:
            spec = get_kernel_spec(self.kernel_name)
        except Exception as err:  # noqa: BLE001 - no such kernel: papermill will say so per notebook
            return f"no kernel '{self.kernel_name}': {err}"
        self.interpreter, self._options = _split_launcher(spec.argv)
        if self.interpreter is None:
            return f"kernel '{self.kernel_name}' is not started with ipykernel_launcher"
        spec.metadata = {**spec.metadata, "kernel_provisioner": {"provisioner_name": PROVISIONER}}
        if not KernelProvisionerFactory.instance().is_provisioner_available(spec):
            return (f"jupyter_client does not know the '{PROVISIONER}' kernel provisioner: reinstall sparklearn "
                    "(make setup) to register its entry points")
        return None

    def kernel_specs(self) -> WarmKernelSpecs | None:
        """Kernelspecs that start kernels from this server, or None (see :attr:`reason`)."""
        if self.process is None:
            return None
        if self.process.poll() is not None:
            self.reason = f"the kernel server stopped: {self.log_tail() or 'no message'}"
            return None
        return WarmKernelSpecs(socket_path=self.socket_path, interpreter=self.interpreter)

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
