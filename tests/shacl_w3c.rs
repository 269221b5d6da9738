//! Runs the W3C SHACL Core test suite (`../shared/data/w3c-shacl-tests/core`) against
//! `zhiku::shacl`.
//!
//! Every `sht:Validate` entry reachable from `core/manifest.ttl` (through `mf:include`) is
//! run: results are compared as multisets on (focus node, result path, value, severity,
//! source constraint component, source shape), blank nodes matching any blank node and
//! result paths compared by structure; messages are ignored. `sht:Failure` expects the
//! shapes graph to be rejected.

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::vocab::rdf;
use oxigraph::model::{Graph, NamedNodeRef, NamedOrBlankNodeRef, Term, TermRef};
use std::collections::HashMap;
use std::path::{Path as FsPath, PathBuf};
use std::rc::Rc;
use zhiku::shacl::{Path, Shapes, ValidationReport, validate};

/// Tests expected to fail, as (suffix of the test IRI, reason).
const KNOWN_FAILURES: &[(&str, &str)] = &[];

const MF: &str = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#";
const SHT: &str = "http://www.w3.org/ns/shacl-test#";
const SH: &str = "http://www.w3.org/ns/shacl#";

fn mf(local: &str) -> NamedNodeRef<'static> {
    iri(MF, local)
}

fn sht(local: &str) -> NamedNodeRef<'static> {
    iri(SHT, local)
}

fn sh(local: &str) -> NamedNodeRef<'static> {
    iri(SH, local)
}

fn iri(ns: &str, local: &str) -> NamedNodeRef<'static> {
    NamedNodeRef::new_unchecked(Box::leak(format!("{ns}{local}").into_boxed_str()))
}

/// Parsed files by file IRI; a file used as both data and shapes graph is parsed once so
/// that its blank nodes are shared.
#[derive(Default)]
struct Files {
    graphs: HashMap<String, Rc<Graph>>,
}

impl Files {
    fn load(&mut self, file_iri: &str) -> Result<Rc<Graph>, String> {
        if let Some(g) = self.graphs.get(file_iri) {
            return Ok(g.clone());
        }
        let path = file_iri
            .strip_prefix("file://")
            .ok_or_else(|| format!("not a file IRI: {file_iri}"))?;
        let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
        let parser = RdfParser::from_format(RdfFormat::Turtle)
            .with_base_iri(file_iri)
            .map_err(|e| format!("{file_iri}: {e}"))?;
        let mut graph = Graph::new();
        for quad in parser.for_slice(&bytes) {
            let quad = quad.map_err(|e| format!("{path}: {e}"))?;
            graph.insert(quad.as_ref());
        }
        let graph = Rc::new(graph);
        self.graphs.insert(file_iri.to_owned(), graph.clone());
        Ok(graph)
    }
}

fn file_iri(path: &FsPath) -> String {
    format!("file://{}", path.display())
}

fn objects(graph: &Graph, subject: &Term, predicate: NamedNodeRef<'_>) -> Vec<Term> {
    let subject: NamedOrBlankNodeRef<'_> = match subject {
        Term::NamedNode(n) => n.as_ref().into(),
        Term::BlankNode(b) => b.as_ref().into(),
        _ => return Vec::new(),
    };
    graph
        .objects_for_subject_predicate(subject, predicate)
        .map(TermRef::into_owned)
        .collect()
}

fn object(graph: &Graph, subject: &Term, predicate: NamedNodeRef<'_>) -> Option<Term> {
    objects(graph, subject, predicate).into_iter().next()
}

fn list(graph: &Graph, head: &Term) -> Vec<Term> {
    let mut out = Vec::new();
    let mut node = head.clone();
    while node != Term::from(rdf::NIL) {
        let Some(first) = object(graph, &node, rdf::FIRST) else {
            break;
        };
        out.push(first);
        match object(graph, &node, rdf::REST) {
            Some(rest) => node = rest,
            None => break,
        }
    }
    out
}

struct TestCase {
    iri: String,
    manifest: Rc<Graph>,
    node: Term,
}

fn walk(files: &mut Files, manifest_iri: &str, tests: &mut Vec<TestCase>) -> Result<(), String> {
    let graph = files.load(manifest_iri)?;
    let manifest = Term::from(NamedNodeRef::new(manifest_iri).map_err(|e| e.to_string())?);
    for include in objects(&graph, &manifest, mf("include")) {
        match include {
            Term::NamedNode(n) => walk(files, n.as_str(), tests)?,
            other => return Err(format!("mf:include {other} is not an IRI")),
        }
    }
    for head in objects(&graph, &manifest, mf("entries")) {
        for entry in list(&graph, &head) {
            if objects(&graph, &entry, rdf::TYPE).contains(&sht("Validate").into()) {
                let iri = match &entry {
                    Term::NamedNode(n) => n.as_str().to_owned(),
                    other => other.to_string(),
                };
                tests.push(TestCase {
                    iri,
                    manifest: graph.clone(),
                    node: entry,
                });
            }
        }
    }
    Ok(())
}

type Key = [String; 6];

fn term_key(term: Option<&Term>) -> String {
    match term {
        None => "-".into(),
        Some(Term::BlankNode(_)) => "_:blank".into(),
        Some(t) => t.to_string(),
    }
}

fn expected_results(graph: &Graph, report: &Term) -> Vec<Key> {
    let mut keys: Vec<Key> = objects(graph, report, sh("result"))
        .iter()
        .map(|r| {
            let path = match object(graph, r, sh("resultPath")) {
                None => "-".to_owned(),
                Some(p) => Path::from_graph(graph, p.as_ref())
                    .map(|p| p.to_string())
                    .unwrap_or_else(|e| format!("unparsable path: {e}")),
            };
            [
                term_key(object(graph, r, sh("focusNode")).as_ref()),
                path,
                term_key(object(graph, r, sh("value")).as_ref()),
                term_key(object(graph, r, sh("resultSeverity")).as_ref()),
                term_key(object(graph, r, sh("sourceConstraintComponent")).as_ref()),
                term_key(object(graph, r, sh("sourceShape")).as_ref()),
            ]
        })
        .collect();
    keys.sort();
    keys
}

fn actual_results(report: &ValidationReport) -> Vec<Key> {
    let mut keys: Vec<Key> = report
        .results
        .iter()
        .map(|r| {
            [
                term_key(Some(&r.focus_term)),
                r.result_path.as_ref().map_or_else(|| "-".to_owned(), Path::to_string),
                term_key(r.value_term.as_ref()),
                term_key(Some(&Term::from(r.severity_iri.clone()))),
                term_key(Some(&Term::from(r.component_iri.clone()))),
                term_key(Some(&r.source_shape_term)),
            ]
        })
        .collect();
    keys.sort();
    keys
}

/// Elements of `a` not matched in `b` (multiset difference of sorted vectors).
fn missing(a: &[Key], b: &[Key]) -> Vec<Key> {
    let mut rest = b.to_vec();
    let mut out = Vec::new();
    for k in a {
        match rest.iter().position(|x| x == k) {
            Some(i) => {
                rest.remove(i);
            }
            None => out.push(k.clone()),
        }
    }
    out
}

/// Runs one test; on success returns how many expected results were matched.
fn run(files: &mut Files, test: &TestCase) -> Result<usize, String> {
    let g = &test.manifest;
    let action = object(g, &test.node, mf("action")).ok_or("no mf:action")?;
    let result = object(g, &test.node, mf("result")).ok_or("no mf:result")?;
    let graph_of = |files: &mut Files, p: &str| -> Result<Rc<Graph>, String> {
        match object(g, &action, sht(p)) {
            Some(Term::NamedNode(n)) => files.load(n.as_str()),
            other => Err(format!("sht:{p} is {other:?}")),
        }
    };
    let data = graph_of(files, "dataGraph")?;
    let shapes_graph = graph_of(files, "shapesGraph")?;
    let parsed = Shapes::from_graph(&shapes_graph);
    if result == Term::from(sht("Failure")) {
        return match parsed {
            Err(_) => Ok(0),
            Ok(_) => Err("expected a failure (ill-formed shapes graph), but the shapes parsed".into()),
        };
    }
    let shapes = parsed.map_err(|e| format!("shapes graph rejected: {e}"))?;
    let report = validate(&shapes, data.as_ref(), None);
    let conforms = match object(g, &result, sh("conforms")) {
        Some(Term::Literal(l)) => l.value() == "true",
        other => return Err(format!("sh:conforms is {other:?}")),
    };
    let expected = expected_results(g, &result);
    let actual = actual_results(&report);
    let mut problems = Vec::new();
    if conforms != report.conforms {
        problems.push(format!("conforms: expected {conforms}, got {}", report.conforms));
    }
    for k in missing(&expected, &actual) {
        problems.push(format!("missing result {k:?}"));
    }
    for k in missing(&actual, &expected) {
        problems.push(format!("unexpected result {k:?}"));
    }
    if problems.is_empty() {
        Ok(expected.len())
    } else {
        Err(problems.join("\n    "))
    }
}

#[test]
fn w3c_shacl_core() {
    let root: PathBuf = FsPath::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/w3c-shacl-tests/core/manifest.ttl")
        .canonicalize()
        .expect("W3C SHACL test suite present at ../shared/data/w3c-shacl-tests");
    let mut files = Files::default();
    let mut tests = Vec::new();
    walk(&mut files, &file_iri(&root), &mut tests).expect("manifests load");
    assert!(!tests.is_empty(), "no tests found");

    let mut passed = 0;
    let mut matched = 0;
    let mut unexpected = Vec::new();
    for test in &tests {
        let known = KNOWN_FAILURES.iter().find(|(suffix, _)| test.iri.ends_with(suffix));
        let short = test.iri.rsplit("/core/").next().unwrap_or(&test.iri);
        match run(&mut files, test) {
            Ok(results) => {
                passed += 1;
                matched += results;
                match known {
                    Some(_) => println!("PASS {short} (listed as a known failure: remove it from KNOWN_FAILURES)"),
                    None => println!("PASS {short}"),
                }
            }
            Err(why) => match known {
                Some((_, reason)) => println!("FAIL {short} (known: {reason})\n    {why}"),
                None => {
                    println!("FAIL {short}\n    {why}");
                    unexpected.push(short.to_owned());
                }
            },
        }
    }
    println!("({matched} expected validation results matched in passing tests)");
    println!("w3c shacl core: {passed}/{} passed", tests.len());
    assert!(unexpected.is_empty(), "unexpected failures: {unexpected:?}");
    assert!(
        passed * 10 >= tests.len() * 9,
        "pass rate below 90%: {passed}/{}",
        tests.len()
    );
}
