//! The imports of the earlier contract versions the host still loads: the same host
//! functions on the same types, registered under each version's own names, so an older
//! component gets exactly the capability, grants and redaction a current one gets.

use super::bindings::megaplan::cloud::{files, log, process, types};
use super::host_state::HostState;

/// Delegates a version's `process`, `files` and `log` to the current ones; `probe`
/// names the imports a version has beyond those every version has.
macro_rules! delegate_imports {
    ($version:ident $(, $probe:ident)? $(; $write_file:ident)?) => {
        mod $version {
            use super::super::bindings::$version::megaplan::cloud::{files, log, process};
            use super::{HostState, types};

            impl process::Host for HostState {
                fn run(
                    &mut self,
                    cmd: types::Command,
                ) -> Result<types::Output, types::ProcessError> {
                    super::process::Host::run(self, cmd)
                }

                fn which(&mut self, program: String) -> bool {
                    super::process::Host::which(self, program)
                }

                $(
                    fn $probe(
                        &mut self,
                        cmd: types::Command,
                    ) -> Result<types::Output, types::ProcessError> {
                        super::process::Host::probe(self, cmd)
                    }
                )?
            }

            impl files::Host for HostState {
                fn write_env_file(
                    &mut self,
                    path: String,
                    entries: Vec<types::EnvEntry>,
                ) -> Result<(), String> {
                    super::files::Host::write_env_file(self, path, entries)
                }

                $(
                    fn $write_file(&mut self, path: String, contents: Vec<u8>) -> Result<(), String> {
                        super::files::Host::write_file(self, path, contents)
                    }
                )?
            }

            impl log::Host for HostState {
                fn info(&mut self, message: String) {
                    super::log::Host::info(self, message)
                }

                fn warn(&mut self, message: String) {
                    super::log::Host::warn(self, message)
                }
            }
        }
    };
}

// The `runner` import arrived in 0.6.0 (no version below has it), `files.write-file`
// in 0.5.0, `process.probe` in 0.4.0.
delegate_imports!(v0_5, probe; write_file);
delegate_imports!(v0_4, probe);
delegate_imports!(v0_3);
delegate_imports!(v0_2);
