#!/usr/bin/env bash
# Install colliderbench into ./.venv.
#
#   ./install.sh         the package, and bubblewrap (the default sandbox) when it can be installed
#   ./install.sh --dev   also the test extras, Chromium + ChromeDriver (report browser test) and the
#                        vendor agent CLIs from npm (Claude Code, Codex) into ./.tools/npm
#
# System packages are installed with apt-get when we are root (or have passwordless sudo);
# otherwise each missing one is reported with the command that installs it. Nothing is assumed.
set -euo pipefail
cd "$(dirname "$0")"

dev=0
[ "${1:-}" = "--dev" ] && dev=1
PY=${PYTHON:-python3}

say() { printf '[install] %s\n' "$*"; }

$PY - <<'PYCHECK' || { say "Python >= 3.11 is required (set PYTHON=/path/to/python3.11)"; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PYCHECK

apt_install() {
  # apt_install PACKAGE... : install Debian packages if we can, else say how.
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      say "MISSING system packages: ${missing[*]} -- install them with: sudo apt-get install -y ${missing[*]}"
      return 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    say "MISSING system packages: ${missing[*]} (no apt-get here: install them with your package manager)"
    return 1
  fi
  say "apt-get install ${missing[*]}"
  $sudo apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

if ! command -v bwrap >/dev/null 2>&1; then
  apt_install bubblewrap || say "without bubblewrap, runs use '--sandbox none' (no isolation) and say so"
fi

[ -x .venv/bin/python ] || $PY -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ $dev -eq 1 ]; then
  .venv/bin/pip install -q -e '.[test]'
  apt_install chromium chromium-driver || say "the HTML report browser test will be skipped without Chromium"
  if command -v npm >/dev/null 2>&1; then
    bash scripts/install_agent_clis.sh || say "vendor agent CLIs could not be installed from npm; their tests will be skipped"
  else
    say "npm not found: the vendor agent CLI tests will be skipped (install Node.js >= 18 and npm)"
  fi
else
  .venv/bin/pip install -q .
fi

# The papers agents read: verified copies from a local folder or arXiv.
if ! .venv/bin/colliderbench papers list | grep -q missing; then
  say "papers: all present"
else
  .venv/bin/colliderbench papers fetch || say "papers could not be fetched; use: .venv/bin/colliderbench papers register DIR"
fi
say "done: .venv/bin/colliderbench --help"
