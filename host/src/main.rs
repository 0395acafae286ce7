fn main() -> std::process::ExitCode {
    megaplan_cloud::cli::run()
}
