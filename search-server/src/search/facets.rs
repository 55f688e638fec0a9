//! Facet counts: how many matching articles each category has.

use std::collections::BTreeMap;
use std::sync::Arc;

use baton_core::api::CategoryCount;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

/// The category of every document, read once from the index's `category` fast field when the
/// index is built (it never changes), so counting a match is one array read.
#[derive(Debug, Default)]
pub(super) struct CategoryTable {
    names: Vec<String>,
    /// By segment, by document id: the index in `names`, or `NONE`.
    ords: Vec<Arc<[u32]>>,
}

const NONE: u32 = u32::MAX;

impl CategoryTable {
    /// The categories of the searcher's documents, from the string fast field `field`.
    pub(super) fn read(searcher: &Searcher, field: &str) -> tantivy::Result<CategoryTable> {
        let mut names: Vec<String> = Vec::new();
        let mut ords = Vec::new();
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().str(field)?;
            let mut segment_ords = vec![NONE; segment.max_doc() as usize];
            if let Some(column) = column {
                let mut name = String::new();
                for (doc, ord) in segment_ords.iter_mut().enumerate() {
                    let Some(term) = column.term_ords(doc as DocId).next() else {
                        continue;
                    };
                    if !column.ord_to_str(term, &mut name)? {
                        continue;
                    }
                    let index = match names.iter().position(|n| *n == name) {
                        Some(index) => index,
                        None => {
                            names.push(name.clone());
                            names.len() - 1
                        }
                    };
                    *ord = u32::try_from(index).unwrap_or(NONE);
                }
            }
            ords.push(Arc::from(segment_ords));
        }
        Ok(CategoryTable { names, ords })
    }
}

/// Counts matching documents per category.
pub(super) struct CategoryCounts<'a> {
    table: &'a CategoryTable,
}

impl<'a> CategoryCounts<'a> {
    pub(super) fn new(table: &'a CategoryTable) -> Self {
        CategoryCounts { table }
    }
}

pub(super) struct SegmentCounts {
    ords: Arc<[u32]>,
    counts: Vec<u64>,
}

impl Collector for CategoryCounts<'_> {
    type Fruit = Vec<u64>;
    type Child = SegmentCounts;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        _reader: &SegmentReader,
    ) -> tantivy::Result<SegmentCounts> {
        let ords = self
            .table
            .ords
            .get(segment as usize)
            .cloned()
            .unwrap_or_else(|| Arc::from(Vec::new()));
        Ok(SegmentCounts {
            ords,
            counts: vec![0; self.table.names.len()],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<u64>>) -> tantivy::Result<Vec<u64>> {
        let mut merged = vec![0; self.table.names.len()];
        for fruit in fruits {
            for (total, count) in merged.iter_mut().zip(fruit) {
                *total += count;
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for SegmentCounts {
    type Fruit = Vec<u64>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(&ord) = self.ords.get(doc as usize)
            && let Some(count) = self.counts.get_mut(ord as usize)
        {
            *count += 1;
        }
    }

    fn harvest(self) -> Vec<u64> {
        self.counts
    }
}

impl CategoryTable {
    /// How many categories there are; counts are indexed by [`CategoryTable::ord`].
    pub(super) fn len(&self) -> usize {
        self.names.len()
    }

    /// The index of the category of document `doc` of the first segment, if it has one.
    pub(super) fn ord(&self, doc: DocId) -> Option<usize> {
        let ord = *self.ords.first()?.get(doc as usize)?;
        (ord != NONE).then_some(ord as usize)
    }

    /// The index of the category `name`, if any document has it.
    pub(super) fn ord_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The counts of a [`CategoryCounts`] by category name, without empty ones.
    pub(super) fn named(&self, counts: &[u64]) -> BTreeMap<String, u64> {
        self.names
            .iter()
            .zip(counts)
            .filter(|(_, count)| **count > 0)
            .map(|(name, count)| (name.clone(), *count))
            .collect()
    }
}

/// Category counts, most articles first, then by name.
pub(super) fn sorted(counts: BTreeMap<String, u64>) -> Vec<CategoryCount> {
    let mut facets: Vec<CategoryCount> = counts
        .into_iter()
        .map(|(category, count)| CategoryCount { category, count })
        .collect();
    facets.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.category.cmp(&b.category))
    });
    facets
}
