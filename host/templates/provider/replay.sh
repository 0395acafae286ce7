#!/bin/sh
# Builds the component, installs it into a throwaway megaplan-cloud home and replays
# tests/exec.cassette through the host: no @@CLI@@ is needed and nothing runs. Set
# MEGAPLAN_CLOUD to the megaplan-cloud binary if it is not on PATH.
set -eu
cd "$(dirname "$0")/.."
mpc=${MEGAPLAN_CLOUD:-megaplan-cloud}
cargo build --release --target wasm32-wasip2
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export MEGAPLAN_CLOUD_HOME="$home"
target=${CARGO_TARGET_DIR:-target}
"$mpc" provider install "$target/wasm32-wasip2/release/@@NAME@@.wasm" --yes >/dev/null
out=$("$mpc" --cloud-yaml cloud.yaml --replay tests/exec.cassette exec 'echo hello' </dev/null)
if [ "$out" != "hello" ]; then
    echo "replay printed: $out" >&2
    exit 1
fi
echo "replay: ok"
