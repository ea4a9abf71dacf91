"""Sandbox backends: turn an agent's argv into a command that runs it confined to its workspace.

Why a sandbox: the agent must not read the hidden reference yields, the runs directory (other runs'
answers, its own trace) or the developer's files, and its processes must die with the run.

Backends (``--sandbox``):

- ``bwrap`` (default where bubblewrap exists): the workspace read-write at ``/workspace``; /usr and
  the /bin, /lib* links read-only; a short list of /etc files read-only; the Python environment the
  tools run from read-only at its host path (``sys.prefix``, ``sys.base_prefix`` and, for an editable
  install, the ``colliderbench`` package source); a fresh tmpfs /tmp; an empty per-run $HOME at
  ``/home/agent``; new PID/IPC/UTS namespaces, a new session, no capabilities, killed with its
  parent. Nothing else of the host is mounted: not the hidden references
  (:func:`colliderbench.paths.hidden_dir`; masked with an empty tmpfs when it lies inside a bound
  directory), not the runs directory, not /root, not the repository beyond the package source.
- in every backend the workspace's ``.colliderbench/`` (the tools' configuration, with the HEPData
  deny list) is read-only but for its ``denied.log``, and, for every agent but the oracle,
  ``colliderbench/recasts`` (the reference recasts: the answer) is covered by a stub package that
  raises ImportError, so ``colliderbench solve`` fails too.
- ``docker`` / ``podman`` / ``apptainer``: the equivalent command for an ``--image`` built from
  ``docker/Dockerfile`` (colliderbench in ``/opt/venv``); the workspace, the per-run home and those
  two overlays are the only host paths mounted.
- ``none``: runs on the host in the workspace (development only; prints a warning).

The network stays available in every backend: agents need their model API. The ``hepdata`` tool's
deny list (the task's own record) and the judge's leak scan cover the obvious network leak.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from colliderbench.errors import UserError
from colliderbench.paths import PACKAGE_DIR, contained, contained_file

BACKENDS: tuple[str, ...] = ("bwrap", "docker", "podman", "apptainer", "none")
CONTAINER_BACKENDS: tuple[str, ...] = ("docker", "podman", "apptainer")
SANDBOX_WORKSPACE = "/workspace"
SANDBOX_HOME = "/home/agent"
# the container image (docker/Dockerfile): colliderbench installed into /opt/venv
IMAGE_PYTHON = "/opt/venv/bin/python"
IMAGE_PACKAGE_DIR = "/opt/venv/lib/python3.11/site-packages/colliderbench"
# an importable-looking package that raises ImportError, mounted over colliderbench/recasts
RECASTS_STUB = PACKAGE_DIR / "harness" / "data" / "no_recasts"
# the tools' configuration inside the workspace: read-only, except the log the tools append to
CONFIG_DIR = ".colliderbench"
DENY_LOG = ".colliderbench/denied.log"

# /etc entries a program needs for name resolution, TLS, users, the dynamic linker and the
# Debian alternatives links (awk, editor, ...). Everything else of /etc stays invisible.
ETC_ENTRIES: tuple[str, ...] = (
    "resolv.conf",
    "hosts",
    "host.conf",
    "nsswitch.conf",
    "gai.conf",
    "services",
    "protocols",
    "passwd",
    "group",
    "localtime",
    "timezone",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "ssl",
    "ca-certificates",
    "ca-certificates.conf",
    "pki",
    "crypto-policies",
    "alternatives",
    "mime.types",
    "os-release",
    "debian_version",
    "fonts",
    "bash.bashrc",
    "profile",
    "inputrc",
    "locale.alias",
)

# system directories that are either real directories or merged-/usr links
SYSTEM_LINKS: tuple[str, ...] = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")

# host variables forwarded into every sandbox when set (switches, not secrets)
PASSTHROUGH_ENV: tuple[str, ...] = ("COLLIDERBENCH_OFFLINE", "TZ", "TERM")


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def default_backend() -> str:
    """``bwrap`` where bubblewrap is installed, else ``none``."""
    return "bwrap" if bwrap_path() else "none"


def tools_python(backend: str) -> str:
    """The interpreter the workspace's ``bin/`` shims exec: the image's in a container, else ours."""
    return IMAGE_PYTHON if backend in CONTAINER_BACKENDS else sys.executable


def check_backend(backend: str, image: str | None) -> None:
    """A clear UserError for a backend that cannot work here (before any run starts)."""
    if backend not in BACKENDS:
        raise UserError(f"unknown sandbox {backend!r}: choose from {', '.join(BACKENDS)}")
    if backend == "bwrap" and bwrap_path() is None:
        raise UserError(
            "--sandbox bwrap needs bubblewrap (`bwrap`), which is not installed: "
            "apt-get install bubblewrap (or dnf install bubblewrap)"
        )
    if backend in CONTAINER_BACKENDS:
        if not image:
            raise UserError(f"--sandbox {backend} needs --image IMAGE")
        if shutil.which(backend) is None:
            raise UserError(f"--sandbox {backend}: the `{backend}` program is not installed")


@dataclass
class SandboxRequest:
    """What to confine: host directories and the environment of the process inside."""

    workspace: Path  # host path, mounted read-write
    home: Path  # host path of the empty per-run home
    env: dict[str, str] = field(default_factory=dict)  # variables of the process inside
    network: bool = True
    read_only: tuple[
        Path, ...
    ] = ()  # extra host directories (vendor CLI installs), same path inside
    masked: tuple[Path, ...] = ()  # extra host paths that must stay invisible (the runs directory)
    hide_recasts: bool = True  # the reference recasts: visible to the oracle agent only
    image: str | None = None  # container backends
    name: str | None = None  # container name (so a killed run's container can be removed)


@dataclass
class Prepared:
    """A command ready for ``subprocess.Popen``."""

    argv: list[str]
    env: dict[str, str]  # the environment of the launched program (bwrap/docker pass it on)
    cwd: Path  # host working directory of the launcher
    backend: str
    workspace: str  # the workspace path as the agent sees it
    home: str
    cleanup: list[str] | None = None  # run after a kill (remove a container)


def inside_paths(backend: str, workspace: Path, home: Path) -> tuple[Path, Path]:
    """Workspace and home as the agent sees them (``none`` keeps the host paths)."""
    if backend == "none":
        return workspace.resolve(), home.resolve()
    return Path(SANDBOX_WORKSPACE), Path(SANDBOX_HOME)


def python_env_dirs() -> list[Path]:
    """Directories the tools' Python needs: the venv, the base interpreter, an editable source."""
    dirs: list[Path] = []
    for p in (sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix):
        dirs.append(Path(p))
    if not _under(PACKAGE_DIR, dirs):
        dirs.append(
            PACKAGE_DIR
        )  # editable install: the package source, and nothing else of the repo
    return _dedupe(d for d in dirs if not _under(d.resolve(), [Path("/usr")]))


def program_dirs(programs: Iterable[str]) -> list[Path]:
    """Read-only directories that make absolute program paths (vendor CLIs) work inside.

    A program inside a ``node_modules`` tree brings the whole npm prefix; any other program its
    installation prefix (the parent of its ``bin/``). Programs under /usr are already visible."""
    out: list[Path] = []
    for prog in programs:
        p = Path(prog)
        if not p.is_absolute():
            continue
        for cand in (p, p.resolve()):
            parts = cand.parts
            if "node_modules" in parts:
                root = Path(*parts[: parts.index("node_modules")])
            else:
                root = cand.parent.parent if cand.parent.name == "bin" else cand.parent
            if not _under(root, [Path("/usr")]) and root != Path("/"):
                out.append(root)
    return _dedupe(out)


def default_masks() -> list[Path]:
    """Host paths that must never be visible: the references, dev material, test fixtures.

    ``colliderbench/testing`` holds scripted servers and synthetic runs for tests (some with the
    reference numbers written out); no tool needs it, so it is masked too."""
    masks = [PACKAGE_DIR / "testing"]
    try:
        from colliderbench.paths import hidden_dir

        masks.append(hidden_dir())
    except ImportError:
        pass
    try:
        from colliderbench.paths import shared_dir

        shared = shared_dir()
        if shared is not None:
            masks.append(shared)
    except Exception:  # pragma: no cover - dev material is optional
        pass
    return masks


def _under(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == r or path.is_relative_to(r) for r in roots)


def _dedupe(paths: Iterable[Path]) -> list[Path]:
    seen: list[Path] = []
    for p in paths:
        if p not in seen:
            seen.append(p)
    return seen


def config_mounts(workspace: Path) -> list[tuple[str, str, bool]]:
    """(host path, path inside, writable) mounted over the workspace's tool configuration.

    ``.colliderbench`` goes read-only (the agent must not edit the HEPData deny list in
    ``tools.json``); its ``denied.log`` stays writable for the tools. A link in a workspace copy
    (the judge's replay) is never mounted: it could point anywhere on the host."""
    out: list[tuple[str, str, bool]] = []
    cfg = workspace / CONFIG_DIR
    if contained(workspace, cfg) and cfg.is_dir():
        out.append((str(cfg.resolve()), f"{SANDBOX_WORKSPACE}/{CONFIG_DIR}", False))
        log = workspace / DENY_LOG
        if contained_file(workspace, log):
            out.append((str(log.resolve()), f"{SANDBOX_WORKSPACE}/{DENY_LOG}", True))
    return out


def sandbox_env(req: SandboxRequest, backend: str, path_dirs: Sequence[str]) -> dict[str, str]:
    """The environment inside: a minimal PATH, the per-run HOME, switches, then the agent's own."""
    ws, home = inside_paths(backend, req.workspace, req.home)
    env = {
        "PATH": ":".join([f"{ws}/bin", *path_dirs, "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(home),
        "USER": "agent",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TMPDIR": "/tmp",
        "PYTHONUNBUFFERED": "1",
        "MPLBACKEND": "Agg",
    }
    env.update({k: os.environ[k] for k in PASSTHROUGH_ENV if os.environ.get(k)})
    env.update(req.env)
    return env


# ------------------------------------------------------------------------------------------------
# backends


def bwrap_argv(argv: Sequence[str], req: SandboxRequest) -> list[str]:
    """The bubblewrap command line (see the module docstring for what is visible)."""
    bwrap = bwrap_path() or "bwrap"
    out = [
        bwrap,
        "--die-with-parent",
        "--new-session",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--hostname",
        "colliderbench",
        "--cap-drop",
        "ALL",
    ]
    if not req.network:
        out.append("--unshare-net")
    out += ["--ro-bind", "/usr", "/usr"]
    for d in SYSTEM_LINKS:
        p = Path(d)
        if p.is_symlink():
            out += ["--symlink", os.readlink(p), d]
        elif p.is_dir():
            out += ["--ro-bind", d, d]
    for name in ETC_ENTRIES:
        p = Path("/etc") / name
        if p.exists():
            out += ["--ro-bind", str(p.resolve()) if p.is_file() else str(p), str(p)]
    bound: list[Path] = []
    for ro in [*python_env_dirs(), *req.read_only]:
        for q in _dedupe([ro, ro.resolve()]):
            if q.exists() and not _under(q, bound):
                out += ["--ro-bind", str(q), str(q)]
                bound.append(q)
    # anything secret that lies inside a bound directory is covered by an empty mount
    for m in [*default_masks(), *req.masked]:
        m = m.resolve() if m.exists() else m
        if m.exists() and _under(m, bound):
            out += ["--tmpfs", str(m)] if m.is_dir() else ["--ro-bind", "/dev/null", str(m)]
    recasts = PACKAGE_DIR / "recasts"
    if req.hide_recasts and recasts.is_dir() and _under(recasts, bound):
        out += ["--ro-bind", str(RECASTS_STUB), str(recasts)]
    out += [
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
        "--tmpfs",
        "/var/tmp",
        "--bind",
        str(req.workspace.resolve()),
        SANDBOX_WORKSPACE,
        "--bind",
        str(req.home.resolve()),
        SANDBOX_HOME,
    ]
    for src, dest, writable in config_mounts(req.workspace):  # after the workspace bind
        out += ["--bind" if writable else "--ro-bind", src, dest]
    out += ["--chdir", SANDBOX_WORKSPACE, "--"]
    return out + list(argv)


def _container_argv0(argv: Sequence[str]) -> list[str]:
    """Host program paths mean nothing in an image: the image provides the program on its PATH."""
    argv = list(argv)
    if argv and Path(argv[0]).is_absolute():
        argv[0] = Path(argv[0]).name
    return argv


def oci_argv(
    engine: str, argv: Sequence[str], req: SandboxRequest, env_names: Iterable[str]
) -> list[str]:
    """``docker run`` / ``podman run``: the workspace and home are the only host mounts.

    Variables are passed by name (``-e NAME``): their values come from the launcher's
    environment, so keys never appear on a command line."""
    if not req.image:
        raise UserError(f"--sandbox {engine} needs --image IMAGE")
    out = [engine, "run", "--rm", "-i", "--init"]
    if req.name:
        out += ["--name", req.name]
    out += ["--user", f"{os.getuid()}:{os.getgid()}"]
    if engine == "podman":
        out += ["--userns", "keep-id"]
    out += ["--network", "bridge" if req.network else "none"]
    out += ["--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
    out += ["--tmpfs", "/tmp", "--hostname", "colliderbench"]
    out += ["-v", f"{req.workspace.resolve()}:{SANDBOX_WORKSPACE}:rw"]
    out += ["-v", f"{req.home.resolve()}:{SANDBOX_HOME}:rw"]
    for src, dest, writable in config_mounts(req.workspace):
        out += ["-v", f"{src}:{dest}:{'rw' if writable else 'ro'}"]
    if req.hide_recasts:
        out += ["-v", f"{RECASTS_STUB}:{IMAGE_PACKAGE_DIR}/recasts:ro"]
    out += ["-w", SANDBOX_WORKSPACE]
    for name in sorted(env_names):
        out += ["-e", name]
    out.append(req.image)
    return out + _container_argv0(argv)


def apptainer_argv(argv: Sequence[str], req: SandboxRequest) -> list[str]:
    """``apptainer exec``: contained (own /tmp, /dev, PID and IPC namespaces), clean environment.

    Variables travel as ``APPTAINERENV_NAME`` in the launcher's environment."""
    if not req.image:
        raise UserError("--sandbox apptainer needs --image IMAGE")
    out = ["apptainer", "exec", "--containall", "--cleanenv", "--no-mount", "home,cwd"]
    if not req.network:
        out += ["--net", "--network", "none"]
    out += ["--home", f"{req.home.resolve()}:{SANDBOX_HOME}"]
    out += ["--bind", f"{req.workspace.resolve()}:{SANDBOX_WORKSPACE}:rw"]
    for src, dest, writable in config_mounts(req.workspace):
        out += ["--bind", f"{src}:{dest}:{'rw' if writable else 'ro'}"]
    if req.hide_recasts:
        out += ["--bind", f"{RECASTS_STUB}:{IMAGE_PACKAGE_DIR}/recasts:ro"]
    out += ["--pwd", SANDBOX_WORKSPACE, req.image]
    return out + _container_argv0(argv)


def prepare(backend: str, argv: Sequence[str], req: SandboxRequest) -> Prepared:
    """The launcher command, its environment and working directory for one backend."""
    if backend == "bwrap":
        path_dirs = [str(Path(sys.prefix) / "bin")]
        path_dirs += [str(d / "bin") for d in req.read_only if (d / "bin").is_dir()]
        env = sandbox_env(req, backend, path_dirs)
        return Prepared(
            bwrap_argv(argv, req), env, req.workspace, backend, SANDBOX_WORKSPACE, SANDBOX_HOME
        )
    if backend in ("docker", "podman"):
        env = sandbox_env(req, backend, ["/opt/venv/bin"])
        launcher_env = {**_launcher_env(), **env}
        cleanup = [backend, "rm", "-f", req.name] if req.name else None
        return Prepared(
            oci_argv(backend, argv, req, env),
            launcher_env,
            req.workspace,
            backend,
            SANDBOX_WORKSPACE,
            SANDBOX_HOME,
            cleanup,
        )
    if backend == "apptainer":
        env = sandbox_env(req, backend, ["/opt/venv/bin"])
        launcher_env = {**_launcher_env(), **{f"APPTAINERENV_{k}": v for k, v in env.items()}}
        return Prepared(
            apptainer_argv(argv, req),
            launcher_env,
            req.workspace,
            backend,
            SANDBOX_WORKSPACE,
            SANDBOX_HOME,
        )
    if backend == "none":
        path_dirs = [str(Path(sys.prefix) / "bin")]
        path_dirs += [str(d / "bin") for d in req.read_only if (d / "bin").is_dir()]
        env = sandbox_env(req, backend, path_dirs)
        ws, home = inside_paths(backend, req.workspace, req.home)
        return Prepared(list(argv), env, req.workspace, backend, str(ws), str(home))
    raise UserError(f"unknown sandbox {backend!r}: choose from {', '.join(BACKENDS)}")


def _launcher_env() -> dict[str, str]:
    """What a container engine's client itself needs (its PATH, config, socket)."""
    keep = ("PATH", "DOCKER_HOST", "DOCKER_CONFIG", "XDG_RUNTIME_DIR", "CONTAINER_HOST", "HOME")
    return {k: os.environ[k] for k in keep if k in os.environ}


def warn_unsandboxed() -> None:
    """``--sandbox none`` is for development: say so on every batch."""
    print(
        "colliderbench: warning: --sandbox none runs agents directly on this machine; they can "
        "read the hidden references and everything else you can (development only)",
        file=sys.stderr,
    )


# ------------------------------------------------------------------------------------------------
# a one-shot command (the judge's replay, the start-up benchmark)


@dataclass
class CommandResult:
    exit_code: int | None
    stdout: str
    stderr: str
    timed_out: bool
    wall_s: float


def run_command(
    workspace: Path,
    argv: Sequence[str],
    *,
    timeout_s: float,
    env: Mapping[str, str] | None = None,
    network: bool = False,
    backend: str | None = None,
    image: str | None = None,
) -> CommandResult:
    """Run ``argv`` confined to ``workspace`` (cwd), with an empty home and, by default, no network."""
    backend = backend or default_backend()
    with tempfile.TemporaryDirectory(prefix="cb-home-") as home:
        req = SandboxRequest(
            workspace=workspace,
            home=Path(home),
            env=dict(env or {}),
            network=network,
            image=image,
        )
        prep = prepare(backend, argv, req)
        t0 = time.monotonic()
        proc = subprocess.Popen(
            prep.argv,
            cwd=prep.cwd,
            env=prep.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        timed_out = False
        try:
            out, err = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            from colliderbench.harness.runner import terminate

            terminate(proc, grace_s=2.0)
            out, err = proc.communicate()
            timed_out = True
        return CommandResult(
            proc.returncode,
            out.decode("utf-8", "replace"),
            err.decode("utf-8", "replace"),
            timed_out,
            time.monotonic() - t0,
        )
