"""A lead's view: a Jupyter server serves notebooks/country.py as a notebook (jupytext's
contents manager at work) and a kernel the server started runs it, cell by cell, for one country;
JupyterLab, started as the README says, saves an unchanged notebook back byte for byte."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url: str, token: str, method: str = "GET", body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        text = resp.read().decode()
        return resp.status, json.loads(text) if text else {}


_RUNTIME: dict[str, Path] = {}


def runtime_dir(base: str) -> Path:
    """The runtime folder of the server at ``base``: it holds each kernel's connection file."""
    return _RUNTIME[base]


@pytest.fixture(scope="module")
def jupyter_server(tmp_path_factory):
    port, token = _free_port(), secrets.token_hex(16)
    runtime = tmp_path_factory.mktemp("jupyter-runtime")
    log = (runtime / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}",
         "--ServerApp.contents_manager_class=jupytext.TextFileContentsManager",
         # CI machines run as root; Jupyter refuses that unless told.
         *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime)},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _request(f"{base}/api/status", token)
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"jupyter server did not start:\n{(runtime / 'server.log').read_text()}")
                time.sleep(0.2)
        _RUNTIME[base] = runtime
        yield base, token
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.mark.slow
def test_server_opens_country_py_as_a_notebook_and_a_kernel_runs_it(jupyter_server, demo_batch):
    base, token = jupyter_server
    status, model = _request(f"{base}/api/contents/notebooks/country.py?type=notebook&content=1", token)
    assert status == 200 and model["type"] == "notebook"
    nb = nbformat.from_dict(model["content"])
    assert len(nb.cells) > 10
    assert [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert nb.metadata["kernelspec"]["name"] == "python3"
    # The header names the kernel as the installed kernelspec does: JupyterLab writes that name back.
    _, specs = _request(f"{base}/api/kernelspecs", token)
    assert nb.metadata["kernelspec"]["display_name"] == specs["kernelspecs"]["python3"]["spec"]["display_name"]

    # A kernel the server starts (as JupyterLab does when the lead opens the notebook) runs it,
    # cell by cell, for one country: through the kernel's own connection file in the server's runtime.
    from jupyter_client import BlockingKernelClient

    status, kernel = _request(f"{base}/api/kernels", token, "POST", {"name": "python3"})
    assert status == 201 and kernel["name"] == "python3"
    paths = demo_batch.paths
    # As papermill does: the new values go in a cell right after the tagged parameters cell.
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(
        f'country = "senegal"\ndata_dir = {str(paths.raw)!r}\nprocessed_dir = {str(paths.processed)!r}'))
    connection = runtime_dir(base) / f"kernel-{kernel['id']}.json"
    client = BlockingKernelClient(connection_file=str(connection))
    client.load_connection_file()
    client.start_channels()
    outputs: list[dict] = []
    try:
        client.wait_for_ready(timeout=60)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            reply = client.execute_interactive(
                cell.source, timeout=120,
                output_hook=lambda msg: outputs.append(msg) if msg["msg_type"] in (
                    "display_data", "execute_result", "error", "stream") else None)
            assert reply["content"]["status"] == "ok", (cell.source[:200], reply["content"].get("evalue"))
    finally:
        client.stop_channels()
        _request(f"{base}/api/kernels/{kernel['id']}", token, "DELETE")
    shown = json.dumps([m["content"] for m in outputs])
    assert not [m for m in outputs if m["msg_type"] == "error"]
    # Senegal's campaigns are listed, by the names readers know them by.
    assert "Sanitation in informal settlements" in shown and "health cover for people with disabilities" in shown
    assert sum("image/png" in m["content"].get("data", {}) for m in outputs) >= 8  # its figures were drawn


def _wait_until_up(base: str, token: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            _request(f"{base}/api/status", token)
            return
        except (urllib.error.URLError, ConnectionError):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{log.read_text()}")
            time.sleep(0.2)


@pytest.fixture(scope="module")
def lab_in_notebooks(tmp_path_factory):
    """``jupyter lab notebooks/`` run from a project folder, as the README says: a copy of the
    repository's notebooks (the folder JupyterLab then serves), so that saving cannot touch them."""
    project = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "notebooks", project / "notebooks")
    port, token = _free_port(), secrets.token_hex(16)
    log_path = project / "lab.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "notebooks/", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
             f"--IdentityProvider.token={token}",
             *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])],
            cwd=project, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "JUPYTER_RUNTIME_DIR": str(project / "runtime")},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base, token, proc, log_path)
            yield base, token, project / "notebooks"
        finally:
            proc.terminate()
            proc.wait(timeout=20)


@pytest.mark.slow
@pytest.mark.parametrize("notebook", ["country.py", "comparison.py", "countries/kenya.py"])
def test_saving_a_notebook_from_jupyterlab_leaves_it_byte_for_byte_as_it_was(lab_in_notebooks, notebook):
    base, token, folder = lab_in_notebooks
    before = (folder / notebook).read_bytes()
    _, model = _request(f"{base}/api/contents/{notebook}?type=notebook&content=1", token)
    nb = model["content"]
    # What JupyterLab adds once the notebook's kernel has started: the kernel's own spec and
    # language, and its per-cell state; the jupytext settings must keep all of it out of the file.
    _, specs = _request(f"{base}/api/kernelspecs", token)
    spec = specs["kernelspecs"]["python3"]["spec"]
    nb["metadata"]["kernelspec"] = {"display_name": spec["display_name"], "language": spec["language"], "name": "python3"}
    nb["metadata"]["language_info"] = {"name": "python", "mimetype": "text/x-python", "file_extension": ".py",
                                       "version": sys.version.split()[0]}
    for cell in nb["cells"]:
        cell["metadata"].update({"trusted": True, "editable": True})
    status, saved = _request(f"{base}/api/contents/{notebook}", token, "PUT",
                             {"type": "notebook", "format": "json", "content": nb})
    assert status == 200 and saved["path"] == notebook
    after = (folder / notebook).read_bytes()
    assert after == before, after.decode()[:600]
