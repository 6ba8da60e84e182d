#!/usr/bin/env bash
# make deploy-check: podman, runc and debootstrap from apt when missing, then the check itself
# (deploy/check/): build the images, run docker-compose.yml, drive it, restart it. Not part of
# `make test`: it needs root (rootful podman), network access to the Debian mirror and PyPI,
# and about 18 minutes on a cold machine (docs/deploy.md, section 9).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for tool in podman:podman runc:runc debootstrap:debootstrap; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool##*:}")
done
# podman-compose is installed for operators who want it; the check does not use it (Debian's
# 1.0.3 cannot read this compose file: see deploy/check/compose.py).
dpkg -s podman-compose >/dev/null 2>&1 || need+=(podman-compose)
if ((${#need[@]})); then
    echo "Installing ${need[*]} (apt)..."
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ "$(id -u)" != 0 ]; then
    echo "make deploy-check runs rootful podman (networks with DNS, published ports): run it as root" >&2
    exit 1
fi
exec .venv/bin/python -m deploy.check "$@"
