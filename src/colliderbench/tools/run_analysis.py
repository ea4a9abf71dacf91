"""run-analysis: run the agent's analysis script with the benchmark's Python, with a preflight, a
lock against duplicate concurrent runs, a time limit, and the output logged to ``logs/``."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import math
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import BinaryIO

from colliderbench.errors import UserError
from colliderbench.tools._common import ArgParser, ToolFailure, cli_entry, run_tool, workspace_dir

TOOL = "run-analysis"
DEFAULT_TIMEOUT = 3600.0
_INPUTS = re.compile(r"^#\s*inputs?\s*:\s*(.+)$", re.I)


def default_script(root: Path) -> Path:
    """``analysis/analysis.py``, or the only script in ``analysis/``."""
    candidate = root / "analysis" / "analysis.py"
    if candidate.is_file():
        return candidate
    scripts = sorted((root / "analysis").glob("*.py")) if (root / "analysis").is_dir() else []
    if len(scripts) == 1:
        return scripts[0]
    if not scripts:
        raise UserError(
            "no script given and no analysis/*.py found: run-analysis analysis/<script>.py"
        )
    names = ", ".join(s.name for s in scripts)
    raise UserError(f"several scripts in analysis/ ({names}): name the one to run")


def declared_inputs(script: Path, head_lines: int = 40) -> list[str]:
    """Inputs declared in the script with a ``# inputs: a.root b.root`` comment near the top."""
    out: list[str] = []
    with script.open(errors="replace") as fh:
        for _, line in zip(range(head_lines), fh, strict=False):
            m = _INPUTS.match(line.strip())
            if m:
                out += shlex.split(m.group(1))
    return out


def preflight(script: Path, inputs: list[str], root: Path) -> None:
    """The script exists and compiles; every declared input exists (relative to the workspace)."""
    if not script.is_file():
        raise UserError(f"no such script: {script}")
    try:
        compile(script.read_bytes(), str(script), "exec")
    except SyntaxError as exc:
        raise UserError(f"{script} does not compile: line {exc.lineno}: {exc.msg}") from None
    missing = [i for i in inputs if not (root / i).exists() and not Path(i).exists()]
    if missing:
        raise UserError(f"declared inputs missing: {', '.join(missing)}")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


class _Stopped(Exception):
    """run-analysis itself got SIGTERM/SIGINT/SIGHUP while the script ran."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _on_stop(signum: int, _frame: object) -> None:
    for s in _STOP_SIGNALS:  # a second signal must not interrupt the clean-up
        signal.signal(s, signal.SIG_IGN)
    raise _Stopped(signum)


def _pump(proc: subprocess.Popen[bytes], log: BinaryIO, start: float, timeout: float) -> int | None:
    """Copy the script's output to the log and stdout until it exits (its status) or times out
    (None, the script still running)."""
    assert proc.stdout is not None
    while True:
        chunk = proc.stdout.read(65536)
        if chunk:
            log.write(chunk)
            log.flush()
            sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            continue
        status = proc.poll()
        if status is not None:
            rest = proc.stdout.read() or b""
            log.write(rest)
            sys.stdout.buffer.write(rest)
            return status
        if time.monotonic() - start > timeout:
            return None
        time.sleep(0.05)


def run(script: Path, script_args: list[str], root: Path, timeout: float) -> int:
    """Run under a lock, tee to a log in ``logs/``; the script's exit status (124 on timeout,
    128 + N when run-analysis is stopped by signal N: the script, started in its own session so
    that it can be killed as a group, is not left running)."""
    logs = root / "logs"
    logs.mkdir(exist_ok=True)
    lock_dir = root / ".colliderbench" if (root / ".colliderbench").is_dir() else logs
    key = hashlib.sha256(str(script.resolve()).encode()).hexdigest()[:16]
    lock_file = (lock_dir / f"run-analysis-{key}.lock").open("w")
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock_file.close()
        raise ToolFailure(
            f"{script} is already running (another run-analysis holds its lock)"
        ) from None
    main_thread = threading.current_thread() is threading.main_thread()
    previous = {s: signal.getsignal(s) for s in _STOP_SIGNALS} if main_thread else {}
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    log_path = logs / f"{script.stem}-{stamp}.log"
    argv = [sys.executable, str(script), *script_args]
    start = time.monotonic()
    proc: subprocess.Popen[bytes] | None = None
    timed_out = False
    stopped: _Stopped | None = None
    try:
        with log_path.open("wb") as log:
            header = (
                f"# run-analysis {shlex.join(argv)}\n# cwd {root}\n# start {stamp}\n"
                f"# timeout {timeout:g} s\n"
            )
            log.write(header.encode())
            log.flush()
            try:
                for s in previous:
                    signal.signal(s, _on_stop)
                proc = subprocess.Popen(
                    argv,
                    cwd=root,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                assert proc.stdout is not None
                os.set_blocking(proc.stdout.fileno(), False)
                status = _pump(proc, log, start, timeout)
                if status is None:
                    timed_out = True
                    _kill_group(proc)
                    status = 124
            except _Stopped as exc:
                stopped = exc
                if proc is not None:
                    _kill_group(proc)
                status = 128 + exc.signum
            finally:
                for s, handler in previous.items():
                    signal.signal(s, handler)
            wall = time.monotonic() - start
            why = " (timeout)" if timed_out else f" (run-analysis got {stopped})" if stopped else ""
            log.write(f"\n# exit {status}{why} after {wall:.1f} s\n".encode())
    finally:
        if proc is not None and proc.poll() is None:  # an unexpected error: still no orphan
            _kill_group(proc)
        lock_file.close()
    sys.stdout.flush()
    rel = log_path.relative_to(root) if log_path.is_relative_to(root) else log_path
    if timed_out:
        sys.stderr.write(
            f"run-analysis: {script.name} stopped after the {timeout:g} s time limit; log in {rel}\n"
        )
    elif stopped:
        sys.stderr.write(f"run-analysis: got {stopped}; {script.name} killed; log in {rel}\n")
    else:
        sys.stderr.write(
            f"run-analysis: {script.name} exited with {status} after {wall:.1f} s; log in {rel}\n"
        )
    return int(status)


def _body(argv: list[str]) -> int:
    script_args: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, script_args = argv[:i], argv[i + 1 :]
    parser = ArgParser(
        prog=TOOL,
        description="Run an analysis script with the benchmark's Python; logged to logs/. "
        "Full manual: run-analysis --doc",
        epilog="Arguments after -- go to the script.",
    )
    parser.add_argument("script", nargs="?", type=Path, help="default: analysis/analysis.py")
    parser.add_argument(
        "--input", action="append", default=[], metavar="PATH", help="a required input (repeatable)"
    )
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds (default 3600)"
    )
    args = parser.parse_args(argv)
    if not (math.isfinite(args.timeout) and args.timeout > 0):
        parser.error(f"--timeout must be a positive number of seconds, got {args.timeout:g}")
    root = workspace_dir() or Path.cwd()
    script = args.script if args.script is not None else default_script(root)
    if not script.is_absolute():
        script = (Path.cwd() / script) if (Path.cwd() / script).exists() else (root / script)
    preflight(script, args.input + (declared_inputs(script) if script.is_file() else []), root)
    return run(script, script_args, root, args.timeout)


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``run-analysis ARGS``."""
    return run_tool(TOOL, argv, _body)


if __name__ == "__main__":
    cli_entry(TOOL, _body)
