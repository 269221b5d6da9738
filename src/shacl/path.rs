//! SHACL property paths: parsing from a shapes graph, evaluation over a data graph, and a
//! SPARQL-like text form.

use super::data::DataGraph;
use super::rdf_list;
use super::vocab as sh;
use oxigraph::model::{Graph, NamedNode, NamedOrBlankNodeRef, Term, TermRef};
use std::collections::HashSet;
use std::fmt;

/// A SHACL property path (<https://www.w3.org/TR/shacl/#property-paths>).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Path {
    /// A predicate path: an IRI.
    Predicate(NamedNode),
    /// A sequence path: an RDF list of at least two paths.
    Sequence(Vec<Path>),
    /// `sh:alternativePath`: an RDF list of at least two paths.
    Alternative(Vec<Path>),
    /// `sh:inversePath`.
    Inverse(Box<Path>),
    /// `sh:zeroOrMorePath`.
    ZeroOrMore(Box<Path>),
    /// `sh:oneOrMorePath`.
    OneOrMore(Box<Path>),
    /// `sh:zeroOrOnePath`.
    ZeroOrOne(Box<Path>),
}

impl Path {
    /// Parses the path whose root node is `node` in `graph`. The error says what is wrong.
    ///
    /// A blank node that is an RDF list (has `rdf:first`) is read as a sequence path; other
    /// properties on it are then ignored.
    pub fn from_graph(graph: &Graph, node: TermRef<'_>) -> Result<Path, String> {
        let mut stack = Vec::new();
        parse(graph, node, &mut stack)
    }

    /// The predicate, if this is a predicate path.
    pub fn as_predicate(&self) -> Option<&NamedNode> {
        match self {
            Path::Predicate(p) => Some(p),
            _ => None,
        }
    }

    /// The value nodes reached from `start` in `graph`, without duplicates, in discovery order.
    pub fn evaluate(&self, graph: &dyn DataGraph, start: &Term) -> Vec<Term> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        self.eval_into(graph, start, &mut |t| {
            if seen.insert(t.clone()) {
                out.push(t);
            }
        });
        out
    }

    fn eval_into(&self, graph: &dyn DataGraph, start: &Term, emit: &mut dyn FnMut(Term)) {
        match self {
            Path::Predicate(p) => {
                if let Some(s) = as_subject(start) {
                    for o in graph.objects(s, p.as_ref()) {
                        emit(o);
                    }
                }
            }
            Path::Inverse(inner) => match inner.as_ref() {
                Path::Predicate(p) => {
                    for s in graph.subjects(p.as_ref(), start.as_ref()) {
                        emit(s.into());
                    }
                }
                other => other.eval_inverse(graph, start, emit),
            },
            Path::Sequence(steps) => {
                let mut current = vec![start.clone()];
                for step in steps {
                    let mut next = Vec::new();
                    let mut seen = HashSet::new();
                    for node in &current {
                        step.eval_into(graph, node, &mut |t| {
                            if seen.insert(t.clone()) {
                                next.push(t);
                            }
                        });
                    }
                    current = next;
                    if current.is_empty() {
                        break;
                    }
                }
                for t in current {
                    emit(t);
                }
            }
            Path::Alternative(options) => {
                for option in options {
                    option.eval_into(graph, start, emit);
                }
            }
            Path::ZeroOrMore(inner) => closure(inner, graph, start, true, emit),
            Path::OneOrMore(inner) => closure(inner, graph, start, false, emit),
            Path::ZeroOrOne(inner) => {
                emit(start.clone());
                inner.eval_into(graph, start, emit);
            }
        }
    }

    /// Evaluates the inverse of `self` from `start`.
    fn eval_inverse(&self, graph: &dyn DataGraph, start: &Term, emit: &mut dyn FnMut(Term)) {
        self.inverted().eval_into(graph, start, emit);
    }

    /// The path that walks `self` backwards.
    fn inverted(&self) -> Path {
        match self {
            Path::Predicate(p) => Path::Inverse(Box::new(Path::Predicate(p.clone()))),
            Path::Inverse(inner) => inner.as_ref().clone(),
            Path::Sequence(steps) => Path::Sequence(steps.iter().rev().map(Path::inverted).collect()),
            Path::Alternative(options) => Path::Alternative(options.iter().map(Path::inverted).collect()),
            Path::ZeroOrMore(inner) => Path::ZeroOrMore(Box::new(inner.inverted())),
            Path::OneOrMore(inner) => Path::OneOrMore(Box::new(inner.inverted())),
            Path::ZeroOrOne(inner) => Path::ZeroOrOne(Box::new(inner.inverted())),
        }
    }

    fn is_atomic(&self) -> bool {
        matches!(self, Path::Predicate(_))
    }

    fn fmt_nested(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_atomic() {
            write!(f, "{self}")
        } else {
            write!(f, "({self})")
        }
    }
}

/// Breadth-first transitive closure of `inner` from `start`.
fn closure(inner: &Path, graph: &dyn DataGraph, start: &Term, reflexive: bool, emit: &mut dyn FnMut(Term)) {
    let mut seen = HashSet::new();
    let mut frontier = vec![start.clone()];
    if reflexive {
        seen.insert(start.clone());
        emit(start.clone());
    }
    while let Some(node) = frontier.pop() {
        let mut found = Vec::new();
        inner.eval_into(graph, &node, &mut |t| found.push(t));
        for t in found {
            if seen.insert(t.clone()) {
                emit(t.clone());
                frontier.push(t);
            }
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Predicate(p) => write!(f, "{p}"),
            Path::Sequence(steps) => {
                for (i, step) in steps.iter().enumerate() {
                    if i > 0 {
                        f.write_str("/")?;
                    }
                    match step {
                        Path::Sequence(_) | Path::Alternative(_) => step.fmt_nested(f)?,
                        _ => write!(f, "{step}")?,
                    }
                }
                Ok(())
            }
            Path::Alternative(options) => {
                for (i, option) in options.iter().enumerate() {
                    if i > 0 {
                        f.write_str("|")?;
                    }
                    match option {
                        Path::Alternative(_) => option.fmt_nested(f)?,
                        _ => write!(f, "{option}")?,
                    }
                }
                Ok(())
            }
            Path::Inverse(inner) => {
                f.write_str("^")?;
                inner.fmt_nested(f)
            }
            Path::ZeroOrMore(inner) => {
                inner.fmt_nested(f)?;
                f.write_str("*")
            }
            Path::OneOrMore(inner) => {
                inner.fmt_nested(f)?;
                f.write_str("+")
            }
            Path::ZeroOrOne(inner) => {
                inner.fmt_nested(f)?;
                f.write_str("?")
            }
        }
    }
}

/// The term as a triple subject, if it can be one.
pub(crate) fn as_subject(term: &Term) -> Option<NamedOrBlankNodeRef<'_>> {
    match term {
        Term::NamedNode(n) => Some(n.into()),
        Term::BlankNode(b) => Some(b.into()),
        _ => None,
    }
}

fn parse(graph: &Graph, node: TermRef<'_>, stack: &mut Vec<Term>) -> Result<Path, String> {
    let subject = match node {
        TermRef::NamedNode(n) => return Ok(Path::Predicate(n.into_owned())),
        TermRef::BlankNode(b) => b,
        other => return Err(format!("{other} is not an IRI or a blank node")),
    };
    let owned: Term = subject.into_owned().into();
    if stack.contains(&owned) {
        return Err(format!("{owned} is part of a cyclic path"));
    }
    stack.push(owned);
    let result = parse_blank(graph, subject.into(), stack);
    stack.pop();
    result
}

fn parse_blank(graph: &Graph, subject: NamedOrBlankNodeRef<'_>, stack: &mut Vec<Term>) -> Result<Path, String> {
    if graph
        .objects_for_subject_predicate(subject, oxigraph::model::vocab::rdf::FIRST)
        .next()
        .is_some()
    {
        let members = rdf_list(graph, TermRef::from(subject))?;
        if members.len() < 2 {
            return Err(format!("the sequence path {subject} has fewer than two members"));
        }
        let steps = members
            .iter()
            .map(|m| parse(graph, m.as_ref(), stack))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Path::Sequence(steps));
    }
    let kinds = [
        sh::ALTERNATIVE_PATH,
        sh::INVERSE_PATH,
        sh::ZERO_OR_MORE_PATH,
        sh::ONE_OR_MORE_PATH,
        sh::ZERO_OR_ONE_PATH,
    ];
    let mut found = None;
    for kind in kinds {
        let mut values = graph.objects_for_subject_predicate(subject, kind);
        if let Some(value) = values.next() {
            if values.next().is_some() {
                return Err(format!("{subject} has several values for {kind}"));
            }
            if found.is_some() {
                return Err(format!("{subject} is more than one kind of path"));
            }
            found = Some((kind, value));
        }
    }
    let Some((kind, value)) = found else {
        return Err(format!("{subject} is not a well-formed path"));
    };
    if kind == sh::ALTERNATIVE_PATH {
        let members = rdf_list(graph, value)?;
        if members.len() < 2 {
            return Err(format!("the alternative path {subject} has fewer than two members"));
        }
        let options = members
            .iter()
            .map(|m| parse(graph, m.as_ref(), stack))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Path::Alternative(options));
    }
    let inner = Box::new(parse(graph, value, stack)?);
    Ok(if kind == sh::INVERSE_PATH {
        Path::Inverse(inner)
    } else if kind == sh::ZERO_OR_MORE_PATH {
        Path::ZeroOrMore(inner)
    } else if kind == sh::ONE_OR_MORE_PATH {
        Path::OneOrMore(inner)
    } else {
        Path::ZeroOrOne(inner)
    })
}
