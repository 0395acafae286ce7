//! Validation in the reference's order (behaviour.md §3.2): file, provider, repo, codex,
//! mode, agents, megaplan, resources, railway, local, ssh, auto, chain, extra_repos,
//! secrets, toolchains, then this tool's additions (image). Messages are the
//! reference's, prefixed with `<file>:<line>:<column>:` when the node is known.

use yaml_serde::{Mapping, Value};

use super::fields::{AGENTS, MODES, PHASES, REASONING, TOOLCHAIN_ALIASES};
use super::locate::Locations;
use super::{
    Auto, Chain, CloudSpec, Codex, ExtraRepo, Image, Local, Mode, Railway, Repo, Resources, Ssh,
    Toolchain,
};
use crate::error::{CloudError, CloudResult};

pub(super) struct Reader<'a> {
    pub file_name: &'a str,
    pub locations: &'a Locations,
}

/// The reference's message when `text` cannot be the absolute POSIX path `label` needs.
pub fn absolute_path_problem(label: &str, text: &str) -> Option<String> {
    if text.trim().is_empty() {
        Some(format!("`{label}` must be a non-empty string"))
    } else if !text.starts_with('/') {
        Some(format!(
            "`{label}` must be an absolute POSIX path; got {}",
            python_repr(text)
        ))
    } else {
        None
    }
}

/// Python's `repr` of a string, as the reference's messages show values.
pub fn python_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `str` of a YAML value (how `f"'{value}'"` renders it).
fn python_str(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Sequence(items) => format!(
            "[{}]",
            items
                .iter()
                .map(python_literal)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Mapping(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", python_literal(k), python_literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Tagged(tagged) => python_str(&tagged.value),
    }
}

fn python_literal(value: &Value) -> String {
    match value {
        Value::String(s) => python_repr(s),
        other => python_str(other),
    }
}

fn untagged(value: &Value) -> &Value {
    match value {
        Value::Tagged(tagged) => untagged(&tagged.value),
        other => other,
    }
}

impl Reader<'_> {
    /// An `invalid_spec` error about the node at `path`.
    pub fn error(&self, path: &str, message: impl Into<String>) -> CloudError {
        self.error_with_code("invalid_spec", path, message)
    }

    pub fn error_with_code(
        &self,
        code: &str,
        path: &str,
        message: impl Into<String>,
    ) -> CloudError {
        let message = message.into();
        let located = match self.locations.nearest(path) {
            Some((line, column)) => format!("{}:{line}:{column}: {message}", self.file_name),
            None => message,
        };
        CloudError::new(code, located)
    }

    /// A sub-block: absent or null is empty; anything but a mapping is an error.
    pub fn mapping<'v>(
        &self,
        value: Option<&'v Value>,
        label: &str,
    ) -> CloudResult<Option<&'v Mapping>> {
        match value.map(untagged) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Mapping(map)) => Ok(Some(map)),
            Some(_) => Err(self.error(label, format!("`{label}` must be a mapping"))),
        }
    }

    /// A string: absent or null takes the default, or is "required" without one.
    pub fn string(
        &self,
        value: Option<&Value>,
        label: &str,
        default: Option<&str>,
    ) -> CloudResult<String> {
        match value.map(untagged) {
            None | Some(Value::Null) => default
                .map(str::to_string)
                .ok_or_else(|| self.error(label, format!("`{label}` is required"))),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            Some(_) => Err(self.error(label, format!("`{label}` must be a non-empty string"))),
        }
    }

    pub fn optional_string(
        &self,
        value: Option<&Value>,
        label: &str,
    ) -> CloudResult<Option<String>> {
        match value.map(untagged) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.string(value, label, None).map(Some),
        }
    }

    /// An absolute POSIX path. An explicit null is "required" even with a default.
    pub fn absolute_path(
        &self,
        value: Option<&Value>,
        label: &str,
        default: Option<&str>,
    ) -> CloudResult<String> {
        let text = match (value, default) {
            (None, Some(default)) => default.to_string(),
            _ => self.string(value, label, None)?,
        };
        match absolute_path_problem(label, &text) {
            Some(message) => Err(self.error(label, message)),
            None => Ok(text),
        }
    }

    fn integer(
        &self,
        value: Option<&Value>,
        label: &str,
        default: i64,
        message: &str,
    ) -> CloudResult<i64> {
        match value.map(untagged) {
            None | Some(Value::Null) => Ok(default),
            // YAML booleans are not integers here (Python's bool-is-int is not copied).
            Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64().expect("checked")),
            Some(_) => Err(self.error(label, message)),
        }
    }

    fn enum_value(
        &self,
        value: String,
        label: &str,
        allowed: &[&str],
        bare_label: &str,
    ) -> CloudResult<String> {
        if allowed.contains(&value.as_str()) {
            return Ok(value);
        }
        Err(self.error(
            label,
            format!(
                "{bare_label} must be one of {}; got {}",
                allowed.join(", "),
                python_repr(&value)
            ),
        ))
    }
}

fn get<'v>(map: Option<&'v Mapping>, key: &str) -> Option<&'v Value> {
    map.and_then(|m| m.get(key))
}

/// Reads every field of a parsed cloud.yaml into a [`CloudSpec`].
pub(super) fn read(
    r: &Reader<'_>,
    root: &Mapping,
    installed: &dyn Fn(&str) -> bool,
) -> CloudResult<CloudSpec> {
    let root = Some(root);
    let provider = r.string(get(root, "provider"), "provider", Some("railway"))?;
    let builtin = super::fields::PROVIDERS.contains(&provider.as_str());
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
    if !builtin && !installed(&provider) {
        return Err(r.error(
            "provider",
            format!(
                "provider must be one of railway, local, ssh, fly; got {}",
                python_repr(&provider)
            ),
        ));
    }

    let repo_map = r.mapping(get(root, "repo"), "repo")?;
    let repo = Repo {
        url: r.string(get(repo_map, "url"), "repo.url", None)?,
        branch: r.string(get(repo_map, "branch"), "repo.branch", Some("main"))?,
        workspace: r.absolute_path(
            get(repo_map, "workspace"),
            "repo.workspace",
            Some("/workspace/app"),
        )?,
    };

    let codex_map = r.mapping(get(root, "codex"), "codex")?;
    let reasoning = r.string(get(codex_map, "reasoning"), "codex.reasoning", Some("high"))?;
    let codex = Codex {
        reasoning: r.enum_value(reasoning, "codex.reasoning", REASONING, "codex.reasoning")?,
        model: r.string(get(codex_map, "model"), "codex.model", Some("gpt-5.4"))?,
    };

    let mode = r.string(get(root, "mode"), "mode", Some("idle"))?;
    let mode = match r.enum_value(mode, "mode", MODES, "mode")?.as_str() {
        "auto" => Mode::Auto,
        "chain" => Mode::Chain,
        _ => Mode::Idle,
    };

    let agents = read_agents(r, get(root, "agents"))?;

    let megaplan_map = r.mapping(get(root, "megaplan"), "megaplan")?;
    let megaplan_ref = r.string(get(megaplan_map, "ref"), "megaplan.ref", Some("main"))?;

    let resources_map = r.mapping(get(root, "resources"), "resources")?;
    let volume = r.optional_string(get(resources_map, "volume"), "resources.volume")?;
    let port = r.integer(
        get(resources_map, "port"),
        "resources.port",
        8080,
        "`resources.port` must be an integer",
    )?;
    let port = u16::try_from(port).ok().filter(|p| *p > 0).ok_or_else(|| {
        r.error(
            "resources.port",
            format!("`resources.port` must be between 1 and 65535; got {port}"),
        )
    })?;
    let resources = Resources { volume, port };

    let railway_map = r.mapping(get(root, "railway"), "railway")?;
    let railway = Railway {
        service: r.string(
            get(railway_map, "service"),
            "railway.service",
            Some("agent"),
        )?,
        session: r.string(
            get(railway_map, "session"),
            "railway.session",
            Some("agent"),
        )?,
        project: r.optional_string(get(railway_map, "project"), "railway.project")?,
        environment: r.optional_string(get(railway_map, "environment"), "railway.environment")?,
    };

    let local_map = r.mapping(get(root, "local"), "local")?;
    let local = if provider == "local" || local_map.is_some_and(|m| !m.is_empty()) {
        Some(Local {
            compose_project: r.string(
                get(local_map, "compose_project"),
                "local.compose_project",
                Some("megaplan-cloud"),
            )?,
            workdir: r.string(
                get(local_map, "workdir"),
                "local.workdir",
                Some("workspace"),
            )?,
        })
    } else {
        None
    };

    let ssh_map = r.mapping(get(root, "ssh"), "ssh")?;
    let ssh = if provider == "ssh" || ssh_map.is_some_and(|m| !m.is_empty()) {
        let port = r.integer(
            get(ssh_map, "port"),
            "ssh.port",
            22,
            "`ssh.port` must be a positive integer",
        )?;
        let port = u16::try_from(port)
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| r.error("ssh.port", "`ssh.port` must be a positive integer"))?;
        Some(Ssh {
            host: r.string(get(ssh_map, "host"), "ssh.host", None)?,
            user: r.optional_string(get(ssh_map, "user"), "ssh.user")?,
            port,
            identity_file: r.optional_string(get(ssh_map, "identity_file"), "ssh.identity_file")?,
            remote_dir: r.absolute_path(
                get(ssh_map, "remote_dir"),
                "ssh.remote_dir",
                Some("/tmp/megaplan-cloud"),
            )?,
            container: r.string(
                get(ssh_map, "container"),
                "ssh.container",
                Some("megaplan-cloud-agent"),
            )?,
            options: read_string_map(r, get(ssh_map, "options"), "ssh.options")?,
        })
    } else {
        None
    };

    let auto = if mode == Mode::Auto {
        let map = r.mapping(get(root, "auto"), "auto")?;
        Some(Auto {
            plan_name: r.string(get(map, "plan_name"), "auto.plan_name", None)?,
            idea_file: r.absolute_path(get(map, "idea_file"), "auto.idea_file", None)?,
            robustness: r.string(get(map, "robustness"), "auto.robustness", Some("standard"))?,
        })
    } else {
        None
    };

    let chain = if mode == Mode::Chain {
        let map = r.mapping(get(root, "chain"), "chain")?;
        Some(Chain {
            spec: r.absolute_path(get(map, "spec"), "chain.spec", None)?,
            chain_session: r.optional_string(get(map, "chain_session"), "chain.chain_session")?,
        })
    } else {
        None
    };

    let extra_repos = read_extra_repos(r, get(root, "extra_repos"))?;
    let chain_session = r.optional_string(get(root, "chain_session"), "chain_session")?;
    let secrets = read_secrets(r, get(root, "secrets"))?;
    let toolchains = read_toolchains(r, get(root, "toolchains"))?;

    let image_map = r.mapping(get(root, "image"), "image")?;
    let image = Image {
        base: r.string(
            get(image_map, "base"),
            "image.base",
            Some(super::DEFAULT_BASE_IMAGE),
        )?,
        dockerfile: r.optional_string(get(image_map, "dockerfile"), "image.dockerfile")?,
    };

    Ok(CloudSpec {
        path: Default::default(),
        provider,
        repo,
        codex,
        mode,
        agents,
        megaplan_ref,
        resources,
        railway,
        local,
        ssh,
        auto,
        chain,
        extra_repos,
        chain_session,
        secrets,
        toolchains,
        image,
        sections: Default::default(),
    })
}

/// A mapping of names to scalars, each rendered as text (`ConnectTimeout: 5` → "5").
fn read_string_map(
    r: &Reader<'_>,
    value: Option<&Value>,
    label: &str,
) -> CloudResult<Vec<(String, String)>> {
    let Some(map) = r.mapping(value, label)? else {
        return Ok(Vec::new());
    };
    let mut entries = Vec::new();
    for (key, value) in map {
        let Some(key) = untagged(key)
            .as_str()
            .filter(|k| !k.is_empty() && !k.contains('='))
        else {
            return Err(r.error(label, format!("`{label}` keys must be option names")));
        };
        let text = match untagged(value) {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(true) => "yes".into(),
            Value::Bool(false) => "no".into(),
            _ => {
                return Err(r.error(
                    &format!("{label}.{key}"),
                    format!("`{label}.{key}` must be a string, number or boolean"),
                ));
            }
        };
        entries.push((key.to_string(), text));
    }
    Ok(entries)
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
                        Some("main"),
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
