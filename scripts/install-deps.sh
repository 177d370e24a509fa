#!/usr/bin/env bash
# Install what building and testing megatest-rs needs on a fresh Debian 12 machine.
# Idempotent: only installs what is missing. Rust (cargo) must already be installed.
set -euo pipefail

need=()
command -v cc      >/dev/null 2>&1 || need+=(build-essential)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v tar     >/dev/null 2>&1 || need+=(tar)
command -v zstd    >/dev/null 2>&1 || need+=(zstd)
command -v rsync   >/dev/null 2>&1 || need+=(rsync)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "please install: ${need[*]} (apt-get install ...)" >&2
  fi
fi
command -v cargo >/dev/null 2>&1 || { echo "cargo not found: install Rust (rustup) first" >&2; exit 1; }
