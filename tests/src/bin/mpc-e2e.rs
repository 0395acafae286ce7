//! The megaplan-cloud binary, built inside this test crate so its integration tests can
//! run the real command line (`CARGO_BIN_EXE_mpc-e2e`).

fn main() -> std::process::ExitCode {
    megaplan_cloud::cli::run()
}
