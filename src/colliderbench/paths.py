"""Where colliderbench keeps things on disk.

- package data (tasks, templates, tool docs): inside the installed package;
- hidden references: the separate top-level package ``colliderbench_hidden`` so a sandbox can hide
  exactly one directory;
- the user cache (papers, HEPData responses): ``$COLLIDERBENCH_DATA`` or ``~/.cache/colliderbench``.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def hidden_dir() -> Path:
    """Directory holding the hidden reference YAMLs (never mounted into a sandbox)."""
    import colliderbench_hidden

    return Path(colliderbench_hidden.__file__).resolve().parent


def cache_dir() -> Path:
    """The user's data cache; created on demand."""
    root = os.environ.get("COLLIDERBENCH_DATA")
    path = Path(root) if root else Path.home() / ".cache" / "colliderbench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def shared_dir() -> Path | None:
    """The development ``shared/`` folder (tests and benchmarks only), if present."""
    env = os.environ.get("COLLIDERBENCH_SHARED")
    candidates = [Path(env)] if env else []
    repo = PACKAGE_DIR.parent.parent
    candidates += [repo.parent / "shared", Path.cwd().parent / "shared"]
    for c in candidates:
        if (c / "corpus" / "tasks.yaml").is_file():
            return c.resolve()
    return None


def contained(root: Path, path: Path) -> bool:
    """True when ``path`` is not a symbolic link and resolves inside ``root``.

    The host-side readers of a workspace an agent wrote (scorer, judge, report) check every path
    with it: a link the agent planted must never make them read the hidden references, another
    run or any other host file."""
    try:
        return not path.is_symlink() and path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a link loop
        return False


def contained_file(root: Path, path: Path) -> bool:
    """A regular file inside ``root`` reached without a link: the only kind read on the host."""
    return contained(root, path) and path.is_file()
