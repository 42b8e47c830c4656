#!/usr/bin/env bash
# One-time set-up on a fresh Debian/Ubuntu machine: the system libraries Qt needs, then a virtual
# environment in .venv with fireriskmap and its test tools. Safe to run again (it skips what is there).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

# Qt 6 (from the PyQt6 wheels) needs a few shared libraries from the system: OpenGL/EGL, xkbcommon,
# fontconfig, D-Bus and the xcb family for a real screen; Xvfb and poppler for screenshots/PDF checks.
APT_PACKAGES="libegl1 libgl1 libopengl0 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 \
libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 \
libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-xfixes0 \
libx11-xcb1 libxrender1 libxi6 xvfb xauth poppler-utils"

if command -v dpkg-query >/dev/null 2>&1; then
  missing=""
  for pkg in $APT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
  done
  if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
    if [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; then
      echo "== installing system packages:$missing"
      $SUDO apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
    else
      echo "!! please install these system packages (as root):$missing" >&2
    fi
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.fireriskmap-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ setup.py -nt "$stamp" ]; then
  echo "== installing fireriskmap and its dependencies into $VENV (a few minutes the first time)"
  "$VENV/bin/python" -m pip install -q --upgrade pip "setuptools>=77" wheel
  "$VENV/bin/python" -m pip install -q -e ".[test]"
  touch "$stamp"
fi
