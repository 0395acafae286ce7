//! Validation in the reference's order (docs/configuration.md): file, provider, repo, codex,
//! mode, agents, megaplan, resources, railway, local, ssh, auto, chain, extra_repos,
//! secrets, toolchains, then this tool's additions (image). One short function per
//! block; defaults come from the field table.

use yaml_serde::{Mapping, Value};

use super::fields::{self, AGENTS, ISOLATION, MODES, PHASES, REASONING, TOOLCHAIN_ALIASES};
use super::providers::{self, read_section, typed};
use super::reader::{Reader, get, python_repr, python_str, untagged};
use super::{
    Auto, Chain, CloudSpec, Codex, ExtraRepo, Image, Isolation, Mode, Repo, Resources, Supervisor,
    Toolchain,
};
use crate::error::CloudResult;

type Root<'a> = Option<&'a Mapping>;

/// Reads every field of a parsed cloud.yaml into a [`CloudSpec`].
pub(super) fn read(
    r: &Reader<'_>,
    root: &Mapping,
    installed: &dyn Fn(&str) -> bool,
) -> CloudResult<CloudSpec> {
    let root = Some(root);
    let provider = read_provider(r, root, installed)?;
    let repo = read_repo(r, root)?;
    let codex = read_codex(r, root)?;
    let mode = read_mode(r, root)?;
    let agents = read_agents(r, get(root, "agents"))?;
    let megaplan_map = r.mapping(get(root, "megaplan"), "megaplan")?;
    let megaplan_ref = r.text(megaplan_map, "megaplan.ref")?;
    let resources = read_resources(r, root)?;
    let mut builtin_sections = serde_json::Map::new();
    for name in providers::NAMES {
        if let Some(section) = read_section(r, root, name, &provider)? {
            builtin_sections.insert(name.to_string(), section);
        }
    }
    let section = |name: &str| builtin_sections.get(name);
    let railway = typed(
        section("railway").expect("railway is always read"),
        "railway",
    )?;
    let local = section("local").map(|s| typed(s, "local")).transpose()?;
    let ssh = section("ssh").map(|s| typed(s, "ssh")).transpose()?;
    let swarm = section("swarm").map(|s| typed(s, "swarm")).transpose()?;
    let auto = read_auto(r, root, mode)?;
    let chain = read_chain(r, root, mode)?;
    let workspace_explicit = get(root, "repo")
        .and_then(|repo| repo.get("workspace"))
        .is_some();
    Ok(CloudSpec {
        path: Default::default(),
        provider,
        repo,
        workspace_explicit,
        codex,
        mode,
        agents,
        megaplan_ref,
        resources,
        railway,
        local,
        ssh,
        swarm,
        auto,
        chain,
        isolation: read_isolation(r, root)?,
        extra_repos: read_extra_repos(r, get(root, "extra_repos"))?,
        chain_session: r.optional_string(get(root, "chain_session"), "chain_session")?,
        secrets: read_secrets(r, get(root, "secrets"))?,
        toolchains: read_toolchains(r, get(root, "toolchains"))?,
        image: read_image(r, root)?,
        supervisor: read_supervisor(r, root)?,
        sections: Default::default(),
        builtin_sections,
        locations: Default::default(),
        file_name: String::new(),
    })
}

/// A built-in, an installed third-party provider, or `fly` (reserved) when it is not
/// installed.
fn read_provider(
    r: &Reader<'_>,
    root: Root<'_>,
    installed: &dyn Fn(&str) -> bool,
) -> CloudResult<String> {
    let provider = r.text(root, "provider")?;
    if provider == "fly" && !installed(&provider) {
        return Err(r.error_with_code(
            "future_provider",
            "provider",
            format!(
                "provider {} is reserved for a future release; future providers: fly",
                python_repr(&provider)
            ),
        ));
    }
    if !providers::NAMES.contains(&provider.as_str()) && !installed(&provider) {
        return Err(r.error(
            "provider",
            format!(
                "provider must be one of railway, local, ssh, swarm, fly; got {}{}",
                python_repr(&provider),
                super::reader::hint(&provider, &["railway", "local", "ssh", "swarm", "fly"])
            ),
        ));
    }
    Ok(provider)
}

fn read_repo(r: &Reader<'_>, root: Root<'_>) -> CloudResult<Repo> {
    let map = r.mapping(get(root, "repo"), "repo")?;
    Ok(Repo {
        url: r.text(map, "repo.url")?,
        branch: r.text(map, "repo.branch")?,
        workspace: r.absolute(map, "repo.workspace")?,
    })
}

fn read_codex(r: &Reader<'_>, root: Root<'_>) -> CloudResult<Codex> {
    let map = r.mapping(get(root, "codex"), "codex")?;
    let reasoning = r.text(map, "codex.reasoning")?;
    Ok(Codex {
        reasoning: r.enum_value(reasoning, "codex.reasoning", REASONING, "codex.reasoning")?,
        model: r.text(map, "codex.model")?,
    })
}

fn read_mode(r: &Reader<'_>, root: Root<'_>) -> CloudResult<Mode> {
    let mode = r.text(root, "mode")?;
    Ok(match r.enum_value(mode, "mode", MODES, "mode")?.as_str() {
        "auto" => Mode::Auto,
        "chain" => Mode::Chain,
        _ => Mode::Idle,
    })
}

fn read_resources(r: &Reader<'_>, root: Root<'_>) -> CloudResult<Resources> {
    let map = r.mapping(get(root, "resources"), "resources")?;
    let volume = r.optional_text(map, "resources.volume")?;
    let port = r.number(map, "resources.port", "`resources.port` must be an integer")?;
    let port = u16::try_from(port).ok().filter(|p| *p > 0).ok_or_else(|| {
        r.error(
            "resources.port",
            format!("`resources.port` must be between 1 and 65535; got {port}"),
        )
    })?;
    let floor = |path: &str| -> CloudResult<u64> {
        let message = format!("`{path}` must be a non-negative integer");
        let value = r.number(map, path, &message)?;
        u64::try_from(value).map_err(|_| r.error(path, message.clone()))
    };
    Ok(Resources {
        volume,
        port,
        min_free_bytes: floor("resources.min_free_bytes")?,
        min_free_inodes: floor("resources.min_free_inodes")?,
    })
}

/// `auto:` matters (and is validated) only in mode auto.
fn read_auto(r: &Reader<'_>, root: Root<'_>, mode: Mode) -> CloudResult<Option<Auto>> {
    if mode != Mode::Auto {
        return Ok(None);
    }
    let map = r.mapping(get(root, "auto"), "auto")?;
    Ok(Some(Auto {
        plan_name: r.text(map, "auto.plan_name")?,
        idea_file: r.absolute(map, "auto.idea_file")?,
        robustness: r.text(map, "auto.robustness")?,
    }))
}

/// `chain:` matters (and is validated) only in mode chain.
fn read_chain(r: &Reader<'_>, root: Root<'_>, mode: Mode) -> CloudResult<Option<Chain>> {
    if mode != Mode::Chain {
        return Ok(None);
    }
    let map = r.mapping(get(root, "chain"), "chain")?;
    Ok(Some(Chain {
        spec: r.absolute(map, "chain.spec")?,
        chain_session: r.optional_text(map, "chain.chain_session")?,
    }))
}

/// `chain.isolation` applies to every `chain` launch, whatever the mode, so it is read
/// even where the rest of `chain:` is not.
fn read_isolation(r: &Reader<'_>, root: Root<'_>) -> CloudResult<Isolation> {
    let map = match get(root, "chain").map(untagged) {
        Some(Value::Mapping(map)) => Some(map),
        _ => None,
    };
    let value = r.text(map, "chain.isolation")?;
    let value = r.enum_value(value, "chain.isolation", ISOLATION, "chain.isolation")?;
    Ok(if value == "per-chain" {
        Isolation::PerChain
    } else {
        Isolation::Shared
    })
}

fn read_image(r: &Reader<'_>, root: Root<'_>) -> CloudResult<Image> {
    let map = r.mapping(get(root, "image"), "image")?;
    Ok(Image {
        base: r.text(map, "image.base")?,
        dockerfile: r.optional_text(map, "image.dockerfile")?,
    })
}

fn read_supervisor(r: &Reader<'_>, root: Root<'_>) -> CloudResult<Supervisor> {
    let map = r.mapping(get(root, "supervisor"), "supervisor")?;
    let positive = |path: &str| -> CloudResult<u64> {
        let message = format!("`{path}` must be a positive integer");
        let value = r.number(map, path, &message)?;
        u64::try_from(value)
            .ok()
            .filter(|v| *v > 0)
            .ok_or_else(|| r.error(path, message.clone()))
    };
    Ok(Supervisor {
        restart_budget: positive("supervisor.restart_budget")?,
        restart_window_secs: positive("supervisor.restart_window")?,
        lock_ttl_secs: positive("supervisor.lock_ttl")?,
    })
}

fn read_agents(r: &Reader<'_>, value: Option<&Value>) -> CloudResult<Vec<(String, String)>> {
    let map = r.mapping(value, "agents")?;
    let Some(map) = map.filter(|m| !m.is_empty()) else {
        return Ok(vec![("default".into(), "codex".into())]);
    };
    let valid_keys: Vec<&str> = std::iter::once("default")
        .chain(PHASES.iter().map(|(p, _)| *p))
        .collect();
    let mut agents = Vec::new();
    for (key, agent) in map {
        let Some(key) = untagged(key).as_str() else {
            return Err(r.error(
                "agents",
                format!(
                    "`agents` keys must be strings; valid keys: {}",
                    valid_keys.join(", ")
                ),
            ));
        };
        let path = format!("agents.{key}");
        if !valid_keys.contains(&key) {
            return Err(r.error(
                &path,
                format!(
                    "Unknown agents key '{key}'. Valid keys: {}",
                    valid_keys.join(", ")
                ),
            ));
        }
        match untagged(agent).as_str() {
            Some(name) if AGENTS.contains(&name) => {
                agents.push((key.to_string(), name.to_string()))
            }
            _ => {
                return Err(r.error(
                    &path,
                    format!(
                        "Unknown agent '{}'. Valid agents: {}",
                        python_str(agent),
                        AGENTS.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(agents)
}

fn read_extra_repos(r: &Reader<'_>, value: Option<&Value>) -> CloudResult<Vec<ExtraRepo>> {
    let items = match value.map(untagged) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Sequence(items)) => items,
        Some(_) => return Err(r.error("extra_repos", "`extra_repos` must be a list of strings")),
    };
    let mut repos = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let label = format!("extra_repos[{index}]");
        match untagged(item) {
            Value::String(path) if !path.trim().is_empty() => {
                repos.push(ExtraRepo::Path(path.clone()))
            }
            Value::Mapping(map) => {
                let map = Some(map);
                repos.push(ExtraRepo::Repo(Repo {
                    url: r.string(get(map, "url"), &format!("{label}.url"), None)?,
                    branch: r.string(
                        get(map, "branch"),
                        &format!("{label}.branch"),
                        fields::text_default("repo.branch"),
                    )?,
                    workspace: r.absolute_path(
                        get(map, "workspace"),
                        &format!("{label}.workspace"),
                        None,
                    )?,
                }));
            }
            _ => return Err(r.error(&label, format!("`{label}` must be a non-empty string"))),
        }
    }
    Ok(repos)
}

fn read_secrets(r: &Reader<'_>, value: Option<&Value>) -> CloudResult<Vec<String>> {
    let message = "`secrets` must be a list of strings";
    match value.map(untagged) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Sequence(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| match untagged(item) {
                Value::String(s) if !s.is_empty() => Ok(s.clone()),
                _ => Err(r.error(&format!("secrets[{index}]"), message)),
            })
            .collect(),
        Some(_) => Err(r.error("secrets", message)),
    }
}

fn read_toolchains(r: &Reader<'_>, value: Option<&Value>) -> CloudResult<Vec<Toolchain>> {
    let items = match value.map(untagged) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Sequence(items)) => items,
        Some(_) => return Err(r.error("toolchains", "`toolchains` must be a list")),
    };
    let mut toolchains = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let label = format!("toolchains[{index}]");
        match untagged(item) {
            Value::String(alias) => {
                if !TOOLCHAIN_ALIASES.contains(&alias.as_str()) {
                    return Err(r.error(
                        &label,
                        format!(
                            "Unknown toolchain alias {}; expected one of: {}",
                            python_repr(alias),
                            TOOLCHAIN_ALIASES.join(", ")
                        ),
                    ));
                }
                toolchains.push(Toolchain {
                    name: alias.clone(),
                    install: alias.clone(),
                });
            }
            Value::Mapping(map) => {
                let map = Some(map);
                toolchains.push(Toolchain {
                    name: r.string(get(map, "name"), &format!("{label}.name"), None)?,
                    install: r.string(get(map, "install"), &format!("{label}.install"), None)?,
                });
            }
            _ => {
                return Err(r.error(
                    &label,
                    format!("`{label}` must be a string alias or mapping"),
                ));
            }
        }
    }
    Ok(toolchains)
}
