#!/usr/bin/env bash
# The main job on this machine, from nothing: a runner on the local Docker engine, a
# two-milestone chain launched on it, and `status --chain` until the first milestone is
# reported. Everything is torn down at the end unless --keep is given.
#
# usage: scripts/quickstart.sh [--keep]
#
# It installs what it needs (the wasm32-wasip2 target, the offline base image, which
# stands in for the full runner image with a stand-in megaplan core and a seed
# repository), builds megaplan-cloud, and writes a throwaway project under
# ${QUICKSTART_DIR:-a new temporary directory}.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
KEEP=0
[ "${1:-}" = "--keep" ] && KEEP=1

step=0
say() { step=$((step + 1)); printf '\nquickstart [%d/8] %s\n' "$step" "$*"; }

say "installing what the runner needs (wasm target, debootstrap, offline base image)"
rustup target add wasm32-wasip2 >/dev/null 2>&1 || bash "$ROOT/../shared/tools/ensure-wasm-target"
if ! command -v debootstrap >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
bash "$ROOT/tests/image/build-test-image.sh"

say "building megaplan-cloud (the first build compiles wasmtime: several minutes)"
cargo build --quiet --manifest-path "$ROOT/Cargo.toml" -p megaplan-cloud
MPC="$ROOT/target/debug/megaplan-cloud"

DEMO="${QUICKSTART_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/megaplan-cloud-quickstart.XXXXXX")}"
say "writing a throwaway project in $DEMO"
mkdir -p "$DEMO/ideas"
cd "$DEMO"
export MEGAPLAN_CLOUD_HOME="$DEMO/.megaplan-cloud"
PROJECT="mpc-quickstart-$$"
cp "$ROOT/tests/image/Dockerfile.offline" .
cat > cloud.yaml <<YAML
provider: local
repo: {url: file:///opt/seed-repo}
local: {compose_project: $PROJECT}
image: {base: megaplan-cloud-test-base:bookworm, dockerfile: Dockerfile.offline}
secrets: [QUICKSTART_TOKEN]
YAML
cat > chain.yaml <<'YAML'
milestones:
  - label: scaffold
    idea: ideas/scaffold.md
  - label: polish
    idea: ideas/polish.md
YAML
echo "Lay out the project skeleton." > ideas/scaffold.md
echo "Polish what the first milestone built." > ideas/polish.md
export QUICKSTART_TOKEN="quickstart-secret-$$-value"

teardown() {
    if [ "$KEEP" = 1 ]; then
        printf '\nquickstart: left running (--keep). From %s:\n' "$DEMO"
        printf '  MEGAPLAN_CLOUD_HOME=%s %s attach     # Ctrl-b d detaches\n' "$MEGAPLAN_CLOUD_HOME" "$MPC"
        printf '  MEGAPLAN_CLOUD_HOME=%s %s status --chain\n' "$MEGAPLAN_CLOUD_HOME" "$MPC"
        printf '  MEGAPLAN_CLOUD_HOME=%s %s destroy --yes   # when done\n' "$MEGAPLAN_CLOUD_HOME" "$MPC"
    else
        printf '\nquickstart: tearing down (pass --keep to leave the runner up)\n'
        "$MPC" destroy --yes >/dev/null || true
        docker rmi -f "$PROJECT-agent" "${PROJECT}_agent" >/dev/null 2>&1 || true
    fi
}
trap teardown EXIT

say "build: the runner image"
"$MPC" build
say "deploy: the runner container"
"$MPC" deploy

say "chain: one call stages the ideas and the spec and starts the chain in tmux"
"$MPC" chain chain.yaml

say "status --chain until the first milestone is reported (up to 120 s)"
deadline=$((SECONDS + 120))
until "$MPC" status --chain > status.json 2> status.txt \
      && grep -q '"label": "scaffold"' status.json \
      && grep -q 'Current milestone: scaffold' status.txt; do
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "quickstart: the first milestone was not reported in time; last answer:" >&2
        cat status.json status.txt >&2
        exit 1
    fi
    sleep 2
done
cat status.txt

say "done: the chain runs on the runner; attach with: $MPC attach"
