//! Sensitive values at rest: every triple written to a merchant graph has its sensitive
//! object sealed (SM4-GCM, [`crate::security::protect`]); every read that needs the true
//! value (planning an import, SHACL, export) opens it; what leaves the store for answers,
//! passages and SPARQL results is opened and masked. Other graphs are never sealed.

use super::StoreError;
use super::graph::GraphStore;
use crate::security::protect::Protector;
use oxigraph::model::{NamedNodeRef, Quad, QuadRef, Term, Triple};
use std::sync::Arc;

fn sealing_error(e: crate::security::SecurityError) -> StoreError {
    StoreError::Sealed(e.to_string())
}

fn is_merchant_graph(graph: NamedNodeRef<'_>) -> bool {
    super::generations::merchant_of_graph(graph.as_str()).is_some()
}

impl GraphStore {
    /// This store with sensitive values sealed by `protector` (set before the store is
    /// cloned into the rest of the engine).
    pub fn with_protector(mut self, protector: Arc<Protector>) -> Self {
        self.protector = Some(protector);
        self
    }

    /// The triple as it is stored in `graph`: its object sealed when it is sensitive and
    /// `graph` is a merchant graph.
    pub(super) fn sealed(&self, graph: NamedNodeRef<'_>, t: Triple) -> Result<Triple, StoreError> {
        match &self.protector {
            Some(p) if is_merchant_graph(graph) => {
                let object = p.seal(t.predicate.as_ref(), t.object).map_err(sealing_error)?;
                Ok(Triple::new(t.subject, t.predicate, object))
            }
            _ => Ok(t),
        }
    }

    /// The triple as it was written (its object opened).
    pub(super) fn opened(&self, t: Triple) -> Result<Triple, StoreError> {
        match &self.protector {
            Some(p) if Protector::is_sealed(t.object.as_ref()) => {
                let object = p.open(t.object).map_err(sealing_error)?;
                Ok(Triple::new(t.subject, t.predicate, object))
            }
            _ => Ok(t),
        }
    }

    /// A quad read from the store, opened.
    pub(super) fn opened_quad(&self, q: Quad) -> Result<Quad, StoreError> {
        let graph = q.graph_name.clone();
        let t = self.opened(Triple::from(q))?;
        Ok(t.in_graph(graph))
    }

    /// What may be shown of a stored term: opened and masked.
    pub(super) fn shown(&self, term: Term) -> Result<Term, StoreError> {
        match &self.protector {
            Some(p) => p.shown(term).map_err(sealing_error),
            None => Ok(term),
        }
    }

    /// A query solution with every term as it may be shown ([`Self::shown`]).
    pub(super) fn shown_solution(
        &self,
        s: oxigraph::sparql::QuerySolution,
    ) -> Result<oxigraph::sparql::QuerySolution, StoreError> {
        if self.protector.is_none() {
            return Ok(s);
        }
        let vars: Vec<oxigraph::sparql::Variable> = s.variables().to_vec();
        let values = s
            .values()
            .iter()
            .map(|v| v.clone().map(|t| self.shown(t)).transpose())
            .collect::<Result<Vec<_>, _>>()?;
        Ok((vars, values).into())
    }

    /// The stored triples of `graph` that are `t` once opened: `t` itself, or its sealed
    /// forms (each seal has its own nonce, so they are found by subject and predicate).
    pub(super) fn stored_forms(&self, graph: NamedNodeRef<'_>, t: &Triple) -> Result<Vec<Triple>, StoreError> {
        let sensitive = self
            .protector
            .as_ref()
            .is_some_and(|p| is_merchant_graph(graph) && p.is_sensitive(t.predicate.as_ref(), t.object.as_ref()));
        if !sensitive {
            return Ok(vec![t.clone()]);
        }
        let mut out = self.sealed_forms(graph, t)?;
        if out.is_empty() {
            // written before sealing was configured
            out.push(t.clone());
        }
        Ok(out)
    }

    /// The stored triples of `graph` with `t`'s subject and predicate whose object opens to
    /// `t`'s object (`t` given opened).
    pub(super) fn sealed_forms(&self, graph: NamedNodeRef<'_>, t: &Triple) -> Result<Vec<Triple>, StoreError> {
        let mut out = Vec::new();
        for q in self.inner().quads_for_pattern(
            Some(t.subject.as_ref()),
            Some(t.predicate.as_ref()),
            None,
            Some(graph.into()),
        ) {
            let stored = Triple::from(q?);
            if self.opened(stored.clone())?.object == t.object {
                out.push(stored);
            }
        }
        Ok(out)
    }

    /// Re-seals every sealed value of every merchant graph under the active key, and seals
    /// sensitive values stored in the clear, in transactions of 10,000 changes. Returns how
    /// many values changed.
    pub fn reseal_merchant_graphs(&self) -> Result<usize, StoreError> {
        let Some(p) = self.protector.clone() else { return Ok(0) };
        let mut changed = 0;
        for id in self.merchant_ids()? {
            let graph = self.live_graph(&id)?;
            let mut batch: Vec<(Quad, Quad)> = Vec::new();
            for q in self.graph_quads(graph.as_ref()) {
                let q = q?;
                let next = match p.reseal(q.object.as_ref()).map_err(sealing_error)? {
                    Some(o) => Some(o),
                    None if !Protector::is_sealed(q.object.as_ref())
                        && p.is_sensitive(q.predicate.as_ref(), q.object.as_ref()) =>
                    {
                        Some(p.seal(q.predicate.as_ref(), q.object.clone()).map_err(sealing_error)?)
                    }
                    None => None,
                };
                if let Some(o) = next {
                    let new = Quad::new(q.subject.clone(), q.predicate.clone(), o, q.graph_name.clone());
                    batch.push((q, new));
                }
                if batch.len() >= 10_000 {
                    changed += self.swap_quads(&mut batch)?;
                }
            }
            changed += self.swap_quads(&mut batch)?;
        }
        Ok(changed)
    }

    fn swap_quads(&self, batch: &mut Vec<(Quad, Quad)>) -> Result<usize, StoreError> {
        let n = batch.len();
        if n == 0 {
            return Ok(0);
        }
        let mut tx = self.inner().start_transaction()?;
        for (old, new) in batch.drain(..) {
            tx.remove(QuadRef::from(&old));
            tx.insert(QuadRef::from(&new));
        }
        tx.commit()?;
        Ok(n)
    }
}
