#!/usr/bin/env bash
# Install the vendor agent CLIs from npm into a project-local prefix, ./.tools/npm (git-ignored).
#
#   bash scripts/install_agent_clis.sh            # the pinned versions below
#   CB_CLAUDE_CODE=latest CB_CODEX=latest CB_GEMINI=latest bash scripts/install_agent_clis.sh
#
# The programs land in ./.tools/npm/node_modules/.bin (claude, codex, gemini); colliderbench finds them
# there (harness.vendors.find_executable), so nothing is installed globally. Needs Node >= 18 + npm.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=.tools/npm
claude_version=${CB_CLAUDE_CODE:-2.1.197}
codex_version=${CB_CODEX:-0.169.0}
gemini_version=${CB_GEMINI:-0.61.0}

command -v npm >/dev/null 2>&1 || { echo "install_agent_clis: npm not found (install Node.js >= 18)" >&2; exit 1; }
mkdir -p "$prefix"
[ -f "$prefix/package.json" ] || echo '{"private": true}' > "$prefix/package.json"
npm install --prefix "$prefix" --no-fund --no-audit --no-save \
  "@anthropic-ai/claude-code@${claude_version}" "@openai/codex@${codex_version}" \
  "@google/gemini-cli@${gemini_version}"

# Claude Code ships its native binary in a platform package; its postinstall links it into place.
# Some npm configurations skip install scripts: run it ourselves when the placeholder is still there.
cc="$prefix/node_modules/@anthropic-ai/claude-code"
if [ -f "$cc/install.cjs" ] && [ "$(stat -c %s "$cc/bin/claude.exe" 2>/dev/null || echo 0)" -lt 100000 ]; then
  (cd "$cc" && node install.cjs)
fi

"$prefix/node_modules/.bin/claude" --version
"$prefix/node_modules/.bin/codex" --version
echo "gemini $("$prefix/node_modules/.bin/gemini" --version)"
