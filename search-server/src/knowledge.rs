//! The published knowledge: a [`Library`] and its [`SearchIndex`], always swapped together.
//!
//! Requests take a snapshot ([`LiveKnowledge::current`]) and use it to the end, so a publish
//! (which replaces the whole snapshot atomically) never mixes old articles with a new index.

use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::content::Library;
use crate::privacy::Redactor;
use crate::search::{SearchError, SearchIndex};

/// A library with the index built from it, and the site's redaction rules compiled once.
#[derive(Debug)]
pub struct Knowledge {
    pub library: Library,
    pub index: SearchIndex,
    /// `[privacy]` of the library's `site.toml`, compiled (regexes are costly to build per
    /// request).
    pub redactor: Redactor,
}

impl Knowledge {
    /// Builds the search index for a library (every locale) and its redactor.
    pub fn build(library: Library) -> Result<Knowledge, SearchError> {
        let started = std::time::Instant::now();
        let index = SearchIndex::build(&library)?;
        crate::telemetry::index_built(started.elapsed());
        let redactor = Redactor::new(&library.site.privacy.redact);
        Ok(Knowledge {
            library,
            index,
            redactor,
        })
    }
}

/// The knowledge currently served, replaceable while requests are running.
#[derive(Debug)]
pub struct LiveKnowledge {
    current: ArcSwap<Knowledge>,
    /// Held while a new version is checked, indexed and swapped in, so that two publishes
    /// never race (readers never wait for it).
    publishing: tokio::sync::Mutex<()>,
}

impl LiveKnowledge {
    pub fn new(knowledge: Knowledge) -> Self {
        LiveKnowledge {
            current: ArcSwap::from_pointee(knowledge),
            publishing: tokio::sync::Mutex::new(()),
        }
    }

    /// A consistent snapshot of what is published now.
    pub fn current(&self) -> Arc<Knowledge> {
        self.current.load_full()
    }

    /// Replaces what is published; requests already running keep their snapshot.
    pub fn publish(&self, knowledge: Knowledge) {
        self.current.store(Arc::new(knowledge));
    }

    /// Waits until no other publish is running; publish while holding the guard.
    pub async fn lock_for_publishing(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.publishing.lock().await
    }
}
