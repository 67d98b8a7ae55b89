fn main() -> std::process::ExitCode {
    fleet_risk::cli::main()
}
