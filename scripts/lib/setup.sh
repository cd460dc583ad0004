# Shared by scripts/test, scripts/demo and scripts/bench: install what a fresh machine lacks.
# Sourced, not run. Everything goes into the checkout (.venv, node_modules) except Debian packages.

VENV="${VENV:-.venv}"

python_for_venv() {
  local candidate
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "error: Python 3.11 or newer is needed" >&2
  return 1
}

ensure_venv() {
  local extras="$1"
  local python="${2:-}" requirement="${3:-}"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV"
    "${python:-$(python_for_venv)}" -m venv "$VENV"
  fi
  local install="pip install -e .$extras${requirement:+ $requirement}" name_and_digest
  name_and_digest="$(install_stamp "$extras" "$requirement")"
  local stamp="$VENV/.install-stamps/${name_and_digest%% *}" digest="${name_and_digest#* }"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
    echo "==> $VENV: $install already done, ${PACKAGING_FILES// / and } unchanged: skipped"
    return 0
  fi
  rm -f "$stamp"
  echo "==> $install (into $VENV)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip || return
  # shellcheck disable=SC2086 # an empty requirement must vanish
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".$extras" $requirement ||
    return
  mkdir -p "$VENV/.install-stamps"
  echo "$digest" >"$stamp"
}

# What pip reads to install this package (setuptools reads setup.cfg too).
PACKAGING_FILES="pyproject.toml setup.cfg"

# install_stamp EXTRAS REQUIREMENT: "<combination> <digest>": a name for this combination of
# extras and requirement, and the hash of the packaging files with it.
install_stamp() {
  # shellcheck disable=SC2086 # one file per word
  "$VENV/bin/python" - "$1" "$2" $PACKAGING_FILES <<'PY'
import hashlib
import sys
from pathlib import Path

combination = "\0".join(sys.argv[1:3]).encode()
digest = hashlib.sha256(combination)
for name in sys.argv[3:]:
    path = Path(name)
    digest.update(b"\0" + name.encode() + b"\0")
    digest.update(path.read_bytes() if path.exists() else b"(none)")
print(hashlib.sha256(combination).hexdigest()[:16], digest.hexdigest())
PY
}

ensure_node_modules() {
  # Every package.json dependency the tests load: a checkout whose node_modules predates one
  # gets `npm ci` again.
  if [ -f node_modules/@authsignal/browser/dist/index.min.js ] &&
    [ -f node_modules/axe-core/axe.min.js ]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "warning: npm not found; the browser SDK cannot be installed locally" >&2
    return 0
  fi
  echo "==> npm ci (pinned @authsignal/browser and axe-core)"
  npm ci --no-audit --no-fund --loglevel=error
}

# ensure_debian_packages BINARY:PACKAGE ...: installs the packages whose binary is missing.
ensure_debian_packages() {
  local wanted=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || wanted+=("${pair#*:}")
  done
  [ ${#wanted[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "warning: missing ${wanted[*]}; install them (apt-get install ${wanted[*]}) or the" \
      "tests that need them are skipped" >&2
    return 0
  fi
  echo "==> apt-get install ${wanted[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null
}
