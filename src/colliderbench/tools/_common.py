"""What every tool shares: argument parsing that fails in one line, ``--doc``, the workspace config,
the offline switch, the deny log and a cached HTTP client.

Exit statuses of every tool: 0 success, 1 a failure of the request (network down, record not found,
analysis failed), 2 bad arguments or a usage mistake, 3 refused by the task's rules (denied record,
tool disabled).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from colliderbench.errors import UserError

DOCS_DIR = Path(__file__).resolve().parent / "docs"
DATA_DIR = Path(__file__).resolve().parent / "data"
CONFIG_NAME = ".colliderbench/tools.json"

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3


class ToolFailure(Exception):
    """The request could not be served (network, missing record, failed run): exit 1, one line."""


class Refused(Exception):
    """The task's rules forbid this request (denied record, disabled tool): exit 3, one line."""


class ArgParser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        prog = self.prog.split()[0]
        sys.stderr.write(f"{self.prog}: error: {message} (see `{prog} --help`)\n")
        raise SystemExit(EXIT_USAGE)


def manual(tool: str) -> str:
    """The Markdown manual of a tool."""
    return (DOCS_DIR / f"{tool}.md").read_text()


def wants_doc(args: list[str]) -> bool:
    """``--doc`` anywhere among the tool's own arguments (not after ``--``, which are a script's)."""
    own = args[: args.index("--")] if "--" in args else args
    return "--doc" in own


def _os_error(exc: OSError) -> str:
    """An OSError as one line: what went wrong and on which path."""
    what = " ".join((exc.strerror or str(exc)).split()) or exc.__class__.__name__
    return f"{what}: {exc.filename}" if exc.filename else what


def run_tool(tool: str, argv: list[str] | None, body: Callable[[list[str]], int]) -> int:
    """Run a tool body: ``--doc`` prints the manual; known failures become one line on stderr.

    OSError and ValueError mostly come from what the user named (an existing file where a folder
    is wanted, an unreadable path), so they are one line and exit 1 rather than a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    if wants_doc(args):
        sys.stdout.write(manual(tool))
        return 0
    try:
        if tool in disabled_tools():
            raise Refused(f"{tool} is disabled for this task (ablation); work without it")
        return body(args)
    except SystemExit as exc:  # argparse --help (0) or errors (2)
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    except UserError as exc:
        sys.stderr.write(f"{tool}: error: {exc}\n")
        return EXIT_USAGE
    except ToolFailure as exc:
        sys.stderr.write(f"{tool}: {exc}\n")
        return EXIT_FAILED
    except Refused as exc:
        sys.stderr.write(f"{tool}: refused: {exc}\n")
        return EXIT_REFUSED
    except KeyboardInterrupt:
        sys.stderr.write(f"{tool}: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        sys.stderr.write(f"{tool}: {_os_error(exc)}\n")
        return EXIT_FAILED
    except ValueError as exc:
        sys.stderr.write(f"{tool}: {' '.join(str(exc).split()) or exc.__class__.__name__}\n")
        return EXIT_FAILED


def cli_entry(tool: str, body: Callable[[list[str]], int]) -> NoReturn:
    """``python -m colliderbench.tools.<module>`` entry point."""
    sys.exit(run_tool(tool, None, body))


# --- the workspace ---------------------------------------------------------------------------------


def workspace_dir() -> Path | None:
    """The task workspace the tool runs in: the shim's workspace, else one above the cwd."""
    candidates: list[Path] = []
    shim = os.environ.get("COLLIDERBENCH_TOOL_SHIM")
    if shim:
        candidates.append(Path(shim).resolve().parent.parent)
    env = os.environ.get("COLLIDERBENCH_WORKSPACE")
    if env:
        candidates.append(Path(env))
    cwd = Path.cwd().resolve()
    candidates += [cwd, *cwd.parents]
    for c in candidates:
        if (c / CONFIG_NAME).is_file():
            return c
    return None


def workspace_config() -> dict[str, Any]:
    """The workspace's ``.colliderbench/tools.json`` ({} outside a workspace)."""
    ws = workspace_dir()
    if ws is None:
        return {}
    try:
        data = json.loads((ws / CONFIG_NAME).read_text())
    except (OSError, json.JSONDecodeError):
        raise UserError(f"{ws / CONFIG_NAME} is unreadable or corrupt") from None
    return data if isinstance(data, dict) else {}


def disabled_tools() -> set[str]:
    return set(workspace_config().get("disabled_tools", []))


def offline() -> bool:
    """True when network tools must not touch the network."""
    flag = os.environ.get("COLLIDERBENCH_OFFLINE", "").strip().lower()
    if flag in ("1", "true", "yes", "on"):
        return True
    return bool(workspace_config().get("offline", False))


def log_denied(tool: str, what: str, reason: str) -> None:
    """Record a refused request in the workspace's ``.colliderbench/denied.log`` (the caller also
    says so on stderr)."""
    ws = workspace_dir()
    stamp = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    line = f"{stamp} {tool} {what}: {reason}"
    if ws is not None:
        try:
            with (ws / ".colliderbench" / "denied.log").open("a") as fh:
                fh.write(line + "\n")
        except OSError:
            sys.stderr.write(f"{tool}: could not write the deny log: {line}\n")


# --- HTTP with an on-disk cache -----------------------------------------------------------------


def _cache_file(service: str, url: str, suffix: str) -> Path | None:
    """Where a response is cached; None when no cache folder can be made (read-only home)."""
    from colliderbench.paths import cache_dir

    key = hashlib.sha256(url.encode()).hexdigest()[:32]
    try:
        return cache_dir() / "tools" / service / f"{key}{suffix}"
    except OSError:
        return None


def http_get(
    service: str, url: str, *, params: dict[str, Any] | None = None, timeout: float = 30.0
) -> bytes:
    """GET ``url`` (cached on disk by full URL); offline or network trouble -> ``ToolFailure``."""
    import requests

    full = requests.Request("GET", url, params=params).prepare().url or url
    cached = _cache_file(service, full, ".bin")
    if cached is not None and cached.is_file():
        return cached.read_bytes()
    if offline():
        raise ToolFailure(
            f"offline (COLLIDERBENCH_OFFLINE is set or the task forbids network): cannot fetch {full}"
        )
    try:
        response = requests.get(full, timeout=timeout, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise ToolFailure(
            f"network unavailable: cannot reach {url.split('?')[0]} ({exc.__class__.__name__})"
        ) from None
    if response.status_code == 404:
        raise ToolFailure(f"not found: {full}")
    if response.status_code >= 400:
        raise ToolFailure(f"{full} answered HTTP {response.status_code}")
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.part")
            tmp.write_bytes(response.content)
            tmp.replace(cached)
        except OSError:
            pass  # a cache that cannot be written only costs a repeated download
    return response.content


def http_get_json(
    service: str, url: str, *, params: dict[str, Any] | None = None, timeout: float = 30.0
) -> Any:
    """GET and decode JSON; a body that is not JSON is a ``ToolFailure``."""
    body = http_get(service, url, params=params, timeout=timeout)
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ToolFailure(f"{url} did not answer JSON") from None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
