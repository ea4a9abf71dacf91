"""The command lines each sandbox backend builds (no container engine runs here)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from colliderbench.errors import UserError
from colliderbench.harness import sandbox as sb
from colliderbench.paths import PACKAGE_DIR, hidden_dir


def _req(tmp_path: Path, **kw: object) -> sb.SandboxRequest:
    ws, home = tmp_path / "ws", tmp_path / "home"
    ws.mkdir(exist_ok=True)
    home.mkdir(exist_ok=True)
    return sb.SandboxRequest(
        workspace=ws,
        home=home,
        env={"ANTHROPIC_API_KEY": "sk-secret", "IS_SANDBOX": "1"},
        image="ghcr.io/example/colliderbench:1",
        name="cb-test",
        **kw,  # type: ignore[arg-type]
    )


def _pairs(argv: list[str], flag: str) -> list[str]:
    return [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == flag]


@pytest.mark.parametrize("engine", ["docker", "podman"])
def test_oci_argv(tmp_path: Path, engine: str) -> None:
    req = _req(tmp_path)
    prep = sb.prepare(engine, ["/host/only/bin/claude", "-p", "--model", "m"], req)
    argv = prep.argv
    assert argv[:3] == [engine, "run", "--rm"] and "--init" in argv
    assert _pairs(argv, "--name") == ["cb-test"]
    mounts = _pairs(argv, "-v")
    assert mounts == [
        f"{req.workspace.resolve()}:/workspace:rw",
        f"{req.home.resolve()}:/home/agent:rw",
        f"{sb.RECASTS_STUB}:{sb.IMAGE_PACKAGE_DIR}/recasts:ro",
    ]  # the workspace, the home and the recasts stub: nothing else of the host
    assert _pairs(argv, "-w") == ["/workspace"]
    assert _pairs(argv, "--network") == ["bridge"]
    assert "ALL" in _pairs(argv, "--cap-drop")
    # keys by name only: the value travels in the launcher's environment, never on argv
    assert "ANTHROPIC_API_KEY" in _pairs(argv, "-e") and "sk-secret" not in " ".join(argv)
    assert prep.env["ANTHROPIC_API_KEY"] == "sk-secret"
    assert prep.env["HOME"] == "/home/agent" and prep.env["PATH"].startswith("/workspace/bin:")
    # the image, then the program by name (host paths mean nothing in an image)
    i = argv.index(req.image or "")
    assert argv[i + 1 :] == ["claude", "-p", "--model", "m"]
    assert prep.cleanup == [engine, "rm", "-f", "cb-test"]
    if engine == "podman":
        assert _pairs(argv, "--userns") == ["keep-id"]
    assert _pairs(argv, "--user") == [f"{os.getuid()}:{os.getgid()}"]


def test_oci_argv_without_network(tmp_path: Path) -> None:
    argv = sb.prepare("docker", ["true"], _req(tmp_path, network=False)).argv
    assert _pairs(argv, "--network") == ["none"]


def test_apptainer_argv(tmp_path: Path) -> None:
    req = _req(tmp_path)
    prep = sb.prepare("apptainer", ["colliderbench", "solve", "T"], req)
    argv = prep.argv
    assert argv[:2] == ["apptainer", "exec"]
    assert "--containall" in argv and "--cleanenv" in argv
    assert _pairs(argv, "--home") == [f"{req.home.resolve()}:/home/agent"]
    assert _pairs(argv, "--bind") == [
        f"{req.workspace.resolve()}:/workspace:rw",
        f"{sb.RECASTS_STUB}:{sb.IMAGE_PACKAGE_DIR}/recasts:ro",
    ]
    assert _pairs(argv, "--pwd") == ["/workspace"]
    assert argv[-4:] == [req.image, "colliderbench", "solve", "T"]
    assert prep.env["APPTAINERENV_ANTHROPIC_API_KEY"] == "sk-secret"
    assert prep.env["APPTAINERENV_HOME"] == "/home/agent"
    assert "sk-secret" not in " ".join(argv)


def test_container_backends_need_an_image(tmp_path: Path) -> None:
    req = _req(tmp_path)
    req.image = None
    for engine in ("docker", "podman", "apptainer"):
        with pytest.raises(UserError, match="--image"):
            sb.prepare(engine, ["true"], req)
        with pytest.raises(UserError):
            sb.check_backend(engine, None)


def test_bwrap_argv_mounts(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    req = _req(tmp_path, masked=(runs,))
    argv = sb.bwrap_argv(["true"], req)
    for flag in ("--die-with-parent", "--new-session", "--unshare-pid"):
        assert flag in argv
    assert "--unshare-net" not in argv  # the agent's model API needs the network
    ro = _pairs(argv, "--ro-bind")
    rw = _pairs(argv, "--bind")
    assert rw == [str(req.workspace.resolve()), str(req.home.resolve())]
    assert "/usr" in ro and sys.prefix in ro and sys.base_prefix in ro
    hidden = hidden_dir()
    # nothing bound contains the references unless it is covered by an empty tmpfs
    bound = [Path(p) for p in ro if p.startswith("/") and p != "/dev/null"]
    tmpfs = [Path(p) for p in _pairs(argv, "--tmpfs")]
    for b in bound:
        if hidden.is_relative_to(b):
            assert hidden in tmpfs
    assert not any(Path(p) == Path.home() for p in ro)  # never the whole home (/root)
    assert not any(runs.resolve().is_relative_to(b) for b in bound)
    assert Path("/tmp") in tmpfs and PACKAGE_DIR / "testing" in tmpfs
    assert argv[-2:] == ["--", "true"]
    assert _pairs(argv, "--chdir") == ["/workspace"]


def test_bwrap_masks_a_secret_inside_a_bound_dir(tmp_path: Path) -> None:
    tools = tmp_path / "tools"
    (tools / "secret").mkdir(parents=True)
    (tools / "key.txt").write_text("x")
    req = _req(tmp_path, read_only=(tools,), masked=(tools / "secret", tools / "key.txt"))
    argv = sb.bwrap_argv(["true"], req)
    assert str(tools) in _pairs(argv, "--ro-bind")
    assert str(tools / "secret") in _pairs(argv, "--tmpfs")
    i = argv.index(str(tools / "key.txt"))
    assert argv[i - 2 : i] == ["--ro-bind", "/dev/null"]


def test_program_dirs_for_vendor_clis(tmp_path: Path) -> None:
    npm = tmp_path / ".tools" / "npm"
    cli = npm / "node_modules" / "@x" / "cli" / "cli.js"
    cli.parent.mkdir(parents=True)
    cli.write_text("#!/usr/bin/env node\n")
    binlink = npm / "node_modules" / ".bin" / "x"
    binlink.parent.mkdir(parents=True)
    binlink.symlink_to(cli)
    assert sb.program_dirs([str(binlink)]) == [npm]
    assert sb.program_dirs(["/usr/bin/node", "bash"]) == []
    opt = tmp_path / "opt" / "aider" / "bin" / "aider"
    opt.parent.mkdir(parents=True)
    opt.write_text("")
    assert sb.program_dirs([str(opt)]) == [tmp_path / "opt" / "aider"]


def test_unknown_backend() -> None:
    with pytest.raises(UserError, match="unknown sandbox"):
        sb.check_backend("chroot", None)


# ------------------------------------------------------------------------------------------------
# the tools' configuration read-only, the recasts hidden, the image's interpreter (no engine here)


def _ws_with_config(tmp_path: Path) -> sb.SandboxRequest:
    req = _req(tmp_path)
    cfg = req.workspace / ".colliderbench"
    cfg.mkdir()
    (cfg / "tools.json").write_text("{}")
    (cfg / "denied.log").touch()
    return req


def test_bwrap_config_read_only_and_recasts_hidden(tmp_path: Path) -> None:
    req = _ws_with_config(tmp_path)
    ws = req.workspace.resolve()
    argv = sb.bwrap_argv(["true"], req)
    i = argv.index(str(ws / ".colliderbench"))
    assert argv[i - 1 : i + 2] == [
        "--ro-bind",
        str(ws / ".colliderbench"),
        "/workspace/.colliderbench",
    ]
    assert i > argv.index(str(ws))  # after the workspace bind, or it would be covered
    j = argv.index(str(ws / ".colliderbench" / "denied.log"))
    assert argv[j - 1 : j + 2] == ["--bind", argv[j], "/workspace/.colliderbench/denied.log"]
    k = argv.index(str(PACKAGE_DIR / "recasts"))
    assert argv[k - 2 : k] == ["--ro-bind", str(sb.RECASTS_STUB)]
    assert (sb.RECASTS_STUB / "__init__.py").is_file()
    req.hide_recasts = False  # the oracle
    assert str(PACKAGE_DIR / "recasts") not in sb.bwrap_argv(["true"], req)


@pytest.mark.parametrize("engine", ["docker", "podman", "apptainer"])
def test_container_config_read_only_and_recasts_hidden(tmp_path: Path, engine: str) -> None:
    req = _ws_with_config(tmp_path)
    ws = req.workspace.resolve()
    argv = sb.prepare(engine, ["true"], req).argv
    mounts = _pairs(argv, "--bind" if engine == "apptainer" else "-v")
    assert f"{ws}/.colliderbench:/workspace/.colliderbench:ro" in mounts
    assert f"{ws}/.colliderbench/denied.log:/workspace/.colliderbench/denied.log:rw" in mounts
    stub = f"{sb.RECASTS_STUB}:{sb.IMAGE_PACKAGE_DIR}/recasts:ro"
    assert stub in mounts
    req.hide_recasts = False
    assert stub not in " ".join(sb.prepare(engine, ["true"], req).argv)


def test_a_linked_config_dir_is_never_mounted(tmp_path: Path) -> None:
    """A workspace copy (the judge's replay) may hold an agent's link: mounting it would expose
    whatever it points at."""
    req = _req(tmp_path)
    (req.workspace / ".colliderbench").symlink_to(hidden_dir())
    assert sb.config_mounts(req.workspace) == []
    assert str(hidden_dir()) not in " ".join(sb.bwrap_argv(["true"], req))


def test_tools_python_per_backend() -> None:
    for backend in sb.BACKENDS:
        want = "/opt/venv/bin/python" if backend in sb.CONTAINER_BACKENDS else sys.executable
        assert sb.tools_python(backend) == want


def test_the_dockerfile_matches_the_image_paths() -> None:
    text = (PACKAGE_DIR.parent.parent / "docker" / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in text and "python -m venv /opt/venv" in text
    assert sb.IMAGE_PYTHON == "/opt/venv/bin/python"
    assert sb.IMAGE_PACKAGE_DIR.startswith("/opt/venv/lib/python3.11/site-packages/")
    copies = [line for line in text.splitlines() if line.startswith("COPY")]
    assert copies == [  # the package source only: never the hidden references
        "COPY pyproject.toml README.md LICENSE /src/",
        "COPY src/colliderbench /src/src/colliderbench",
    ]
