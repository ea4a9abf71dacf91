"""The agent toolbox: command-line tools an agent (or a physicist) uses inside a task workspace.

Each tool is a module ``colliderbench.tools.<module>`` with ``main(argv) -> int`` and a Markdown
manual ``tools/docs/<tool>.md``; the workspace ``bin/`` holds one two-line shim per tool.
"""

from __future__ import annotations

# tool name (as typed by the agent) -> module under colliderbench.tools
TOOLS: dict[str, str] = {
    "read-paper": "read_paper",
    "hepdata": "hepdata",
    "cms-opendata": "cms_opendata",
    "feynrules": "feynrules",
    "simulate": "simulate",
    "prospino": "prospino",
    "run-analysis": "run_analysis",
}

# ablation names that are not tools themselves: what disabling them means
ABLATIONS: dict[str, str] = {
    "delphes": "the detector simulation: `simulate run` produces generator-level particles only",
}

__all__ = ["ABLATIONS", "TOOLS"]
