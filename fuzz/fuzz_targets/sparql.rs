//! The SPARQL endpoint's query path on arbitrary query text, over the first demo merchant's
//! scoped dataset: it must answer or refuse within its deadline, never panic, and never put
//! a literal that only another merchant's graph holds into the result.
#![no_main]

use aho_corasick::AhoCorasick;
use libfuzzer_sys::fuzz_target;
use oxigraph::model::Term;
use oxigraph::sparql::CancellationToken;
use std::collections::HashSet;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};
use zhiku::store::sparql::{OutputFormats, QueryLimits};
use zhiku::store::{GraphStore, MerchantView};

const LITERALS: &str = "SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o) && STRLEN(STR(?o)) >= 6) }";

struct Setup {
    view: MerchantView,
    /// Literals of the other merchants that the first one's dataset does not hold.
    foreign: Vec<String>,
    matcher: AhoCorasick,
}

fn literals(view: &MerchantView) -> HashSet<String> {
    view.select(LITERALS)
        .expect("literals")
        .iter()
        .filter_map(|s| match s.get("o") {
            Some(Term::Literal(l)) => Some(l.value().to_string()),
            _ => None,
        })
        .collect()
}

static SETUP: LazyLock<Setup> = LazyLock::new(|| {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = zhiku::Config::for_project(&root, dir.path().to_path_buf());
    let graph = GraphStore::open(&dir.path().join("graph")).expect("store");
    let report = zhiku::engine::load_seed_graphs(&graph, &config).expect("seed");
    let mut ids = report.merchants.iter().map(|m| zhiku::MerchantId::parse(&m.0).expect("merchant id"));
    let own = ids.next().expect("a demo merchant");
    let view = graph.scoped(&own).expect("view");
    let mine = literals(&view);
    let mut foreign: Vec<String> = ids
        .flat_map(|id| literals(&graph.scoped(&id).expect("view")))
        .filter(|l| !mine.iter().any(|m| m.contains(l.as_str())))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    foreign.sort();
    assert!(
        !foreign.is_empty(),
        "the other demo merchants hold literals of their own"
    );
    let matcher = AhoCorasick::new(&foreign).expect("matcher");
    std::mem::forget(dir);
    Setup { view, foreign, matcher }
});

/// The running query's deadline and token; a watchdog thread cancels it past the deadline,
/// as the endpoint's timer does.
static RUNNING: LazyLock<&'static Mutex<Option<(Instant, CancellationToken)>>> = LazyLock::new(|| {
    let running: &'static Mutex<Option<(Instant, CancellationToken)>> = Box::leak(Box::new(Mutex::new(None)));
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(20));
            if let Some((deadline, token)) = &*running.lock().unwrap_or_else(|p| p.into_inner())
                && Instant::now() > *deadline
            {
                token.cancel();
            }
        }
    });
    running
});

fuzz_target!(
    // the store is built before fuzzing starts, so it does not count against -timeout
    init: {
        LazyLock::force(&SETUP);
        LazyLock::force(&RUNNING);
    },
    |data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else { return };
    let setup = &*SETUP;
    let limits = QueryLimits {
        max_depth: zhiku::config::Limits::default().max_query_depth,
        max_patterns: zhiku::config::Limits::default().max_query_patterns,
        deadline: Instant::now() + Duration::from_millis(200),
        max_rows: 1_000,
        token: CancellationToken::new(),
    };
    *RUNNING.lock().unwrap_or_else(|p| p.into_inner()) = Some((limits.deadline, limits.token.clone()));
    let started = Instant::now();
    let result = setup.view.query(query, OutputFormats::from_accept("application/sparql-results+json"), &limits);
    assert!(started.elapsed() < Duration::from_secs(10), "a query ran past its deadline");
    if let Ok(out) = result {
        let body = String::from_utf8_lossy(&out.body);
        for m in setup.matcher.find_iter(body.as_ref()) {
            let leaked = &setup.foreign[m.pattern().as_usize()];
            assert!(query.contains(leaked.as_str()), "another merchant's literal {leaked:?} in {body}");
        }
    }
});
