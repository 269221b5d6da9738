//! Parsing a shapes graph into [`Shapes`]: every node shape and property shape, with its
//! targets and constraints, checked for well-formedness.

use super::path::{Path, as_subject};
use super::vocab as sh;
use super::{ShaclError, rdf_list};
use oxigraph::model::vocab::{rdf, rdfs, xsd};
use oxigraph::model::{Graph, Literal, NamedNode, NamedNodeRef, Term, TermRef};
use regex::{Regex, RegexBuilder};
use std::collections::{HashMap, HashSet, VecDeque};

/// Index of a shape in [`Shapes`].
pub(crate) type ShapeId = usize;

/// One parsed shape.
#[derive(Debug)]
pub(crate) struct Shape {
    /// The shape's IRI or blank node in the shapes graph.
    pub(crate) node: Term,
    /// `Some` for property shapes.
    pub(crate) path: Option<Path>,
    pub(crate) targets: Targets,
    pub(crate) deactivated: bool,
    pub(crate) severity: NamedNode,
    pub(crate) messages: Vec<Literal>,
    pub(crate) constraints: Vec<Constraint>,
}

/// Declared targets of a shape (implicit class targets are included in `classes`).
#[derive(Debug, Default)]
pub(crate) struct Targets {
    pub(crate) nodes: Vec<Term>,
    pub(crate) classes: Vec<Term>,
    pub(crate) subjects_of: Vec<NamedNode>,
    pub(crate) objects_of: Vec<NamedNode>,
}

impl Targets {
    fn is_empty(&self) -> bool {
        self.nodes.is_empty() && self.classes.is_empty() && self.subjects_of.is_empty() && self.objects_of.is_empty()
    }
}

/// The six values of `sh:nodeKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeKind {
    BlankNode,
    Iri,
    Literal,
    BlankNodeOrIri,
    BlankNodeOrLiteral,
    IriOrLiteral,
}

impl NodeKind {
    pub(crate) fn matches(self, term: &Term) -> bool {
        let (b, i, l) = (term.is_blank_node(), term.is_named_node(), term.is_literal());
        match self {
            NodeKind::BlankNode => b,
            NodeKind::Iri => i,
            NodeKind::Literal => l,
            NodeKind::BlankNodeOrIri => b || i,
            NodeKind::BlankNodeOrLiteral => b || l,
            NodeKind::IriOrLiteral => i || l,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            NodeKind::BlankNode => "sh:BlankNode",
            NodeKind::Iri => "sh:IRI",
            NodeKind::Literal => "sh:Literal",
            NodeKind::BlankNodeOrIri => "sh:BlankNodeOrIRI",
            NodeKind::BlankNodeOrLiteral => "sh:BlankNodeOrLiteral",
            NodeKind::IriOrLiteral => "sh:IRIOrLiteral",
        }
    }
}

/// Which bound a value-range constraint sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Range {
    MinExclusive,
    MinInclusive,
    MaxExclusive,
    MaxInclusive,
}

/// One constraint: a constraint component with its parameter values.
#[derive(Debug)]
pub(crate) enum Constraint {
    Class(Term),
    Datatype(NamedNode),
    NodeKind(NodeKind),
    MinCount(u64),
    MaxCount(u64),
    Range(Range, Term),
    MinLength(u64),
    MaxLength(u64),
    Pattern {
        regex: Regex,
        source: String,
    },
    LanguageIn(Vec<String>),
    UniqueLang,
    Equals(NamedNode),
    Disjoint(NamedNode),
    LessThan(NamedNode),
    LessThanOrEquals(NamedNode),
    Not(ShapeId),
    And(Vec<ShapeId>),
    Or(Vec<ShapeId>),
    Xone(Vec<ShapeId>),
    Node(ShapeId),
    Property(ShapeId),
    Qualified {
        shape: ShapeId,
        min: Option<u64>,
        max: Option<u64>,
        /// Sibling shapes when `sh:qualifiedValueShapesDisjoint` is true.
        siblings: Vec<ShapeId>,
    },
    Closed(HashSet<NamedNode>),
    HasValue(Term),
    In(Vec<Term>),
}

/// A parsed shapes graph, ready to validate data graphs with [`super::validate`].
#[derive(Debug)]
pub struct Shapes {
    pub(crate) shapes: Vec<Shape>,
    /// Active shapes by target class (explicit `sh:targetClass` and implicit class targets).
    pub(crate) by_class: HashMap<Term, Vec<ShapeId>>,
    /// Active shapes with `sh:targetNode`, `sh:targetSubjectsOf` or `sh:targetObjectsOf`.
    pub(crate) other_targets: Vec<ShapeId>,
}

impl Shapes {
    /// Parses every shape of a shapes graph: node and property shapes, including those only
    /// reached through `sh:property`, `sh:node`, `sh:not`, `sh:and`, `sh:or`, `sh:xone` and
    /// `sh:qualifiedValueShape`. Ill-formed shapes give a [`ShaclError`] naming the shape.
    pub fn from_graph(shapes: &Graph) -> Result<Shapes, ShaclError> {
        Parser::new(shapes).run()
    }

    /// Number of shapes (including nested and blank-node shapes).
    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    /// Whether there is no shape at all.
    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }

    /// The number of active shapes that have at least one target.
    pub fn targeted(&self) -> usize {
        self.shapes
            .iter()
            .filter(|s| !s.deactivated && !s.targets.is_empty())
            .count()
    }
}

struct Parser<'g> {
    graph: &'g Graph,
    ids: HashMap<Term, ShapeId>,
    nodes: Vec<Term>,
    queue: VecDeque<ShapeId>,
    parsed: Vec<Option<Shape>>,
    /// Shapes used as values of `sh:property` (they must be property shapes), with the user.
    property_uses: Vec<(ShapeId, ShapeId)>,
    class_types: HashSet<Term>,
}

fn name(term: &Term) -> String {
    term.to_string()
}

fn invalid(shape: &Term, parameter: NamedNodeRef<'_>, reason: impl Into<String>) -> ShaclError {
    ShaclError::InvalidParameter {
        shape: name(shape),
        parameter: parameter.as_str().to_owned(),
        reason: reason.into(),
    }
}

/// Classes that are `rdfs:subClassOf*` `class` in `graph` (including `class`).
fn subclasses(graph: &Graph, class: NamedNodeRef<'_>) -> HashSet<Term> {
    let mut out = HashSet::new();
    let mut todo = vec![Term::from(class)];
    while let Some(c) = todo.pop() {
        if out.insert(c.clone()) {
            for s in graph.subjects_for_predicate_object(rdfs::SUB_CLASS_OF, &c) {
                todo.push(s.into_owned().into());
            }
        }
    }
    out
}

fn is_xsd_boolean(term: &Term) -> Option<bool> {
    match term {
        Term::Literal(l) if l.datatype() == xsd::BOOLEAN => Some(matches!(l.value(), "true" | "1")),
        _ => None,
    }
}

/// `true` only for the literal `true` (`"1"^^xsd:boolean` does not activate a constraint).
fn is_true(term: &Term) -> bool {
    matches!(term, Term::Literal(l) if l.datatype() == xsd::BOOLEAN && l.value() == "true")
}

fn non_negative_integer(shape: &Term, parameter: NamedNodeRef<'_>, term: &Term) -> Result<u64, ShaclError> {
    let Term::Literal(l) = term else {
        return Err(invalid(shape, parameter, format!("{term} is not an integer literal")));
    };
    let integer_types = [
        xsd::INTEGER,
        xsd::NON_NEGATIVE_INTEGER,
        xsd::POSITIVE_INTEGER,
        xsd::LONG,
        xsd::INT,
        xsd::SHORT,
        xsd::BYTE,
        xsd::UNSIGNED_LONG,
        xsd::UNSIGNED_INT,
        xsd::UNSIGNED_SHORT,
        xsd::UNSIGNED_BYTE,
    ];
    if !integer_types.contains(&l.datatype()) {
        return Err(invalid(shape, parameter, format!("{term} is not an xsd:integer")));
    }
    let digits = l.value().strip_prefix('+').unwrap_or(l.value());
    digits
        .parse::<u64>()
        .map_err(|_| invalid(shape, parameter, format!("{term} is not a non-negative integer")))
}

impl<'g> Parser<'g> {
    fn new(graph: &'g Graph) -> Self {
        Parser {
            graph,
            ids: HashMap::new(),
            nodes: Vec::new(),
            queue: VecDeque::new(),
            parsed: Vec::new(),
            property_uses: Vec::new(),
            class_types: subclasses(graph, rdfs::CLASS),
        }
    }

    /// The id of `term` as a shape, queueing it for parsing when new.
    fn id_for(&mut self, user: &Term, parameter: NamedNodeRef<'_>, term: &Term) -> Result<ShapeId, ShaclError> {
        if term.is_literal() {
            return Err(invalid(user, parameter, format!("{term} is a literal, not a shape")));
        }
        Ok(self.intern(term))
    }

    fn intern(&mut self, term: &Term) -> ShapeId {
        if let Some(id) = self.ids.get(term) {
            return *id;
        }
        let id = self.nodes.len();
        self.ids.insert(term.clone(), id);
        self.nodes.push(term.clone());
        self.parsed.push(None);
        self.queue.push_back(id);
        id
    }

    fn seed(&mut self) {
        let graph = self.graph;
        let mut seeds: Vec<Term> = Vec::new();
        for class in [sh::NODE_SHAPE, sh::PROPERTY_SHAPE] {
            let mut classes: Vec<Term> = subclasses(graph, class).into_iter().collect();
            classes.sort_by_key(|c| c.to_string());
            for c in classes {
                seeds.extend(
                    graph
                        .subjects_for_predicate_object(rdf::TYPE, &c)
                        .map(|s| Term::from(s.into_owned())),
                );
            }
        }
        for p in sh::SHAPE_PREDICATES {
            seeds.extend(
                graph
                    .triples_for_predicate(*p)
                    .map(|t| Term::from(t.subject.into_owned())),
            );
        }
        for s in seeds {
            self.intern(&s);
        }
    }

    fn run(mut self) -> Result<Shapes, ShaclError> {
        self.seed();
        while let Some(id) = self.queue.pop_front() {
            let node = self.nodes[id].clone();
            let shape = self.parse_shape(&node)?;
            self.parsed[id] = Some(shape);
        }
        let shapes: Vec<Shape> = self.parsed.into_iter().flatten().collect();
        if shapes.len() != self.nodes.len() {
            // Every queued shape is parsed above; this cannot happen.
            return Err(ShaclError::Internal("a shape was left unparsed".into()));
        }
        for (user, used) in &self.property_uses {
            if shapes[*used].path.is_none() {
                return Err(ShaclError::PathCount {
                    shape: format!(
                        "{} (value of sh:property of {})",
                        name(&shapes[*used].node),
                        name(&shapes[*user].node)
                    ),
                    found: 0,
                });
            }
        }
        let mut by_class: HashMap<Term, Vec<ShapeId>> = HashMap::new();
        let mut other_targets = Vec::new();
        for (id, shape) in shapes.iter().enumerate() {
            if shape.deactivated {
                continue;
            }
            for c in &shape.targets.classes {
                let ids = by_class.entry(c.clone()).or_default();
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            let t = &shape.targets;
            if !t.nodes.is_empty() || !t.subjects_of.is_empty() || !t.objects_of.is_empty() {
                other_targets.push(id);
            }
        }
        Ok(Shapes {
            shapes,
            by_class,
            other_targets,
        })
    }

    fn values(&self, node: &Term, predicate: NamedNodeRef<'_>) -> Vec<Term> {
        match as_subject(node) {
            Some(s) => self
                .graph
                .objects_for_subject_predicate(s, predicate)
                .map(TermRef::into_owned)
                .collect(),
            None => Vec::new(),
        }
    }

    /// The value of a parameter that takes at most one value.
    fn single(&self, node: &Term, predicate: NamedNodeRef<'_>) -> Result<Option<Term>, ShaclError> {
        let mut values = self.values(node, predicate);
        if values.len() > 1 {
            return Err(invalid(
                node,
                predicate,
                format!("{} values, at most one allowed", values.len()),
            ));
        }
        Ok(values.pop())
    }

    fn iri(node: &Term, predicate: NamedNodeRef<'_>, value: Term) -> Result<NamedNode, ShaclError> {
        match value {
            Term::NamedNode(n) => Ok(n),
            other => Err(invalid(node, predicate, format!("{other} is not an IRI"))),
        }
    }

    fn list(&self, node: &Term, predicate: NamedNodeRef<'_>, head: &Term) -> Result<Vec<Term>, ShaclError> {
        rdf_list(self.graph, head.as_ref()).map_err(|reason| invalid(node, predicate, reason))
    }

    fn bool_param(&self, node: &Term, predicate: NamedNodeRef<'_>) -> Result<bool, ShaclError> {
        match self.single(node, predicate)? {
            None => Ok(false),
            Some(v) if is_xsd_boolean(&v).is_some() => Ok(is_true(&v)),
            Some(v) => Err(invalid(node, predicate, format!("{v} is not an xsd:boolean"))),
        }
    }

    fn parse_shape(&mut self, node: &Term) -> Result<Shape, ShaclError> {
        if as_subject(node).is_none() {
            return Err(ShaclError::LiteralShape { term: name(node) });
        }
        let paths = self.values(node, sh::PATH);
        let path = match paths.as_slice() {
            [] => None,
            [p] => Some(
                Path::from_graph(self.graph, p.as_ref()).map_err(|reason| ShaclError::InvalidPath {
                    shape: name(node),
                    reason,
                })?,
            ),
            many => {
                return Err(ShaclError::PathCount {
                    shape: name(node),
                    found: many.len(),
                });
            }
        };
        let is_property = path.is_some();

        let mut targets = Targets {
            nodes: self.values(node, sh::TARGET_NODE),
            ..Targets::default()
        };
        for c in self.values(node, sh::TARGET_CLASS) {
            if c.is_literal() {
                return Err(invalid(node, sh::TARGET_CLASS, format!("{c} is a literal")));
            }
            targets.classes.push(c);
        }
        let types = self.values(node, rdf::TYPE);
        if types.iter().any(|t| self.class_types.contains(t)) && !targets.classes.contains(node) {
            targets.classes.push(node.clone());
        }
        for v in self.values(node, sh::TARGET_SUBJECTS_OF) {
            targets.subjects_of.push(Self::iri(node, sh::TARGET_SUBJECTS_OF, v)?);
        }
        for v in self.values(node, sh::TARGET_OBJECTS_OF) {
            targets.objects_of.push(Self::iri(node, sh::TARGET_OBJECTS_OF, v)?);
        }

        let deactivated = self.bool_param(node, sh::DEACTIVATED)?;
        let severity = match self.single(node, sh::SEVERITY)? {
            None => sh::VIOLATION.into_owned(),
            Some(v) => Self::iri(node, sh::SEVERITY, v)?,
        };
        let messages = self
            .values(node, sh::MESSAGE)
            .into_iter()
            .filter_map(|m| match m {
                Term::Literal(l) => Some(l),
                _ => None,
            })
            .collect();

        let constraints = self.parse_constraints(node, is_property)?;
        Ok(Shape {
            node: node.clone(),
            path,
            targets,
            deactivated,
            severity,
            messages,
            constraints,
        })
    }

    fn property_only(node: &Term, parameter: NamedNodeRef<'_>, is_property: bool) -> Result<(), ShaclError> {
        if is_property {
            Ok(())
        } else {
            Err(ShaclError::PropertyShapeOnly {
                shape: name(node),
                parameter: parameter.as_str().to_owned(),
            })
        }
    }

    fn parse_constraints(&mut self, node: &Term, is_property: bool) -> Result<Vec<Constraint>, ShaclError> {
        let mut out = Vec::new();
        for c in self.values(node, sh::CLASS) {
            if c.is_literal() {
                return Err(invalid(node, sh::CLASS, format!("{c} is a literal")));
            }
            out.push(Constraint::Class(c));
        }
        if let Some(v) = self.single(node, sh::DATATYPE)? {
            out.push(Constraint::Datatype(Self::iri(node, sh::DATATYPE, v)?));
        }
        if let Some(v) = self.single(node, sh::NODE_KIND)? {
            let kinds = [
                (sh::BLANK_NODE, NodeKind::BlankNode),
                (sh::IRI, NodeKind::Iri),
                (sh::LITERAL, NodeKind::Literal),
                (sh::BLANK_NODE_OR_IRI, NodeKind::BlankNodeOrIri),
                (sh::BLANK_NODE_OR_LITERAL, NodeKind::BlankNodeOrLiteral),
                (sh::IRI_OR_LITERAL, NodeKind::IriOrLiteral),
            ];
            let kind = kinds
                .iter()
                .find(|(iri, _)| v == Term::from(*iri))
                .map(|(_, k)| *k)
                .ok_or_else(|| invalid(node, sh::NODE_KIND, format!("{v} is not a node kind")))?;
            out.push(Constraint::NodeKind(kind));
        }
        for (param, make) in [
            (sh::MIN_COUNT, Constraint::MinCount as fn(u64) -> Constraint),
            (sh::MAX_COUNT, Constraint::MaxCount),
        ] {
            if let Some(v) = self.single(node, param)? {
                Self::property_only(node, param, is_property)?;
                out.push(make(non_negative_integer(node, param, &v)?));
            }
        }
        for (param, range) in [
            (sh::MIN_EXCLUSIVE, Range::MinExclusive),
            (sh::MIN_INCLUSIVE, Range::MinInclusive),
            (sh::MAX_EXCLUSIVE, Range::MaxExclusive),
            (sh::MAX_INCLUSIVE, Range::MaxInclusive),
        ] {
            if let Some(v) = self.single(node, param)? {
                if !v.is_literal() {
                    return Err(invalid(node, param, format!("{v} is not a literal")));
                }
                out.push(Constraint::Range(range, v));
            }
        }
        for (param, make) in [
            (sh::MIN_LENGTH, Constraint::MinLength as fn(u64) -> Constraint),
            (sh::MAX_LENGTH, Constraint::MaxLength),
        ] {
            if let Some(v) = self.single(node, param)? {
                out.push(make(non_negative_integer(node, param, &v)?));
            }
        }
        if let Some(p) = self.single(node, sh::PATTERN)? {
            let flags = match self.single(node, sh::FLAGS)? {
                None => String::new(),
                Some(Term::Literal(l)) => l.value().to_owned(),
                Some(other) => return Err(invalid(node, sh::FLAGS, format!("{other} is not a string"))),
            };
            let Term::Literal(p) = p else {
                return Err(invalid(node, sh::PATTERN, format!("{p} is not a string")));
            };
            let regex = build_regex(p.value(), &flags).map_err(|reason| invalid(node, sh::PATTERN, reason))?;
            out.push(Constraint::Pattern {
                regex,
                source: p.value().to_owned(),
            });
        }
        if let Some(head) = self.single(node, sh::LANGUAGE_IN)? {
            let mut tags = Vec::new();
            for t in self.list(node, sh::LANGUAGE_IN, &head)? {
                match t {
                    Term::Literal(l) => tags.push(l.value().to_owned()),
                    other => return Err(invalid(node, sh::LANGUAGE_IN, format!("{other} is not a string"))),
                }
            }
            out.push(Constraint::LanguageIn(tags));
        }
        if self.bool_param(node, sh::UNIQUE_LANG)? {
            Self::property_only(node, sh::UNIQUE_LANG, is_property)?;
            out.push(Constraint::UniqueLang);
        }
        for (param, make) in [
            (sh::EQUALS, Constraint::Equals as fn(NamedNode) -> Constraint),
            (sh::DISJOINT, Constraint::Disjoint),
            (sh::LESS_THAN, Constraint::LessThan),
            (sh::LESS_THAN_OR_EQUALS, Constraint::LessThanOrEquals),
        ] {
            for v in self.values(node, param) {
                if param == sh::LESS_THAN || param == sh::LESS_THAN_OR_EQUALS {
                    Self::property_only(node, param, is_property)?;
                }
                out.push(make(Self::iri(node, param, v)?));
            }
        }
        for v in self.values(node, sh::NOT) {
            out.push(Constraint::Not(self.id_for(node, sh::NOT, &v)?));
        }
        for (param, make) in [
            (sh::AND, Constraint::And as fn(Vec<ShapeId>) -> Constraint),
            (sh::OR, Constraint::Or),
            (sh::XONE, Constraint::Xone),
        ] {
            for head in self.values(node, param) {
                let members = self.list(node, param, &head)?;
                let ids = members
                    .iter()
                    .map(|m| self.id_for(node, param, m))
                    .collect::<Result<Vec<_>, _>>()?;
                out.push(make(ids));
            }
        }
        for v in self.values(node, sh::NODE) {
            out.push(Constraint::Node(self.id_for(node, sh::NODE, &v)?));
        }
        let own_id = self.intern(node);
        for v in self.values(node, sh::PROPERTY) {
            let id = self.id_for(node, sh::PROPERTY, &v)?;
            self.property_uses.push((own_id, id));
            out.push(Constraint::Property(id));
        }
        self.parse_qualified(node, is_property, &mut out)?;
        if self.bool_param(node, sh::CLOSED)? {
            let mut allowed = HashSet::new();
            for p in self.values(node, sh::PROPERTY) {
                if let Some(Term::NamedNode(n)) = self.values(&p, sh::PATH).into_iter().next() {
                    allowed.insert(n);
                }
            }
            if let Some(head) = self.single(node, sh::IGNORED_PROPERTIES)? {
                for t in self.list(node, sh::IGNORED_PROPERTIES, &head)? {
                    allowed.insert(Self::iri(node, sh::IGNORED_PROPERTIES, t)?);
                }
            }
            out.push(Constraint::Closed(allowed));
        }
        for v in self.values(node, sh::HAS_VALUE) {
            out.push(Constraint::HasValue(v));
        }
        if let Some(head) = self.single(node, sh::IN)? {
            out.push(Constraint::In(self.list(node, sh::IN, &head)?));
        }
        Ok(out)
    }

    fn parse_qualified(&mut self, node: &Term, is_property: bool, out: &mut Vec<Constraint>) -> Result<(), ShaclError> {
        let Some(qvs) = self.single(node, sh::QUALIFIED_VALUE_SHAPE)? else {
            return Ok(());
        };
        let min = match self.single(node, sh::QUALIFIED_MIN_COUNT)? {
            Some(v) => Some(non_negative_integer(node, sh::QUALIFIED_MIN_COUNT, &v)?),
            None => None,
        };
        let max = match self.single(node, sh::QUALIFIED_MAX_COUNT)? {
            Some(v) => Some(non_negative_integer(node, sh::QUALIFIED_MAX_COUNT, &v)?),
            None => None,
        };
        if min.is_none() && max.is_none() {
            return Ok(());
        }
        Self::property_only(node, sh::QUALIFIED_VALUE_SHAPE, is_property)?;
        let shape = self.id_for(node, sh::QUALIFIED_VALUE_SHAPE, &qvs)?;
        let mut siblings = Vec::new();
        if self.bool_param(node, sh::QUALIFIED_VALUE_SHAPES_DISJOINT)? {
            let parents: Vec<Term> = self
                .graph
                .subjects_for_predicate_object(sh::PROPERTY, node)
                .map(|s| Term::from(s.into_owned()))
                .collect();
            for parent in parents {
                for sibling in self.values(&parent, sh::PROPERTY) {
                    for s in self.values(&sibling, sh::QUALIFIED_VALUE_SHAPE) {
                        if s != qvs && !s.is_literal() {
                            let id = self.intern(&s);
                            if !siblings.contains(&id) {
                                siblings.push(id);
                            }
                        }
                    }
                }
            }
        }
        out.push(Constraint::Qualified {
            shape,
            min,
            max,
            siblings,
        });
        Ok(())
    }
}

/// Builds a regex for `sh:pattern` with SPARQL `REGEX` flags (`i`, `s`, `m`, `x`, `q`).
fn build_regex(pattern: &str, flags: &str) -> Result<Regex, String> {
    let mut literal = false;
    let mut builder_flags = (false, false, false, false);
    for f in flags.chars() {
        match f {
            'i' => builder_flags.0 = true,
            's' => builder_flags.1 = true,
            'm' => builder_flags.2 = true,
            'x' => builder_flags.3 = true,
            'q' => literal = true,
            other => return Err(format!("unknown regex flag {other:?}")),
        }
    }
    let source = if literal {
        regex::escape(pattern)
    } else {
        pattern.to_owned()
    };
    RegexBuilder::new(&source)
        .case_insensitive(builder_flags.0)
        .dot_matches_new_line(builder_flags.1)
        .multi_line(builder_flags.2)
        .ignore_whitespace(builder_flags.3)
        .build()
        .map_err(|e| format!("invalid regex {pattern:?}: {e}"))
}
