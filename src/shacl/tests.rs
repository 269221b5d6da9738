use super::*;

const PREFIXES: &str = "@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <http://ex/> .
";

fn graph(ttl: &str) -> Graph {
    graph_from_turtle(&format!("{PREFIXES}{ttl}"), None).expect("test Turtle parses")
}

fn shapes(ttl: &str) -> Shapes {
    Shapes::from_graph(&graph(ttl)).expect("shapes are well-formed")
}

fn iri(s: &str) -> Term {
    NamedNode::new(format!("http://ex/{s}")).expect("valid IRI").into()
}

fn components(report: &ValidationReport) -> Vec<String> {
    let mut c: Vec<String> = report
        .results
        .iter()
        .map(|r| r.component.trim_start_matches("http://www.w3.org/ns/shacl#").to_owned())
        .collect();
    c.sort();
    c
}

#[test]
fn path_parsing_evaluation_and_text() {
    let g = graph(
        "ex:a ex:p ex:b . ex:b ex:p ex:c . ex:c ex:q ex:d . ex:z ex:p ex:a .
         ex:s1 sh:path ( ex:p [ sh:inversePath ex:q ] ) .
         ex:s2 sh:path [ sh:zeroOrMorePath ex:p ] .
         ex:s3 sh:path [ sh:oneOrMorePath ex:p ] .
         ex:s4 sh:path [ sh:alternativePath ( ex:q [ sh:inversePath ex:p ] ) ] .
         ex:s5 sh:path [ sh:zeroOrOnePath ex:p ] .
         ex:s6 sh:path ( [ sh:oneOrMorePath ex:p ] ex:q ) .
         ex:s7 sh:path [ sh:inversePath ( ex:p ex:q ) ] .",
    );
    let path_of = |s: &str| {
        let subject = NamedNode::new(format!("http://ex/{s}")).expect("valid IRI");
        let node = g
            .object_for_subject_predicate(&subject, vocab::PATH)
            .expect("has sh:path");
        Path::from_graph(&g, node).expect("valid path")
    };
    let eval = |p: &Path, start: &str| {
        let mut v: Vec<String> = p.evaluate(&g, &iri(start)).iter().map(|t| t.to_string()).collect();
        v.sort();
        v.join(" ")
    };
    let p = path_of("s2");
    assert_eq!(p.to_string(), "<http://ex/p>*");
    assert_eq!(eval(&p, "a"), "<http://ex/a> <http://ex/b> <http://ex/c>");
    let p = path_of("s3");
    assert_eq!(p.to_string(), "<http://ex/p>+");
    assert_eq!(eval(&p, "a"), "<http://ex/b> <http://ex/c>");
    let p = path_of("s4");
    assert_eq!(p.to_string(), "<http://ex/q>|^<http://ex/p>");
    assert_eq!(eval(&p, "b"), "<http://ex/a>");
    let p = path_of("s5");
    assert_eq!(eval(&p, "a"), "<http://ex/a> <http://ex/b>");
    let p = path_of("s6");
    assert_eq!(p.to_string(), "<http://ex/p>+/<http://ex/q>");
    assert_eq!(eval(&p, "z"), "<http://ex/d>");
    let p = path_of("s7");
    assert_eq!(p.to_string(), "^(<http://ex/p>/<http://ex/q>)");
    assert_eq!(eval(&p, "d"), "<http://ex/b>");
    let p = path_of("s1");
    assert_eq!(p.to_string(), "<http://ex/p>/^<http://ex/q>");
    assert_eq!(eval(&p, "a"), "");
}

#[test]
fn datatype_rejects_ill_formed_literals() {
    let s = shapes(
        "ex:s sh:targetNode ex:i ; sh:path ex:p ; sh:datatype xsd:integer .
         ex:t sh:targetNode ex:i ; sh:path ex:d ; sh:datatype xsd:date .",
    );
    let data = graph(
        "ex:i ex:p 1, \"abc\"^^xsd:integer, \"1.5\"^^xsd:integer, \"2\"^^xsd:decimal, \"3\" ;
              ex:d \"2024-01-31\"^^xsd:date, \"2024-13-01\"^^xsd:date, \"yesterday\"^^xsd:date .",
    );
    let report = validate(&s, &data, None);
    let mut bad: Vec<String> = report.results.iter().filter_map(|r| r.value.clone()).collect();
    bad.sort();
    assert_eq!(
        bad,
        [
            "\"1.5\"^^<http://www.w3.org/2001/XMLSchema#integer>",
            "\"2\"^^<http://www.w3.org/2001/XMLSchema#decimal>",
            "\"2024-13-01\"^^<http://www.w3.org/2001/XMLSchema#date>",
            "\"3\"",
            "\"abc\"^^<http://www.w3.org/2001/XMLSchema#integer>",
            "\"yesterday\"^^<http://www.w3.org/2001/XMLSchema#date>",
        ]
    );
    assert!(
        report
            .results
            .iter()
            .all(|r| r.component.ends_with("#DatatypeConstraintComponent"))
    );
    let byte = shapes("ex:s sh:targetNode ex:i ; sh:path ex:p ; sh:datatype xsd:byte .");
    let report = validate(&byte, &graph("ex:i ex:p \"127\"^^xsd:byte, \"128\"^^xsd:byte ."), None);
    assert_eq!(report.results.len(), 1);
    assert_eq!(
        report.results[0].value.as_deref(),
        Some("\"128\"^^<http://www.w3.org/2001/XMLSchema#byte>")
    );
}

#[test]
fn qualified_value_shape_counts_and_disjointness() {
    let s = shapes(
        "ex:Hand sh:targetClass ex:H ;
           sh:property ex:thumb, ex:fingers .
         ex:thumb sh:path ex:digit ; sh:qualifiedValueShape [ sh:class ex:Thumb ] ;
           sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 1 ; sh:qualifiedValueShapesDisjoint true .
         ex:fingers sh:path ex:digit ; sh:qualifiedValueShape [ sh:class ex:Finger ] ;
           sh:qualifiedMinCount 2 ; sh:qualifiedValueShapesDisjoint true .",
    );
    let ok = graph(
        "ex:h a ex:H ; ex:digit ex:t, ex:f1, ex:f2 .
         ex:t a ex:Thumb . ex:f1 a ex:Finger . ex:f2 a ex:Finger .",
    );
    assert!(validate(&s, &ok, None).conforms);
    // ex:ft is both: with disjointness it counts for neither.
    let bad = graph(
        "ex:h a ex:H ; ex:digit ex:ft, ex:f1, ex:t1, ex:t2 .
         ex:ft a ex:Thumb, ex:Finger . ex:f1 a ex:Finger . ex:t1 a ex:Thumb . ex:t2 a ex:Thumb .",
    );
    let report = validate(&s, &bad, None);
    assert_eq!(
        components(&report),
        [
            "QualifiedMaxCountConstraintComponent",
            "QualifiedMinCountConstraintComponent"
        ]
    );
    assert!(report.results.iter().all(|r| r.value.is_none()));
    assert!(
        report
            .results
            .iter()
            .all(|r| r.path.as_deref() == Some("<http://ex/digit>"))
    );
}

#[test]
fn class_targets_use_subclasses_from_data_and_ontology() {
    let s =
        shapes("ex:s a sh:NodeShape ; sh:targetClass ex:Animal ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .");
    let data = graph("ex:rex a ex:Dog . ex:tom a ex:Cat . ex:Cat rdfs:subClassOf ex:Animal .");
    let report = validate(&s, &data, None);
    assert_eq!(report.results.len(), 1);
    assert_eq!(report.results[0].focus_node, "<http://ex/tom>");
    assert_eq!(report.results[0].severity, Severity::Violation);
    let ontology = graph("ex:Dog rdfs:subClassOf ex:Mammal . ex:Mammal rdfs:subClassOf ex:Animal .");
    let report = validate(&s, &data, Some(&ontology));
    assert_eq!(report.violations(), 2);
    let json = serde_json::to_value(&report).expect("serializes");
    assert_eq!(json["results"][0]["severity"], "violation");
}

#[test]
fn messages_severity_and_recursion() {
    let s = shapes(
        "ex:s sh:targetNode ex:a ; sh:property ex:ps .
         ex:ps sh:path ex:knows ; sh:node ex:s .
         ex:pw sh:targetNode ex:a ; sh:path ex:knows ; sh:class ex:Person ;
           sh:severity sh:Warning ; sh:message \"must know people\"@en .",
    );
    // a knows b knows a: the recursive sh:node check terminates.
    let report = validate(&s, &graph("ex:a ex:knows ex:b . ex:b ex:knows ex:a ."), None);
    assert_eq!(report.warnings(), 1);
    assert_eq!(report.violations(), 0);
    assert!(!report.conforms);
    assert_eq!(report.results[0].messages, ["must know people"]);
    assert_eq!(report.results[0].value.as_deref(), Some("<http://ex/b>"));
}

#[test]
fn ill_formed_shapes_are_errors_naming_the_shape() {
    let cases = [
        (
            "ex:s sh:targetNode ex:a ; sh:property ex:p . ex:p sh:minCount 1 .",
            "<http://ex/p>",
        ),
        ("ex:s sh:targetNode ex:a ; sh:path ex:p, ex:q .", "<http://ex/s>"),
        (
            "ex:s sh:targetNode ex:a ; sh:path ex:p ; sh:minCount \"one\" .",
            "<http://ex/s>",
        ),
        (
            "ex:s sh:targetNode ex:a ; sh:path ex:p ; sh:maxCount -1 .",
            "<http://ex/s>",
        ),
        ("ex:s sh:targetNode ex:a ; sh:path ( ex:p ) .", "<http://ex/s>"),
        (
            "ex:s sh:targetNode ex:a ; sh:path [ sh:inversePath \"x\" ] .",
            "<http://ex/s>",
        ),
        (
            "ex:s sh:targetNode ex:a ; sh:path [ rdf:first ex:p ; rdf:rest ex:broken ] .",
            "<http://ex/s>",
        ),
        ("ex:s sh:targetNode ex:a ; sh:nodeKind ex:Thing .", "<http://ex/s>"),
        ("ex:s sh:targetNode ex:a ; sh:pattern \"(\" .", "<http://ex/s>"),
        ("ex:s sh:targetNode ex:a ; sh:node \"x\" .", "<http://ex/s>"),
        ("ex:s sh:targetNode ex:a ; sh:in ( ex:x ex:y ; sh:minCount 1 .", ""),
    ];
    for (ttl, shape) in cases {
        let g = match graph_from_turtle(&format!("{PREFIXES}{ttl}"), None) {
            Ok(g) => g,
            Err(e) => {
                assert!(shape.is_empty(), "{ttl}: {e}");
                continue;
            }
        };
        let err = Shapes::from_graph(&g).expect_err(ttl).to_string();
        assert!(err.contains(shape), "{ttl}: {err}");
    }
}

#[test]
fn value_ranges_strings_and_languages() {
    let s = shapes(
        "ex:s sh:targetNode ex:i ; sh:path ex:n ; sh:minInclusive 1 ; sh:maxExclusive 10.5 .
         ex:t sh:targetNode ex:i ; sh:path ex:l ; sh:languageIn ( \"en\" ) ; sh:uniqueLang true ; sh:maxLength 3 .
         ex:u sh:targetNode ex:i ; sh:path ex:w ; sh:pattern \"^a\" ; sh:flags \"i\" .",
    );
    let data = graph(
        "ex:i ex:n 1, 10, \"2\"^^xsd:double, 11, \"x\", ex:z ;
              ex:l \"one\"@en, \"two\"@en-GB, \"three\"@fr, \"uno\"@en ;
              ex:w \"Abc\", ex:abc, [] .",
    );
    let report = validate(&s, &data, None);
    let got: Vec<(String, Option<String>)> = report
        .results
        .iter()
        .map(|r| {
            (
                r.component.trim_start_matches("http://www.w3.org/ns/shacl#").to_owned(),
                r.value.clone(),
            )
        })
        .collect();
    let count = |c: &str| got.iter().filter(|(x, _)| x == c).count();
    assert_eq!(count("MinInclusiveConstraintComponent"), 2, "{got:?}"); // "x" and ex:z
    assert_eq!(count("MaxExclusiveConstraintComponent"), 3, "{got:?}"); // 11, "x", ex:z
    assert_eq!(count("LanguageInConstraintComponent"), 1, "{got:?}");
    assert_eq!(count("UniqueLangConstraintComponent"), 1, "{got:?}");
    assert_eq!(count("MaxLengthConstraintComponent"), 1, "{got:?}"); // "three"
    assert_eq!(count("PatternConstraintComponent"), 2, "{got:?}"); // IRI and blank node
}

#[test]
fn schema_org_shapes_parse_and_validate() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/schemaorg-30.0/schemaorg-shapes.shacl");
    let text = std::fs::read_to_string(&path).expect("schema.org shapes file present");
    let shapes = Shapes::from_graph(&graph_from_turtle(&text, None).expect("parses")).expect("well-formed");
    assert!(shapes.len() > 1500, "{} shapes", shapes.len());
    assert!(shapes.targeted() > 1000);
    let ok = graph_from_turtle(
        "@prefix schema: <http://schema.org/> .
         <urn:p1> a schema:Product ; schema:isConsumableFor <urn:p2> ; schema:isSimilarTo <urn:p2> .
         <urn:p2> a schema:Product .",
        None,
    )
    .expect("parses");
    let report = validate(&shapes, &ok, None);
    assert!(report.conforms, "{:?}", report.results);
    let bad = graph_from_turtle(
        "@prefix schema: <http://schema.org/> .
         <urn:p1> a schema:Product ; schema:isConsumableFor \"printer\" .",
        None,
    )
    .expect("parses");
    let report = validate(&shapes, &bad, None);
    assert_eq!(report.violations(), 1, "{:?}", report.results);
    let r = &report.results[0];
    assert_eq!(r.focus_node, "<urn:p1>");
    assert_eq!(r.path.as_deref(), Some("<http://schema.org/isConsumableFor>"));
    assert_eq!(r.component, "http://www.w3.org/ns/shacl#NodeConstraintComponent");
    assert_eq!(r.value.as_deref(), Some("\"printer\""));
}

#[test]
fn recursive_shapes_settle_independently_of_order() {
    let p = "ex:P sh:targetClass ex:Product ; sh:property [ sh:path ex:offers ; sh:node ex:O ] .\n";
    let o = "ex:O sh:targetClass ex:Offer ;
               sh:property [ sh:path ex:item ; sh:node ex:P ] ;
               sh:property [ sh:path ex:price ; sh:datatype xsd:decimal ] .\n";
    let data = graph(
        "ex:p a ex:Product ; ex:offers ex:o1, ex:o2 .
         ex:o1 a ex:Offer ; ex:item ex:p ; ex:price 1.5 .
         ex:o2 a ex:Offer ; ex:item ex:p ; ex:price \"free\" .
         ex:q a ex:Product ; ex:offers ex:o3 .
         ex:o3 a ex:Offer ; ex:item ex:q ; ex:price 2.0 .",
    );
    for order in [format!("{p}{o}"), format!("{o}{p}")] {
        let report = validate(&shapes(&order), &data, None);
        let mut got: Vec<String> = report
            .results
            .iter()
            .map(|r| {
                let component = r.component.trim_start_matches("http://www.w3.org/ns/shacl#");
                format!("{} {component} {}", r.focus_node, r.value.as_deref().unwrap_or("-"))
            })
            .collect();
        got.sort();
        // The cycle p ⇄ o1 conforms only if o2 does; o2 has a bad price, so p, o1 and o2
        // all fail. The cycle q ⇄ o3 has no failure and conforms.
        assert_eq!(
            got,
            [
                "<http://ex/o1> NodeConstraintComponent <http://ex/p>",
                "<http://ex/o2> DatatypeConstraintComponent \"free\"",
                "<http://ex/o2> NodeConstraintComponent <http://ex/p>",
                "<http://ex/p> NodeConstraintComponent <http://ex/o1>",
                "<http://ex/p> NodeConstraintComponent <http://ex/o2>",
            ],
            "{order}"
        );
    }
}

#[test]
fn shapes_and_reports_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Shapes>();
    assert_send_sync::<ValidationReport>();
    assert_send_sync::<ShaclError>();
}
