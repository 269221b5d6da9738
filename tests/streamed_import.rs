//! Streamed imports (large N-Triples, N-Quads and Turtle files, bounded memory) over real
//! HTTP on real stores. The engine here streams every RDF upload
//! (`limits.stream_import_above_bytes = 0`), so each behaviour of the in-memory path is
//! checked again on the generation path: answers, merge semantics (one price, orphaned
//! blank nodes), replace, syntax errors and violations that change nothing, the upload
//! limit, and a restart.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use zhiku::engine::{Engine, Seed};
use zhiku::import::{Format, Mode};

/// Streamed uploads above 1 MiB are refused in these tests (the default is 4 GiB).
const MAX_STREAM: u64 = 1024 * 1024;

fn streaming_config(data: &Path) -> zhiku::Config {
    let mut c = common::config(data);
    c.limits.stream_import_above_bytes = 0;
    c.limits.max_stream_import_bytes = MAX_STREAM;
    c
}

struct Server {
    base: String,
    engine: Arc<Engine>,
}

async fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    if let Some(s) = SERVER.get() {
        return s;
    }
    let dir = tempfile::tempdir().unwrap();
    let engine = Arc::new(Engine::open(streaming_config(dir.path()), Seed::IfEmpty).expect("engine opens"));
    std::mem::forget(dir);
    let base = common::serve(engine.clone());
    SERVER.get_or_init(|| Server { base, engine })
}

use common::upload;

async fn export(base: &str, merchant: &str) -> String {
    common::get(format!("{base}/v1/merchants/{merchant}/export?format=ntriples"))
        .await
        .text()
        .await
        .unwrap()
}

/// N-Triples lines with blank node labels masked (labels differ between loads).
fn lines(nt: &str) -> BTreeSet<String> {
    nt.lines()
        .filter(|l| !l.trim().is_empty())
        .map(common::mask_blanks)
        .collect()
}

const SHOP: &str = r#"@prefix schema: <https://schema.org/> .
<https://shop.example/{m}/org> a schema:Organization ; schema:name "测试小店{m}" .
<https://shop.example/{m}/p/cup> a schema:Product ;
    schema:name "钛合金保温杯 500ml" ; schema:sku "TC-500" ;
    schema:additionalProperty [ a schema:PropertyValue ; schema:name "颜色" ; schema:value "银色" ] ;
    schema:offers <https://shop.example/{m}/o/cup> .
<https://shop.example/{m}/o/cup> a schema:Offer ;
    schema:itemOffered <https://shop.example/{m}/p/cup> ;
    schema:price 88.00 ; schema:priceCurrency "CNY" ; schema:availability schema:InStock .
"#;

fn shop(m: &str) -> String {
    SHOP.replace("{m}", m)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_import_answers_and_merges_like_the_in_memory_one() {
    let s = server().await;
    let m = "m-str-shop";
    let (status, job) = upload(&s.base, m, "", "text/turtle", shop(m)).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["streamed"], true, "{job}");
    assert_eq!(job["counts"]["triples_after"], 15, "{job}");
    assert!(job["counts"]["passages_reindexed"].as_u64().unwrap() >= 2, "{job}");
    let r = common::ask(&s.base, m, "保温杯多少钱").await;
    assert!(r["answer"].as_str().unwrap().contains("88"), "{r}");

    // Merge: one price changes, nothing else.
    let before = lines(&export(&s.base, m).await);
    let change = format!(
        "<https://shop.example/{m}/o/cup> <https://schema.org/price> \"96.50\"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n"
    );
    let (status, job) = upload(&s.base, m, "", "application/n-triples", change).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["streamed"], true);
    assert_eq!(job["counts"]["triples_added"], 1, "{job}");
    assert_eq!(job["counts"]["triples_removed"], 1, "{job}");
    assert_eq!(job["counts"]["passages_reindexed"], 1, "{job}");
    let after = lines(&export(&s.base, m).await);
    assert_eq!(before.difference(&after).count(), 1);
    assert_eq!(after.difference(&before).count(), 1);
    let r = common::ask(&s.base, m, "TC-500多少钱").await;
    let a = r["answer"].as_str().unwrap();
    assert!(a.contains("96.5") && !a.contains("88"), "{r}");

    // Merge replacing a blank-node value: the old blank node and its triples go.
    let colour = format!(
        "@prefix schema: <https://schema.org/> .\n<https://shop.example/{m}/p/cup> schema:additionalProperty [ a schema:PropertyValue ; schema:name \"颜色\" ; schema:value \"黑色\" ] .\n"
    );
    let (status, job) = upload(&s.base, m, "", "text/turtle", colour).await;
    assert_eq!(status, 200, "{job}");
    let nt = export(&s.base, m).await;
    assert!(nt.contains("黑色") && !nt.contains("银色"), "{nt}");
    assert_eq!(lines(&nt).len(), after.len(), "the old property value left no orphan");

    // Replace: the upload becomes the whole graph.
    let only_org = format!(
        "<https://shop.example/{m}/org> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://schema.org/Organization> .\n<https://shop.example/{m}/org> <https://schema.org/name> \"新店名\" .\n"
    );
    let (status, job) = upload(&s.base, m, "?mode=replace", "application/n-triples", only_org).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["counts"]["triples_after"], 2, "{job}");
    assert_eq!(lines(&export(&s.base, m).await).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_errors_violations_and_oversize_uploads_change_nothing() {
    let s = server().await;
    let m = "m-str-bad";
    let (status, _) = upload(&s.base, m, "", "text/turtle", shop(m)).await;
    assert_eq!(status, 200);
    let before = export(&s.base, m).await;

    // A syntax error deep in the file: 400 with its line; the partial generation is gone.
    let mut nt = String::new();
    for i in 0..5_000 {
        nt.push_str(&format!(
            "<https://shop.example/{m}/r/{i}> <https://schema.org/name> \"记录{i}\" .\n"
        ));
    }
    nt.push_str("<https://shop.example/x> <https://schema.org/name> \"unterminated .\n");
    let (status, err) = upload(&s.base, m, "?mode=replace", "application/n-triples", nt).await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["code"], "syntax_error");
    assert_eq!(err["error"]["details"]["line"], 5001, "{err}");
    assert_eq!(export(&s.base, m).await, before);

    // A SHACL violation: 422 with the report.
    let violating = format!("<https://shop.example/{m}/o/cup> <https://schema.org/price> \"八十八\" .\n");
    let (status, err) = upload(&s.base, m, "", "application/n-triples", violating).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["details"]["status"], "rejected");
    assert!(err["error"]["details"]["validation"]["violations"].as_u64().unwrap() >= 1);
    assert_eq!(export(&s.base, m).await, before);

    // Over limits.max_stream_import_bytes: 413 while the body is still arriving.
    let big = "<https://shop.example/big> <https://schema.org/name> \"x\" .\n".repeat((MAX_STREAM as usize / 50) + 10);
    let (status, err) = upload(&s.base, m, "", "application/n-triples", big).await;
    assert_eq!(status, 413, "{err}");
    assert_eq!(err["error"]["code"], "body_too_large");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("max_stream_import_bytes"),
        "{err}"
    );
    assert_eq!(export(&s.base, m).await, before);

    // The spool holds no upload once its import is over.
    let spool = s.engine.config().data_dir.join("spool");
    assert_eq!(
        std::fs::read_dir(&spool).unwrap().count(),
        0,
        "spool {}",
        spool.display()
    );
}

#[test]
fn a_streamed_merchant_survives_a_restart_and_old_generations_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("shop.ttl");
    let id = "m-str-restart";
    let m = &zhiku::MerchantId::parse(id).unwrap();
    std::fs::write(&file, shop(id)).unwrap();
    let ask = |engine: &Engine, q: &str| {
        let q = zhiku::Question::new(m.clone(), q, None, 500).unwrap();
        engine
            .answer(q, common::at("2026-06-10T12:00:00+08:00"))
            .unwrap()
            .answer
    };
    {
        let engine = Engine::open(streaming_config(&data), Seed::IfEmpty).unwrap();
        for _ in 0..3 {
            let job = engine
                .import_file(m, &file, "shop.ttl", Format::Turtle, Mode::Replace, &|_| {})
                .unwrap();
            assert!(job.streamed);
        }
        assert!(ask(&engine, "保温杯多少钱").contains("88"));
        std::fs::write(
            &file,
            format!("{}\n<https://x.example/a> <https://x.example/b> \"open .\n", shop(id)),
        )
        .unwrap();
        let e = engine
            .import_file(m, &file, "shop.ttl", Format::Turtle, Mode::Merge, &|_| {})
            .unwrap_err();
        assert_eq!(e.code(), "syntax_error", "{e}");
    }
    let store = zhiku::store::GraphStore::open(&data.join("graph")).unwrap();
    let live = store.live_graph(m).unwrap();
    assert!(live.as_str().ends_with("/g3"), "{live}");
    let merchant_graphs: Vec<String> = store
        .merchant_ids()
        .unwrap()
        .into_iter()
        .filter(|x| x == m)
        .map(|x| x.to_string())
        .collect();
    assert_eq!(merchant_graphs.len(), 1);
    assert_eq!(store.graph_len(live.as_ref()).unwrap(), 15);
    // Earlier generations, and the one the failed import started, hold nothing.
    for g in [1, 2, 4] {
        let old = oxigraph::model::NamedNode::new_unchecked(format!(
            "{}{m}/g{g}",
            zhiku::store::graph::MERCHANT_GRAPH_PREFIX
        ));
        assert_eq!(store.graph_len(old.as_ref()).unwrap(), 0);
    }
    drop(store);
    let engine = Engine::open(streaming_config(&data), Seed::IfEmpty).unwrap();
    assert!(ask(&engine, "TC-500多少钱").contains("88"));
}

/// Turtle nested far past `limits.max_import_depth` on the streamed path: refused with
/// `too_deep`, like the in-memory path, and the server answers the next request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_turtle_is_refused_when_streamed_too() {
    let s = server().await;
    let m = "m-str-deep";
    for body in [
        format!(
            "<https://x.example/p> {}<https://schema.org/name> \"x\"{} .\n",
            "<https://schema.org/isRelatedTo> [ ".repeat(20_000),
            " ]".repeat(20_000)
        ),
        format!(
            "<https://x.example/p> <https://schema.org/isRelatedTo> {}1{} .\n",
            "(".repeat(20_000),
            ")".repeat(20_000)
        ),
    ] {
        let (status, v) = upload(&s.base, m, "?format=turtle", "text/turtle", body).await;
        assert_eq!((status, v["error"]["code"].as_str()), (400, Some("too_deep")), "{v}");
        let r = reqwest::get(format!("{}/healthz", s.base)).await.unwrap();
        assert_eq!(r.status(), 200);
    }
}
