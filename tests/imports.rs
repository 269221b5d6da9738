//! Merchant imports over real HTTP on real stores: every format, CSV tables, syntax errors
//! and SHACL violations that change nothing, a price change visible in the next answer,
//! jobs, export and subject deletion.

mod common;

use serde_json::{Value, json};
use std::sync::OnceLock;

/// One server per test binary, over its own engine (tests here write merchant graphs).
async fn server() -> String {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| common::serve(common::new_engine())).clone()
}

use common::{ask, upload};

async fn export(base: &str, merchant: &str, format: &str) -> (u16, String) {
    let r = common::get(format!("{base}/v1/merchants/{merchant}/export?format={format}")).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

fn n_triples(nt: &str) -> usize {
    nt.lines().filter(|l| !l.trim().is_empty()).count()
}

const SHOP: &str = r#"@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://shop.example/{m}/org> a schema:Organization ; schema:name "测试小店{m}" .
<https://shop.example/{m}/p/cup> a schema:Product ;
    schema:name "钛合金保温杯 500ml" ; schema:sku "TC-500" ;
    schema:offers <https://shop.example/{m}/o/cup> .
<https://shop.example/{m}/o/cup> a schema:Offer ;
    schema:itemOffered <https://shop.example/{m}/p/cup> ;
    schema:price 88.00 ; schema:priceCurrency "CNY" ; schema:availability schema:InStock .
"#;

fn shop(m: &str) -> String {
    SHOP.replace("{m}", m)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_demo_merchant_reuploads_through_http_unchanged() {
    let base = server().await;
    for m in ["m-beauty", "m-digital", "m-apparel"] {
        let (_, before) = export(&base, m, "ntriples").await;
        let ttl = std::fs::read(common::root().join("ingest/merchants").join(format!("{m}.ttl"))).unwrap();
        let (s, job) = upload(&base, m, "?mode=replace&name=demo.ttl", "text/turtle", ttl).await;
        assert_eq!(s, 200, "{m}: {job}");
        assert_eq!(job["status"], "succeeded");
        assert_eq!(job["validation"]["violations"], 0, "{m}: {}", job["validation"]);
        let (_, after) = export(&base, m, "ntriples").await;
        assert_eq!(n_triples(&before), n_triples(&after), "{m}");
        assert_eq!(
            job["counts"]["triples_after"].as_u64().unwrap() as usize,
            n_triples(&after)
        );
    }
    let r = ask(&base, "m-beauty", "HY-LP-0213多少钱").await;
    assert!(r["answer"].as_str().unwrap().contains("139"), "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_merchant_is_importable_in_every_rdf_format_and_answers() {
    let base = server().await;
    let (s, job) = upload(&base, "m-imp-ttl", "", "text/turtle", shop("m-imp-ttl")).await;
    assert_eq!(s, 200, "{job}");
    assert!(job["counts"]["passages_reindexed"].as_u64().unwrap() >= 2, "{job}");
    let r = ask(&base, "m-imp-ttl", "保温杯多少钱").await;
    assert!(r["answer"].as_str().unwrap().contains("88"), "{r}");
    assert_eq!(r["citations"][0]["layer"], "merchant", "{r}");

    // The same shop exported in each RDF format imports into a new merchant to the same size.
    let (_, nt) = export(&base, "m-imp-ttl", "ntriples").await;
    for (format, ct) in [
        ("ntriples", "application/n-triples"),
        ("jsonld", "application/ld+json"),
        ("rdfxml", "application/rdf+xml"),
        ("turtle", "text/turtle"),
    ] {
        let (s, body) = export(&base, "m-imp-ttl", format).await;
        assert_eq!(s, 200, "{format}");
        let m = format!("m-imp-{format}");
        let (s, job) = upload(&base, &m, "", ct, body).await;
        assert_eq!(s, 200, "{format}: {job}");
        assert_eq!(
            job["counts"]["triples_after"].as_u64().unwrap() as usize,
            n_triples(&nt),
            "{format}"
        );
    }
    // N-Quads must name the merchant's own graph (or none).
    let nq = nt.replace(" .\n", " <urn:zhiku:graph:merchant:m-imp-nq> .\n");
    let (s, job) = upload(&base, "m-imp-nq", "", "application/n-quads", nq.clone()).await;
    assert_eq!(s, 200, "{job}");
    let (s, err) = upload(&base, "m-imp-nq2", "", "application/n-quads", nq).await;
    assert_eq!(s, 400, "{err}");
    assert_eq!(err["error"]["code"], "foreign_graph");
    // JSON-LD with the schema.org context, as merchants write it.
    let jsonld = r#"{"@context":"https://schema.org","@id":"https://shop.example/j/p","@type":"Product","name":"竹制砧板","sku":"ZB-1",
        "offers":{"@id":"https://shop.example/j/o","@type":"Offer","price":"45.00","priceCurrency":"CNY","itemOffered":{"@id":"https://shop.example/j/p"}}}"#;
    let (s, job) = upload(&base, "m-imp-jsonld2", "", "application/ld+json", jsonld).await;
    assert_eq!(s, 200, "{job}");
    let r = ask(&base, "m-imp-jsonld2", "砧板多少钱").await;
    assert!(r["answer"].as_str().unwrap().contains("45"), "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_faq_and_product_tables_import_and_answer() {
    let base = server().await;
    let m = "m-imp-csv";
    let (s, _) = upload(&base, m, "", "text/turtle", shop(m)).await;
    assert_eq!(s, 200);
    let faq = "问题,答案\n支持分期付款吗？,支持花呗分期，3期免息。\n";
    let (s, job) = upload(&base, m, "?name=faq.csv", "text/csv", faq).await;
    assert_eq!(s, 200, "{job}");
    assert_eq!(job["format"], "csv");
    let r = ask(&base, m, "可以分期付款吗").await;
    assert!(r["answer"].as_str().unwrap().contains("3期免息"), "{r}");

    // A product table: the stored SKU is updated in place, a new one is added.
    let products =
        "sku\t商品名称\t价格\t库存状态\nTC-500\t钛合金保温杯 500ml\t79\t有货\nTC-750\t钛合金保温杯 750ml\t99\t缺货\n";
    let (s, job) = upload(&base, m, "", "text/tab-separated-values", products).await;
    assert_eq!(s, 200, "{job}");
    let (_, nt) = export(&base, m, "ntriples").await;
    assert!(
        nt.contains("<https://shop.example/m-imp-csv/o/cup> <https://schema.org/price> \"79\""),
        "{nt}"
    );
    assert!(!nt.contains("\"88.00\""), "old price replaced: {nt}");
    let r = ask(&base, m, "750ml的保温杯有货吗").await;
    assert!(
        r["answer"].as_str().unwrap().contains("缺货") || r["answer"].as_str().unwrap().contains("无货"),
        "{r}"
    );

    // A bad cell names its line and column, and nothing changes.
    let bad = "sku,name,price\nTC-900,杯,十块\n";
    let (s, err) = upload(&base, m, "", "text/csv", bad).await;
    assert_eq!(s, 400, "{err}");
    assert_eq!(err["error"]["code"], "table_error");
    assert_eq!(err["error"]["details"]["line"], 2);
    assert_eq!(err["error"]["details"]["column"], "price");
    let (_, after) = export(&base, m, "ntriples").await;
    assert_eq!(n_triples(&nt), n_triples(&after));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syntax_errors_and_shacl_violations_are_4xx_and_change_nothing() {
    let base = server().await;
    let m = "m-imp-bad";
    let (s, _) = upload(&base, m, "", "text/turtle", shop(m)).await;
    assert_eq!(s, 200);
    let (_, before) = export(&base, m, "ntriples").await;

    let broken = format!("{}\n<https://shop.example/x> schema:name \"unterminated .\n", shop(m));
    let (s, err) = upload(&base, m, "?mode=replace", "text/turtle", broken).await;
    assert_eq!(s, 400, "{err}");
    assert_eq!(err["error"]["code"], "syntax_error");
    assert_eq!(err["error"]["details"]["line"], 11, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("line 11"), "{err}");

    let violating = r#"@prefix schema: <https://schema.org/> .
<https://shop.example/m-imp-bad/o/cup> schema:price "八十八" .
<https://shop.example/m-imp-bad/p/nameless> a schema:Product ; schema:sku "N-1" ."#;
    let (s, err) = upload(&base, m, "", "text/turtle", violating).await;
    assert_eq!(s, 422, "{err}");
    assert_eq!(err["error"]["code"], "shacl_violation");
    let job = &err["error"]["details"];
    assert_eq!(job["status"], "rejected");
    let results = job["validation"]["results"].as_array().unwrap();
    let focus: Vec<&str> = results
        .iter()
        .filter(|r| r["severity"] == "violation")
        .map(|r| r["focus_node"].as_str().unwrap())
        .collect();
    assert!(focus.contains(&"<https://shop.example/m-imp-bad/o/cup>"), "{results:?}");
    assert!(
        focus.contains(&"<https://shop.example/m-imp-bad/p/nameless>"),
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .all(|r| r["message"].as_str().is_some_and(|s| !s.is_empty()))
    );
    let price = results
        .iter()
        .find(|r| r["focus_node"] == "<https://shop.example/m-imp-bad/o/cup>")
        .unwrap();
    assert_eq!(price["path"], "<https://schema.org/price>");

    // The rejected job is on record; the graph is as it was.
    let id = job["id"].as_str().unwrap();
    let r: Value = common::get(format!("{base}/v1/merchants/{m}/imports/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["status"], "rejected");
    let (_, after) = export(&base, m, "ntriples").await;
    assert_eq!(before, after);
    let r = ask(&base, m, "保温杯多少钱").await;
    assert!(r["answer"].as_str().unwrap().contains("88"), "{r}");

    // Other malformed requests.
    let (s, err) = upload(&base, m, "", "application/msword", "x").await;
    assert_eq!(s, 415, "{err}");
    assert_eq!(err["error"]["code"], "unsupported_format");
    let (s, err) = upload(&base, m, "?mode=append", "text/turtle", shop(m)).await;
    assert_eq!(s, 400, "{err}");
    let (s, err) = upload(&base, "M_BAD!", "", "text/turtle", shop(m)).await;
    assert_eq!(s, 400, "{err}");
    let (s, err) = upload(&base, m, "", "text/turtle", "  \n").await;
    assert_eq!(s, 400, "{err}");
    assert_eq!(err["error"]["code"], "empty_upload");
    let (s, err) = upload(&base, m, "", "text/turtle", vec![0xff, 0xfe, 0x00, 0x41]).await;
    assert_eq!(s, 400, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_change_by_import_shows_in_the_next_answer() {
    let base = server().await;
    let m = "m-imp-price";
    let (s, _) = upload(&base, m, "", "text/turtle", shop(m)).await;
    assert_eq!(s, 200);
    let r = ask(&base, m, "TC-500多少钱").await;
    assert!(r["answer"].as_str().unwrap().contains("88"), "{r}");
    let change = format!(
        "<https://shop.example/{m}/o/cup> <https://schema.org/price> \"96.50\"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n"
    );
    let (s, job) = upload(&base, m, "", "application/n-triples", change).await;
    assert_eq!(s, 200, "{job}");
    assert_eq!(job["counts"]["triples_added"], 1);
    assert_eq!(job["counts"]["triples_removed"], 1);
    assert_eq!(
        job["counts"]["passages_reindexed"], 1,
        "only the product passage changes: {job}"
    );
    let r = ask(&base, m, "TC-500多少钱").await;
    let a = r["answer"].as_str().unwrap();
    assert!(a.contains("96.5"), "{r}");
    assert!(!a.contains("88"), "{r}");
    assert_eq!(r["verdict"]["verdict"], "pass", "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_export_and_subject_deletion() {
    let base = server().await;
    let m = "m-imp-del";
    let (s, job) = upload(&base, m, "", "text/turtle", shop(m)).await;
    assert_eq!(s, 200);
    let id = job["id"].as_str().unwrap();
    let r = common::get(format!("{base}/v1/merchants/{m}/imports/{id}")).await;
    assert_eq!(r.status().as_u16(), 200);
    let r = common::get(format!("{base}/v1/merchants/m-beauty/imports/{id}")).await;
    assert_eq!(r.status().as_u16(), 404, "a job is visible only under its merchant");
    let r = common::get(format!("{base}/v1/merchants/{m}/imports/job-nope")).await;
    assert_eq!(r.status().as_u16(), 404);
    let (s, _) = export(&base, "m-nobody", "turtle").await;
    assert_eq!(s, 404);
    let (s, _) = export(&base, m, "csv").await;
    assert_eq!(s, 400);
    let (s, ttl) = export(&base, m, "turtle").await;
    assert_eq!(s, 200);
    assert!(ttl.contains("钛合金保温杯"));

    let client = common::client(&base);
    let del = |iri: String| {
        let client = client.clone();
        let base = base.clone();
        async move {
            let r = client
                .delete(format!("{base}/v1/merchants/{m}/subjects"))
                .query(&[("iri", iri)])
                .send()
                .await
                .unwrap();
            let s = r.status().as_u16();
            (s, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, job) = del(format!("https://shop.example/{m}/p/cup")).await;
    assert_eq!(s, 200, "{job}");
    assert!(job["counts"]["passages_removed"].as_u64().unwrap() >= 1, "{job}");
    let (_, nt) = export(&base, m, "ntriples").await;
    assert!(!nt.contains("/p/cup>"), "{nt}");
    let hits: Value = client
        .post(format!("{base}/v1/search"))
        .json(&json!({"merchant_id": m, "question": "保温杯"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        hits["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["kind"] != "product"),
        "{hits}"
    );
    let (s, _) = del(format!("https://shop.example/{m}/p/cup")).await;
    assert_eq!(s, 404);
    let (s, _) = del("not an iri".into()).await;
    assert_eq!(s, 400);
}
