#!/usr/bin/env bash
# Boot script of the megaplan-cloud runner, generated from cloud.yaml. It prepares the
# workspace and the agents, starts the heartbeat and the health server, and opens the
# tmux session `agent` for the configured mode.
set -euo pipefail

LOG=/var/log/entrypoint.log
exec > >(tee -a "$LOG") 2>&1

echo "=== $(date -Iseconds) entrypoint starting ==="

# As PID 1 this script gets no default action for SIGTERM: without a trap, `docker
# stop` (and Swarm replacing a task) waits out its grace period and then kills. A stop
# asked for is a clean exit, so the runner stops at once.
trap 'echo "=== $(date -Iseconds) entrypoint stopping ==="; kill -TERM ${HEALTH_PID:-} 2>/dev/null || true; exit 0' TERM INT

# Secrets delivered as files (Docker Swarm secrets: /run/secrets/NAME) become
# environment variables, for this script and, through the profile, for every login
# shell `exec` opens; a variable the container already has wins. Only the loader is
# written to the profile, never a value.
if [[ -d /run/secrets ]]; then
  cat > /etc/profile.d/megaplan-secrets.sh <<'SECRETS_LOADER'
for megaplan_secret in /run/secrets/*; do
  [ -f "$megaplan_secret" ] || continue
  megaplan_name=${megaplan_secret##*/}
  case $megaplan_name in *[!A-Za-z0-9_]* | [0-9]* | '') continue ;; esac
  if [ -z "$(eval "printf %s \"\${$megaplan_name+set}\"")" ]; then
    export "$megaplan_name=$(cat "$megaplan_secret")"
  fi
done
unset megaplan_secret megaplan_name
SECRETS_LOADER
  . /etc/profile.d/megaplan-secrets.sh
fi

mkdir -p /workspace /root/.ssh /root/.config/megaplan /root/.codex
chmod 700 /root/.ssh

# REPO_URL and REPO_BRANCH may be overridden by the container's environment.
REPO_URL=${REPO_URL:-@@REPO_URL@@}
REPO_BRANCH=${REPO_BRANCH:-@@REPO_BRANCH@@}
WORKSPACE_PATH=@@WORKSPACE_PATH@@
MODE=@@MODE@@
IDEA_FILE=@@IDEA_FILE@@
CHAIN_SPEC=@@CHAIN_SPEC@@
AUTO_PLAN_NAME=@@AUTO_PLAN_NAME@@
export REPO_URL REPO_BRANCH WORKSPACE_PATH MODE IDEA_FILE CHAIN_SPEC AUTO_PLAN_NAME
export MEGAPLAN_TRUSTED_CONTAINER=1

git config --global user.email "${GIT_EMAIL:-codex-agent@example.com}"
git config --global user.name "${GIT_NAME:-Codex Agent}"
git config --global init.defaultBranch main
git config --global pull.rebase false
git config --global --add safe.directory "$WORKSPACE_PATH"

if [[ -n "${GITHUB_TOKEN:-}" ]]; then
  echo "GITHUB_TOKEN present — configuring git credentials"
  git config --global credential.helper store
  umask 077
  printf 'https://x-access-token:%s@github.com\n' "$GITHUB_TOKEN" > /root/.git-credentials
  umask 022
  chmod 600 /root/.git-credentials
fi

# The repository, cloned once (the workspace volume keeps it across boots).
@@ENSURE_REPO_BLOCK@@

if [[ -n "${OPENAI_API_KEY:-}" ]] && [[ ! -f /root/.codex/auth.json ]]; then
  echo "Authenticating codex with OPENAI_API_KEY"
  printf '%s' "$OPENAI_API_KEY" | codex login --with-api-key 2>&1 | tail -3 || true
fi

# Newer claude CLIs can wait forever for a terminal during setup-token; bound it. The
# CLI reads ANTHROPIC_API_KEY from the environment anyway.
if [[ -n "${ANTHROPIC_API_KEY:-}" ]]; then
  echo "Authenticating claude with ANTHROPIC_API_KEY"
  if ! timeout 15 bash -c 'printf "%s\n" "$ANTHROPIC_API_KEY" | claude setup-token' >/dev/null 2>&1; then
    echo "WARN: Claude token auth failed or timed out; continuing — claude CLI will use ANTHROPIC_API_KEY env var directly"
  fi
fi

# Codex configuration, rewritten on every boot so a changed model takes effect. Full
# access inside: the container is the sandbox.
cat > /root/.codex/config.toml <<'CODEX_CONFIG'
model = @@CODEX_MODEL_TOML@@
model_reasoning_effort = @@CODEX_REASONING_TOML@@
sandbox_mode = "danger-full-access"
approval_policy = "never"
CODEX_CONFIG
printf 'Codex model: %s, reasoning: %s, sandbox: danger-full-access (container-sandboxed)\n' @@CODEX_MODEL@@ @@CODEX_REASONING@@

# megaplan at the configured ref, reinstalled on every boot so a restart picks up a new
# ref without rebuilding the image.
MEGAPLAN_REF=${MEGAPLAN_REF:-@@MEGAPLAN_REF@@}
echo "Installing/upgrading megaplan from github:$MEGAPLAN_REF"
pip install --upgrade --force-reinstall --no-cache-dir "megaplan-harness[agent] @ git+https://github.com/peteromallet/megaplan.git@$MEGAPLAN_REF" 2>&1 | tail -3

echo "Configuring megaplan agent routing and execution defaults"
@@AGENT_ROUTING_BLOCK@@
megaplan config set execution.auto_approve true >/dev/null 2>&1 || true
megaplan config set execution.robustness @@ROBUSTNESS@@ >/dev/null 2>&1 || true

echo "Runner mode: $MODE"

if ! tmux has-session -t =heartbeat 2>/dev/null; then
  tmux new-session -d -s heartbeat -c /workspace "/usr/local/bin/mp-heartbeat"
  echo "heartbeat watchdog running in tmux session 'heartbeat'"
fi

python3 /usr/local/bin/healthserver.py &
HEALTH_PID=$!
echo "healthserver.py running as pid $HEALTH_PID"

if ! tmux has-session -t =agent 2>/dev/null; then
@@RUNNER_LAUNCH_BLOCK@@
fi
echo "tmux 'agent' session ready — attach: megaplan-cloud attach"

echo "=== entrypoint idle ==="
wait "$HEALTH_PID"
