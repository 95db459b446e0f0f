//! `cargo xtask proxy` and `cargo xtask verify` as commands: the binary
//! started with its options, a client's request through it to a canned
//! upstream, the lines it prints, the recording it writes, and `verify`'s
//! exit code and formats on that recording.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// ZITADEL's 200 with the sequence as a number (the spec says a string).
const ANSWER: &str = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 27\r\nconnection: close\r\n\r\n{\"details\":{\"sequence\":2}}\n";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| panic!("xtask has a parent directory"))
}

/// An upstream answering every connection with [`ANSWER`].
fn canned_upstream() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
            let length: usize = text
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            let mut body = vec![0u8; length];
            let _ = stream.read_exact(&mut body);
            let _ = stream.write_all(ANSWER.as_bytes());
        }
    });
    format!("http://{address}")
}

/// The proxy process, killed when dropped.
struct ProxyProcess(Child);

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_proxy_command_passes_the_answer_prints_the_violation_and_verify_fails_on_the_recording() {
    let recording = std::env::temp_dir().join(format!("xtask-proxy-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&recording);
    let upstream = canned_upstream();
    let mut child = ProxyProcess(
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args([
                "proxy",
                "zitadel",
                "--upstream",
                &upstream,
                "--listen",
                "127.0.0.1:0",
                "--record",
            ])
            .arg(&recording)
            .current_dir(root())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let stdout = child.0.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
    let first = lines.next().unwrap_or_default();
    assert!(first.starts_with("proxying http://127.0.0.1:"), "{first}");
    assert!(
        first.contains(&format!("→ {upstream}, checking against spec/zitadel.yaml")),
        "{first}"
    );
    let proxy = first
        .split_whitespace()
        .nth(1)
        .and_then(|url| url.strip_prefix("http://"))
        .unwrap_or_else(|| panic!("{first}"))
        .to_string();

    let body = r#"{"firstName":"Minnie","lastName":"Mouse","displayName":"Minnie Mouse"}"#;
    let mut client = TcpStream::connect(&proxy).unwrap_or_else(|e| panic!("{e}"));
    write!(
        client,
        "PUT /auth/v1/users/me/profile HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret-token\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut answer = Vec::new();
    client
        .read_to_end(&mut answer)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(String::from_utf8_lossy(&answer), ANSWER);

    let exchange = lines.next().unwrap_or_default();
    assert!(
        exchange.starts_with("PUT /auth/v1/users/me/profile 200 "),
        "{exchange}"
    );
    assert!(exchange.ends_with(" ms"), "{exchange}");
    let finding = lines.next().unwrap_or_default();
    assert!(
        finding.starts_with("  ✗ spec/zitadel.yaml:")
            && finding.ends_with(
                " response-body at /details/sequence (#/components/schemas/ObjectDetails/properties/sequence/type)"
            ),
        "{finding}"
    );
    assert_eq!(
        lines.next().unwrap_or_default(),
        r#"    expected: type: "string" (2 is not of type "string")"#
    );
    assert_eq!(lines.next().unwrap_or_default(), "    came:     2");
    drop(child);

    let text = std::fs::read_to_string(&recording).unwrap_or_else(|e| panic!("{e}"));
    assert!(!text.contains("s3cret-token"), "{text}");
    assert!(
        text.contains(r#"["authorization","Bearer [redacted]"]"#),
        "{text}"
    );

    let verify = |format: &str| {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["verify", "zitadel", "--recording"])
            .arg(&recording)
            .args(["--format", format])
            .current_dir(root())
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let text = verify("text");
    assert_eq!(text.status.code(), Some(1));
    let printed = String::from_utf8_lossy(&text.stdout);
    assert!(
        printed.starts_with("#1 PUT /auth/v1/users/me/profile 200 "),
        "{printed}"
    );
    assert!(
        printed.contains("zitadel: 1 exchanges, 1 violations, 0 refused requests outside the spec"),
        "{printed}"
    );
    assert!(
        printed.contains("PUT /auth/v1/users/me/profile: documented, never seen: default"),
        "{printed}"
    );
    let json = verify("json");
    assert_eq!(json.status.code(), Some(1));
    let report: serde_json::Value =
        serde_json::from_slice(&json.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report["violations"], 1);
    assert_eq!(report["findings"][0]["rule"], "response-body");
    let github = verify("github");
    assert!(
        String::from_utf8_lossy(&github.stdout).starts_with("::error file=spec/zitadel.yaml,line="),
        "{}",
        String::from_utf8_lossy(&github.stdout)
    );
    let _ = std::fs::remove_file(&recording);
}

#[test]
fn the_proxy_command_without_an_upstream_is_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["proxy", "zitadel"])
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--upstream is required"));
}
