//! The oxigraph store (RocksDB under the data dir) and its named graphs.

use super::StoreError;
use crate::merchant_id::MerchantId;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::vocab::xsd;
use oxigraph::model::{Graph, GraphName, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Triple};
use oxigraph::sparql::{QueryResults, QuerySolution, SparqlEvaluator};
use oxigraph::store::Store;
use std::path::Path;

/// Named graph of the general e-commerce layer.
pub const GENERAL_GRAPH: &str = "urn:zhiku:graph:general";
/// Prefix of published industry-schema versions (`urn:zhiku:graph:schema:{version}`).
pub const SCHEMA_GRAPH_PREFIX: &str = "urn:zhiku:graph:schema:";
/// Prefix of merchant graphs (`urn:zhiku:graph:merchant:{merchant_id}`).
pub const MERCHANT_GRAPH_PREFIX: &str = "urn:zhiku:graph:merchant:";
/// The schema version the seed loader publishes first.
pub const SEED_SCHEMA_VERSION: u32 = 1;
/// The knowledge editors' working draft of the industry schema.
pub const DRAFT_GRAPH: &str = "urn:zhiku:graph:schema:draft";
/// Service metadata (the published schema version and the version records); no merchant
/// view includes it.
pub const META_GRAPH: &str = "urn:zhiku:graph:meta";
const ZK: &str = "https://zhiku.dev/ns#";
const SCHEMA_RECORD: &str = "urn:zhiku:schema";

/// A published version of the industry schema.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SchemaVersion {
    /// Version number (1, 2, …).
    pub version: u32,
    /// When it was published (RFC 3339).
    pub published_at: String,
    /// Triples in it.
    pub triples: usize,
    /// Whether answers use it now.
    pub current: bool,
}

/// The knowledge layer a fact or passage comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// General e-commerce knowledge.
    General,
    /// The industry schema (ontology).
    Schema,
    /// A merchant's private graph.
    Merchant,
}

/// The graph store. Cloning is cheap (oxigraph's `Store` is reference-counted).
#[derive(Clone)]
pub struct GraphStore {
    store: Store,
    /// The published schema version merchant views use (read from the meta graph at open).
    published: std::sync::Arc<std::sync::atomic::AtomicU32>,
    /// Seals sensitive values written to merchant graphs and opens them on read
    /// (`store/sealing.rs`).
    pub(super) protector: Option<std::sync::Arc<crate::security::protect::Protector>>,
}

/// The named graph of a merchant.
pub fn merchant_graph(merchant_id: &MerchantId) -> NamedNode {
    NamedNode::new_unchecked(format!("{MERCHANT_GRAPH_PREFIX}{merchant_id}"))
}

/// The named graph of a published schema version.
pub fn schema_graph(version: u32) -> NamedNode {
    NamedNode::new_unchecked(format!("{SCHEMA_GRAPH_PREFIX}{version}"))
}

/// The general layer's named graph.
pub fn general_graph() -> NamedNode {
    NamedNode::new_unchecked(GENERAL_GRAPH)
}

impl GraphStore {
    /// Opens (or creates) the RocksDB-backed store in `dir`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
            context: format!("create {}", dir.display()),
            source,
        })?;
        let g = GraphStore {
            store: Store::open(dir)?,
            published: Default::default(),
            protector: None,
        };
        let v = g.stored_version()?;
        g.published.store(v, std::sync::atomic::Ordering::SeqCst);
        Ok(g)
    }

    /// The published schema version (1 until a second one is published; its graph is empty
    /// until the seed loads it).
    pub fn published_version(&self) -> u32 {
        self.published.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The oxigraph store itself (for the store modules).
    pub(super) fn inner(&self) -> &Store {
        &self.store
    }

    fn meta(local: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{ZK}{local}"))
    }

    /// The meta-graph quads `(subject, predicate, ?)`.
    pub(super) fn meta_quads(
        &self,
        subject: NamedNodeRef<'_>,
        predicate: NamedNodeRef<'_>,
    ) -> Result<Vec<Quad>, StoreError> {
        let meta = NamedNode::new_unchecked(META_GRAPH);
        Ok(self
            .store
            .quads_for_pattern(Some(subject.into()), Some(predicate), None, Some(meta.as_ref().into()))
            .collect::<Result<_, _>>()?)
    }

    fn stored_version(&self) -> Result<u32, StoreError> {
        let record = NamedNode::new_unchecked(SCHEMA_RECORD);
        for q in self.meta_quads(record.as_ref(), Self::meta("currentVersion").as_ref())? {
            if let oxigraph::model::Term::Literal(l) = q.object {
                return Ok(l.value().parse().unwrap_or(0));
            }
        }
        // No record: version 1 (empty until the seed loads it, or seeded before versioning).
        Ok(SEED_SCHEMA_VERSION)
    }

    /// Copies the draft into the graph of version `next` (replacing anything there) in one
    /// transaction, without publishing it. Returns its triple count.
    pub fn stage_draft(&self, next: u32) -> Result<usize, StoreError> {
        let draft = self.graph_copy(NamedNode::new_unchecked(DRAFT_GRAPH).as_ref())?;
        self.replace_graph(schema_graph(next).as_ref(), &draft)?;
        Ok(draft.len())
    }

    /// Makes the staged version `version` the published one, with its record, in one
    /// transaction.
    pub fn record_published(&self, version: u32, published_at: &str, triples: usize) -> Result<(), StoreError> {
        let meta = NamedNode::new_unchecked(META_GRAPH);
        let record = NamedNode::new_unchecked(SCHEMA_RECORD);
        let node = NamedNode::new_unchecked(format!("{SCHEMA_RECORD}:version:{version}"));
        let cur = Self::meta("currentVersion");
        let old = self.meta_quads(record.as_ref(), cur.as_ref())?;
        let int = |n: usize| Literal::new_typed_literal(n.to_string(), xsd::INTEGER);
        let facts: [(NamedNode, NamedNode, Literal); 4] = [
            (record, cur, int(version as usize)),
            (node.clone(), Self::meta("versionNumber"), int(version as usize)),
            (
                node.clone(),
                Self::meta("publishedAt"),
                Literal::new_typed_literal(published_at, xsd::DATE_TIME),
            ),
            (node, Self::meta("tripleCount"), int(triples)),
        ];
        let mut tx = self.store.start_transaction()?;
        for q in &old {
            tx.remove(q.as_ref());
        }
        for (s, p, o) in facts {
            tx.insert(Quad::new(s, p, o, meta.clone()).as_ref());
        }
        tx.commit()?;
        self.published.store(version, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// The published versions, oldest first.
    pub fn versions(&self) -> Result<Vec<SchemaVersion>, StoreError> {
        let current = self.published_version();
        let mut out = Vec::new();
        for v in 1..=current {
            let version = NamedNode::new_unchecked(format!("{SCHEMA_RECORD}:version:{v}"));
            let get = |local: &str| -> Result<Option<String>, StoreError> {
                for q in self.meta_quads(version.as_ref(), Self::meta(local).as_ref())? {
                    if let oxigraph::model::Term::Literal(l) = q.object {
                        return Ok(Some(l.value().to_string()));
                    }
                }
                Ok(None)
            };
            let triples = match get("tripleCount")? {
                Some(n) => n.parse().unwrap_or(0),
                None => self.graph_len(schema_graph(v).as_ref())?,
            };
            out.push(SchemaVersion {
                version: v,
                published_at: get("publishedAt")?.unwrap_or_default(),
                triples,
                current: v == current,
            });
        }
        Ok(out)
    }

    /// Replaces a graph's content with `triples` in one transaction.
    pub fn replace_graph(&self, graph: NamedNodeRef<'_>, triples: &Graph) -> Result<(), StoreError> {
        let mut tx = self.store.start_transaction()?;
        tx.clear_graph(graph)?;
        tx.insert_named_graph(graph);
        for t in triples.iter() {
            tx.insert(self.sealed(graph, t.into_owned())?.as_ref().in_graph(graph));
        }
        tx.commit()?;
        Ok(())
    }

    /// Replaces the content of `graph` with the Turtle document `data` atomically: the
    /// document is parsed completely before anything is written, and a parse error leaves
    /// the graph untouched.
    pub fn replace_graph_turtle(&self, graph: NamedNodeRef<'_>, name: &str, data: &[u8]) -> Result<usize, StoreError> {
        let quads = parse_turtle(graph, name, data)?;
        let n = quads.len();
        let mut tx = self.store.start_transaction()?;
        tx.clear_graph(graph)?;
        for q in quads {
            tx.insert(self.sealed(graph, Triple::from(q))?.as_ref().in_graph(graph));
        }
        tx.commit()?;
        Ok(n)
    }

    /// Appends Turtle files to `graph` in one transaction (used for multi-file layers).
    pub fn replace_graph_files(
        &self,
        graph: NamedNodeRef<'_>,
        files: &[std::path::PathBuf],
    ) -> Result<usize, StoreError> {
        let mut all = Vec::new();
        for f in files {
            let data = std::fs::read(f).map_err(|source| StoreError::Io {
                context: format!("read {}", f.display()),
                source,
            })?;
            all.extend(parse_turtle(graph, &f.display().to_string(), &data)?);
        }
        let n = all.len();
        let mut tx = self.store.start_transaction()?;
        tx.clear_graph(graph)?;
        for q in &all {
            tx.insert(q.as_ref());
        }
        tx.commit()?;
        Ok(n)
    }

    /// An in-memory copy of one named graph (empty when the graph does not exist).
    pub fn graph_copy(&self, graph: NamedNodeRef<'_>) -> Result<Graph, StoreError> {
        let mut g = Graph::new();
        for q in self.store.quads_for_pattern(None, None, None, Some(graph.into())) {
            g.insert(self.opened(Triple::from(q?))?.as_ref());
        }
        Ok(g)
    }

    /// Removes `removed` from and inserts `added` into `graph` in one transaction: readers
    /// see the graph before or after, never in between, and a crash before the commit leaves
    /// it as it was. With `create`, the graph is created even when `added` is empty.
    pub fn apply_diff(
        &self,
        graph: NamedNodeRef<'_>,
        removed: &[Triple],
        added: &[Triple],
        create: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.store.start_transaction()?;
        if create {
            tx.insert_named_graph(graph);
        }
        for t in removed {
            for stored in self.stored_forms(graph, t)? {
                tx.remove(stored.as_ref().in_graph(graph));
            }
        }
        for t in added {
            tx.insert(self.sealed(graph, t.clone())?.as_ref().in_graph(graph));
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes a named graph and its content in one transaction.
    pub fn drop_graph(&self, graph: NamedNodeRef<'_>) -> Result<(), StoreError> {
        let mut tx = self.store.start_transaction()?;
        tx.remove_named_graph(graph)?;
        tx.commit()?;
        Ok(())
    }

    /// Serialises one named graph in `format`. Quad formats (N-Quads, TriG) name the graph
    /// `name`; the others carry the triples only.
    pub fn export(
        &self,
        graph: NamedNodeRef<'_>,
        name: NamedNodeRef<'_>,
        format: RdfFormat,
    ) -> Result<Vec<u8>, StoreError> {
        let io = |e: std::io::Error| StoreError::Io {
            context: format!("serialise {}", graph.as_str()),
            source: e,
        };
        let mut w = oxigraph::io::RdfSerializer::from_format(format)
            .with_prefix("schema", "https://schema.org/")
            .map_err(|e| StoreError::Query(e.to_string()))?
            .with_prefix("xsd", "http://www.w3.org/2001/XMLSchema#")
            .map_err(|e| StoreError::Query(e.to_string()))?
            .for_writer(Vec::new());
        for q in self.store.quads_for_pattern(None, None, None, Some(graph.into())) {
            let t = self.opened(Triple::from(q?))?;
            if matches!(format, RdfFormat::NQuads | RdfFormat::TriG) {
                w.serialize_quad(t.as_ref().in_graph(name)).map_err(io)?;
            } else {
                w.serialize_triple(&t).map_err(io)?;
            }
        }
        w.finish().map_err(io)
    }

    /// Merchant ids that have a (live) graph.
    pub fn merchant_ids(&self) -> Result<Vec<MerchantId>, StoreError> {
        let mut ids = Vec::new();
        for g in self.store.named_graphs() {
            if let NamedOrBlankNode::NamedNode(n) = g?
                && let Some(id) = super::generations::merchant_of_graph(n.as_str())
                && self.live_graph(&id)? == n
            {
                ids.push(id);
            }
        }
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    /// Whether a merchant graph exists.
    pub fn has_merchant(&self, merchant_id: &MerchantId) -> Result<bool, StoreError> {
        let g = self.live_graph(merchant_id)?;
        Ok(self.store.contains_named_graph(g.as_ref())?)
    }

    /// Number of quads in `graph`.
    pub fn graph_len(&self, graph: NamedNodeRef<'_>) -> Result<usize, StoreError> {
        let mut n = 0;
        for q in self.store.quads_for_pattern(None, None, None, Some(graph.into())) {
            q?;
            n += 1;
        }
        Ok(n)
    }

    /// Runs a SELECT query whose default graph is the union of `graphs` and whose `GRAPH`
    /// clauses can reach only `graphs`. This is the only query entry point; callers get a
    /// restricted dataset and cannot widen it from the query text.
    pub(crate) fn select_in(&self, graphs: &[NamedNode], query: &str) -> Result<Vec<QuerySolution>, StoreError> {
        let parsed = spargebra::SparqlParser::new()
            .parse_query(query)
            .map_err(|e| StoreError::Query(e.to_string()))?;
        let prepared = prepare_in(SparqlEvaluator::new(), graphs, parsed);
        match prepared
            .on_store(&self.store)
            .execute()
            .map_err(|e| StoreError::Query(e.to_string()))?
        {
            QueryResults::Solutions(solutions) => {
                let mut out = Vec::new();
                for s in solutions {
                    out.push(s.map_err(|e| StoreError::Query(e.to_string()))?);
                }
                Ok(out)
            }
            _ => Err(StoreError::Query("expected a SELECT query".to_string())),
        }
    }
}

/// `query` bound to exactly `graphs`: the default graph is their union and
/// `GRAPH` reaches only them, whatever `FROM`/`FROM NAMED` the text says. oxigraph is built
/// without its HTTP client, so `SERVICE` cannot reach anything.
pub(super) fn prepare_in(
    evaluator: SparqlEvaluator,
    graphs: &[NamedNode],
    query: spargebra::Query,
) -> oxigraph::sparql::PreparedSparqlQuery {
    let mut prepared = evaluator.for_query(query);
    prepared
        .dataset_mut()
        .set_default_graph(graphs.iter().cloned().map(GraphName::from).collect());
    prepared
        .dataset_mut()
        .set_available_named_graphs(graphs.iter().cloned().map(NamedOrBlankNode::from).collect());
    prepared
}

fn parse_turtle(graph: NamedNodeRef<'_>, name: &str, data: &[u8]) -> Result<Vec<oxigraph::model::Quad>, StoreError> {
    let parser = RdfParser::from_format(RdfFormat::Turtle)
        .without_named_graphs()
        .with_default_graph(graph)
        .rename_blank_nodes();
    parser
        .for_slice(data)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError::Parse {
            file: name.to_string(),
            message: e.to_string(),
        })
}
