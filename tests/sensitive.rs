//! Sensitive values end to end, on the real `zhiku serve` binary with debug logging: values
//! planted in an import and in questions are sealed at rest (no file under the data dir holds
//! them), masked in answers, SPARQL results and every log line, and given back whole only to
//! their owner's export. A key rotation re-seals them under the new key.

mod common;

use serde_json::{Value, json};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const MERCHANT: &str = "m-plant";
/// Planted values: a mobile number, an ID-card number, a bank card, a street address, a
/// tax id (a listed predicate that no detector recognises).
const MOBILE: &str = "13912345678";
const ID_CARD: &str = "310101199001011234";
const BANK_CARD: &str = "6222021234567890128";
const STREET: &str = "世纪大道100号2栋301室";
const TAX_ID: &str = "91330100MA2B7QXK1Q";
/// Asked about, never imported.
const ASKED_MOBILE: &str = "13798765432";
const ASKED_ID: &str = "11010519491231002X";
/// Not sensitive: must be found in the data dir, proving the search sees stored text.
const CONTROL: &str = "防伪标签测试款";

fn planted() -> [&'static str; 7] {
    [MOBILE, ID_CARD, BANK_CARD, STREET, TAX_ID, ASKED_MOBILE, ASKED_ID]
}

fn shop_ttl() -> String {
    let base = format!("https://data.zhiku.example/merchant/{MERCHANT}");
    format!(
        r#"@prefix schema: <https://schema.org/> .
<{base}/org> a schema:Organization ; schema:name "植物小铺" ; schema:telephone "{MOBILE}" ;
    schema:taxID "{TAX_ID}" ;
    schema:address [ a schema:PostalAddress ; schema:addressRegion "上海市" ; schema:streetAddress "{STREET}" ] .
<{base}/p/tag> a schema:Product ; schema:name "{CONTROL}" ; schema:sku "PL-001" ;
    schema:offers <{base}/o/tag> .
<{base}/o/tag> a schema:Offer ; schema:price 9.90 ; schema:priceCurrency "CNY" ; schema:availability schema:InStock .
<{base}/faq> a schema:FAQPage ; schema:mainEntity <{base}/faq/refund> .
<{base}/faq/refund> a schema:Question ; schema:name "退款打到哪里" ;
    schema:acceptedAnswer [ a schema:Answer ; schema:text "退到尾号卡 {BANK_CARD}，实名 {ID_CARD}。" ] .
"#
    )
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(data: &Path, log: &Path, env: &[(&str, &str)]) -> Server {
    let port = free_port();
    let cfg = common::config(data);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zhiku"));
    cmd.arg("--data-dir")
        .arg(data)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(common::root())
        .env(
            "RUST_LOG",
            "debug,tower_http=trace,ort=warn,tantivy=info,qdrant_edge=warn,hyper=info,h2=info",
        )
        .env("ZHIKU_MODEL_DIR", &cfg.model_dir)
        .stdout(Stdio::null())
        .stderr(std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(600);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "server did not start; log: {}",
            log.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    Server { child, base }
}

/// The merchant's graph as N-Triples, exported by its owner.
async fn owner_export(client: &reqwest::Client, base: &str) -> String {
    client
        .get(format!("{base}/v1/merchants/{MERCHANT}/export?format=ntriples"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Every file under `dir` that holds `needle` (as UTF-8 bytes).
fn files_holding(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().filter_map(|e| e.ok()) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let mut bytes = Vec::new();
                if std::fs::File::open(&p)
                    .and_then(|mut f| f.read_to_end(&mut bytes))
                    .is_ok()
                    && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
                {
                    hits.push(p);
                }
            }
        }
    }
    hits
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_values_are_sealed_at_rest_masked_everywhere_and_rotate() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("serve.log");
    let key_k1 = ("ZHIKU_SECURITY__SM4_KEYS__K1", "0123456789abcdeffedcba9876543210");
    let server = start(&data, &log, &[key_k1]);
    let admin_key = std::fs::read_to_string(data.join("security/bootstrap-admin.key"))
        .unwrap()
        .trim()
        .to_string();
    let admin = common::client_with(&admin_key);
    let b = &server.base;

    // import
    let r = admin
        .post(format!("{b}/v1/merchants/{MERCHANT}/imports?format=turtle"))
        .header("content-type", "text/turtle")
        .body(shop_ttl())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

    // answers and evidence mask what they show, including what the shopper typed
    let mut shown = String::new();
    for q in [
        "客服电话多少".to_string(),
        "退款打到哪里".to_string(),
        "发货地址在哪".to_string(),
        format!("我的手机是{ASKED_MOBILE}，身份证{ASKED_ID}，能查订单吗"),
    ] {
        for path in ["/v1/answer", "/v1/search"] {
            let r: Value = admin
                .post(format!("{b}{path}"))
                .json(&json!({"merchant_id": MERCHANT, "question": q}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(r.get("error").is_none(), "{r}");
            shown.push_str(&r.to_string());
        }
    }
    assert!(shown.contains("退到尾号卡"), "the FAQ is answered: {shown}");
    assert!(shown.contains("6222***********0128"), "{shown}");
    // SPARQL results come back masked as well
    let r = admin
        .get(format!("{b}/sparql"))
        .query(&[
            ("merchant", MERCHANT),
            ("query", "SELECT ?v WHERE { ?s ?p ?v FILTER(isLiteral(?v)) }"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let sparql = r.text().await.unwrap();
    assert!(sparql.contains("139****5678"), "{sparql}");
    shown.push_str(&sparql);
    for v in planted() {
        assert!(!shown.contains(v), "{v} shown unmasked");
    }
    // the owner's export has every value whole
    let export = owner_export(&admin, b).await;
    for v in [MOBILE, ID_CARD, BANK_CARD, STREET, TAX_ID] {
        assert!(export.contains(v), "{v} missing from the export");
    }
    drop(server);

    // at rest: no file of the data dir holds a planted value; the control value is found
    assert!(
        !files_holding(&data, CONTROL).is_empty(),
        "the search cannot see stored text"
    );
    for v in planted() {
        let hits = files_holding(&data, v);
        assert!(hits.is_empty(), "{v} in the clear at rest: {hits:?}");
    }

    // rotation: k2 becomes active, `zhiku reseal` moves every value to it, and k1 can go
    let k2 = ("ZHIKU_SECURITY__SM4_KEYS__K2", "00112233445566778899aabbccddeeff");
    let out = Command::new(env!("CARGO_BIN_EXE_zhiku"))
        .arg("--data-dir")
        .arg(&data)
        .arg("reseal")
        .current_dir(common::root())
        .env("RUST_LOG", "debug")
        .env(key_k1.0, key_k1.1)
        .env(k2.0, k2.1)
        .env("ZHIKU_SECURITY__SM4_ACTIVE", "k2")
        .stderr(std::fs::OpenOptions::new().append(true).open(&log).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success());
    let server = start(&data, &log, &[k2]);
    let export = owner_export(&common::client_with(&admin_key), &server.base).await;
    assert!(export.contains(MOBILE) && export.contains(TAX_ID), "{export}");
    drop(server);

    // the logs of the whole run (debug level, every request traced) hold no planted value
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("zhiku serving"), "the log was written");
    // the questions were logged, masked
    assert!(
        logged.contains("137****5432") && logged.contains("110***********002X"),
        "{}",
        log.display()
    );
    for v in planted() {
        assert!(!logged.contains(v), "{v} in the log {}", log.display());
    }
}
