//! Facet counts: how many matching articles each category has.

use std::collections::BTreeMap;

use baton_core::api::CategoryCount;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Counts matching documents per value of a string fast field.
pub(super) struct CategoryCounts {
    field: &'static str,
}

impl CategoryCounts {
    pub(super) fn new(field: &'static str) -> Self {
        CategoryCounts { field }
    }
}

pub(super) struct SegmentCounts {
    column: Option<StrColumn>,
    counts: Vec<u64>,
}

impl Collector for CategoryCounts {
    type Fruit = BTreeMap<String, u64>;
    type Child = SegmentCounts;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentCounts> {
        let column = reader.fast_fields().str(self.field)?;
        let terms = column.as_ref().map_or(0, |c| c.num_terms());
        Ok(SegmentCounts {
            column,
            counts: vec![0; terms],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<BTreeMap<String, u64>>) -> tantivy::Result<Self::Fruit> {
        let mut merged = BTreeMap::new();
        for fruit in fruits {
            for (category, count) in fruit {
                *merged.entry(category).or_insert(0) += count;
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for SegmentCounts {
    type Fruit = BTreeMap<String, u64>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let Some(column) = &self.column else {
            return;
        };
        if let Some(ord) = column.term_ords(doc).next()
            && let Some(count) = usize::try_from(ord)
                .ok()
                .and_then(|o| self.counts.get_mut(o))
        {
            *count += 1;
        }
    }

    fn harvest(self) -> BTreeMap<String, u64> {
        let mut fruit = BTreeMap::new();
        let Some(column) = &self.column else {
            return fruit;
        };
        let mut name = String::new();
        for (ord, &count) in self.counts.iter().enumerate() {
            if count > 0 && column.ord_to_str(ord as u64, &mut name).unwrap_or(false) {
                fruit.insert(name.clone(), count);
            }
        }
        fruit
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
