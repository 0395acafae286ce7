//! A provider whose cloud.yaml schema tries what the host must not half understand: a
//! reference to resolve and a pattern built to backtrack forever. The host must refuse
//! the provider when a session opens, before any operation, and run nothing.

use megaplan_cloud_sdk::prelude::*;

pub struct BadSchema;

impl ProviderImpl for BadSchema {
    fn config_schema() -> Option<String> {
        Some(
            r##"{"type": "object", "properties": {"app": {"$ref": "#/definitions/x", "type": "string", "pattern": "^(a+)+$"}}}"##
                .into(),
        )
    }

    fn describe() -> Description {
        Description {
            name: "badschema".into(),
            version: "0.0.1".into(),
            contract_version: CONTRACT_VERSION.into(),
            programs: vec![Program {
                name: "echo".into(),
                install_hint: "coreutils".into(),
                required: true,
            }],
            env: Vec::new(),
            features: Features::REMOTE_EXEC,
            summary: "Declares a schema outside the host's subset (a test guest)".into(),
        }
    }

    fn exec(_ctx: Context, line: String, _input: Stdin) -> Result<Output, ProviderError> {
        Cmd::new("echo").arg(line).run()
    }
}

megaplan_cloud_sdk::export!(BadSchema);
