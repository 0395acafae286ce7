//! A provider that claims a contract version the host does not speak.

use megaplan_cloud_sdk::prelude::*;

pub struct WrongVersion;

impl ProviderImpl for WrongVersion {
    fn describe() -> Description {
        Description {
            name: "wrong-version".into(),
            version: "0.0.1".into(),
            contract_version: "9.0.0".into(),
            programs: Vec::new(),
            env: Vec::new(),
            features: Features::empty(),
            summary: "Claims contract 9.0.0 (a test guest)".into(),
        }
    }
}

megaplan_cloud_sdk::export!(WrongVersion);
