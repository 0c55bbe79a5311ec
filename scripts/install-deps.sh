#!/usr/bin/env bash
# Installs everything minivm needs to build, test and benchmark on Debian 12.
# Unicorn must be 2.1.x (Debian 12 ships 2.0.1, ~10x slower on guest stores):
# it comes from the trixie suite, pinned low so nothing else is upgraded.
set -euo pipefail

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

if ! grep -rqs "trixie" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    $SUDO tee /etc/apt/sources.list.d/minivm-trixie.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
$SUDO tee /etc/apt/preferences.d/minivm-trixie.pref >/dev/null <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100

Package: libunicorn-dev libunicorn2
Pin: release n=trixie
Pin-Priority: 990
PIN

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
    build-essential meson ninja-build pkg-config \
    libglib2.0-dev libelf-dev check libsubunit-dev \
    gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi \
    python3
$SUDO apt-get install -y -q --no-install-recommends -t trixie libunicorn-dev
