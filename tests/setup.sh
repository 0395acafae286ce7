#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine of this project (idempotent,
# quick when everything is there): the wasm32-wasip2 target, the system packages of the
# end-to-end tests, and the offline test image.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target add wasm32-wasip2 >/dev/null 2>&1; then
    echo "setup: rustup could not add wasm32-wasip2; trying the offline copy"
fi
bash ../shared/tools/ensure-wasm-target 2>/dev/null || rustc --print target-list | grep -q wasm32-wasip2

# debootstrap builds the offline test image; sshd, ssh, scp and rsync serve the ssh
# provider's tests; tmux drives attach on a real terminal; docker-compose is the Compose
# the local provider falls back to when the docker compose plugin is missing.
packages=(debootstrap openssh-server openssh-client rsync tmux docker-compose)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

bash tests/image/build-test-image.sh

# The real Railway CLI, for the railway provider's command-line checks. Building it
# takes about 9 minutes, once: the binary is cached beside the test image.
# Pinned: the command-line checks are against this version.
RAILWAY_VERSION=5.71.0
RAILWAY_ROOT="$HOME/.cache/megaplan-cloud/railway"
if [ "$("$RAILWAY_ROOT/bin/railway" --version 2>/dev/null)" != "railway $RAILWAY_VERSION" ]; then
    echo "setup: building the Railway CLI $RAILWAY_VERSION from crates.io (about 9 minutes, once)"
    cargo install railwayapp --version "$RAILWAY_VERSION" --locked --force --root "$RAILWAY_ROOT" --quiet
fi

# kubernetes-validate from PyPI, which validates the kubernetes example's manifest
# offline against the Kubernetes schemas it bundles. Pinned: the checks are against
# its 1.37 schemas.
KUBERNETES_VALIDATE_VERSION=1.37.0
KUBERNETES_VALIDATE_ROOT="$HOME/.cache/megaplan-cloud/kubernetes-validate"
if [ "$("$KUBERNETES_VALIDATE_ROOT/bin/kubernetes-validate" --version 2>/dev/null)" != "$KUBERNETES_VALIDATE_VERSION" ]; then
    echo "setup: installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION from PyPI"
    if ! python3 -m venv "$KUBERNETES_VALIDATE_ROOT" >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        python3 -m venv "$KUBERNETES_VALIDATE_ROOT"
    fi
    "$KUBERNETES_VALIDATE_ROOT/bin/pip" install --quiet "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
fi
