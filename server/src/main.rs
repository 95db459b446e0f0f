//! Placeholder until the server issue lands: the workspace layout is fixed now
//! so that the specs, SDKs and gate can grow around it.

fn main() {
    eprintln!("the server is not implemented yet; see README.md");
    std::process::exit(2);
}
