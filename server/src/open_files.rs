//! The open-file (descriptor) budget: at start the soft limit on open files is raised
//! to the hard limit, and the front's connection caps are sized so that
//! every API together fits under it with room for the rest of the process.
//!
//! Why: a client connection costs the process three descriptors (the
//! client's socket, the front's connection to its API, and dropshot's end
//! of that connection). Past the limit, `accept` fails and nobody is
//! served: not even a prompt client, since the cap, which would close a
//! stalled connection for it, never triggers. A cap that fits keeps a
//! descriptor free for each new connection.

/// Descriptors one client connection holds (see the module comment).
pub const PER_CONNECTION: u64 = 3;

/// Descriptors kept for everything but client connections: the store (the
/// SQLite files of the writer and readers, or the PostgreSQL pool of 16),
/// each API's listener and its dropshot listener, the admin listener and
/// its connections, the log, the runtime's own.
pub const RESERVED: u64 = 128;

/// The limits in force, and the cap they leave per API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// The soft limit, after raising it.
    pub soft: u64,
    pub hard: u64,
    /// Open connections per API.
    pub max_connections: usize,
}

/// Raises the soft limit on open files to the hard one (where the system
/// has such limits) and returns both, soft first.
pub fn raise_soft_limit() -> Result<(u64, u64), String> {
    #[cfg(unix)]
    {
        use rlimit::Resource;
        rlimit::increase_nofile_limit(u64::MAX)
            .map_err(|e| format!("cannot raise the limit on open files: {e}"))?;
        Resource::NOFILE
            .get()
            .map_err(|e| format!("cannot read the limit on open files: {e}"))
    }
    #[cfg(not(unix))]
    {
        Ok((u64::MAX, u64::MAX))
    }
}

/// The cap per API for `apis` APIs under a soft limit of `soft`: `asked`
/// (from `--max-connections`) if it fits, else an error naming the flag;
/// without `asked`, `default` lowered as far as needed to fit, or an error
/// when not even one connection per API fits.
pub fn size_caps(
    soft: u64,
    hard: u64,
    apis: usize,
    asked: Option<usize>,
    default: usize,
) -> Result<Budget, String> {
    let apis = u64::try_from(apis.max(1)).unwrap_or(u64::MAX);
    let fits = usize::try_from(soft.saturating_sub(RESERVED) / (apis * PER_CONNECTION))
        .unwrap_or(usize::MAX);
    let budget = |max_connections| Budget {
        soft,
        hard,
        max_connections,
    };
    let needs = |cap: usize| {
        u64::try_from(cap)
            .unwrap_or(u64::MAX)
            .saturating_mul(apis * PER_CONNECTION)
            .saturating_add(RESERVED)
    };
    match asked {
        Some(asked) if asked <= fits => Ok(budget(asked)),
        Some(asked) => Err(format!(
            "--max-connections {asked} for {apis} APIs needs {} open files ({PER_CONNECTION} per \
             connection, {RESERVED} for the rest), but the limit is {soft} (hard limit {hard}): \
             lower --max-connections to at most {fits}, serve fewer APIs with --api, or raise the \
             hard limit (ulimit -Hn, systemd LimitNOFILE=, docker --ulimit nofile=)",
            needs(asked)
        )),
        None if fits >= 1 => Ok(budget(default.min(fits))),
        None => Err(format!(
            "the limit on open files is {soft} (hard limit {hard}): {apis} APIs need at least {} \
             ({PER_CONNECTION} per connection, {RESERVED} for the rest); serve fewer APIs with \
             --api, or raise the limit (ulimit -n)",
            needs(1)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::{Budget, RESERVED, size_caps};

    #[test]
    fn the_default_cap_is_lowered_to_fit_every_api_under_the_limit() {
        // 1,024, a common default: (1024 - 128) / (5 × 3) = 59 per API.
        assert_eq!(
            size_caps(1024, 4096, 5, None, 512),
            Ok(Budget {
                soft: 1024,
                hard: 4096,
                max_connections: 59
            })
        );
        // A high limit keeps the default.
        assert_eq!(
            size_caps(1 << 20, 1 << 20, 5, None, 512).map(|b| b.max_connections),
            Ok(512)
        );
    }

    #[test]
    fn an_asked_cap_that_does_not_fit_fails_naming_the_flag() {
        let refused = size_caps(1024, 1024, 5, Some(512), 512);
        assert!(
            refused
                .as_ref()
                .is_err_and(|e| e.contains("--max-connections") && e.contains("at most 59")),
            "{refused:?}"
        );
        assert_eq!(
            size_caps(1024, 1024, 5, Some(59), 512).map(|b| b.max_connections),
            Ok(59)
        );
    }

    #[test]
    fn a_limit_too_low_for_one_connection_per_api_fails() {
        let refused = size_caps(RESERVED + 2, RESERVED + 2, 5, None, 512);
        assert!(
            refused.as_ref().is_err_and(|e| e.contains("ulimit")),
            "{refused:?}"
        );
    }
}
