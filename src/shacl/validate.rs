//! The validation engine: focus nodes from targets, value nodes from paths, constraint checks.

use super::data::DataGraph;
use super::path::{Path, as_subject};
use super::report::{Severity, ValidationReport, ValidationResult};
use super::shapes::{Constraint, Range, ShapeId, Shapes};
use super::values::{compare, is_well_formed};
use super::vocab as sh;
use oxigraph::model::vocab::{rdf, rdfs};
use oxigraph::model::{Graph, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, TermRef};
use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::rc::Rc;

/// Deepest nesting of shape-in-shape checks (`sh:node`, `sh:and`, ...) that is evaluated;
/// deeper checks count as conforming, like recursive ones.
pub const MAX_DEPTH: usize = 128;

/// Validates `data` against `shapes`.
///
/// `rdfs:subClassOf` triples of `data` and of the optional `ontology` graph are used for
/// `sh:class` and `sh:targetClass`; `rdf:type` triples come from `data` only. Only shapes
/// whose targets select some node are evaluated.
pub fn validate(shapes: &Shapes, data: &dyn DataGraph, ontology: Option<&Graph>) -> ValidationReport {
    let validator = Validator::new(shapes, data, ontology);
    let mut out = Out::collecting();
    for (id, nodes) in validator.focus_nodes() {
        for node in nodes {
            validator.validate_shape(id, &node, &mut out);
        }
    }
    out.into_report(shapes)
}

/// Validates `data` one chunk of subjects at a time, for data graphs too large to hold in
/// memory: the same focus nodes as [`validate`] when `subjects` yields every subject of
/// `data` once. Each chunk's results go to `sink`; caches are dropped between chunks, so
/// memory is bounded by `chunk` (and by what one focus node's shapes reach), not by `data`.
///
/// `sh:targetNode` and `sh:targetObjectsOf` focus nodes are validated first, in one batch.
pub fn validate_subjects(
    shapes: &Shapes,
    data: &dyn DataGraph,
    ontology: Option<&Graph>,
    subjects: &mut dyn Iterator<Item = NamedOrBlankNode>,
    chunk: usize,
    sink: &mut dyn FnMut(ValidationReport),
) {
    let mut explicit: HashSet<Key> = HashSet::new();
    {
        let v = Validator::new(shapes, data, ontology);
        let mut out = Out::collecting();
        for id in &shapes.other_targets {
            let targets = &shapes.shapes[*id].targets;
            let mut nodes = targets.nodes.clone();
            for p in &targets.objects_of {
                data.for_each_with_predicate(p.as_ref(), &mut |_, o| nodes.push(o));
            }
            for n in nodes {
                if explicit.insert((*id, n.clone())) {
                    v.validate_shape(*id, &n, &mut out);
                }
            }
        }
        sink(out.into_report(shapes));
    }
    loop {
        let v = Validator::new(shapes, data, ontology);
        let mut out = Out::collecting();
        let mut taken = 0;
        for subject in (&mut *subjects).take(chunk.max(1)) {
            taken += 1;
            let mut ids = BTreeSet::new();
            if !shapes.by_class.is_empty() {
                for class in data.objects(subject.as_ref(), rdf::TYPE) {
                    for c in v.superclasses(&class).iter() {
                        ids.extend(shapes.by_class.get(c).into_iter().flatten().copied());
                    }
                }
            }
            for id in &shapes.other_targets {
                let subject_of = shapes.shapes[*id].targets.subjects_of.iter();
                if subject_of
                    .clone()
                    .any(|p| !data.objects(subject.as_ref(), p.as_ref()).is_empty())
                {
                    ids.insert(*id);
                }
            }
            let node: Term = subject.into();
            for id in ids {
                if !explicit.contains(&(id, node.clone())) {
                    v.validate_shape(id, &node, &mut out);
                }
            }
        }
        if taken == 0 {
            return;
        }
        sink(out.into_report(shapes));
    }
}

struct RawResult {
    focus: Term,
    path: Option<Path>,
    value: Option<Term>,
    shape: ShapeId,
    component: NamedNodeRef<'static>,
    message: String,
}

impl RawResult {
    fn into_result(self, shapes: &Shapes) -> ValidationResult {
        let shape = &shapes.shapes[self.shape];
        let severity = if shape.severity == sh::WARNING {
            Severity::Warning
        } else if shape.severity == sh::INFO {
            Severity::Info
        } else {
            Severity::Violation
        };
        let messages = if shape.messages.is_empty() {
            vec![self.message]
        } else {
            shape.messages.iter().map(|m| m.value().to_owned()).collect()
        };
        ValidationResult {
            focus_node: self.focus.to_string(),
            path: self.path.as_ref().map(Path::to_string),
            value: self.value.as_ref().map(Term::to_string),
            severity,
            source_shape: shape.node.to_string(),
            component: self.component.as_str().to_owned(),
            messages,
            focus_term: self.focus,
            result_path: self.path,
            value_term: self.value,
            severity_iri: shape.severity.clone(),
            source_shape_term: shape.node.clone(),
            component_iri: self.component.into_owned(),
        }
    }
}

/// Where results go: collected for the report, or only noted when checking conformance.
struct Out {
    collect: bool,
    failed: bool,
    results: Vec<RawResult>,
}

impl Out {
    fn collecting() -> Out {
        Out {
            collect: true,
            failed: false,
            results: Vec::new(),
        }
    }

    fn into_report(self, shapes: &Shapes) -> ValidationReport {
        let results: Vec<ValidationResult> = self.results.into_iter().map(|r| r.into_result(shapes)).collect();
        ValidationReport {
            conforms: results.is_empty(),
            results,
        }
    }

    fn push(&mut self, make: impl FnOnce() -> RawResult) {
        self.failed = true;
        if self.collect {
            self.results.push(make());
        }
    }

    /// In conformance mode, one result settles the answer.
    fn done(&self) -> bool {
        !self.collect && self.failed
    }
}

struct Validator<'a> {
    shapes: &'a Shapes,
    data: &'a dyn DataGraph,
    ontology: Option<&'a Graph>,
    /// `rdfs:subClassOf*` closure per class (including the class itself).
    supers: RefCell<HashMap<Term, Rc<HashSet<Term>>>>,
    /// Settled conformance of a node to a shape.
    cache: RefCell<HashMap<Key, bool>>,
    /// Conformance checks in progress and their tentative outcomes.
    rec: RefCell<Recursion>,
    /// (shape, focus) pairs whose results are being reported through nested `sh:property`.
    reporting: RefCell<Vec<Key>>,
}

type Key = (ShapeId, Term);

/// Bookkeeping for recursive conformance checks (outside SHACL Core, but common in
/// practice, e.g. schema.org's Product → offers → Offer → itemOffered → Product).
///
/// A check that reaches a pair already in progress assumes it conforms. Outcomes that
/// rest on such an assumption stay tentative until the outermost check they depend on
/// ends (the root of their strongly connected group, found as in Tarjan's algorithm).
/// Then they are settled if every assumption held; otherwise the failures are settled
/// (an optimistic assumption cannot turn a failure into a success) and the root is
/// evaluated again. This computes the greatest fixed point for shapes without `sh:not`
/// and makes the outcome independent of evaluation order.
#[derive(Default)]
struct Recursion {
    stack: Vec<Frame>,
    on_stack: HashMap<Key, usize>,
    /// Finished checks whose outcome depends on a check still in progress.
    tentative: HashMap<Key, Tentative>,
    /// Keys of `tentative`, in completion order.
    pending: Vec<Key>,
}

struct Frame {
    key: Key,
    /// Lowest stack index this check depends on.
    low: usize,
    /// Whether a nested check assumed this one conforms.
    assumed: bool,
    pending_start: usize,
}

#[derive(Clone, Copy)]
struct Tentative {
    ok: bool,
    low: usize,
    assumed: bool,
}

/// A context for one constraint check: the shape, focus node and where results go.
struct Ctx<'c> {
    id: ShapeId,
    path: Option<&'c Path>,
    focus: &'c Term,
}

impl Ctx<'_> {
    fn result(&self, component: NamedNodeRef<'static>, value: Option<&Term>, message: String) -> RawResult {
        RawResult {
            focus: self.focus.clone(),
            path: self.path.cloned(),
            value: value.cloned(),
            shape: self.id,
            component,
            message,
        }
    }
}

impl<'a> Validator<'a> {
    fn new(shapes: &'a Shapes, data: &'a dyn DataGraph, ontology: Option<&'a Graph>) -> Self {
        Validator {
            shapes,
            data,
            ontology,
            supers: RefCell::new(HashMap::new()),
            cache: RefCell::new(HashMap::new()),
            rec: RefCell::new(Recursion::default()),
            reporting: RefCell::new(Vec::new()),
        }
    }

    /// Focus nodes per shape, without duplicates, for every active shape with targets.
    fn focus_nodes(&self) -> BTreeMap<ShapeId, Vec<Term>> {
        let mut focus: BTreeMap<ShapeId, (Vec<Term>, HashSet<Term>)> = BTreeMap::new();
        let mut add = |id: ShapeId, node: Term| {
            let (list, seen) = focus.entry(id).or_default();
            if seen.insert(node.clone()) {
                list.push(node);
            }
        };
        if !self.shapes.by_class.is_empty() {
            self.data.for_each_with_predicate(rdf::TYPE, &mut |subject, class| {
                for c in self.superclasses(&class).iter() {
                    if let Some(ids) = self.shapes.by_class.get(c) {
                        for id in ids {
                            add(*id, subject.clone().into());
                        }
                    }
                }
            });
        }
        for id in &self.shapes.other_targets {
            let targets = &self.shapes.shapes[*id].targets;
            for n in &targets.nodes {
                add(*id, n.clone());
            }
            for p in &targets.subjects_of {
                self.data
                    .for_each_with_predicate(p.as_ref(), &mut |s, _| add(*id, s.into()));
            }
            for p in &targets.objects_of {
                self.data.for_each_with_predicate(p.as_ref(), &mut |_, o| add(*id, o));
            }
        }
        focus.into_iter().map(|(id, (list, _))| (id, list)).collect()
    }

    fn superclasses(&self, class: &Term) -> Rc<HashSet<Term>> {
        if let Some(s) = self.supers.borrow().get(class) {
            return s.clone();
        }
        let mut out = HashSet::new();
        let mut todo = vec![class.clone()];
        while let Some(c) = todo.pop() {
            let Some(subject) = as_subject(&c) else {
                out.insert(c);
                continue;
            };
            let from_ontology = self.ontology.into_iter().flat_map(|g| {
                g.objects_for_subject_predicate(subject, rdfs::SUB_CLASS_OF)
                    .map(TermRef::into_owned)
            });
            for sup in self
                .data
                .objects(subject, rdfs::SUB_CLASS_OF)
                .into_iter()
                .chain(from_ontology)
            {
                if !out.contains(&sup) && sup != c {
                    todo.push(sup);
                }
            }
            out.insert(c);
        }
        let out = Rc::new(out);
        self.supers.borrow_mut().insert(class.clone(), out.clone());
        out
    }

    /// Whether `node` is a SHACL instance of `class` in the data graph.
    fn is_instance(&self, node: &Term, class: &Term) -> bool {
        let Some(subject) = as_subject(node) else {
            return false;
        };
        self.data
            .objects(subject, rdf::TYPE)
            .iter()
            .any(|t| self.superclasses(t).contains(class))
    }

    fn objects(&self, focus: &Term, predicate: &NamedNode) -> Vec<Term> {
        match as_subject(focus) {
            Some(s) => self.data.objects(s, predicate.as_ref()),
            None => Vec::new(),
        }
    }

    /// Whether `node` conforms to shape `id` (no result of any severity).
    fn conforms(&self, id: ShapeId, node: &Term) -> bool {
        let key = (id, node.clone());
        if let Some(ok) = self.cache.borrow().get(&key) {
            return *ok;
        }
        {
            let mut rec = self.rec.borrow_mut();
            let rec = &mut *rec;
            if let Some(t) = rec.tentative.get(&key).copied() {
                if let Some(top) = rec.stack.last_mut() {
                    top.low = top.low.min(t.low);
                }
                return t.ok;
            }
            if let Some(index) = rec.on_stack.get(&key).copied() {
                // Recursion: assume the check in progress conforms.
                rec.stack[index].assumed = true;
                if let Some(top) = rec.stack.last_mut() {
                    top.low = top.low.min(index);
                }
                return true;
            }
            if rec.stack.len() >= MAX_DEPTH {
                // Too deep: treat as conforming, tentatively for everything above.
                if let Some(top) = rec.stack.last_mut() {
                    top.low = 0;
                }
                return true;
            }
        }
        loop {
            let index = {
                let mut rec = self.rec.borrow_mut();
                let index = rec.stack.len();
                let pending_start = rec.pending.len();
                rec.on_stack.insert(key.clone(), index);
                rec.stack.push(Frame {
                    key: key.clone(),
                    low: index,
                    assumed: false,
                    pending_start,
                });
                index
            };
            let mut out = Out {
                collect: false,
                failed: false,
                results: Vec::new(),
            };
            self.validate_shape(id, node, &mut out);
            let ok = !out.failed;
            let mut rec = self.rec.borrow_mut();
            let rec = &mut *rec;
            let Some(frame) = rec.stack.pop() else {
                return ok;
            };
            rec.on_stack.remove(&frame.key);
            if frame.low < index {
                // Depends on a check further out: tentative until that one ends.
                if let Some(parent) = rec.stack.last_mut() {
                    parent.low = parent.low.min(frame.low);
                }
                rec.tentative.insert(
                    key.clone(),
                    Tentative {
                        ok,
                        low: frame.low,
                        assumed: frame.assumed,
                    },
                );
                rec.pending.push(key.clone());
                return ok;
            }
            let members: Vec<(Key, Tentative)> = rec
                .pending
                .drain(frame.pending_start..)
                .filter_map(|k| rec.tentative.remove(&k).map(|t| (k, t)))
                .collect();
            let broken = (frame.assumed && !ok) || members.iter().any(|(_, t)| t.assumed && !t.ok);
            let mut cache = self.cache.borrow_mut();
            for (k, t) in members {
                if !broken || !t.ok {
                    cache.insert(k, t.ok);
                }
            }
            if !broken || !ok {
                cache.insert(key, ok);
                return ok;
            }
            // An assumption failed and this outcome may rest on it: evaluate again.
        }
    }

    fn validate_shape(&self, id: ShapeId, focus: &Term, out: &mut Out) {
        let shape = &self.shapes.shapes[id];
        if shape.deactivated {
            return;
        }
        let values = match &shape.path {
            Some(p) => p.evaluate(self.data, focus),
            None => vec![focus.clone()],
        };
        let ctx = Ctx {
            id,
            path: shape.path.as_ref(),
            focus,
        };
        for c in &shape.constraints {
            self.check(&ctx, c, &values, out);
            if out.done() {
                return;
            }
        }
    }

    /// Reports each value node for which `ok` fails.
    fn each(
        &self,
        ctx: &Ctx<'_>,
        values: &[Term],
        out: &mut Out,
        component: NamedNodeRef<'static>,
        ok: impl Fn(&Term) -> bool,
        message: impl Fn(&Term) -> String,
    ) {
        for v in values {
            if !ok(v) {
                out.push(|| ctx.result(component, Some(v), message(v)));
                if out.done() {
                    return;
                }
            }
        }
    }

    fn check(&self, ctx: &Ctx<'_>, constraint: &Constraint, values: &[Term], out: &mut Out) {
        match constraint {
            Constraint::Class(class) => self.each(
                ctx,
                values,
                out,
                sh::CLASS_CC,
                |v| self.is_instance(v, class),
                |v| format!("Value {v} is not an instance of {class}"),
            ),
            Constraint::Datatype(dt) => self.each(
                ctx,
                values,
                out,
                sh::DATATYPE_CC,
                |v| matches!(v, Term::Literal(l) if l.datatype() == dt.as_ref() && is_well_formed(l.as_ref())),
                |v| format!("Value {v} is not a well-formed literal of datatype {dt}"),
            ),
            Constraint::NodeKind(kind) => self.each(
                ctx,
                values,
                out,
                sh::NODE_KIND_CC,
                |v| kind.matches(v),
                |v| format!("Value {v} is not of node kind {}", kind.name()),
            ),
            Constraint::MinCount(n) => {
                if (values.len() as u64) < *n {
                    out.push(|| {
                        ctx.result(
                            sh::MIN_COUNT_CC,
                            None,
                            format!("Expected at least {n} value(s), found {}", values.len()),
                        )
                    });
                }
            }
            Constraint::MaxCount(n) => {
                if (values.len() as u64) > *n {
                    out.push(|| {
                        ctx.result(
                            sh::MAX_COUNT_CC,
                            None,
                            format!("Expected at most {n} value(s), found {}", values.len()),
                        )
                    });
                }
            }
            Constraint::Range(range, bound) => {
                let (component, op) = match range {
                    Range::MinExclusive => (sh::MIN_EXCLUSIVE_CC, ">"),
                    Range::MinInclusive => (sh::MIN_INCLUSIVE_CC, ">="),
                    Range::MaxExclusive => (sh::MAX_EXCLUSIVE_CC, "<"),
                    Range::MaxInclusive => (sh::MAX_INCLUSIVE_CC, "<="),
                };
                let accepts = |o: Ordering| match range {
                    Range::MinExclusive => o == Ordering::Greater,
                    Range::MinInclusive => o != Ordering::Less,
                    Range::MaxExclusive => o == Ordering::Less,
                    Range::MaxInclusive => o != Ordering::Greater,
                };
                self.each(
                    ctx,
                    values,
                    out,
                    component,
                    |v| compare(v, bound).is_some_and(accepts),
                    |v| format!("Value {v} is not {op} {bound}"),
                );
            }
            Constraint::MinLength(n) | Constraint::MaxLength(n) => {
                let min = matches!(constraint, Constraint::MinLength(_));
                let component = if min { sh::MIN_LENGTH_CC } else { sh::MAX_LENGTH_CC };
                self.each(
                    ctx,
                    values,
                    out,
                    component,
                    |v| {
                        string_of(v).is_some_and(|s| {
                            let len = s.chars().count() as u64;
                            if min { len >= *n } else { len <= *n }
                        })
                    },
                    |v| {
                        let bound = if min { "at least" } else { "at most" };
                        format!("Value {v} does not have {bound} {n} characters")
                    },
                );
            }
            Constraint::Pattern { regex, source } => self.each(
                ctx,
                values,
                out,
                sh::PATTERN_CC,
                |v| string_of(v).is_some_and(|s| regex.is_match(s)),
                |v| format!("Value {v} does not match the pattern {source:?}"),
            ),
            Constraint::LanguageIn(tags) => self.each(
                ctx,
                values,
                out,
                sh::LANGUAGE_IN_CC,
                |v| match v {
                    Term::Literal(l) => l
                        .language()
                        .is_some_and(|lang| tags.iter().any(|t| lang_matches(lang, t))),
                    _ => false,
                },
                |v| format!("Value {v} does not have a language tag in {tags:?}"),
            ),
            Constraint::UniqueLang => {
                let mut counts: Vec<(String, usize)> = Vec::new();
                for v in values {
                    if let Term::Literal(l) = v
                        && let Some(lang) = l.language()
                    {
                        let lang = lang.to_ascii_lowercase();
                        match counts.iter_mut().find(|(l, _)| *l == lang) {
                            Some((_, n)) => *n += 1,
                            None => counts.push((lang, 1)),
                        }
                    }
                }
                for (lang, n) in counts {
                    if n > 1 {
                        out.push(|| {
                            ctx.result(
                                sh::UNIQUE_LANG_CC,
                                None,
                                format!("Language tag {lang:?} is used by {n} values"),
                            )
                        });
                        if out.done() {
                            return;
                        }
                    }
                }
            }
            Constraint::Equals(p) => {
                let others = self.objects(ctx.focus, p);
                for v in values.iter().filter(|v| !others.contains(v)) {
                    out.push(|| ctx.result(sh::EQUALS_CC, Some(v), format!("Value {v} is not a value of {p}")));
                }
                for o in others.iter().filter(|o| !values.contains(o)) {
                    out.push(|| ctx.result(sh::EQUALS_CC, Some(o), format!("Value {o} of {p} is not a value node")));
                }
            }
            Constraint::Disjoint(p) => {
                let others = self.objects(ctx.focus, p);
                self.each(
                    ctx,
                    values,
                    out,
                    sh::DISJOINT_CC,
                    |v| !others.contains(v),
                    |v| format!("Value {v} is also a value of {p}"),
                );
            }
            Constraint::LessThan(p) | Constraint::LessThanOrEquals(p) => {
                let strict = matches!(constraint, Constraint::LessThan(_));
                let (component, op) = if strict {
                    (sh::LESS_THAN_CC, "<")
                } else {
                    (sh::LESS_THAN_OR_EQUALS_CC, "<=")
                };
                let others = self.objects(ctx.focus, p);
                for v in values {
                    for o in &others {
                        let ok = match compare(v, o) {
                            Some(Ordering::Less) => true,
                            Some(Ordering::Equal) => !strict,
                            _ => false,
                        };
                        if !ok {
                            out.push(|| {
                                ctx.result(component, Some(v), format!("Value {v} is not {op} {o} (value of {p})"))
                            });
                            if out.done() {
                                return;
                            }
                        }
                    }
                }
            }
            Constraint::Not(shape) => self.each(
                ctx,
                values,
                out,
                sh::NOT_CC,
                |v| !self.conforms(*shape, v),
                |v| format!("Value {v} conforms to {}, which it must not", self.shape_name(*shape)),
            ),
            Constraint::And(shapes) => self.each(
                ctx,
                values,
                out,
                sh::AND_CC,
                |v| shapes.iter().all(|s| self.conforms(*s, v)),
                |v| format!("Value {v} does not conform to all shapes of sh:and"),
            ),
            Constraint::Or(shapes) => self.each(
                ctx,
                values,
                out,
                sh::OR_CC,
                |v| shapes.iter().any(|s| self.conforms(*s, v)),
                |v| format!("Value {v} does not conform to any shape of sh:or"),
            ),
            Constraint::Xone(shapes) => self.each(
                ctx,
                values,
                out,
                sh::XONE_CC,
                |v| shapes.iter().filter(|s| self.conforms(**s, v)).count() == 1,
                |v| format!("Value {v} does not conform to exactly one shape of sh:xone"),
            ),
            Constraint::Node(shape) => self.each(
                ctx,
                values,
                out,
                sh::NODE_CC,
                |v| self.conforms(*shape, v),
                |v| format!("Value {v} does not conform to {}", self.shape_name(*shape)),
            ),
            Constraint::Property(shape) => {
                for v in values {
                    if out.collect {
                        let key = (*shape, v.clone());
                        let nested = {
                            let mut reporting = self.reporting.borrow_mut();
                            if reporting.len() >= MAX_DEPTH || reporting.contains(&key) {
                                false
                            } else {
                                reporting.push(key);
                                true
                            }
                        };
                        if nested {
                            self.validate_shape(*shape, v, out);
                            self.reporting.borrow_mut().pop();
                        }
                    } else if !self.conforms(*shape, v) {
                        out.failed = true;
                        return;
                    }
                }
            }
            Constraint::Qualified {
                shape,
                min,
                max,
                siblings,
            } => {
                let count = values
                    .iter()
                    .filter(|v| self.conforms(*shape, v) && !siblings.iter().any(|s| self.conforms(*s, v)))
                    .count() as u64;
                let name = self.shape_name(*shape);
                if let Some(min) = min
                    && count < *min
                {
                    out.push(|| {
                        ctx.result(
                            sh::QUALIFIED_MIN_COUNT_CC,
                            None,
                            format!("Expected at least {min} value(s) conforming to {name}, found {count}"),
                        )
                    });
                }
                if let Some(max) = max
                    && count > *max
                {
                    out.push(|| {
                        ctx.result(
                            sh::QUALIFIED_MAX_COUNT_CC,
                            None,
                            format!("Expected at most {max} value(s) conforming to {name}, found {count}"),
                        )
                    });
                }
            }
            Constraint::Closed(allowed) => {
                for v in values {
                    let Some(subject) = as_subject(v) else {
                        continue;
                    };
                    for (predicate, object) in self.data.predicate_objects(subject) {
                        if !allowed.contains(&predicate) {
                            out.push(|| RawResult {
                                focus: ctx.focus.clone(),
                                message: format!("Property {predicate} is not allowed on the closed shape"),
                                path: Some(Path::Predicate(predicate)),
                                value: Some(object),
                                shape: ctx.id,
                                component: sh::CLOSED_CC,
                            });
                            if out.done() {
                                return;
                            }
                        }
                    }
                }
            }
            Constraint::HasValue(expected) => {
                if !values.contains(expected) {
                    out.push(|| ctx.result(sh::HAS_VALUE_CC, None, format!("Missing the value {expected}")));
                }
            }
            Constraint::In(allowed) => self.each(
                ctx,
                values,
                out,
                sh::IN_CC,
                |v| allowed.contains(v),
                |v| format!("Value {v} is not one of the allowed values"),
            ),
        }
    }

    fn shape_name(&self, id: ShapeId) -> String {
        self.shapes.shapes[id].node.to_string()
    }
}

/// `str()` of an IRI or literal; `None` for blank nodes.
fn string_of(term: &Term) -> Option<&str> {
    match term {
        Term::NamedNode(n) => Some(n.as_str()),
        Term::Literal(l) => Some(l.value()),
        _ => None,
    }
}

/// SPARQL `langMatches` (RFC 4647 basic filtering).
fn lang_matches(tag: &str, range: &str) -> bool {
    if range == "*" {
        return !tag.is_empty();
    }
    let (tag, range) = (tag.to_ascii_lowercase(), range.to_ascii_lowercase());
    tag == range || (tag.starts_with(&range) && tag.as_bytes().get(range.len()) == Some(&b'-'))
}
