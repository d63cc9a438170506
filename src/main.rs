//! The `swgate` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    swgate::run(std::env::args_os())
}
