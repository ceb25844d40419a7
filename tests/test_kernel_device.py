"""An honest device picker (issue 16): the run footer (runFinished.warning) says when a run's
tensors or model ended on another device than the selected one, looking only at what the run
created or changed; torchwise.kernel.setDefaultDevice also makes the selection torch's default
device. CPU only: the 'meta' device stands in for "another device"."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_helpers import SERVER_COMMAND, initialize_params, server_env
from test_kernel_run import Recorder, command, own_server, run_and_wait

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.slow]
pytest.importorskip("torch")


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env()))
async def kernel(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("device-workspace")
    lsp_client.recorder = Recorder(lsp_client)
    await lsp_client.initialize_session(initialize_params(root))
    yield
    await lsp_client.shutdown_session()


async def test_a_tensor_on_another_device_is_named_in_the_warning(kernel: LanguageClient):
    assert (await command(kernel, "torchwise.selectDevice", {"device": "cpu"}))["device"] == "cpu"
    finished, _ = await run_and_wait(kernel, "import torch\nx = torch.ones(2)")
    assert finished["status"] == "ok" and finished["warning"] is None
    finished, _ = await run_and_wait(kernel, "t = torch.ones(2, device='meta')")
    assert finished["warning"] == ("on another device than the selected cpu: t (meta) "
                                   "(move them with .to(device))")
    # a later run that does not touch t says nothing about it
    finished, _ = await run_and_wait(kernel, "n = 1")
    assert finished["warning"] is None
    finished, _ = await run_and_wait(kernel, "t = torch.empty_like(t, device='cpu')")
    assert finished["status"] == "ok" and finished["warning"] is None


async def test_a_model_moved_in_place_is_named(kernel: LanguageClient):
    finished, _ = await run_and_wait(kernel, "model = torch.nn.Linear(2, 2)")
    assert finished["warning"] is None
    finished, _ = await run_and_wait(kernel, "model.to('meta')\nNone")  # Module.to moves in place
    assert "model (meta)" in finished["warning"]
    finished, _ = await run_and_wait(kernel, "del model")
    assert finished["warning"] is None


async def test_a_global_rebound_by_a_function_is_checked(kernel: LanguageClient):
    await run_and_wait(kernel, "def make():\n    global hidden\n    hidden = torch.zeros(1, device='meta')")
    finished, _ = await run_and_wait(kernel, "make()")  # the cell never names `hidden`
    assert "hidden (meta)" in finished["warning"]


async def test_many_tensors_elsewhere_are_counted(kernel: LanguageClient):
    code = "\n".join(f"m{i} = torch.zeros(1, device='meta')" for i in range(5))
    finished, _ = await run_and_wait(kernel, code)
    assert "m0 (meta), m1 (meta), m2 (meta) and 2 more" in finished["warning"]


async def test_selection_sets_the_default_device_only_with_the_setting(kernel: LanguageClient, tmp_path):
    probe = "import torch\nprint(torch.tensor([1]).device, getattr(torch._GLOBAL_DEVICE_CONTEXT, 'device_context', None) is not None)"
    result = await command(kernel, "torchwise.selectDevice", {"device": "cpu"})
    assert result == {"device": "cpu", "defaultDevice": None}
    _, text = await run_and_wait(kernel, probe)
    assert text == "cpu False\n"

    async with own_server(tmp_path, kernel={"setDefaultDevice": True}) as client:
        result = await command(client, "torchwise.selectDevice", {"device": "cpu"})
        assert result == {"device": "cpu", "defaultDevice": "cpu"}
        assert (await command(client, "torchwise.kernelInfo"))["defaultDevice"] == "cpu"
        _, text = await run_and_wait(client, probe)
        assert text == "cpu True\n"  # torch.set_default_device('cpu') is in force
        # turning the setting off undoes it in the running kernel
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
            settings={"kernel": {"setDefaultDevice": False}}))
        for _ in range(20):  # the change reaches the kernel ahead of the next run, or soon after
            _, text = await run_and_wait(client, probe)
            if text == "cpu False\n":
                break
        assert text == "cpu False\n"
        assert (await command(client, "torchwise.kernelInfo"))["defaultDevice"] is None
