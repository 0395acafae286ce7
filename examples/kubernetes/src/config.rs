//! The `kubernetes:` section of cloud.yaml (checked by the host against
//! config.schema.json, defaults filled in), held to what Kubernetes accepts in each
//! place a value goes, and the words every `kubectl` call starts with.

use megaplan_cloud_sdk::prelude::*;
use serde::Deserialize;

#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub context: Option<String>,
    pub namespace: String,
    pub name: String,
    pub image: String,
    pub storage: String,
    pub storage_class: Option<String>,
    #[serde(default)]
    pub runner_per_chain: bool,
    /// The chain's runner this operation is for (`<name>-<runner>`), if any.
    #[serde(skip)]
    pub chain_runner: Option<String>,
}

/// The longest runner name: a StatefulSet's pods carry a `controller-revision-hash`
/// label of the name plus a hash, which must fit a label value (63).
const NAME_MAX: usize = 40;

/// The longest `kubernetes.name` when chains get runners of their own: a chain's
/// runner is `<name>-<runner>`, within [`NAME_MAX`].
const PER_CHAIN_NAME_MAX: usize = NAME_MAX - 1 - runner::NAME_MAX;

impl Config {
    /// The section, with every value Kubernetes would refuse (or that a flag parser
    /// would misread) refused here first, as `invalid-config`; for a chain's own runner
    /// (`runner_per_chain`), its objects are named `<name>-<runner>`.
    pub fn read(ctx: &Context) -> Result<Config, ProviderError> {
        let mut config: Config = parse_config(ctx, "kubernetes")?;
        let name_max = match config.runner_per_chain {
            true => PER_CHAIN_NAME_MAX,
            false => NAME_MAX,
        };
        dns_label("kubernetes.name", &config.name, name_max)?;
        dns_label("kubernetes.namespace", &config.namespace, 63)?;
        if let Some(context) = &config.context {
            word("kubernetes.context", context, |c| {
                c.is_ascii_alphanumeric() || "._:@/-".contains(c)
            })?;
        }
        if let Some(class) = &config.storage_class {
            word("kubernetes.storage_class", class, |c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || ".-".contains(c)
            })?;
        }
        word("kubernetes.image", &config.image, |c| {
            c.is_ascii_alphanumeric() || "._-:/@".contains(c)
        })?;
        quantity(&config.storage)?;
        if let Some(runner) = runner::for_chain(config.runner_per_chain)? {
            config.name = format!("{}-{runner}", config.name);
            config.chain_runner = Some(runner);
        }
        Ok(config)
    }

    /// The manifest's file in the deploy directory: one per runner, so chains' runners
    /// deployed at once do not write over each other's.
    pub fn manifest_file(&self) -> String {
        match &self.chain_runner {
            Some(runner) => format!("runner-{runner}.yaml"),
            None => "runner.yaml".into(),
        }
    }

    /// `kubectl [--context C] --namespace N <words…>`: the cluster and namespace are
    /// always explicit, never whatever the kubeconfig happens to point at.
    pub fn kubectl<'a>(&self, words: impl IntoIterator<Item = &'a str>) -> Cmd {
        Cmd::new("kubectl")
            .opt_arg("--context", self.context.as_deref())
            .args(["--namespace", self.namespace.as_str()])
            .args(words)
    }

    /// The runner's pod: a StatefulSet's first pod is always `<name>-0`.
    pub fn pod(&self) -> String {
        format!("{}-0", self.name)
    }

    pub fn secret(&self) -> String {
        format!("{}-env", self.name)
    }

    /// The claim the StatefulSet made from its `workspace` template for its pod.
    pub fn claim(&self) -> String {
        format!("workspace-{}", self.pod())
    }
}

fn invalid(message: String) -> ProviderError {
    error(ErrorKind::InvalidConfig, message)
}

/// An RFC 1123 label: lower-case letters, digits and dashes, starting and ending with
/// a letter or digit.
fn dns_label(field: &str, value: &str, max: usize) -> Result<(), ProviderError> {
    let edges_ok = value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && value.ends_with(|c: char| c.is_ascii_alphanumeric());
    let ok = !value.is_empty()
        && value.len() <= max
        && edges_ok
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        return Ok(());
    }
    Err(invalid(format!(
        "`{field}` must be 1 to {max} lower-case letters, digits and dashes, starting and ending with a letter or digit; got {value:?}"
    )))
}

/// One word of allowed characters, not a flag.
fn word(field: &str, value: &str, allowed: impl Fn(char) -> bool) -> Result<(), ProviderError> {
    if !value.is_empty() && !value.starts_with('-') && value.chars().all(allowed) {
        return Ok(());
    }
    Err(invalid(format!(
        "`{field}` holds a character Kubernetes does not take there, or reads as a flag; got {value:?}"
    )))
}

/// A storage size: digits and a binary or decimal suffix (`20Gi`, `500M`).
fn quantity(value: &str) -> Result<(), ProviderError> {
    let digits = value.chars().take_while(char::is_ascii_digit).count();
    let suffix = &value[digits..];
    let known = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "k", "M", "G", "T", "P"];
    if digits > 0 && known.contains(&suffix) {
        return Ok(());
    }
    Err(invalid(format!(
        "`kubernetes.storage` must be a size such as 20Gi or 500M; got {value:?}"
    )))
}
