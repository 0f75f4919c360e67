#!/usr/bin/env bash
# Installs the system packages msgscope needs on Debian/Ubuntu: libpcap (captures) and, for the
# tests that check Wireshark compatibility (and the Wireshark plugin), tshark and tcpdump; zip,
# unzip and man for the OSS-Fuzz build and the install check. Does nothing when all are present.
set -euo pipefail
need=()
dpkg -s libpcap-dev >/dev/null 2>&1 || need+=(libpcap-dev)
command -v tshark >/dev/null 2>&1 || need+=(tshark)
command -v tcpdump >/dev/null 2>&1 || need+=(tcpdump)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
# The OSS-Fuzz-style build packs seed corpora (zip/unzip); the install check opens man pages.
command -v zip >/dev/null 2>&1 || need+=(zip)
command -v unzip >/dev/null 2>&1 || need+=(unzip)
command -v man >/dev/null 2>&1 || need+=(man-db)
command -v nroff >/dev/null 2>&1 || need+=(groff-base)
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
