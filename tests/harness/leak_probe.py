"""Adversarial probe, run inside the sandbox: look everywhere for the reference numbers.

One grep pass over every visible text file (and the Python bytecode, SQLite and pickle files)
prints each match with its file; a file leaks when it holds a reference value in its YAML form
(``value: X``), a value too specific to occur by chance (six or more significant digits), or every
value of this task together. Prints one JSON object on stdout."""

import base64
import json
import os
import re
import subprocess
import sys

refs = json.loads(base64.b64decode(os.environ["CB_REFS"]))
task = os.environ["CB_TASK"]
values = sorted({v for vs in refs.values() for v in vs})
longs = sorted(v for v in values if len(v.replace(".", "").lstrip("0")) >= 6)
own = refs[task]
alts = "|".join(re.escape(v) for v in values)  # only in the flow form {value: X}
pattern = rf"\{{value: ?({alts})\}}|(^|[^0-9.])({'|'.join(re.escape(v) for v in sorted(set(longs) | set(own)))})([^0-9]|$)"

# a planted control proves the probe sees what it should
os.makedirs("probe", exist_ok=True)
for name in ("control.txt", "control.yaml"):
    with open(f"probe/{name}", "w") as fh:
        fh.write("- {value: " + own[0] + "}\n")

roots = sys.argv[1:] or ["/"]
# the pattern is ASCII: the C locale matches the same bytes about ten times faster than UTF-8
C_LOCALE = {**os.environ, "LC_ALL": "C"}
skip = ["--exclude-dir=proc", "--exclude-dir=sys", "--exclude-dir=dev"]
out = subprocess.run(
    ["grep", "-rIoHE", *skip, pattern, *roots], capture_output=True, text=True, env=C_LOCALE
).stdout
binaries = subprocess.run(
    [
        "find",
        *roots,
        "(",
        "-path",
        "/proc",
        "-o",
        "-path",
        "/sys",
        "-o",
        "-path",
        "/dev",
        ")",
        "-prune",
        "-o",
        "-type",
        "f",
        "(",
        "-name",
        "*.pyc",
        "-o",
        "-name",
        "*.sqlite",
        "-o",
        "-name",
        "*.db",
        "-o",
        "-name",
        "*.pkl",
        ")",
        "-print0",
    ],
    capture_output=True,
).stdout.split(b"\0")
for i in range(0, len(binaries), 500):
    chunk = [b.decode() for b in binaries[i : i + 500] if b]
    if chunk:
        out += subprocess.run(
            ["grep", "-aoHE", pattern, *chunk],
            capture_output=True,
            text=True,
            errors="replace",
            env=C_LOCALE,
        ).stdout

found: dict[str, set[str]] = {}
for line in out.splitlines():
    path, _, match = line.partition(":")
    found.setdefault(path, set()).add(match)
number = re.compile(r"[0-9][0-9.]*")
leaks = {}
for path, matches in found.items():
    nums = {n for m in matches for n in number.findall(m)}
    yaml_form = sorted(m for m in matches if m.startswith("{value"))
    specific = sorted(n for n in nums if n in longs)
    together = set(own) <= nums
    if yaml_form or specific or together:
        leaks[path] = {
            "yaml_form": yaml_form[:3],
            "specific": specific[:3],
            "all_own_values": together,
        }

attempts = {}
for name, code in {
    "import_hidden": "import colliderbench_hidden",
    "read_reference": f"from colliderbench.corpus import read_reference; print(read_reference({task!r}).values)",
}.items():
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    attempts[name] = {"exit": r.returncode, "stdout_has_values": any(v in r.stdout for v in own)}
for p in os.environ.get("CB_PROBE_PATHS", "").split(":"):
    if p:
        attempts["path:" + p] = {"exists": os.path.exists(p)}
yamls = subprocess.run(
    [
        "find",
        "/",
        "(",
        "-path",
        "/proc",
        "-o",
        "-path",
        "/sys",
        "-o",
        "-path",
        "/dev",
        ")",
        "-prune",
        "-o",
        "-name",
        "*.yaml",
        "-print",
    ],
    capture_output=True,
    text=True,
).stdout.split()
yaml_leaks = []
for y in yamls:
    try:
        text = open(y, errors="replace").read()
    except OSError:
        continue
    if re.search(rf"\{{value: ?({alts})\}}", text):
        yaml_leaks.append(y)
print(
    json.dumps(
        {
            "leaks": leaks,
            "yaml_leaks": yaml_leaks,
            "attempts": attempts,
            "n_files_matched": len(found),
            "n_yaml": len(yamls),
            "n_binaries": len(binaries),
        }
    )
)
