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
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV"
    "$(python_for_venv)" -m venv "$VENV"
  fi
  echo "==> pip install -e .$extras"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".$extras"
}

ensure_node_modules() {
  if [ -f node_modules/@authsignal/browser/dist/index.min.js ]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "warning: npm not found; the browser SDK cannot be installed locally" >&2
    return 0
  fi
  echo "==> npm ci (pinned @authsignal/browser)"
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
