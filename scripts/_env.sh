# shellcheck shell=bash
# Shared by scripts/bootstrap, scripts/test, scripts/develop and scripts/bench: finds or provisions a
# Python 3.14 environment with the project's requirements and runs commands inside it.
#
# Two ways, chosen once per call:
#   native  - a python3.14 (>= 3.14.2) on PATH: a venv under the cache.
#   chroot  - as root on Debian/Ubuntu: a Debian sid root made with debootstrap, holding python3.14,
#             with one venv per requirements hash. Commands run in a private mount namespace
#             (unshare), so the bind mounts vanish with the process even on SIGKILL.
# The cache lives outside the repository, so clean clones reuse it; the venv is keyed by the hash of
# the requirement files, so changing a pin rebuilds it.

set -euo pipefail

SMARTCAR_PROJECT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
SMARTCAR_CACHE=${SMARTCAR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/smartcar-ha}
SMARTCAR_ROOT="$SMARTCAR_CACHE/sid-root"
SMARTCAR_MIN_PYTHON="3.14.2"
# Bump when the way the venv is built changes, so cached venvs are rebuilt.
SMARTCAR_ENV_LAYOUT=1
# Mirror used for the Debian root; override for a local mirror.
SMARTCAR_DEBIAN_MIRROR=${SMARTCAR_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Debian packages added to the root after debootstrap: the browser of tests/e2e/test_ui.py and a
# font for its screenshots. Changing the list installs it again (marker: $SMARTCAR_ROOT/.packages).
SMARTCAR_ROOT_PACKAGES="chromium fonts-dejavu-core"

_smartcar_log() { printf 'bootstrap: %s\n' "$*" >&2; }

_smartcar_requirements_hash() {
  # Every file that decides what goes into the venv, plus the layout version of how it is built.
  { echo "layout=$SMARTCAR_ENV_LAYOUT"; cat "$SMARTCAR_PROJECT"/requirements_*.txt; } | sha256sum | cut -c1-16
}

_smartcar_native_python() {
  local candidate
  for candidate in python3.14 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c "import sys; sys.exit(0 if sys.version_info >= (3, 14, 2) else 1)" 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

# Decide the mode: SMARTCAR_ENV_MODE=native|chroot forces one.
smartcar_env_mode() {
  if [ -n "${SMARTCAR_ENV_MODE:-}" ]; then
    echo "$SMARTCAR_ENV_MODE"
  elif _smartcar_native_python >/dev/null; then
    echo native
  elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo chroot
  else
    echo none
  fi
}

_smartcar_with_lock() {
  mkdir -p "$SMARTCAR_CACHE"
  (
    flock -x 9
    "$@"
  ) 9>"$SMARTCAR_CACHE/lock"
}

# Drop venvs of other requirement hashes unused for two days (a run on an old checkout may still hold
# a recent one).
_smartcar_prune_venvs() {
  local parent=$1 keep=$2
  find "$parent" -mindepth 1 -maxdepth 1 -type d -name "${3:-*}" ! -path "$keep" -mtime +2 \
    -exec rm -rf {} + 2>/dev/null || true
}

_smartcar_venv_native() { echo "$SMARTCAR_CACHE/native-$(_smartcar_requirements_hash)"; }
_smartcar_venv_chroot() { echo "/opt/venvs/$(_smartcar_requirements_hash)"; }

_smartcar_provision_native() {
  local venv python
  venv=$(_smartcar_venv_native)
  [ -f "$venv/.complete" ] && return 0
  python=$(_smartcar_native_python)
  _smartcar_log "creating $venv with $python"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet -r "$SMARTCAR_PROJECT/requirements_test.txt" \
    -r "$SMARTCAR_PROJECT/requirements_dev.txt"
  touch "$venv/.complete"
  _smartcar_prune_venvs "$SMARTCAR_CACHE" "$venv" "native-*"
}

_smartcar_provision_root() {
  [ -f "$SMARTCAR_ROOT/.complete" ] && return 0
  if ! command -v debootstrap >/dev/null 2>&1; then
    _smartcar_log "installing debootstrap"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  _smartcar_log "building a Debian sid root with python3.14 in $SMARTCAR_ROOT (about a minute)"
  rm -rf "$SMARTCAR_ROOT"
  mkdir -p "$SMARTCAR_ROOT"
  # debootstrap mounts /proc and /sys inside the target: a private namespace takes them away with it.
  unshare --mount --propagation private -- \
    debootstrap --variant=minbase --include=python3.14-venv,ca-certificates \
    sid "$SMARTCAR_ROOT" "$SMARTCAR_DEBIAN_MIRROR" >"$SMARTCAR_CACHE/debootstrap.log" 2>&1 || {
    _smartcar_log "debootstrap failed; see $SMARTCAR_CACHE/debootstrap.log"
    tail -n 20 "$SMARTCAR_CACHE/debootstrap.log" >&2
    return 1
  }
  touch "$SMARTCAR_ROOT/.complete"
}

_smartcar_provision_root_packages() {
  local marker="$SMARTCAR_ROOT/.packages" log="$SMARTCAR_CACHE/apt.log"
  [ "$(cat "$marker" 2>/dev/null)" = "$SMARTCAR_ROOT_PACKAGES" ] && return 0
  _smartcar_log "installing $SMARTCAR_ROOT_PACKAGES into the Debian root (about a minute)"
  # The mirror may serve a snapshot whose Release file is past Valid-Until (debootstrap does not
  # check that; apt does): signatures are still checked.
  # shellcheck disable=SC2086 # the list is split into package names on purpose
  _smartcar_chroot_exec /usr/bin/env DEBIAN_FRONTEND=noninteractive /bin/sh -c \
    'apt-get update -qq -o Acquire::Check-Valid-Until=false &&
     apt-get install -y -qq --no-install-recommends "$@"' \
    apt-install $SMARTCAR_ROOT_PACKAGES >"$log" 2>&1 || {
    _smartcar_log "apt-get install failed; see $log"
    tail -n 20 "$log" >&2
    return 1
  }
  printf '%s\n' "$SMARTCAR_ROOT_PACKAGES" >"$marker"
}

_smartcar_provision_chroot_venv() {
  local venv
  venv=$(_smartcar_venv_chroot)
  [ -f "$SMARTCAR_ROOT$venv/.complete" ] && return 0
  _smartcar_log "creating $venv inside the Debian root (about two minutes)"
  rm -rf "${SMARTCAR_ROOT:?}$venv"
  _smartcar_chroot_exec python3.14 -m venv "$venv"
  _smartcar_chroot_exec "$venv/bin/pip" install --quiet -r "$SMARTCAR_PROJECT/requirements_test.txt" \
    -r "$SMARTCAR_PROJECT/requirements_dev.txt"
  touch "$SMARTCAR_ROOT$venv/.complete"
  _smartcar_prune_venvs "$SMARTCAR_ROOT/opt/venvs" "$SMARTCAR_ROOT$venv"
}

# Copy a host file into the root when it differs, atomically: a concurrent run may be reading it.
_smartcar_sync_file() {
  local source=$1 target=$2
  [ -f "$source" ] || return 0
  cmp -s "$source" "$target" && return 0
  cp "$source" "$target.$$" && mv -f "$target.$$" "$target"
}

# Run a command inside the Debian root, the project mounted at its own path, cwd = project.
_smartcar_chroot_exec() {
  local root=$SMARTCAR_ROOT project=$SMARTCAR_PROJECT venv
  venv=$(_smartcar_venv_chroot)
  _smartcar_sync_file /etc/resolv.conf "$root/etc/resolv.conf"
  # The machine's CA bundle: pip and aiohttp need it where a proxy re-signs traffic.
  _smartcar_sync_file /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  env -u PIP_FIND_LINKS -u PYTHONPATH -u VIRTUAL_ENV \
    PATH="$venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" HOME=/root LANG=C.UTF-8 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    unshare --mount --propagation private -- /bin/bash -c '
      set -e
      root=$1 project=$2; shift 2
      mount -t proc proc "$root/proc"
      mount --rbind /dev "$root/dev"
      mount -t tmpfs -o size=4g tmpfs "$root/tmp"
      mkdir -p "$root$project"
      mount --bind "$project" "$root$project"
      # The shared facts beside the project (../shared: the V3 example payloads tests read),
      # read-only, at the same path.
      shared=$(dirname "$project")/shared
      if [ -d "$shared" ]; then
        mkdir -p "$root$shared"
        mount --bind "$shared" "$root$shared"
        mount -o remount,bind,ro "$root$shared"
      fi
      # Run the command as a child (not exec) so the namespace holds until it ends.
      chroot "$root" /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$project" "$@"
    ' smartcar-chroot "$root" "$project" "$@"
}

# Make sure the environment exists. Safe to call from several processes at once.
smartcar_bootstrap() {
  local mode
  mode=$(smartcar_env_mode)
  case "$mode" in
    native) _smartcar_with_lock _smartcar_provision_native ;;
    chroot)
      _smartcar_with_lock _smartcar_provision_root
      _smartcar_with_lock _smartcar_provision_root_packages
      _smartcar_with_lock _smartcar_provision_chroot_venv
      ;;
    *)
      cat >&2 <<MSG
bootstrap: no Python >= $SMARTCAR_MIN_PYTHON here, and no way to provision one.
  Home Assistant 2026.10 needs Python >= $SMARTCAR_MIN_PYTHON. Either install python3.14 (>= $SMARTCAR_MIN_PYTHON)
  and put it on PATH, or run this as root on Debian/Ubuntu so a Debian sid root can be provisioned
  with debootstrap (see README.md, "Development environment").
MSG
      return 1
      ;;
  esac
}

# Run a command in the environment (after smartcar_bootstrap), cwd = the project.
smartcar_run() {
  case "$(smartcar_env_mode)" in
    native)
      touch "$(_smartcar_venv_native)"  # last use, for pruning
      (cd "$SMARTCAR_PROJECT" && PATH="$(_smartcar_venv_native)/bin:$PATH" "$@")
      ;;
    chroot)
      touch "$SMARTCAR_ROOT$(_smartcar_venv_chroot)"  # last use, for pruning
      _smartcar_chroot_exec "$@"
      ;;
    *) return 1 ;;
  esac
}
