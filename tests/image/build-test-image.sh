#!/usr/bin/env bash
# Builds the base image of the end-to-end tests without any registry: Debian bookworm
# (minbase) from Debian's package mirror with python3, tmux and git, plus stand-ins for
# the external tools the entrypoint calls (megaplan, pip, codex, claude) and a seed git
# repository, imported into the local Docker engine. The root filesystem is cached as a
# tarball so later runs only re-import it.
#
# usage: build-test-image.sh [IMAGE]   (default megaplan-cloud-test-base:bookworm)
set -euo pipefail
IMAGE="${1:-megaplan-cloud-test-base:bookworm}"
HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE="${MEGAPLAN_CLOUD_TEST_CACHE:-$HOME/.cache/megaplan-cloud}"
# The stand-ins are part of the image: a change to them must rebuild it.
STAMP="$(cat "$0" "$HERE"/stubs/* | sha256sum | cut -c1-12)"
TARBALL="$CACHE/test-base-bookworm-$STAMP.tar"

if docker image inspect "$IMAGE" >/dev/null 2>&1 \
   && [ "$(docker image inspect -f '{{index .Config.Labels "megaplan-cloud.stamp"}}' "$IMAGE")" = "$STAMP" ]; then
  echo "build-test-image: $IMAGE is up to date"
  exit 0
fi

if [ ! -f "$TARBALL" ]; then
  command -v debootstrap >/dev/null || { echo "build-test-image: debootstrap is not installed" >&2; exit 1; }
  mkdir -p "$CACHE"
  rootfs="$(mktemp -d)"
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase --include=python3,tmux,git,ca-certificates,procps \
    bookworm "$rootfs" http://deb.debian.org/debian
  install -m 0755 "$HERE"/stubs/* "$rootfs/usr/local/bin/"
  seed="$rootfs/opt/seed-repo"
  git init -q -b main "$seed"
  echo "seed repository for megaplan-cloud end-to-end tests" > "$seed/README.md"
  git -C "$seed" add README.md
  git -C "$seed" -c user.email=e2e@example.com -c user.name=e2e commit -q -m seed
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -cf "$TARBALL.partial" .
  mv "$TARBALL.partial" "$TARBALL"
fi

docker import --change 'CMD ["/bin/bash"]' --change "LABEL megaplan-cloud.stamp=$STAMP" "$TARBALL" "$IMAGE" >/dev/null
echo "build-test-image: imported $IMAGE"
