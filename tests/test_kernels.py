"""The batch's warm kernels: forked from a preloading server through a kernel provisioner,
yet each as a fresh kernel would be.

These start a real kernel server (it imports pandas, scipy, statsmodels... once) and
real kernels, so they are marked slow.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from sparklearn.batch import execute, kernel_server, kernels

pytestmark = pytest.mark.slow

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="warm kernels are Linux-only")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with kernels.KernelServer(tmp_path_factory.mktemp("kernels")) as started:
        yield started


@pytest.fixture(scope="module")
def warm(server):
    """The kernel manager class the batch hands papermill when its kernels come warm."""
    manager = execute.Kernels(server).warm_manager_class()
    assert manager is not None, server.reason
    return manager


async def _start(manager_class):
    km = manager_class(kernel_name="python3")
    await km.start_kernel(extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
    kc = km.client()
    kc.start_channels()
    await kc.wait_for_ready(timeout=60)
    return km, kc


async def _run(kc, code: str, timeout: float = 60) -> dict:
    """Execute ``code``; return its stdout, error name and display outputs (by MIME type)."""
    msg_id = kc.execute(code)
    out = {"stdout": "", "error": None, "data": []}
    while True:
        msg = await kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream" and content["name"] == "stdout":
            out["stdout"] += content["text"]
        elif kind == "error":
            out["error"] = content["ename"]
        elif kind in ("display_data", "execute_result"):
            out["data"].append(content["data"])
        elif kind == "status" and content["execution_state"] == "idle":
            return out


async def _stop(km, kc) -> None:
    kc.stop_channels()
    await km.shutdown_kernel(now=True)


def _in_kernel(manager_class, *codes: str) -> list[dict]:
    async def go():
        km, kc = await _start(manager_class)
        try:
            return [await _run(kc, code) for code in codes]
        finally:
            await _stop(km, kc)
    return asyncio.run(go())


PROBE = """
import json, os, sys
import __main__
from sparklearn.report.display import report_setup
report_setup()
import matplotlib, pandas as pd
print(json.dumps({
    "argv0": os.path.basename(sys.argv[0]), "argv_rest": sys.argv[1:2], "cwd": os.getcwd(),
    "env": os.environ.get("SPARKLEARN_TEST_VALUE"), "backend": matplotlib.get_backend(),
    "max_columns": pd.get_option("display.max_columns"), "main_has_file": hasattr(__main__, "__file__"),
    "parent_handle": get_ipython().kernel.parent.parent_handle if hasattr(get_ipython().kernel, "parent") else None,
    "jpy_parent": os.environ.get("JPY_PARENT_PID"), "path0": sys.path[0],
}))
"""

FIGURE = "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3]);"

PARENT = "import os; print(os.getppid())"


@linux_only
def test_a_warm_kernel_starts_as_a_fresh_one_would(server, warm, monkeypatch, tmp_path):
    from jupyter_client.manager import AsyncKernelManager

    monkeypatch.setenv("SPARKLEARN_TEST_VALUE", "from the batch")
    monkeypatch.chdir(tmp_path)
    fresh, fresh_figure, fresh_parent = _in_kernel(AsyncKernelManager, PROBE, FIGURE, PARENT)
    forked, warm_figure, warm_parent = _in_kernel(warm, PROBE, FIGURE, PARENT)
    # Warm indeed: forked by the server, not started by jupyter_client.
    assert int(warm_parent["stdout"]) == server.process.pid != int(fresh_parent["stdout"])
    fresh, forked = json.loads(fresh["stdout"]), json.loads(forked["stdout"])
    # The relay's environment and folder, the launcher's argv, the kernel's pandas and matplotlib setup.
    assert forked["env"] == "from the batch" and forked["cwd"] == str(tmp_path)
    assert forked == fresh
    assert forked["argv0"] == "ipykernel_launcher.py" and forked["max_columns"] == 20
    # Figures reach the notebook through the inline backend, as in a fresh kernel.
    assert [sorted(d) for d in warm_figure["data"]] == [sorted(d) for d in fresh_figure["data"]]
    assert any("image/png" in d for d in warm_figure["data"])


@linux_only
def test_warm_kernels_share_nothing_but_the_imports(server, warm):
    manager = warm

    async def go():
        a = await _start(manager)
        b = await _start(manager)
        try:
            await _run(a[1], "import pandas; pandas.LEFT_BY_A = 1; x = 'a'")
            seen = await _run(b[1], "import pandas, os; print(hasattr(pandas, 'LEFT_BY_A'), 'x' in dir(), os.getpid())")
            pid_a = await _run(a[1], "import os; print(os.getpid())")
            return seen["stdout"].split(), pid_a["stdout"].strip()
        finally:
            await _stop(*a)
            await _stop(*b)

    (leaked, has_x, pid_b), pid_a = asyncio.run(go())
    assert (leaked, has_x) == ("False", "False")
    assert pid_a != pid_b and server.process.pid not in (int(pid_a), int(pid_b))


@linux_only
def test_a_warm_kernel_is_interrupted_and_survives_another_dying(warm):
    manager = warm

    async def go():
        km, kc = await _start(manager)
        try:
            msg_id = kc.execute("import time; time.sleep(60)")
            await asyncio.sleep(1.5)
            started = time.monotonic()
            await km.interrupt_kernel()
            while True:  # the interrupt reaches the kernel through its relay
                msg = await kc.get_iopub_msg(timeout=20)
                if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "error":
                    interrupted = (msg["content"]["ename"], time.monotonic() - started)
                    break
            # A kernel that dies hard takes nothing else with it.
            doomed, doomed_client = await _start(manager)
            doomed_client.execute("import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
            for _ in range(100):
                if not await doomed.is_alive():
                    break
                await asyncio.sleep(0.1)
            dead = not await doomed.is_alive()
            await _stop(doomed, doomed_client)
            after = await _run(kc, "print(6 * 7)")
            return interrupted, dead, after["stdout"].strip()
        finally:
            await _stop(km, kc)

    (name, seconds), dead, after = asyncio.run(go())
    assert name == "KeyboardInterrupt" and seconds < 10
    assert dead and after == "42"


@linux_only
def test_a_warm_kernel_ends_when_its_relay_is_killed(warm):
    manager = warm

    async def go():
        km, kc = await _start(manager)
        pid = int((await _run(kc, "import os; print(os.getpid())"))["stdout"])
        km.provisioner.process.kill()  # what jupyter_client does to a kernel that will not shut down
        kc.stop_channels()
        return pid

    pid = asyncio.run(go())
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"kernel {pid} outlived its relay")


@linux_only
def test_the_server_holds_no_threads_when_it_forks(tmp_path):
    """A library that starts a thread at import would make forking unsafe: caught here, not in a batch."""
    code = ("import sys; from sparklearn.batch import kernel_server as k; k._preload(); "
            "print(k._thread_count(), [m for m in k.KERNEL_ONLY if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, **kernel_server.SINGLE_THREADED})
    # One thread, and nothing imported that reads a kernel's environment when imported.
    assert done.stdout.split() == ["1", "[]"], done.stderr


SMALL_NOTEBOOK = """# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
x = 1

# %%
print(x * 2)
"""


@linux_only
def test_the_batch_falls_back_to_fresh_kernels_when_the_server_is_gone(tmp_path):
    from sparklearn.batch import plan

    notebook = tmp_path / "small.py"
    notebook.write_text(SMALL_NOTEBOOK, encoding="utf-8")
    job = plan.Job("small", "optional", "kenya", notebook, {"x": 21})
    with kernels.KernelServer(tmp_path) as server:
        batch = execute.Kernels(server)
        stale = batch.warm_manager_class()
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()
        # Known to be gone: the batch does not even try it.
        assert batch.warm_manager_class() is None and "stopped" in server.reason
        before = execute.execute(job, tmp_path, batch)

        class Handed(execute.Kernels):
            def warm_manager_class(self):
                return stale

        # Gone after the notebook was handed a warm kernel: the launch fails, the retry is fresh.
        during = execute.execute(job, tmp_path, Handed(server))
    for executed, failure in (before, during):
        assert failure is None
        assert executed.cells[-1].outputs[0]["text"].strip() == "42"


@linux_only
def test_a_country_report_is_the_same_from_a_warm_kernel_as_from_a_fresh_one(warm, kenya_data, tmp_path):
    """The claim `sparklearn run --fresh-kernels` makes in its help: the reports are the same."""
    from sparklearn import prepare
    from sparklearn.batch import plan
    from sparklearn.config import find_project, resolve_paths

    NOTEBOOKS = find_project(__file__).notebooks

    paths = resolve_paths(data=kenya_data, out=tmp_path / "out")
    prepare.prepare_country("kenya", paths)
    job = plan.plan_jobs(["kenya"], paths, NOTEBOOKS)[0]
    assert job.name == "kenya"

    import papermill

    def outputs(executed):
        return [[{k: v for k, v in out.items() if k != "execution_count"} for out in cell.get("outputs", [])]
                for cell in executed.cells]

    # Straight through papermill, so that a warm kernel that failed could not be retried fresh unseen.
    forked = outputs(papermill.execute_notebook(
        plan.read_notebook(job.source), str(tmp_path / "warm.ipynb"), parameters=job.parameters,
        kernel_name="python3", progress_bar=False, kernel_manager_class=warm))
    executed, failure = execute.execute(job, tmp_path, None)
    assert failure is None
    fresh = outputs(executed)
    assert forked == fresh
    images = [out for cell in forked for out in cell if "image/png" in out.get("data", {})]
    assert len(images) >= 10


@linux_only
def test_a_server_that_cannot_start_says_why_and_lends_no_kernels(tmp_path):
    nowhere = kernels.KernelServer(tmp_path, kernel_name="no-such-kernel")
    nowhere.start()
    assert nowhere.kernel_specs() is None and "no-such-kernel" in nowhere.reason
    assert execute.Kernels(nowhere).warm_manager_class() is None
    deep = tmp_path / ("x" * 120)
    deep.mkdir()
    too_long = kernels.KernelServer(deep)
    too_long.start()
    assert too_long.kernel_specs() is None and "socket" in (too_long.reason or "")
    too_long.close()


def test_the_warm_provisioner_is_found_through_jupyter_clients_entry_points():
    """jupyter_client picks a kernelspec's provisioner by the name in its metadata, from the entry point group."""
    from jupyter_client.provisioning import KernelProvisionerFactory

    specs = kernels.WarmKernelSpecs(socket_path="/tmp/x.sock", interpreter=sys.executable)
    spec = specs.get_kernel_spec("python3")
    stanza = spec.metadata["kernel_provisioner"]
    assert stanza == {"provisioner_name": "sparklearn-warm",
                      "config": {"socket_path": "/tmp/x.sock", "interpreter": sys.executable}}
    factory = KernelProvisionerFactory.instance()
    assert factory.is_provisioner_available(spec)
    provisioner = factory.create_provisioner_instance("k1", spec, parent=None)
    assert isinstance(provisioner, kernels.WarmProvisioner) and provisioner.socket_path == "/tmp/x.sock"


def test_the_provisioner_launches_the_relay_in_place_of_the_ipykernel_launcher():
    import asyncio
    from pathlib import Path

    from jupyter_client.kernelspec import KernelSpec

    provisioner = kernels.WarmProvisioner(socket_path="/s/k.sock", interpreter=sys.executable,
                                          kernel_id="k1", kernel_spec=None)
    launcher = [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "c.json"]

    async def prepared(cmd):
        # What LocalProvisioner.pre_launch hands on, without a kernel manager: the spec's command.
        provisioner.kernel_spec = KernelSpec(argv=cmd, env={})
        return (await provisioner.pre_launch())["cmd"]

    relayed = asyncio.run(prepared(launcher))
    assert relayed[:2] == [sys.executable, "-S"] and Path(relayed[2]) == Path(kernel_server.__file__).resolve()
    assert relayed[3:] == ["relay", "/s/k.sock", "-f", "c.json"]
    other = ["/usr/bin/R", "--slave", "-f", "c.json"]
    assert asyncio.run(prepared(other)) == other
