#!/usr/bin/env bash
# Builds the base image of the end-to-end tests without any registry, in two layers:
#   1. a Debian bookworm root filesystem (minbase, with python3, tmux and git) from
#      Debian's package mirror plus a seed git repository, cached as a tarball and
#      imported into the local Docker engine;
#   2. on top of it, the stand-ins for the external tools the runner calls (megaplan
#      and its `chain` commands, pip, codex, claude), copied in by `docker build`, so
#      changing a stand-in rebuilds only this layer.
#
# usage: build-test-image.sh [IMAGE]   (default megaplan-cloud-test-base:bookworm)
set -euo pipefail
IMAGE="${1:-megaplan-cloud-test-base:bookworm}"
HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE="${MEGAPLAN_CLOUD_TEST_CACHE:-$HOME/.cache/megaplan-cloud}"
PACKAGES="python3,tmux,git,ca-certificates,procps"
ROOTFS_STAMP="$(printf '%s rootfs-v2' "$PACKAGES" | sha256sum | cut -c1-12)"
ROOTFS_IMAGE="megaplan-cloud-test-rootfs:$ROOTFS_STAMP"
TARBALL="$CACHE/test-rootfs-bookworm-$ROOTFS_STAMP.tar"
STAMP="$(cat "$0" "$HERE"/stubs/* | sha256sum | cut -c1-12)"

if docker image inspect "$IMAGE" >/dev/null 2>&1 \
   && [ "$(docker image inspect -f '{{index .Config.Labels "megaplan-cloud.stamp"}}' "$IMAGE")" = "$STAMP" ]; then
  echo "build-test-image: $IMAGE is up to date"
  exit 0
fi

if ! docker image inspect "$ROOTFS_IMAGE" >/dev/null 2>&1; then
  if [ ! -f "$TARBALL" ]; then
    command -v debootstrap >/dev/null || { echo "build-test-image: debootstrap is not installed" >&2; exit 1; }
    mkdir -p "$CACHE"
    rootfs="$(mktemp -d)"
    trap 'rm -rf "$rootfs"' EXIT
    debootstrap --variant=minbase --include="$PACKAGES" bookworm "$rootfs" http://deb.debian.org/debian
    seed="$rootfs/opt/seed-repo"
    git init -q -b main "$seed"
    echo "seed repository for megaplan-cloud end-to-end tests" > "$seed/README.md"
    git -C "$seed" add README.md
    git -C "$seed" -c user.email=e2e@example.com -c user.name=e2e commit -q -m seed
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -cf "$TARBALL.partial" .
    mv "$TARBALL.partial" "$TARBALL"
  fi
  docker import --change 'CMD ["/bin/bash"]' "$TARBALL" "$ROOTFS_IMAGE" >/dev/null
fi

context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
cp -r "$HERE/stubs" "$context/stubs"
cat > "$context/Dockerfile" <<DOCKERFILE
FROM $ROOTFS_IMAGE
COPY stubs/ /usr/local/bin/
RUN chmod 0755 /usr/local/bin/*
LABEL megaplan-cloud.stamp=$STAMP
CMD ["/bin/bash"]
DOCKERFILE
docker build -q -t "$IMAGE" "$context" >/dev/null
echo "build-test-image: built $IMAGE"
