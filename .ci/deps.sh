#!/bin/sh
# Install what ntsim needs to build and test, if it is missing.
# Debian/Ubuntu: apt-get (as root, or through sudo). macOS: Homebrew.
set -eu

missing_debian() {
    for pkg in cmake make gcc clang libclang-rt-dev pkg-config libcmocka-dev libuv1-dev libjansson-dev libdw-dev binutils; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
    done
}

case "$(uname -s)" in
Linux)
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "deps: not a Debian/Ubuntu system; install cmake, a C compiler, pkg-config, cmocka, libuv and jansson yourself" >&2
        exit 0
    fi
    pkgs=$(missing_debian)
    [ -z "$pkgs" ] && exit 0
    echo "deps: installing $pkgs"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq $pkgs >/dev/null
    ;;
Darwin)
    command -v brew >/dev/null 2>&1 || { echo "deps: Homebrew is needed (https://brew.sh)" >&2; exit 1; }
    for pkg in cmake pkg-config cmocka libuv jansson llvm; do
        brew list --formula "$pkg" >/dev/null 2>&1 || brew install "$pkg"
    done
    ;;
*)
    echo "deps: unsupported system $(uname -s)" >&2
    exit 1
    ;;
esac
