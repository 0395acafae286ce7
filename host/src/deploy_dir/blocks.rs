//! The generated parts of the image: toolchain blocks, agent routing, the ensure-repo
//! command and the runner launch for each mode. Every value that reaches a shell goes
//! through `quote`.

use crate::config::{CloudSpec, Mode, Repo, Toolchain};
use megaplan_cloud_shell::quote;

/// The built-in toolchain recipes (docs/configuration.md).
fn recipe(alias: &str) -> Option<&'static str> {
    match alias {
        "rust" => Some(
            "# Toolchain: rust\nRUN curl https://sh.rustup.rs -sSf | sh -s -- -y\nENV PATH=/root/.cargo/bin:${PATH}",
        ),
        "go" => Some(
            "# Toolchain: go\nRUN curl -fsSL https://go.dev/dl/go1.22.5.linux-amd64.tar.gz | tar -C /usr/local -xz\nENV PATH=/usr/local/go/bin:${PATH}",
        ),
        "java" => Some(
            "# Toolchain: java\nRUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jdk \\\n    && rm -rf /var/lib/apt/lists/*\nENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 \\\n    PATH=${JAVA_HOME}/bin:${PATH}",
        ),
        _ => None,
    }
}

/// Blocks joined by a blank line; an install text equal to an alias gets the recipe.
pub fn toolchains(toolchains: &[Toolchain]) -> String {
    toolchains
        .iter()
        .map(|t| match recipe(&t.install) {
            Some(recipe) => recipe.to_string(),
            None => format!("# Toolchain: {}\n{}", t.name, t.install),
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// `mkdir -p <parent> && if [ ! -d <ws>/.git ]; then git clone ...; else true; fi`
pub fn ensure_repo(repo: &Repo) -> String {
    let workspace = repo.workspace.trim_end_matches('/');
    let parent = match workspace.rfind('/') {
        Some(0) | None => "/",
        Some(at) => &workspace[..at],
    };
    format!(
        "mkdir -p {} && if [ ! -d {} ]; then git clone --branch {} -- {} {}; else true; fi",
        quote(parent),
        quote(&format!("{}/.git", repo.workspace)),
        quote(&repo.branch),
        quote(&repo.url),
        quote(&repo.workspace)
    )
}

pub fn agent_routing(spec: &CloudSpec) -> String {
    spec.routing()
        .iter()
        .map(|(phase, agent)| {
            format!(
                "megaplan config set agents.{phase} {} >/dev/null 2>&1 || true",
                quote(agent)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A tmux session `agent` running `bash -lc <script>`; the whole tmux command is one
/// quoted word, so the script reaches bash exactly as written.
fn agent_session(workspace: &str, command: &str) -> String {
    format!(
        "tmux new-session -d -s agent -c {} {}",
        quote(workspace),
        quote(command)
    )
}

fn idle_session(workspace: &str) -> String {
    agent_session(workspace, "bash -l")
}

/// Starts the tmux session for the mode; auto and chain drop to an idle shell with a
/// warning when their input file is missing.
pub fn runner_launch(spec: &CloudSpec) -> String {
    let workspace = &spec.repo.workspace;
    let (variable, warning, script) = match (spec.mode, &spec.auto, &spec.chain) {
        (Mode::Auto, Some(auto), _) => {
            let plan_dir = format!("{workspace}/.megaplan/plans/{}", auto.plan_name);
            let script = format!(
                "set -euo pipefail\nPLAN_DIR={}\nif [[ ! -d \"$PLAN_DIR\" ]]; then\n  IDEA=\"$(cat \"$IDEA_FILE\")\"\n  megaplan init --project-dir {} --name {} --auto-approve --robustness {} \"$IDEA\"\nfi\nexec mp-supervise {} megaplan auto --plan {}",
                quote(&plan_dir),
                quote(workspace),
                quote(&auto.plan_name),
                quote(&auto.robustness),
                quote(&format!("auto-{}", auto.plan_name)),
                quote(&auto.plan_name),
            );
            (
                "IDEA_FILE",
                "WARN: idea file missing, dropping to idle",
                script,
            )
        }
        (Mode::Chain, _, Some(chain)) => {
            let script = format!(
                "set -euo pipefail\nexec mp-supervise chain mp-chain {}",
                quote(&chain.spec)
            );
            (
                "CHAIN_SPEC",
                "WARN: chain spec missing, dropping to idle",
                script,
            )
        }
        _ => return format!("  {}", idle_session(workspace)),
    };
    format!(
        "  if [ ! -f \"${variable}\" ]; then\n    echo {}\n    {}\n  else\n    {}\n  fi",
        quote(warning),
        idle_session(workspace),
        agent_session(workspace, &format!("bash -lc {}", quote(&script))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ensure_repo_matches_the_reference_for_defaults() {
        assert_eq!(
            ensure_repo(&Repo::example("/workspace/app")),
            "mkdir -p /workspace && if [ ! -d /workspace/app/.git ]; then git clone --branch main -- https://github.com/example/app.git /workspace/app; else true; fi"
        );
        assert!(ensure_repo(&Repo::example("/app")).starts_with("mkdir -p / && "));
        assert!(ensure_repo(&Repo::example("/work space/a'b")).contains("'/work space/a'\"'\"'b'"));
    }

    #[test]
    fn toolchain_recipes_and_custom_blocks() {
        let t = |name: &str, install: &str| Toolchain {
            name: name.into(),
            install: install.into(),
        };
        assert_eq!(toolchains(&[]), "");
        let block = toolchains(&[t("rust", "rust"), t("mine", "go"), t("custom", "RUN true")]);
        assert!(block.starts_with("# Toolchain: rust\n"));
        assert!(
            block.contains("\n\n# Toolchain: go\n"),
            "an install equal to an alias gets the recipe"
        );
        assert!(block.ends_with("\n\n# Toolchain: custom\nRUN true"));
    }
}
