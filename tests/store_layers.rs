//! The three-layer store on a real oxigraph in a temp dir, and merchant isolation.

mod common;

use common::mid;
use zhiku::engine::load_seed_graphs;
use zhiku::store::graph::{SEED_SCHEMA_VERSION, general_graph, schema_graph};
use zhiku::store::{GraphStore, Ontology, StoreError};

fn seeded() -> (tempfile::TempDir, GraphStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = GraphStore::open(&dir.path().join("graph")).unwrap();
    let report = load_seed_graphs(&store, &common::config(dir.path())).unwrap();
    assert!(
        report.schema_triples > 10_000,
        "schema.org + zhiku ontology loaded: {}",
        report.schema_triples
    );
    assert!(report.general_triples > 20);
    assert_eq!(report.merchants.len(), 3);
    (dir, store)
}

#[test]
fn three_layers_are_named_graphs() {
    let (_d, store) = seeded();
    assert!(store.graph_len(schema_graph(SEED_SCHEMA_VERSION).as_ref()).unwrap() > 10_000);
    assert!(store.graph_len(general_graph().as_ref()).unwrap() > 20);
    assert_eq!(
        store
            .merchant_ids()
            .unwrap()
            .iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>(),
        vec!["m-apparel", "m-beauty", "m-digital"]
    );
    // schema.org 30.0 is loaded as it is.
    let view = store.scoped(&mid("m-beauty")).unwrap();
    let rows = view
        .select(
            "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { { ?c a <http://www.w3.org/2000/01/rdf-schema#Class> } UNION \
             { ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?x } FILTER(STRSTARTS(STR(?c), \"https://schema.org/\")) }",
        )
        .unwrap();
    let n: u32 = match rows[0].get("n") {
        Some(oxigraph::model::Term::Literal(l)) => l.value().parse().unwrap(),
        other => panic!("{other:?}"),
    };
    // rdfs:Class or subclass declarations (data types and a few enumerations are typed otherwise).
    assert!(n >= 900, "schema.org classes visible through the view: {n}");
}

#[test]
fn scoped_view_never_sees_another_merchant() {
    let (_d, store) = seeded();
    let beauty = store.scoped(&mid("m-beauty")).unwrap();
    let facts = beauty.facts().unwrap();
    assert!(!facts.products.is_empty());
    assert!(facts.products.iter().all(|p| p.iri.contains("/m-beauty/")));
    assert!(facts.faqs.iter().all(|f| f.iri.contains("/m-beauty/")));
    // Default graph: no subject of another merchant.
    let rows = beauty
        .select("SELECT DISTINCT ?s WHERE { ?s ?p ?o . FILTER(CONTAINS(STR(?s), \"/m-digital/\")) }")
        .unwrap();
    assert!(rows.is_empty(), "default graph leaks m-digital");
    // GRAPH ?g cannot escape either, even naming the other graph explicitly.
    let rows = beauty
        .select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        .unwrap();
    let graphs: Vec<String> = rows.iter().filter_map(|r| r.get("g").map(|t| t.to_string())).collect();
    assert!(
        graphs
            .iter()
            .all(|g| !g.contains("m-digital") && !g.contains("m-apparel")),
        "{graphs:?}"
    );
    let rows = beauty
        .select("SELECT ?s WHERE { GRAPH <urn:zhiku:graph:merchant:m-digital> { ?s ?p ?o } }")
        .unwrap();
    assert!(rows.is_empty(), "explicit GRAPH of another merchant leaks");
    let rows = beauty
        .select("SELECT ?s FROM <urn:zhiku:graph:merchant:m-digital> WHERE { ?s ?p ?o }")
        .unwrap();
    assert!(
        rows.iter().all(|r| !r
            .get("s")
            .map(|t| t.to_string())
            .unwrap_or_default()
            .contains("m-digital")),
        "FROM escapes the view"
    );
}

#[test]
fn unknown_and_malformed_merchants_are_errors() {
    let (_d, store) = seeded();
    assert!(matches!(
        store.scoped(&mid("m-nobody")),
        Err(StoreError::UnknownMerchant(_))
    ));
    assert!(zhiku::MerchantId::parse("../etc").is_err());
}

#[test]
fn bad_turtle_leaves_the_graph_untouched() {
    let (_d, store) = seeded();
    let g = zhiku::store::graph::merchant_graph(&mid("m-beauty"));
    let before = store.graph_len(g.as_ref()).unwrap();
    let err = store
        .replace_graph_turtle(g.as_ref(), "bad.ttl", b"<a> <b> <c> .\n<a> <b> \"unterminated .\n")
        .unwrap_err();
    assert!(err.to_string().contains("bad.ttl"), "{err}");
    assert_eq!(store.graph_len(g.as_ref()).unwrap(), before);
}

#[test]
fn ontology_has_intents_with_examples() {
    let (_d, store) = seeded();
    let o = Ontology::load(&store).unwrap();
    assert_eq!(o.intents.len(), 45);
    assert!(
        o.intents.iter().all(|i| i.examples.len() >= 5),
        "every intent has examples"
    );
    assert!(
        o.intent("human_agent")
            .is_some_and(|i| i.handoff == zhiku::store::ontology::HandoffRule::Always)
    );
    assert!(!o.couriers.is_empty() && !o.attributes.is_empty());
}

#[test]
fn facts_are_typed() {
    let (_d, store) = seeded();
    let f = store.scoped(&mid("m-beauty")).unwrap().facts().unwrap();
    let p = f
        .products
        .iter()
        .find(|p| p.sku.as_deref() == Some("HY-LP-0213"))
        .expect("sku");
    let o = p.offer.as_ref().expect("offer");
    assert_eq!(o.price, Some(139.0));
    assert_eq!(o.availability, zhiku::store::merchant::Availability::InStock);
    assert!(f.promotions.iter().any(|p| p.valid_through.is_some()));
    assert!(f.org.hours.iter().any(|(o, _)| o == "09:00"));
}
