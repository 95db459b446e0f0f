//! Credentials. Scaffolded: this API sends none yet.

use crate::Client;

/// What every request carries. Scaffolded empty.
#[derive(Clone, Debug, Default)]
pub struct Credentials;

impl progenitor_client::ClientHooks<Credentials> for Client {}
