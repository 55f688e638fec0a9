//! What open event streams share inside one `baton serve` process: a notice whenever a ticket
//! changed, the count of open streams per client address, and the shutdown signal.
//!
//! [`Notifier`] is the only place that says "ticket N changed". The storage write paths poke it
//! after they commit (a customer's message, an agent's reply or note, a status change, an
//! assignment, a tag, a satisfaction answer, a new ticket), and the event streams
//! (`/api/v1/conversations/{reference}/events`, `/agent/events`) wait on it instead of polling.
//! A notice carries no data: streams read what changed from the database, so a missed or lagged
//! notice costs nothing but a read. Writes made by another process (another node, a CLI) do
//! not reach this notifier; streams also look again after a slow fallback interval.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::{broadcast, watch};

/// How many notices a slow stream may fall behind before it is told it lagged (and reads
/// again, which is all a notice asks for).
const NOTICE_BUFFER: usize = 256;

/// Tells open event streams which ticket changed. Cheap to clone; one per storage.
#[derive(Clone, Debug)]
pub struct Notifier {
    changed: broadcast::Sender<i64>,
}

impl Default for Notifier {
    fn default() -> Self {
        Notifier {
            changed: broadcast::channel(NOTICE_BUFFER).0,
        }
    }
}

impl Notifier {
    /// Says that the ticket with this id changed (a no-op when no stream listens).
    pub fn ticket_changed(&self, ticket_id: i64) {
        _ = self.changed.send(ticket_id);
    }

    /// A receiver of the ids of changed tickets, from now on.
    pub fn subscribe(&self) -> Changes {
        Changes {
            receiver: self.changed.subscribe(),
        }
    }
}

/// What one stream hears from the [`Notifier`].
#[derive(Debug)]
pub struct Changes {
    receiver: broadcast::Receiver<i64>,
}

impl Changes {
    /// Waits for a change of `ticket` (`None`: of any ticket). A stream that lagged behind
    /// answers at once, as if its ticket changed.
    pub async fn next(&mut self, ticket: Option<i64>) {
        loop {
            match self.receiver.recv().await {
                Ok(id) if ticket.is_none_or(|t| t == id) => return,
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => return,
                // The storage (and its notifier) is gone: nothing will change any more.
                Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
            }
        }
    }
}

/// Counts open streams per client address, so one address cannot hold unbounded connections.
#[derive(Clone, Debug)]
pub struct StreamSlots {
    limit: usize,
    open: Arc<Mutex<HashMap<String, usize>>>,
}

impl StreamSlots {
    /// At most `limit` open streams per client address.
    pub fn new(limit: usize) -> StreamSlots {
        StreamSlots {
            limit,
            open: Arc::default(),
        }
    }

    /// A slot for one more stream of `client`, or `None` when it has `limit` open already.
    /// The slot is given back when the [`Slot`] is dropped (the stream ended).
    pub fn take(&self, client: &str) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(client.to_owned()).or_default();
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(Slot {
            slots: self.clone(),
            client: client.to_owned(),
        })
    }
}

/// One open stream's place in [`StreamSlots`].
#[derive(Debug)]
pub struct Slot {
    slots: StreamSlots,
    client: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.client) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.client);
            }
        }
    }
}

fn shutdown() -> &'static watch::Sender<bool> {
    static SHUTDOWN: OnceLock<watch::Sender<bool>> = OnceLock::new();
    SHUTDOWN.get_or_init(|| watch::channel(false).0)
}

/// Ends every open event stream (and any opened later), so a graceful shutdown need not wait
/// for browsers to close them. Browsers reconnect to the next server on their own.
pub fn close_event_streams() {
    shutdown().send_replace(true);
}

/// Changes to `true` when the server shuts down (see [`close_event_streams`]).
pub fn closing() -> watch::Receiver<bool> {
    shutdown().subscribe()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_at_most_the_limit_and_slots_come_back_when_streams_end() {
        let slots = StreamSlots::new(2);
        let a = slots.take("10.0.0.1").expect("first");
        let _b = slots.take("10.0.0.1").expect("second");
        assert!(slots.take("10.0.0.1").is_none());
        assert!(
            slots.take("10.0.0.2").is_some(),
            "other clients are not limited"
        );
        drop(a);
        assert!(slots.take("10.0.0.1").is_some());
    }

    #[tokio::test]
    async fn a_stream_hears_its_own_ticket_and_skips_others() {
        let notifier = Notifier::default();
        let mut changes = notifier.subscribe();
        notifier.ticket_changed(2);
        notifier.ticket_changed(1);
        changes.next(Some(1)).await;
        notifier.ticket_changed(3);
        changes.next(None).await;
    }
}
