//! Merchant graph generations: how a large import replaces a merchant's graph atomically
//! without one huge transaction.
//!
//! A merchant's facts live in its *live* graph. That is `urn:zhiku:graph:merchant:{id}`
//! until a streamed import builds a new generation `urn:zhiku:graph:merchant:{id}/g{n}`
//! beside it (bulk-loaded, validated, invisible to readers) and moves the merchant's
//! pointer in the meta graph to it in one small transaction. The old generation is then
//! deleted in bounded chunks. A crash at any point leaves the pointer on a complete
//! generation; [`GraphStore::drop_stale_generations`] removes the leftovers at start.

use super::StoreError;
use super::graph::{GraphStore, MERCHANT_GRAPH_PREFIX, META_GRAPH, merchant_graph};
use crate::merchant_id::MerchantId;
use crate::shacl::DataGraph;
use oxigraph::model::{
    GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Quad, QuadRef, Term, TermRef,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Quads deleted per transaction when a generation graph is dropped.
const DROP_CHUNK: usize = 50_000;
/// Memory target of the bulk loader, in MB (oxigraph's default is 2 GB per thread).
const BULK_MEMORY_MB: usize = 256;
const LIVE: &str = "https://zhiku.dev/ns#liveGraph";

fn pointer_subject(merchant_id: &MerchantId) -> NamedNode {
    NamedNode::new_unchecked(format!("urn:zhiku:merchant:{merchant_id}"))
}

/// The merchant id of a merchant graph name (either generation form), if it is one.
pub(crate) fn merchant_of_graph(graph: &str) -> Option<MerchantId> {
    let rest = graph.strip_prefix(MERCHANT_GRAPH_PREFIX)?;
    let id = rest.split_once('/').map_or(rest, |(id, _)| id);
    MerchantId::parse(id).ok()
}

impl GraphStore {
    /// The graph holding `merchant_id`'s facts now (whether or not it exists yet).
    pub fn live_graph(&self, merchant_id: &MerchantId) -> Result<NamedNode, StoreError> {
        let base = merchant_graph(merchant_id);
        let s = pointer_subject(merchant_id);
        let p = NamedNode::new_unchecked(LIVE);
        for q in self.meta_quads(s.as_ref(), p.as_ref())? {
            if let Term::NamedNode(g) = q.object {
                return Ok(g);
            }
        }
        Ok(base)
    }

    /// A fresh, empty graph name for the next generation of `merchant_id`'s graph.
    pub fn next_generation(&self, merchant_id: &MerchantId) -> Result<NamedNode, StoreError> {
        let live = self.live_graph(merchant_id)?;
        let base = merchant_graph(merchant_id);
        let n: u64 = live
            .as_str()
            .strip_prefix(&format!("{}/g", base.as_str()))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let next = NamedNode::new_unchecked(format!("{}/g{}", base.as_str(), n + 1));
        self.drop_graph_chunked(next.as_ref())?;
        Ok(next)
    }

    /// Makes `graph` the merchant's live graph, in one transaction; readers switch at once.
    pub fn set_live_graph(&self, merchant_id: &MerchantId, graph: NamedNodeRef<'_>) -> Result<(), StoreError> {
        let s = pointer_subject(merchant_id);
        let p = NamedNode::new_unchecked(LIVE);
        let meta = NamedNode::new_unchecked(META_GRAPH);
        let old = self.meta_quads(s.as_ref(), p.as_ref())?;
        let mut tx = self.inner().start_transaction()?;
        for q in &old {
            tx.remove(q.as_ref());
        }
        tx.insert_named_graph(graph);
        tx.insert(QuadRef::new(&s, &p, graph, &meta));
        tx.commit()?;
        Ok(())
    }

    /// Loads `triples` into `graph` with oxigraph's bulk loader: memory stays near
    /// [`BULK_MEMORY_MB`] whatever the count, and the data appears all at once at the end
    /// (nothing at all if `triples` yields an error). Returns the count loaded.
    pub fn bulk_load<E>(
        &self,
        graph: NamedNodeRef<'_>,
        triples: impl Iterator<Item = Result<oxigraph::model::Triple, E>>,
    ) -> Result<usize, BulkError<E>> {
        let mut n = 0usize;
        let mut loader = self
            .inner()
            .bulk_loader()
            .with_num_threads(1)
            .with_max_memory_size_in_megabytes(BULK_MEMORY_MB);
        loader.load_ok_quads::<BulkError<E>, BulkError<E>>(triples.map(|t| {
            n += 1;
            t.map_err(BulkError::Input)
                .and_then(|t| self.sealed(graph, t).map_err(BulkError::Store))
                .map(|t| t.in_graph(graph.into_owned()))
        }))?;
        loader.commit().map_err(|e| BulkError::Store(e.into()))?;
        let mut tx = self
            .inner()
            .start_transaction()
            .map_err(|e| BulkError::Store(e.into()))?;
        tx.insert_named_graph(graph);
        tx.commit().map_err(|e| BulkError::Store(e.into()))?;
        Ok(n)
    }

    /// Deletes `graph` and its content in transactions of [`DROP_CHUNK`] quads (bounded
    /// memory). Only for graphs no reader uses: the deletion is not atomic.
    pub fn drop_graph_chunked(&self, graph: NamedNodeRef<'_>) -> Result<(), StoreError> {
        loop {
            let chunk: Vec<Quad> = self
                .inner()
                .quads_for_pattern(None, None, None, Some(graph.into()))
                .take(DROP_CHUNK)
                .collect::<Result<_, _>>()?;
            if chunk.is_empty() {
                break;
            }
            let mut tx = self.inner().start_transaction()?;
            for q in &chunk {
                tx.remove(q.as_ref());
            }
            tx.commit()?;
        }
        if self.inner().contains_named_graph(graph)? {
            let mut tx = self.inner().start_transaction()?;
            tx.remove_named_graph(graph)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Drops merchant graphs that are not live (left by an import that crashed or was
    /// rejected before its switch, or by one that crashed while dropping the old one).
    /// Returns the graphs dropped.
    pub fn drop_stale_generations(&self) -> Result<Vec<String>, StoreError> {
        let mut stale = Vec::new();
        for g in self.inner().named_graphs() {
            let NamedOrBlankNode::NamedNode(g) = g? else { continue };
            let Some(id) = merchant_of_graph(g.as_str()) else {
                continue;
            };
            if g.as_str() != self.live_graph(&id)?.as_str() {
                stale.push(g);
            }
        }
        for g in &stale {
            self.drop_graph_chunked(g.as_ref())?;
        }
        Ok(stale.into_iter().map(|g| g.into_string()).collect())
    }

    /// Whether `graph` contains the triple. A sealed object matches any seal of the same
    /// value (each seal has its own nonce).
    pub fn graph_contains(
        &self,
        graph: NamedNodeRef<'_>,
        s: NamedOrBlankNodeRef<'_>,
        p: NamedNodeRef<'_>,
        o: TermRef<'_>,
    ) -> Result<bool, StoreError> {
        if self
            .inner()
            .contains(QuadRef::new(s, p, o, GraphNameRef::NamedNode(graph)))?
        {
            return Ok(true);
        }
        if !crate::security::protect::Protector::is_sealed(o) {
            return Ok(false);
        }
        let want = self.opened(oxigraph::model::Triple::new(
            s.into_owned(),
            p.into_owned(),
            o.into_owned(),
        ))?;
        Ok(!self.sealed_forms(graph, &want)?.is_empty())
    }

    /// Streams the quads of `graph` (subject order).
    pub fn graph_quads(&self, graph: NamedNodeRef<'_>) -> impl Iterator<Item = Result<Quad, StoreError>> + use<> {
        self.inner()
            .quads_for_pattern(None, None, None, Some(graph.into()))
            .map(|q| q.map_err(StoreError::from))
    }

    /// A read view of one stored graph for SHACL validation.
    pub fn data_graph(&self, graph: NamedNodeRef<'_>) -> StoredGraph {
        StoredGraph {
            store: self.clone(),
            graph: graph.into_owned(),
            error: RefCell::new(None),
            described: RefCell::new(HashMap::new()),
        }
    }
}

/// Why a bulk load failed: the input, or the store.
#[derive(Debug)]
pub enum BulkError<E> {
    /// The input iterator yielded an error; nothing was loaded.
    Input(E),
    /// The store failed.
    Store(StoreError),
}

impl<E> From<oxigraph::store::StorageError> for BulkError<E> {
    fn from(e: oxigraph::store::StorageError) -> Self {
        BulkError::Store(e.into())
    }
}

/// A named graph in the store seen as a SHACL data graph. Lookups read the store; the
/// first storage error is kept (see [`StoredGraph::take_error`]) and the lookup sees
/// nothing.
pub struct StoredGraph {
    store: GraphStore,
    graph: NamedNode,
    error: RefCell<Option<StoreError>>,
    /// Recently read subjects' (predicate, object) pairs: SHACL asks for several predicates
    /// of the same node, and one scan per subject is far cheaper than one per lookup. The
    /// graph must not change while the view is used.
    described: RefCell<HashMap<NamedOrBlankNode, Description>>,
}

/// A subject's (predicate, object) pairs.
type Description = Rc<[(NamedNode, Term)]>;

/// Subjects whose description [`StoredGraph`] keeps before it starts afresh.
const DESCRIBED_CACHE: usize = 20_000;

impl StoredGraph {
    /// The first storage error met by a lookup, if any.
    pub fn take_error(&self) -> Option<StoreError> {
        self.error.borrow_mut().take()
    }

    /// The distinct subjects of the graph, in store order.
    pub fn distinct_subjects(&self) -> impl Iterator<Item = NamedOrBlankNode> + '_ {
        let mut last: Option<NamedOrBlankNode> = None;
        self.store.graph_quads(self.graph.as_ref()).filter_map(move |q| {
            let q = self.keep(q)?;
            if last.as_ref() == Some(&q.subject) {
                return None;
            }
            last = Some(q.subject.clone());
            Some(q.subject)
        })
    }

    /// The (subject, predicate) of every triple pointing at `object`.
    pub fn incoming(&self, object: TermRef<'_>) -> Vec<(NamedOrBlankNode, NamedNode)> {
        self.pattern(None, None, Some(object))
            .map(|q| (q.subject, q.predicate))
            .collect()
    }

    /// The subject's (predicate, object) pairs, read once per subject.
    fn describe(&self, subject: NamedOrBlankNodeRef<'_>) -> Description {
        let key = subject.into_owned();
        if let Some(d) = self.described.borrow().get(&key) {
            return d.clone();
        }
        let d: Description = self
            .pattern(Some(subject), None, None)
            .map(|q| (q.predicate, q.object))
            .collect();
        let mut cache = self.described.borrow_mut();
        if cache.len() >= DESCRIBED_CACHE {
            cache.clear();
        }
        cache.insert(key, d.clone());
        d
    }

    fn keep<T>(&self, r: Result<T, impl Into<StoreError>>) -> Option<T> {
        match r {
            Ok(t) => Some(t),
            Err(e) => {
                self.error.borrow_mut().get_or_insert(e.into());
                None
            }
        }
    }

    fn pattern(
        &self,
        s: Option<NamedOrBlankNodeRef<'_>>,
        p: Option<NamedNodeRef<'_>>,
        o: Option<TermRef<'_>>,
    ) -> impl Iterator<Item = Quad> + '_ {
        self.store
            .inner()
            .quads_for_pattern(s, p, o, Some(self.graph.as_ref().into()))
            .filter_map(|q| self.keep(q))
            .filter_map(|q| self.keep(self.store.opened_quad(q)))
    }
}

impl DataGraph for StoredGraph {
    fn objects(&self, subject: NamedOrBlankNodeRef<'_>, predicate: NamedNodeRef<'_>) -> Vec<Term> {
        self.describe(subject)
            .iter()
            .filter(|(p, _)| p.as_ref() == predicate)
            .map(|(_, o)| o.clone())
            .collect()
    }

    fn subjects(&self, predicate: NamedNodeRef<'_>, object: TermRef<'_>) -> Vec<NamedOrBlankNode> {
        self.pattern(None, Some(predicate), Some(object))
            .map(|q| q.subject)
            .collect()
    }

    fn predicate_objects(&self, subject: NamedOrBlankNodeRef<'_>) -> Vec<(NamedNode, Term)> {
        self.describe(subject).to_vec()
    }

    fn for_each_with_predicate(&self, predicate: NamedNodeRef<'_>, f: &mut dyn FnMut(NamedOrBlankNode, Term)) {
        for q in self.pattern(None, Some(predicate), None) {
            f(q.subject, q.object);
        }
    }
}
