//! The secrets an operator configured (`secrets:` in cloud.yaml) and their local values.
//! Providers only ever see the names; the values are read here, at the moment the
//! host expands them into a command's stdin or an env file, and feed the redactor.

use std::sync::Arc;

use crate::redact::Redactor;

type Lookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

#[derive(Clone)]
pub struct Secrets {
    names: Vec<String>,
    lookup: Lookup,
}

impl Secrets {
    /// No configured names yet; values come from the process environment.
    pub fn from_environment() -> Self {
        Secrets {
            names: Vec::new(),
            lookup: Arc::new(crate::environment::secret_value),
        }
    }

    /// Values held in memory (tests, benches): `pairs` are (name, value); the names are
    /// the configured ones.
    pub fn in_memory(pairs: &[(&str, &str)]) -> Self {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        let names = owned.iter().map(|(name, _)| name.clone()).collect();
        Secrets {
            names,
            lookup: Arc::new(move |wanted| {
                owned
                    .iter()
                    .find(|(name, _)| name == wanted)
                    .map(|(_, value)| value.clone())
            }),
        }
    }

    /// The same values, with `names` as the configured secrets.
    pub fn with_names(mut self, names: &[String]) -> Self {
        self.names = names.to_vec();
        self
    }

    /// The configured names, in cloud.yaml's order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The local value of a secret, or `None` when unset.
    pub fn value(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
    }

    /// Whether a secret has a non-empty local value.
    pub fn is_set(&self, name: &str) -> bool {
        self.value(name).is_some_and(|v| !v.is_empty())
    }

    /// The configured names with no (or an empty) local value.
    pub fn unset(&self) -> Vec<String> {
        self.names
            .iter()
            .filter(|name| !self.is_set(name))
            .cloned()
            .collect()
    }

    /// The configured names whose value is set but too short to be masked anywhere.
    pub fn short(&self) -> Vec<String> {
        self.names
            .iter()
            .filter(|name| {
                self.value(name).is_some_and(|v| {
                    !v.is_empty() && v.trim().len() < crate::redact::MIN_LITERAL_LEN
                })
            })
            .cloned()
            .collect()
    }

    /// A redactor for the configured names and whatever values they have.
    pub fn redactor(&self) -> Redactor {
        let values: Vec<String> = self
            .names
            .iter()
            .filter_map(|name| self.value(name))
            .collect();
        Redactor::new(&self.names, &values)
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field("names", &self.names)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_values_and_unset_ones() {
        let secrets = Secrets::in_memory(&[("TOKEN", "s3cr3t-value"), ("EMPTY", "")])
            .with_names(&["TOKEN".into(), "EMPTY".into(), "MISSING".into()]);
        assert_eq!(secrets.value("TOKEN").as_deref(), Some("s3cr3t-value"));
        assert!(secrets.is_set("TOKEN"));
        assert!(!secrets.is_set("EMPTY"));
        assert_eq!(secrets.unset(), ["EMPTY", "MISSING"]);
        assert!(secrets.short().is_empty());
        let short = Secrets::in_memory(&[("PIN", "1234")]);
        assert_eq!(short.short(), ["PIN"]);
        let redacted = secrets.redactor().redact("x s3cr3t-value y").into_owned();
        assert_eq!(redacted, "x ***REDACTED*** y");
        assert!(!format!("{secrets:?}").contains("s3cr3t"));
    }
}
