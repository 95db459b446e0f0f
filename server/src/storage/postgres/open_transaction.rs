//! A batch's transaction, begun in the same round trip as its first
//! statements.
//!
//! tokio-postgres's own `Transaction` sends `BEGIN` and waits for it, a
//! round trip of its own; the group commit sends `BEGIN` pipelined with the
//! batch's locks and reads instead, and so needs what `Transaction` gives
//! besides: a transaction that is never left open on a pooled connection.

use deadpool_postgres::Object;

use super::CALL_TIMEOUT;

/// A pooled connection in a transaction, until [`ended`](Self::ended).
/// Dropped before that (a failed statement before COMMIT, or the call
/// timing out with statements still on the wire), it rolls the transaction
/// back on a task of its own and only then goes back to the pool, so the
/// next batch never finds a transaction left open, or aborted, on its
/// connection; a connection that cannot roll back is closed instead of
/// pooled.
pub struct OpenTransaction {
    /// Taken only by `ended`, which consumes self, and by `drop`.
    client: Option<Object>,
}

impl OpenTransaction {
    /// `client`, whose `BEGIN` the caller sends first, before any
    /// statement of the transaction.
    pub fn new(client: Object) -> Self {
        OpenTransaction {
            client: Some(client),
        }
    }

    /// COMMIT has answered, whatever it answered (after a failed statement
    /// PostgreSQL answers it with ROLLBACK): the transaction is over and the
    /// connection goes back to the pool as it is.
    pub fn ended(mut self) {
        self.client = None;
    }
}

impl std::ops::Deref for OpenTransaction {
    type Target = tokio_postgres::Client;

    fn deref(&self) -> &Self::Target {
        match &self.client {
            Some(client) => client,
            None => unreachable!("the client is taken only when the transaction is dropped"),
        }
    }
}

impl Drop for OpenTransaction {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        // Dropped on the committer's task, so on its runtime; without one
        // there is no way to roll back, and the connection is closed.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            let _ = Object::take(client);
            return;
        };
        runtime.spawn(async move {
            // Queued behind whatever the batch still has on the wire, so
            // it ends the transaction whichever of them began it; outside
            // a transaction it is only a warning. If the database does not
            // answer within the call timeout (it has gone away, or the
            // batch's own statement is still running), the connection is
            // closed, not kept out of the pool for good.
            let rollback = client.batch_execute("ROLLBACK");
            if !matches!(
                tokio::time::timeout(CALL_TIMEOUT, rollback).await,
                Ok(Ok(()))
            ) {
                let _ = Object::take(client);
            }
        });
    }
}
