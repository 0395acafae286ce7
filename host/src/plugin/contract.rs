//! Which contract a component speaks, read from its exports before it runs.

use wasmtime::Engine;
use wasmtime::component::Component;

use super::bindings::Contract;
use crate::error::CloudError;

pub const PACKAGE: &str = "megaplan:cloud";
pub const VERSION: &str = megaplan_cloud_shell::CONTRACT_VERSION;
const PROVIDER_EXPORT: &str = "megaplan:cloud/provider@";

/// Two contract versions are compatible when they agree on the major version, or for
/// 0.x on the minor version too (Rust's and the component model's semver rule).
pub fn compatible(host: &str, guest: &str) -> bool {
    let parse = |v: &str| -> Option<(u64, u64)> {
        let mut parts = v.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some((major, minor))
    };
    match (parse(host), parse(guest)) {
        (Some((0, host_minor)), Some((0, guest_minor))) => host_minor == guest_minor,
        (Some((host_major, _)), Some((guest_major, _))) => host_major == guest_major,
        _ => false,
    }
}

pub fn incompatible(what: &str, guest: &str) -> CloudError {
    let older: Vec<String> = Contract::ALL[1..]
        .iter()
        .map(|c| {
            let version = c.version();
            format!(
                "@{}",
                version.rsplit_once('.').map_or(version, |(minor, _)| minor)
            )
        })
        .collect();
    let (last, rest) = older
        .split_last()
        .map_or(("", &[][..]), |(l, r)| (l.as_str(), r));
    CloudError::new(
        "incompatible_provider",
        format!(
            "{what} was built for contract {PACKAGE}@{guest}, but this megaplan-cloud speaks \
             {PACKAGE}@{VERSION} (and loads {PACKAGE}{} and {last}); rebuild it against \
             megaplan-cloud-sdk {VERSION} or use a megaplan-cloud that speaks {guest}",
            rest.join(", ")
        ),
    )
}

/// Which of the contract versions the host loads the component's exported
/// `megaplan:cloud/provider` interface speaks.
pub fn check_exports(
    engine: &Engine,
    component: &Component,
    what: &str,
) -> Result<Contract, CloudError> {
    let ty = component.component_type();
    let exported: Vec<&str> = ty
        .exports(engine)
        .filter_map(|(name, _)| name.strip_prefix(PROVIDER_EXPORT))
        .collect();
    let Some(version) = exported.first() else {
        return Err(CloudError::new(
            "invalid_provider",
            format!(
                "{what} does not export {PACKAGE}/provider; it is not a megaplan-cloud provider"
            ),
        ));
    };
    Contract::ALL
        .into_iter()
        .find(|contract| compatible(contract.version(), version))
        .ok_or_else(|| incompatible(what, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_rules() {
        assert!(compatible("0.1.0", "0.1.0"));
        assert!(compatible("0.1.0", "0.1.7"));
        assert!(!compatible("0.1.0", "0.2.0"));
        assert!(!compatible("0.1.0", "1.1.0"));
        assert!(compatible("1.0.0", "1.4.2"));
        assert!(!compatible("1.0.0", "2.0.0"));
        assert!(!compatible("0.1.0", "banana"));
    }
}
