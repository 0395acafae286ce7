//! What a provider may ask the host to run, in one place: the command model (a
//! program, its arguments, working directory, environment, standard input and output
//! mode) and the rules every command is held to before anything runs.
//!
//! The host's process capability enforces these rules on every call a component
//! makes; the SDK's native test double enforces the very same ones, so a provider's
//! own `cargo test` refuses what the host would refuse.

pub mod argv_rules;
mod command;
mod programs;
mod rules;

pub use command::{
    CallKind, Caller, CommandSpec, DEPLOY_DIR_FILES, DeployDirMount, EnvEntry, OutputMode,
    StdinSpec,
};
pub use programs::{ProgramPolicy, Trust, is_bare_program_name, is_env_name, is_loader_variable};
pub use rules::{
    MAX_PROVIDER_FILE, check, check_env_file, check_file, check_secrets, plain_relative_path,
    probe_problem,
};
