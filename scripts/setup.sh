#!/usr/bin/env bash
# Installs the Debian 12 packages ffdp-register builds and runs with (only those missing).
# CUDA 13 / NCCL are used when present in /usr/local/cuda; they are not installed here.
set -euo pipefail
packages=(build-essential cmake ninja-build pkg-config libinsighttoolkit5-dev libcli11-dev libspdlog-dev
          nlohmann-json3-dev catch2 libopenmpi-dev openmpi-bin zlib1g-dev mricron-data python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: run as root or install sudo" >&2; exit 1; }
    SUDO=(sudo)
  fi
  "${SUDO[@]}" apt-get update -qq
  # env, not a prefix assignment: sudo resets the environment, and debconf must not prompt.
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: all build dependencies present"
