//! Every cloud.yaml field the host itself defines, once: its type, default and meaning.
//! The JSON Schema (`schema.rs`), the unknown-key warnings, the documentation check and
//! validation (`validate.rs`, which takes its defaults from here) all read this table.
//! The built-in providers' sections are theirs: each declares its own schema
//! (`providers`), which the same places read beside this table.

use serde_json::{Value, json};

#[derive(Clone, Copy, Debug)]
pub enum Kind {
    String,
    AbsolutePath,
    Enum(&'static [&'static str]),
    Integer,
    PositiveInteger,
    StringList,
    /// `agents`: keys `default` or a phase, values an agent.
    Agents,
    /// `toolchains`: aliases or `{name, install}` mappings.
    Toolchains,
    /// `extra_repos`: paths (the seed era) or `{url, branch, workspace}` mappings.
    ExtraRepos,
}

/// A field's default, written once here and read by validation and the schema alike.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DefaultValue {
    Text(&'static str),
    Number(i64),
    /// A structured default, as JSON text.
    Json(&'static str),
}

use DefaultValue::{Json, Number, Text};

impl DefaultValue {
    pub fn to_json(self) -> Value {
        match self {
            Text(text) => json!(text),
            Number(number) => json!(number),
            Json(text) => serde_json::from_str(text).unwrap_or(Value::Null),
        }
    }
}

pub struct Field {
    pub path: &'static str,
    pub kind: Kind,
    pub default: Option<DefaultValue>,
    pub doc: &'static str,
    /// Not in the Python reference (a megaplan-cloud addition).
    pub addition: bool,
}

pub const MODES: &[&str] = &["auto", "chain", "idle"];
pub const ISOLATION: &[&str] = &["shared", "per-chain"];
pub const REASONING: &[&str] = &["minimal", "low", "medium", "high"];
pub const AGENTS: &[&str] = &["claude", "codex", "hermes", "shannon"];
pub const TOOLCHAIN_ALIASES: &[&str] = &["rust", "go", "java"];
/// Phase names valid as `agents` keys, in routing order, with the built-in fallback.
pub const PHASES: &[(&str, &str)] = &[
    ("plan", "claude"),
    ("prep", "claude"),
    ("critique", "codex"),
    ("revise", "claude"),
    ("gate", "claude"),
    ("feedback", "claude:low"),
    ("finalize", "claude"),
    ("execute", "codex"),
    ("loop_plan", "claude"),
    ("loop_execute", "codex"),
    ("review", "codex"),
    ("tiebreaker_researcher", "codex"),
    ("tiebreaker_challenger", "codex"),
];

/// Top-level blocks that are mappings, with their meaning; the built-in providers'
/// sections come from `providers` (see [`blocks`]).
const CORE_BLOCKS: &[(&str, &str)] = &[
    ("repo", "The repository cloned into the runner's workspace."),
    (
        "codex",
        "Codex settings written to /root/.codex/config.toml on every boot.",
    ),
    ("agents", "Which agent runs each megaplan phase."),
    ("megaplan", "Which megaplan the runner installs on boot."),
    ("resources", "Volume and port of the runner."),
    ("auto", "Used only when mode is auto."),
    ("chain", "Used only when mode is chain."),
    ("image", "The runner image (a megaplan-cloud addition)."),
    (
        "supervisor",
        "Limits of `supervise --chain` (a megaplan-cloud addition).",
    ),
];

pub(super) const fn field(
    path: &'static str,
    kind: Kind,
    default: Option<DefaultValue>,
    doc: &'static str,
) -> Field {
    Field {
        path,
        kind,
        default,
        doc,
        addition: false,
    }
}

/// A field megaplan-cloud adds to the reference's.
pub(super) const fn added(
    path: &'static str,
    kind: Kind,
    default: Option<DefaultValue>,
    doc: &'static str,
) -> Field {
    Field {
        addition: true,
        ..field(path, kind, default, doc)
    }
}

/// The fields outside the built-in providers' sections.
const CORE_FIELDS: &[Field] = &[
    field(
        "provider",
        Kind::String,
        Some(Text("railway")),
        "The transport: railway, local, ssh, swarm (megaplan-cloud addition), or an installed third-party provider. `fly` is reserved.",
    ),
    field(
        "mode",
        Kind::Enum(MODES),
        Some(Text("idle")),
        "What the runner's agent session does on boot: auto, chain or idle.",
    ),
    field(
        "secrets",
        Kind::StringList,
        Some(Json("[]")),
        "Names of local environment variables handed to the runner on deploy and redacted from all output.",
    ),
    field(
        "toolchains",
        Kind::Toolchains,
        Some(Json("[]")),
        "Extra toolchains layered into the image: aliases rust, go, java, or {name, install} mappings.",
    ),
    field(
        "extra_repos",
        Kind::ExtraRepos,
        Some(Json("[]")),
        "Extra repositories whose sync state the supervisor refreshes.",
    ),
    field(
        "chain_session",
        Kind::String,
        None,
        "tmux session for `chain` (an optional extension from just after the seed era).",
    ),
    field(
        "repo.url",
        Kind::String,
        None,
        "Git URL cloned into the remote workspace. Required.",
    ),
    field(
        "repo.branch",
        Kind::String,
        Some(Text("main")),
        "Branch checked out on clone.",
    ),
    field(
        "repo.workspace",
        Kind::AbsolutePath,
        Some(Text("/workspace/app")),
        "Absolute repository path inside the runner.",
    ),
    field(
        "codex.model",
        Kind::String,
        Some(Text("gpt-5.4")),
        "Codex model.",
    ),
    field(
        "codex.reasoning",
        Kind::Enum(REASONING),
        Some(Text("high")),
        "Codex reasoning effort.",
    ),
    field(
        "agents",
        Kind::Agents,
        Some(Json(r#"{"default": "codex"}"#)),
        "`default` applies to every phase; phase keys override it.",
    ),
    field(
        "megaplan.ref",
        Kind::String,
        Some(Text("main")),
        "Branch, tag or SHA of megaplan installed on boot.",
    ),
    field(
        "resources.volume",
        Kind::String,
        None,
        "Provider-specific persistent volume; `destroy` deletes it only when set.",
    ),
    field(
        "resources.port",
        Kind::Integer,
        Some(Number(8080)),
        "Health server port exposed by the runner.",
    ),
    added(
        "resources.min_free_bytes",
        Kind::Integer,
        Some(Number(2_147_483_648)),
        "`chain` refuses (`runner_low_disk`) when the runner's workspace filesystem has less free space than this (bytes; 0 turns the check off).",
    ),
    added(
        "resources.min_free_inodes",
        Kind::Integer,
        Some(Number(100_000)),
        "`chain` refuses (`runner_low_disk`) when that filesystem has fewer free inodes than this (0 turns the check off).",
    ),
    field(
        "auto.plan_name",
        Kind::String,
        None,
        "Plan name for the boot-time `megaplan auto`. Required in mode auto.",
    ),
    field(
        "auto.idea_file",
        Kind::AbsolutePath,
        None,
        "Remote idea file. Required in mode auto.",
    ),
    field(
        "auto.robustness",
        Kind::String,
        Some(Text("standard")),
        "Robustness for the boot-time `megaplan init`.",
    ),
    field(
        "chain.spec",
        Kind::AbsolutePath,
        None,
        "Remote chain spec. Required in mode chain.",
    ),
    field(
        "chain.chain_session",
        Kind::String,
        None,
        "tmux session used by `chain` in mode chain.",
    ),
    added(
        "chain.isolation",
        Kind::Enum(ISOLATION),
        Some(Text("shared")),
        "`per-chain` gives every chain its own workspace, tmux session, log and spec path, derived from its identity (any mode; `chain --isolated` for one launch).",
    ),
    added(
        "image.base",
        Kind::String,
        Some(Text(super::DEFAULT_BASE_IMAGE)),
        "Base image of the built-in Dockerfile (private registries, offline builds).",
    ),
    added(
        "image.dockerfile",
        Kind::String,
        None,
        "Your own Dockerfile template, used instead of the built-in one (relative to cloud.yaml).",
    ),
    added(
        "supervisor.restart_budget",
        Kind::PositiveInteger,
        Some(Number(3)),
        "How many restarts `supervise --chain` may make within `restart_window`; the next is refused (restart_budget_exhausted) for a human to look at.",
    ),
    added(
        "supervisor.restart_window",
        Kind::PositiveInteger,
        Some(Number(3600)),
        "The window of the restart budget, in seconds.",
    ),
    added(
        "supervisor.lock_ttl",
        Kind::PositiveInteger,
        Some(Number(900)),
        "Seconds after which a supervisor lock left on the runner counts as stale and is broken.",
    ),
];

/// Every field the host defines (the built-in providers' sections are in
/// `providers::field_paths`).
pub fn all() -> impl Iterator<Item = &'static Field> {
    CORE_FIELDS.iter()
}

/// Every block in the reference's order: the provider sections follow `resources`.
pub fn blocks() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    let before = CORE_BLOCKS.iter().take_while(|(b, _)| *b != "auto");
    let after = CORE_BLOCKS.iter().skip_while(|(b, _)| *b != "auto");
    before.chain(super::providers::BLOCKS).chain(after)
}

pub fn find(path: &str) -> Option<&'static Field> {
    all().find(|f| f.path == path)
}

/// Whether `path` names a block (a top-level mapping).
pub fn is_block(path: &str) -> bool {
    blocks().any(|(block, _)| *block == path)
}

/// Whether `path` (e.g. `repo.branch`, `ssh.host`) names a known field or block.
pub fn is_known(path: &str) -> bool {
    find(path).is_some() || is_block(path) || super::providers::field_paths().any(|p| p == path)
}

/// The text default of a field, from the table.
pub fn text_default(path: &str) -> Option<&'static str> {
    match find(path)?.default? {
        Text(text) => Some(text),
        _ => None,
    }
}

/// The numeric default of a field, from the table.
pub fn number_default(path: &str) -> Option<i64> {
    match find(path)?.default? {
        Number(number) => Some(number),
        _ => None,
    }
}

/// The closest known key at the same level, for "did you mean" hints.
pub fn suggest(path: &str) -> Option<&'static str> {
    let (parent, leaf) = match path.rsplit_once('.') {
        Some((parent, leaf)) => (Some(parent), leaf),
        None => (None, path),
    };
    let siblings = all()
        .map(|f| f.path)
        .chain(super::providers::field_paths())
        .chain(blocks().map(|(b, _)| *b))
        .filter(|candidate| match (parent, candidate.rsplit_once('.')) {
            (Some(parent), Some((p, _))) => p == parent,
            (None, None) => true,
            _ => false,
        });
    siblings
        .map(|candidate| {
            let candidate_leaf = candidate.rsplit('.').next().unwrap_or(candidate);
            (strsim::damerau_levenshtein(leaf, candidate_leaf), candidate)
        })
        .filter(|(distance, candidate)| *distance <= 2.max(candidate.len() / 4))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_stay_at_the_same_level() {
        assert_eq!(suggest("repo.brnach"), Some("repo.branch"));
        assert_eq!(suggest("provder"), Some("provider"));
        assert_eq!(suggest("ssh.hots"), Some("ssh.host"));
        assert_eq!(suggest("repo.zzzzzzzz"), None);
        assert_eq!(suggest("secret"), Some("secrets"));
    }

    #[test]
    fn every_structured_default_is_json() {
        for field in all() {
            if let Some(Json(text)) = field.default {
                assert!(
                    serde_json::from_str::<Value>(text).is_ok(),
                    "{}",
                    field.path
                );
            }
        }
    }
}
