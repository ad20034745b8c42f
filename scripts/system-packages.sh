#!/usr/bin/env bash
# Installs the Debian packages the build and the product need when they are missing:
# cmake and nasm build the bundled libjpeg-turbo (with its SIMD code), and a CJK font lets
# text watermarks render Chinese. Safe to run again: it installs nothing that is present.
set -euo pipefail

need=()
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v nasm >/dev/null 2>&1 || need+=(nasm)
if ! fc-list 2>/dev/null | grep -qiE 'wqy|noto (sans|serif) cjk|source han'; then
    need+=(fonts-wqy-microhei fontconfig)
fi
for extra in "$@"; do
    dpkg -s "$extra" >/dev/null 2>&1 || need+=("$extra")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
