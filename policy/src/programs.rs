//! Which programs a provider may run: those it declared in `describe`, intersected with
//! what the operator granted. Built-in providers are trusted with what they declare.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq)]
pub enum Trust {
    /// Ships inside the binary: its declared programs are granted.
    BuiltIn,
    /// Installed by the operator, who granted these programs; argument rules apply to
    /// them except to those granted `unrestricted`.
    Granted {
        programs: BTreeSet<String>,
        unrestricted: BTreeSet<String>,
        component: PathBuf,
    },
}

#[derive(Clone, Debug)]
pub struct ProgramPolicy {
    /// Declared program name → install hint.
    declared: BTreeMap<String, String>,
    /// Environment variables the provider declared it sets on its commands.
    env: BTreeSet<String>,
    trust: Trust,
}

impl ProgramPolicy {
    pub fn new(declared: BTreeMap<String, String>, trust: Trust) -> Self {
        ProgramPolicy {
            declared,
            env: BTreeSet::new(),
            trust,
        }
    }

    /// The same policy with these declared environment variables.
    pub fn with_env(mut self, env: impl IntoIterator<Item = String>) -> Self {
        self.env = env.into_iter().collect();
        self
    }

    /// Declared variables that pass through from the operator's environment when the
    /// command does not set them: only a built-in's (a third-party component gets none,
    /// so it cannot read, say, a cloud token through a granted `cat /proc/self/environ`).
    pub fn passthrough_env(&self) -> impl Iterator<Item = &str> {
        let built_in = self.trust == Trust::BuiltIn;
        self.env
            .iter()
            .map(String::as_str)
            .filter(move |_| built_in)
    }

    /// `Ok` when the provider may set `key` on a command.
    pub fn check_env(&self, provider: &str, key: &str) -> Result<(), String> {
        if is_loader_variable(key) {
            return Err(format!(
                "provider '{provider}' may not set {key}: variables that change which code a \
                 program loads (LD_*, DYLD_*) never pass"
            ));
        }
        if !self.env.contains(key) {
            let declared = self.env.iter().cloned().collect::<Vec<_>>().join(", ");
            return Err(format!(
                "provider '{provider}' may not set {key}: it did not declare it (declared env: \
                 {declared}). A provider sets only the variables it declares in describe()"
            ));
        }
        Ok(())
    }

    pub fn install_hint(&self, program: &str) -> Option<&str> {
        self.declared.get(program).map(String::as_str)
    }

    pub fn declared(&self) -> impl Iterator<Item = &str> {
        self.declared.keys().map(String::as_str)
    }

    /// The environment variables the provider declared it sets.
    pub fn declared_env(&self) -> impl Iterator<Item = &str> {
        self.env.iter().map(String::as_str)
    }

    /// `Ok` when `program` may run; otherwise the denial, naming the grant that would
    /// allow it.
    pub fn check(&self, provider: &str, program: &str) -> Result<(), String> {
        if !is_bare_program_name(program) {
            return Err(format!(
                "provider '{provider}' may not run '{program}': programs are named by bare \
                 name and looked up on PATH"
            ));
        }
        if !self.declared.contains_key(program) {
            let declared = self.declared().collect::<Vec<_>>().join(", ");
            return Err(format!(
                "provider '{provider}' may not run '{program}': it did not declare it (declared: \
                 {declared}). A provider runs only programs it declares in describe() and the \
                 operator grants"
            ));
        }
        match &self.trust {
            Trust::BuiltIn => Ok(()),
            Trust::Granted {
                programs,
                component,
                ..
            } => {
                if programs.contains(program) {
                    return Ok(());
                }
                let mut wanted: BTreeSet<&str> = programs.iter().map(String::as_str).collect();
                wanted.insert(program);
                let grants = wanted
                    .iter()
                    .map(|p| format!(" --grant {p}"))
                    .collect::<String>();
                Err(format!(
                    "provider '{provider}' may not run '{program}': the operator has not granted \
                     it. To allow it: megaplan-cloud provider install {}{grants}",
                    component.display()
                ))
            }
        }
    }
}

impl ProgramPolicy {
    /// `Ok` when the arguments keep a granted program to what it was granted for: the
    /// host's argument rules hold for a third-party provider unless the operator
    /// granted the program unrestricted.
    pub fn check_args(&self, provider: &str, program: &str, args: &[String]) -> Result<(), String> {
        self.held_to_rules(provider, program, || {
            crate::argv_rules::check(program, args)
        })
    }

    /// `Ok` when setting `key` on `program` keeps a provider held to argument rules
    /// within them (a variable can do what a refused argument does).
    pub fn check_env_for(&self, provider: &str, program: &str, key: &str) -> Result<(), String> {
        self.held_to_rules(provider, program, || {
            crate::argv_rules::check_env(program, key)
        })
    }

    /// `rule`'s verdict for a granted program not granted `unrestricted`; built-ins and
    /// unrestricted grants are not held to argument rules.
    fn held_to_rules(
        &self,
        provider: &str,
        program: &str,
        rule: impl FnOnce() -> Result<(), String>,
    ) -> Result<(), String> {
        match &self.trust {
            Trust::Granted { unrestricted, .. } if !unrestricted.contains(program) => rule()
                .map_err(|why| {
                    format!(
                        "provider '{provider}' may not run this command: {why}. Only an operator \
                         who trusts the provider with everything should grant it with \
                         --grant-unrestricted {program}"
                    )
                }),
            _ => Ok(()),
        }
    }
}

/// `LD_PRELOAD`, `LD_LIBRARY_PATH`, `DYLD_INSERT_LIBRARIES`, ...: a variable the dynamic
/// loader reads.
pub fn is_loader_variable(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    upper.starts_with("LD_") || upper.starts_with("DYLD_")
}

/// A usable environment variable name: non-empty, no `=` and no NUL.
pub fn is_env_name(key: &str) -> bool {
    !key.is_empty() && !key.contains('=') && !key.contains('\0')
}

/// A program name with no path component, so PATH lookup decides what runs.
pub fn is_bare_program_name(program: &str) -> bool {
    !program.is_empty()
        && !program.contains('/')
        && !program.contains('\0')
        && program != "."
        && program != ".."
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared() -> BTreeMap<String, String> {
        [("echo", "coreutils"), ("sh", "dash")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn built_in_runs_what_it_declares_only() {
        let policy = ProgramPolicy::new(declared(), Trust::BuiltIn);
        assert!(policy.check("local", "echo").is_ok());
        let denial = policy.check("local", "curl").unwrap_err();
        assert!(
            denial.contains("did not declare it (declared: echo, sh)"),
            "{denial}"
        );
    }

    #[test]
    fn third_party_runs_the_intersection_and_denial_names_the_grant() {
        let policy = ProgramPolicy::new(
            declared(),
            Trust::Granted {
                programs: ["echo".to_string()].into(),
                unrestricted: BTreeSet::new(),
                component: "/tmp/fly.wasm".into(),
            },
        );
        assert!(policy.check("fly", "echo").is_ok());
        let denial = policy.check("fly", "sh").unwrap_err();
        assert!(
            denial
                .ends_with("megaplan-cloud provider install /tmp/fly.wasm --grant echo --grant sh"),
            "{denial}"
        );
    }

    #[test]
    fn only_declared_env_passes_and_the_loader_never_does() {
        let policy = ProgramPolicy::new(declared(), Trust::BuiltIn)
            .with_env(["CI".to_string(), "LD_PRELOAD".to_string()]);
        assert!(policy.check_env("local", "CI").is_ok());
        let undeclared = policy.check_env("local", "NODE_OPTIONS").unwrap_err();
        assert!(undeclared.contains("did not declare it"), "{undeclared}");
        for loader in ["LD_PRELOAD", "ld_library_path", "DYLD_INSERT_LIBRARIES"] {
            let denial = policy.check_env("local", loader).unwrap_err();
            assert!(denial.contains("never pass"), "{denial}");
        }
    }

    #[test]
    fn only_a_built_in_passes_declared_env_through() {
        let env = ["RAILWAY_TOKEN".to_string()];
        let built_in = ProgramPolicy::new(declared(), Trust::BuiltIn).with_env(env.clone());
        assert_eq!(
            built_in.passthrough_env().collect::<Vec<_>>(),
            ["RAILWAY_TOKEN"]
        );
        let granted = ProgramPolicy::new(
            declared(),
            Trust::Granted {
                programs: BTreeSet::new(),
                unrestricted: BTreeSet::new(),
                component: "/tmp/x.wasm".into(),
            },
        )
        .with_env(env);
        assert_eq!(granted.passthrough_env().count(), 0);
    }

    #[test]
    fn paths_are_never_programs() {
        let policy = ProgramPolicy::new(declared(), Trust::BuiltIn);
        for bad in ["/bin/sh", "./sh", "..", "", "a/b"] {
            assert!(policy.check("local", bad).is_err(), "{bad:?}");
        }
    }
}
