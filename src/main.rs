fn main() -> std::process::ExitCode {
    fleet_risk::allocator::tune();
    fleet_risk::cli::main()
}
