//! A `server serve` process for the tests that need a whole process: a
//! signal, a descriptor limit, a log format, a database failover.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `server serve`, killed when dropped.
pub struct ServerProcess {
    pub child: Child,
    /// Each API's base URL, by name, as the process printed them.
    pub urls: BTreeMap<String, String>,
    /// The admin listener's base URL.
    pub admin: String,
}

impl ServerProcess {
    /// Runs `prefix` (a wrapper such as `prlimit …`, or nothing) then the
    /// server with `--db <db> serve <args>` and `--admin 127.0.0.1:0`;
    /// standard error goes to `stderr`. Returns once the process has
    /// printed every address, or the error it printed.
    pub fn start(prefix: &[&str], db: &str, args: &[&str], stderr: &Path) -> Result<Self, String> {
        let log =
            std::fs::File::create(stderr).map_err(|e| format!("{}: {e}", stderr.display()))?;
        let server = env!("CARGO_BIN_EXE_server");
        let mut command = match prefix.split_first() {
            Some((program, rest)) => {
                let mut command = Command::new(program);
                command.args(rest).arg(server);
                command
            }
            None => Command::new(server),
        };
        command
            .args(["--db", db, "serve", "--admin", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log);
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start the server: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (found, listing) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut urls = BTreeMap::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let mut words = line.split_whitespace();
                if let (Some(name), Some(url)) = (words.next(), words.next())
                    && url.starts_with("http://")
                {
                    if name == "admin" {
                        let _ = found.send((urls.clone(), url.to_string()));
                    } else {
                        urls.insert(name.to_string(), url.to_string());
                    }
                }
            }
        });
        match listing.recv_timeout(Duration::from_secs(60)) {
            Ok((urls, admin)) => Ok(ServerProcess { child, urls, admin }),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!(
                    "the server did not start: {}",
                    std::fs::read_to_string(stderr).unwrap_or_default()
                ))
            }
        }
    }

    /// The `host:port` an API listens on.
    pub fn address(&self, api: &str) -> std::net::SocketAddr {
        self.urls
            .get(api)
            .and_then(|url| url.strip_prefix("http://"))
            .and_then(|address| address.parse().ok())
            .unwrap_or_else(|| panic!("{api} is not served: {:?}", self.urls))
    }

    /// Sends SIGTERM, as `docker stop` and service managers do.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        assert!(
            status.as_ref().is_ok_and(|s| s.success()),
            "cannot send SIGTERM: {status:?}"
        );
    }

    /// Waits up to `within` for the process to exit; whether it exited 0.
    pub fn exited_cleanly(&mut self, within: Duration) -> Option<bool> {
        let started = std::time::Instant::now();
        while started.elapsed() < within {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status.success());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Adds the user `name` with `server user add --json` on `db`; their
/// token for `api`.
pub fn add_user_token(db: &str, name: &str, api: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["--db", db, "user", "add", name, "--json", "--email"])
        .arg(format!("{name}@example.com"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run user add: {e}"));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "user add: {text}");
    let added: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("user add --json ({e}): {text}"));
    added["credentials"][api]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no {api} token in {text}"))
        .to_string()
}

/// A loopback port nothing listens on now (bound, then let go), for a
/// process that must be told its address before it starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// A fresh directory for one test's database and logs.
pub fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "profile-{name}-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}
