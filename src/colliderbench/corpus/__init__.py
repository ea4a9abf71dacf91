"""The task corpus: tasks, templates, papers and (hidden) references.

Task folders (``task.toml``, ``TASK.md``, the null template) ship inside this package; the reference
yields live in the separate package ``colliderbench_hidden`` that no sandbox can see.
"""

from colliderbench.corpus._papers import (
    Paper,
    fetch_paper,
    find_paper,
    get_paper,
    paper_pdf,
    papers,
    register_dir,
)
from colliderbench.corpus._references import (
    ReferenceUnavailable,
    read_reference,
    reference_path,
    reference_values,
)
from colliderbench.corpus._task import (
    LUMINOSITY_FB,
    SQRT_S_GEV,
    TASK_TYPES,
    Observable,
    Signal,
    Task,
    all_tasks,
    asset_path,
    load_task,
    parse_walltime,
    select_tasks,
    task_markdown,
    template_path,
)

__all__ = [
    "LUMINOSITY_FB",
    "SQRT_S_GEV",
    "TASK_TYPES",
    "Observable",
    "Paper",
    "ReferenceUnavailable",
    "Signal",
    "Task",
    "all_tasks",
    "asset_path",
    "fetch_paper",
    "find_paper",
    "get_paper",
    "load_task",
    "paper_pdf",
    "papers",
    "parse_walltime",
    "read_reference",
    "reference_path",
    "reference_values",
    "register_dir",
    "select_tasks",
    "task_markdown",
    "template_path",
]

from colliderbench.corpus._validate import TaskCheck, check_task, validate_tasks  # noqa: E402

__all__ += ["TaskCheck", "check_task", "validate_tasks"]
