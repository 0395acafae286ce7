//! Which programs a provider may run: those it declared in `describe`, intersected with
//! what the operator granted. Built-in providers are trusted with what they declare.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq)]
pub enum Trust {
    /// Ships inside the binary: its declared programs are granted.
    BuiltIn,
    /// Installed by the operator, who granted these programs.
    Granted {
        programs: BTreeSet<String>,
        component: PathBuf,
    },
}

#[derive(Clone, Debug)]
pub struct ProgramPolicy {
    /// Declared program name → install hint.
    declared: BTreeMap<String, String>,
    trust: Trust,
}

impl ProgramPolicy {
    pub fn new(declared: BTreeMap<String, String>, trust: Trust) -> Self {
        ProgramPolicy { declared, trust }
    }

    pub fn install_hint(&self, program: &str) -> Option<&str> {
        self.declared.get(program).map(String::as_str)
    }

    pub fn declared(&self) -> impl Iterator<Item = &str> {
        self.declared.keys().map(String::as_str)
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
    fn paths_are_never_programs() {
        let policy = ProgramPolicy::new(declared(), Trust::BuiltIn);
        for bad in ["/bin/sh", "./sh", "..", "", "a/b"] {
            assert!(policy.check("local", bad).is_err(), "{bad:?}");
        }
    }
}
