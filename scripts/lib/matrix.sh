# The supported matrix's Pythons, for tox (setup.cfg, [tox:tox]). Sourced, not run.

MATRIX_PYTHONS="3.11 3.12 3.13"

# matrix_path: prints PATH with every Python of the matrix findable as python3.X: the ones on
# PATH as they are, the others from pyenv's versions folder (its shims answer only for the
# versions pyenv has selected), appended so that nothing else on PATH changes. Fails, naming
# them, when some are nowhere.
matrix_path() {
  local version dir missing_list path="$PATH" missing=() root="${PYENV_ROOT:-$HOME/.pyenv}"
  for version in $MATRIX_PYTHONS; do
    if PATH="$path" "python$version" -c '' >/dev/null 2>&1; then
      continue
    fi
    dir="$(pyenv_bin_for "$root" "$version")"
    if [ -n "$dir" ]; then
      path="$path:$dir"
    else
      missing+=("$version")
    fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    missing_list="$(printf '%s, ' "${missing[@]}")"
    echo "error: Python ${missing_list%, } not found (as python3.X on PATH, or under" \
      "$root/versions); the supported matrix needs ${MATRIX_PYTHONS// /, }" \
      "(e.g. pyenv install ${missing[0]})" >&2
    return 1
  fi
  echo "$path"
}

# pyenv_bin_for ROOT VERSION: the bin folder of pyenv's newest VERSION.* that runs, or nothing.
pyenv_bin_for() {
  local dir
  for dir in $(printf '%s\n' "$1"/versions/"$2".*/bin | sort -rV); do
    if "$dir/python$2" -c '' >/dev/null 2>&1; then
      echo "$dir"
      break
    fi
  done
  return 0
}
