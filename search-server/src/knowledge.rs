//! The published knowledge: a [`Library`] and its [`SearchIndex`], always swapped together.
//!
//! Requests take a snapshot ([`LiveKnowledge::current`]) and use it to the end, so a publish
//! (which replaces the whole snapshot atomically) never mixes old articles with a new index.

use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::content::Library;
use crate::search::{SearchError, SearchIndex};

/// A library with the index built from it.
#[derive(Debug)]
pub struct Knowledge {
    pub library: Library,
    pub index: SearchIndex,
}

impl Knowledge {
    /// Builds the search index for a library.
    pub fn build(library: Library) -> Result<Knowledge, SearchError> {
        let index = SearchIndex::build(&library)?;
        Ok(Knowledge { library, index })
    }
}

/// The knowledge currently served, replaceable while requests are running.
#[derive(Debug)]
pub struct LiveKnowledge(ArcSwap<Knowledge>);

impl LiveKnowledge {
    pub fn new(knowledge: Knowledge) -> Self {
        LiveKnowledge(ArcSwap::from_pointee(knowledge))
    }

    /// A consistent snapshot of what is published now.
    pub fn current(&self) -> Arc<Knowledge> {
        self.0.load_full()
    }

    /// Replaces what is published; requests already running keep their snapshot.
    pub fn publish(&self, knowledge: Knowledge) {
        self.0.store(Arc::new(knowledge));
    }
}
