//! 商家知识校验: the dev validation set scored on a real oxigraph store, and focused checks of
//! each claim kind on small hand-made merchants.

use chrono::{DateTime, FixedOffset};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;
use zhiku::store::graph::{SEED_SCHEMA_VERSION, general_graph, merchant_graph, schema_graph};
use zhiku::store::merchant::{Availability, Faq, OfferFacts, Organization, Product, Promotion, ReturnPolicy, Shipping};
use zhiku::store::ontology::Concept;
use zhiku::store::{GraphStore, MerchantFacts, Ontology};
use zhiku::validate::{ClaimKind, ClaimStatus, Validation, Verdict, validate_text};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn eval_file(name: &str) -> PathBuf {
    root().join("..").join("shared").join("eval").join(name)
}

fn merchant_file(id: &str) -> PathBuf {
    let shared = eval_file(&format!("merchants/{id}.ttl"));
    if shared.exists() {
        shared
    } else {
        root().join("ingest").join("merchants").join(format!("{id}.ttl"))
    }
}

struct Loaded {
    facts: HashMap<String, MerchantFacts>,
    ontology: Ontology,
}

/// The three demo merchants, the general layer and the ontology in a real store (once).
fn loaded() -> &'static Loaded {
    static L: OnceLock<Loaded> = OnceLock::new();
    L.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = GraphStore::open(dir.path()).expect("open store");
        let onto: Vec<PathBuf> = ["zhiku.ttl", "intents.ttl", "synonyms.ttl", "vocabulary.ttl"]
            .iter()
            .map(|f| root().join("ontology").join(f))
            .filter(|p| p.exists())
            .collect();
        store
            .replace_graph_files(schema_graph(SEED_SCHEMA_VERSION).as_ref(), &onto)
            .expect("ontology");
        let general = root().join("ingest/general/general.ttl");
        if general.exists() {
            store
                .replace_graph_files(general_graph().as_ref(), &[general])
                .expect("general layer");
        }
        let mut facts = HashMap::new();
        for id in ["m-beauty", "m-digital", "m-apparel"] {
            let data = std::fs::read(merchant_file(id)).expect("merchant ttl");
            store
                .replace_graph_turtle(
                    merchant_graph(&zhiku::MerchantId::parse(id).expect("id")).as_ref(),
                    id,
                    &data,
                )
                .expect("merchant graph");
            facts.insert(
                id.to_string(),
                store
                    .scoped(&zhiku::MerchantId::parse(id).expect("id"))
                    .expect("scoped")
                    .facts()
                    .expect("facts"),
            );
        }
        let ontology = Ontology::load(&store).unwrap_or_default();
        std::mem::forget(dir);
        Loaded { facts, ontology }
    })
}

/// The time of cases that give none: fixed, the same as the dev-set guard's.
fn fixed_now() -> DateTime<FixedOffset> {
    at("2026-11-23T12:00:00+08:00")
}

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("rfc3339")
}

#[test]
fn dev_set_recall_and_false_alarms() {
    let l = loaded();
    let text = std::fs::read_to_string(eval_file("validation_dev.jsonl")).expect("validation_dev.jsonl");
    let verbose = std::env::var("ZK_VERBOSE").is_ok();
    let (mut fail_n, mut fail_hit, mut pass_n, mut pass_hit) = (0usize, 0usize, 0usize, 0usize);
    let mut missed = Vec::new();
    let mut alarms = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).expect("json line");
        let id = case["id"].as_str().unwrap_or_default();
        let merchant = case["merchant_id"].as_str().unwrap_or_default();
        let question = case["question"].as_str().unwrap_or_default();
        let answer = case["answer"].as_str().unwrap_or_default();
        let expected_fail = case["expected"].as_str() == Some("fail");
        let now = case["now"].as_str().map(at).unwrap_or_else(fixed_now);
        let facts = &l.facts[merchant];
        let v = validate_text(answer, question, facts, &l.ontology, now);
        let flagged = v.verdict != Verdict::Pass;
        if verbose {
            println!(
                "{id} {} -> {:?}",
                if expected_fail { "fail" } else { "pass" },
                v.verdict
            );
            for c in &v.claims {
                println!("    {:?} {:?} {:?} expected={:?}", c.kind, c.status, c.text, c.expected);
            }
            for c in zhiku::validate::extract(answer, question, facts, &l.ontology) {
                let names: Vec<&str> = c.subjects.iter().map(|&i| facts.products[i].name.as_str()).collect();
                println!("      cand {:?} {:?} subjects={names:?}", c.kind, c.text);
            }
        }
        let detail = || {
            let bad: Vec<String> = v
                .claims
                .iter()
                .filter(|c| c.status == ClaimStatus::Contradicted)
                .map(|c| format!("{:?} {:?}→{:?}", c.kind, c.text, c.expected))
                .collect();
            format!("{id}: {} | {}", bad.join("; "), case["errors"])
        };
        if expected_fail {
            fail_n += 1;
            if flagged {
                fail_hit += 1;
            } else {
                missed.push(detail());
            }
        } else {
            pass_n += 1;
            if flagged {
                pass_hit += 1;
                alarms.push(detail());
            }
        }
    }
    let recall = fail_hit as f64 / fail_n.max(1) as f64;
    let fa = pass_hit as f64 / pass_n.max(1) as f64;
    println!("validation dev: recall {fail_hit}/{fail_n} = {recall:.3}, false alarms {pass_hit}/{pass_n} = {fa:.3}");
    for m in &missed {
        println!("  missed  {m}");
    }
    for a in &alarms {
        println!("  alarm   {a}");
    }
    assert!(recall >= 0.90, "recall {recall:.3}");
    assert!(fa <= 0.10, "false-alarm rate {fa:.3}");
}

// ------------------------------------------------------------------ hand-made merchant

const M: &str = "https://example.test/m";

fn product(id: &str, name: &str, price: f64, av: Availability, inv: Option<i64>, props: &[(&str, &str)]) -> Product {
    Product {
        iri: format!("{M}/product/{id}"),
        name: name.to_string(),
        sku: Some(format!("TS-{}", id.to_uppercase())),
        brand: None,
        category: None,
        description: None,
        properties: props.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
        offer: Some(OfferFacts {
            iri: format!("{M}/offer/{id}"),
            price: Some(price),
            currency: Some("CNY".to_string()),
            availability: av,
            inventory: inv,
            inventory_unit: inv.map(|_| "件".to_string()),
            availability_starts: None,
            description: None,
            return_policy: Some(format!("{M}/policy/return")),
        }),
    }
}

fn concept(iri: &str, labels: &[&str]) -> Concept {
    Concept {
        iri: iri.to_string(),
        notation: iri.rsplit(':').next().unwrap_or(iri).to_string(),
        label: labels[0].to_string(),
        labels: labels.iter().map(|s| s.to_string()).collect(),
    }
}

fn ontology() -> Ontology {
    Ontology {
        intents: Vec::new(),
        attributes: vec![
            concept("a:volume", &["容量", "净含量", "毫升"]),
            concept("a:warranty", &["质保期", "质保", "保修"]),
            concept("a:material", &["材质", "面料", "成分"]),
            concept("a:length", &["长度", "衣长", "裤长"]),
            concept("a:colour", &["颜色", "配色"]),
        ],
        couriers: vec![
            concept("c:sf", &["顺丰", "顺丰速运", "顺丰快递", "SF"]),
            concept("c:zto", &["中通", "中通快递"]),
            concept("c:yunda", &["韵达", "韵达快递"]),
        ],
        // The validator's words are the project's vocabulary, as published.
        vocabulary: loaded().ontology.vocabulary.clone(),
    }
}

fn facts() -> MerchantFacts {
    let mut kettle = product(
        "kettle",
        "不锈钢电热水壶 1.7L",
        159.0,
        Availability::InStock,
        Some(12),
        &[
            ("容量", "1.7升"),
            ("功率", "1800W"),
            ("质保期", "2年"),
            ("颜色", "银色、黑色"),
        ],
    );
    kettle.description = Some("304不锈钢内胆，一键保温。".to_string());
    kettle.category = Some("家电/水壶".to_string());
    let mut mug = product(
        "mug",
        "陶瓷马克杯 350ml",
        39.0,
        Availability::OutOfStock,
        None,
        &[("容量", "350ml"), ("材质", "陶瓷")],
    );
    mug.category = Some("餐具/杯子".to_string());
    let mut shirt = product(
        "shirt",
        "亚麻衬衫",
        299.0,
        Availability::InStock,
        None,
        &[
            ("材质", "70%亚麻 30%棉"),
            ("衣长", "约72cm（M码）"),
            ("颜色", "白色、浅蓝色"),
        ],
    );
    shirt.offer.as_mut().expect("offer").return_policy = Some(format!("{M}/policy/final-sale"));
    let mut p = vec![kettle, mug, shirt];
    for (id, size, price) in [("t14", "1.4米", 2599.0), ("t16", "1.6米", 2999.0)] {
        p.push(product(
            id,
            &format!("实木餐桌 {size}"),
            price,
            Availability::InStock,
            None,
            &[],
        ));
    }
    for (i, n) in ["竹制砧板", "硅胶锅铲", "玻璃保鲜盒", "木质筷子"].iter().enumerate() {
        p.push(product(
            &format!("x{i}"),
            n,
            20.0 + i as f64,
            Availability::InStock,
            None,
            &[],
        ));
    }
    MerchantFacts {
        merchant_id: "m-test".to_string(),
        org: Organization {
            iri: format!("{M}/org"),
            name: "测试家居店".to_string(),
            description: None,
            telephone: Some("400-123-4567".to_string()),
            contact: vec!["在线客服每天09:30-21:30在线；客服电话400-123-4567。".to_string()],
            hours: vec![("09:30".to_string(), "21:30".to_string())],
        },
        products: p,
        policies: vec![
            ReturnPolicy {
                iri: format!("{M}/policy/return"),
                name: "退换货政策".to_string(),
                days: Some(10),
                category: Some("MerchantReturnFiniteReturnWindow".to_string()),
                fees: Some("ReturnFeesCustomerResponsibility".to_string()),
                description: Some(
                    "签收后10天内，商品未使用且包装完好，可申请10天无理由退货；非质量问题退货运费由买家承担，质量问题来回运费由本店承担。已使用的商品不支持无理由退货。"
                        .to_string(),
                ),
            },
            ReturnPolicy {
                iri: format!("{M}/policy/final-sale"),
                name: "特价商品退货规则".to_string(),
                days: None,
                category: Some("MerchantReturnNotPermitted".to_string()),
                fees: None,
                description: Some("亚麻衬衫为特价商品，售出后不支持无理由退货。".to_string()),
            },
        ],
        shipping: vec![
            Shipping {
                iri: format!("{M}/shipping/std"),
                name: "中通快递配送".to_string(),
                description: Some("每天15:00前付款当天发货，最晚36小时内发出；默认中通快递，发货后一般2-3天送达。".to_string()),
                rate: Some(7.0),
                free_threshold: None,
                transit_days: Some((2, 3)),
                handling_days: None,
                regions: Vec::new(),
            },
            Shipping {
                iri: format!("{M}/shipping/rate"),
                name: "包邮规则".to_string(),
                description: Some("全店实付满79元包邮，不满79元运费7元。".to_string()),
                rate: Some(7.0),
                free_threshold: Some(79.0),
                transit_days: None,
                handling_days: None,
                regions: Vec::new(),
            },
        ],
        promotions: vec![Promotion {
            iri: format!("{M}/promo/autumn"),
            name: "秋季满200减25".to_string(),
            description: Some("活动时间：2026年9月1日00:00至9月10日23:59。全店每满200元减25元；亚麻衬衫、竹制砧板和售罄商品不参与。".to_string()),
            valid_from: Some(at("2026-09-01T00:00:00+08:00")),
            valid_through: Some(at("2026-09-10T23:59:59+08:00")),
            is_event: false,
            items: Vec::new(),
        }],
        faqs: vec![
            Faq {
                iri: format!("{M}/faq/cod"),
                question: "支持货到付款吗？".to_string(),
                answer: "本店不支持货到付款。".to_string(),
            },
            Faq {
                iri: format!("{M}/faq/invoice"),
                question: "能开发票吗？".to_string(),
                answer: "可以开电子普通发票；暂不提供增值税专用发票。".to_string(),
            },
            Faq {
                iri: format!("{M}/faq/sf"),
                question: "能发顺丰吗？".to_string(),
                answer: "如需顺丰，请联系客服补运费差价12元。".to_string(),
            },
            Faq {
                iri: format!("{M}/faq/installment"),
                question: "能分期吗？".to_string(),
                answer: "单笔实付满500元可享花呗3期免息。".to_string(),
            },
            Faq {
                iri: format!("{M}/faq/far"),
                question: "能寄港澳台吗？".to_string(),
                answer: "港澳台运费每单30元（新疆、西藏不支持改顺丰）；玻璃保鲜盒和陶瓷马克杯不寄港澳台。".to_string(),
            },
        ],
        general: Vec::new(),
    }
}

fn check(answer: &str, question: &str) -> Validation {
    validate_text(answer, question, &facts(), &ontology(), at("2026-09-05T12:00:00+08:00"))
}

fn check_at(answer: &str, question: &str, now: &str) -> Validation {
    validate_text(answer, question, &facts(), &ontology(), at(now))
}

fn contradicted(v: &Validation, kind: ClaimKind) -> bool {
    v.claims
        .iter()
        .any(|c| c.kind == kind && c.status == ClaimStatus::Contradicted)
}

fn show(v: &Validation) -> String {
    format!("{:?} {:#?}", v.verdict, v.claims)
}

#[test]
fn price_claims() {
    let v = check("不锈钢电热水壶1.7L售价169元，现货哦。", "热水壶多少钱");
    assert!(contradicted(&v, ClaimKind::Price), "{}", show(&v));
    assert_eq!(v.verdict, Verdict::Corrected, "{}", show(&v));
    let v = check("不锈钢电热水壶1.7L售价159元。", "热水壶多少钱");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    // A price corrected in place.
    let v = check("陶瓷马克杯350ml售价45元。", "马克杯多少钱");
    assert_eq!(v.verdict, Verdict::Corrected, "{}", show(&v));
    assert_eq!(v.corrected_answer.as_deref(), Some("陶瓷马克杯350ml售价39元。"));
}

#[test]
fn computed_totals_and_shopper_numbers_are_not_claims() {
    // Two prices added, a discount applied, an order number, a shopper quantity.
    let v = check(
        "不锈钢电热水壶159元+陶瓷马克杯39元=198元，8折后158.4元。您的订单2026090512345已收到，买3个的话直接拍数量3就行～",
        "热水壶和马克杯一起买多少钱？我要买3个",
    );
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    let v = check("客服电话400-123-4567，活动9月1日至9月10日。", "客服电话多少");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
}

#[test]
fn fee_and_threshold_claims() {
    let v = check("全店实付满79元包邮，不满的话运费7元。", "包邮吗");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    let v = check("全店实付满99元包邮，不满的话运费7元。", "包邮吗");
    assert!(contradicted(&v, ClaimKind::Fee), "{}", show(&v));
    let v = check("不满79元运费10元。", "运费多少");
    assert!(contradicted(&v, ClaimKind::Fee), "{}", show(&v));
    let v = check("想发顺丰的话联系客服补差价15元就可以。", "能发顺丰吗");
    assert!(contradicted(&v, ClaimKind::Fee), "{}", show(&v));
    let v = check("可以发顺丰，联系客服补差价12元。", "能发顺丰吗");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
}

#[test]
fn day_and_hour_claims() {
    let v = check("付款后最晚36小时内发出，发货后一般2-3天送达。", "多久发货");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    let v = check("付款后最晚24小时内发出。", "多久发货");
    assert!(contradicted(&v, ClaimKind::Days), "{}", show(&v));
    let v = check("签收后十五天内商品未使用都能申请无理由退货。", "能退吗");
    assert!(contradicted(&v, ClaimKind::Days), "{}", show(&v));
    let v = check("签收后十天内商品未使用都能申请无理由退货。", "能退吗");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
}

#[test]
fn stock_claims() {
    let v = check("陶瓷马克杯350ml有现货哦。", "马克杯有货吗");
    assert!(contradicted(&v, ClaimKind::Stock), "{}", show(&v));
    assert_eq!(v.verdict, Verdict::Handoff);
    let v = check("抱歉，陶瓷马克杯350ml暂时缺货。", "马克杯有货吗");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    let v = check("不锈钢电热水壶1.7L库存还有30件。", "热水壶还有多少");
    assert!(contradicted(&v, ClaimKind::Stock), "{}", show(&v));
    let v = check("不锈钢电热水壶1.7L目前只剩12件啦。", "热水壶还有多少");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
}

#[test]
fn attribute_claims() {
    let v = check("不锈钢电热水壶1.7L功率1500W，质保2年。", "热水壶功率多大");
    assert!(contradicted(&v, ClaimKind::Attribute), "{}", show(&v));
    let v = check("不锈钢电热水壶1.7L功率1800W，质保1年。", "热水壶保修多久");
    assert!(contradicted(&v, ClaimKind::Attribute), "{}", show(&v));
    let v = check("不锈钢电热水壶1.7L功率1800W，质保2年，有银色和黑色。", "热水壶保修多久");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    let v = check("亚麻衬衫是70%棉 30%亚麻。", "衬衫什么成分");
    assert!(contradicted(&v, ClaimKind::Attribute), "{}", show(&v));
    let v = check(
        "亚麻衬衫是70%亚麻 30%棉，衣长约72cm，您身高165cm穿M码正好。",
        "衬衫什么成分，我身高165",
    );
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    let v = check("亚麻衬衫衣长约80cm（M码）。", "衬衫多长");
    assert!(contradicted(&v, ClaimKind::Attribute), "{}", show(&v));
    let v = check("不锈钢电热水壶1.7L颜色是红色。", "热水壶什么颜色");
    assert!(contradicted(&v, ClaimKind::Attribute), "{}", show(&v));
}

#[test]
fn courier_and_hours_claims() {
    let v = check("默认发韵达快递，发货后一般2-3天送达。", "发什么快递");
    assert!(contradicted(&v, ClaimKind::Courier), "{}", show(&v));
    let v = check("默认发顺丰快递。", "发什么快递");
    assert!(contradicted(&v, ClaimKind::Courier), "{}", show(&v));
    let v = check("默认发中通快递，如需顺丰请联系客服补运费差价12元。", "发什么快递");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    let v = check("在线客服每天09:30-22:00在线。", "客服几点下班");
    assert!(contradicted(&v, ClaimKind::Hours), "{}", show(&v));
    let v = check("在线客服每天09:30-21:30在线。", "客服几点下班");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    let v = check("每天16:00前付款当天发货。", "几点前付款当天发");
    assert!(contradicted(&v, ClaimKind::Hours), "{}", show(&v));
}

#[test]
fn policy_claims() {
    let v = check("本店不支持货到付款，请在线支付。", "能货到付款吗");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    let v = check("可以的亲，本店支持电子普通发票和增值税专用发票。", "能开专票吗");
    assert!(contradicted(&v, ClaimKind::Policy), "{}", show(&v));
    assert_eq!(v.verdict, Verdict::Handoff);
    let v = check("可以的，签收10天内都支持无理由退货，用过也没关系。", "用过了能退吗");
    assert!(contradicted(&v, ClaimKind::Policy), "{}", show(&v));
    let v = check(
        "可以的，签收后10天内，商品未使用且包装完好就可以申请无理由退货。",
        "没用过能退吗",
    );
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    let v = check("退货运费由本店承担，您直接寄回就行。", "退货运费谁出");
    assert!(contradicted(&v, ClaimKind::Policy), "{}", show(&v));
    let v = check("非质量问题退货运费需要您承担哦。", "退货运费谁出");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    // A return for the shop's fault has its own rule, named in the answer or the question.
    let v = check("水壶坏了，退货运费由买家承担。", "退货运费谁出");
    assert!(contradicted(&v, ClaimKind::Policy), "{}", show(&v));
    let v = check("不能退，运费由买家承担。", "用了一次就坏了 能退吗 运费谁出");
    assert!(contradicted(&v, ClaimKind::Policy), "{}", show(&v));
    let v = check("质量问题的话来回运费由本店承担。", "收到有破洞 运费谁出");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
}

#[test]
fn the_question_selects_the_refusal_a_reply_meets() {
    let contra = |answer: &str, question: &str| contradicted(&check(answer, question), ClaimKind::Policy);
    // A region or condition written anywhere in the question holds for a bare reply.
    assert!(contra("可以", "能改顺丰吗 我在西藏"));
    assert!(!contra("可以", "能改顺丰吗 我在上海"));
    assert!(contra("能退", "用过了 不想要了能退吗"));
    // A refusal in parentheses, and a list of products refused together.
    assert!(contra(
        "可以的亲，香港运费每单30元，保鲜盒也能寄～",
        "玻璃保鲜盒能寄香港吗"
    ));
    assert!(!contra(
        "可以的亲，香港运费每单30元，筷子也能寄～",
        "木质筷子能寄香港吗"
    ));
    // A refused no-reason return says nothing of a return for the shop's fault.
    assert!(!contra("能退", "用过了才发现有破洞 能退吗"));
    // A negation before the modal is a condition of the question, not what it asks.
    let v = check("不能退哦", "用过了不想要了还能退吗");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    // A tag question asks about the clause before it.
    assert!(contra("是的，可以开增值税专用发票。", "公司要开增值税专用发票 行吗"));
}

#[test]
fn the_questions_numbers_decide_a_yes_or_no() {
    // Paid at a time of day: ships today exactly when before the cut-off (15:00).
    assert!(contradicted(&check("能", "下午4点付的款 今天能发吗"), ClaimKind::Days));
    assert!(!contradicted(
        &check("能", "上午10点半付的款 今天能发吗"),
        ClaimKind::Days
    ));
    assert!(!contradicted(
        &check("不能，明天发", "晚上八点拍的 今天能发走吗"),
        ClaimKind::Days
    ));
    // Days since receipt against the 10-day window.
    assert!(contradicted(&check("可以退", "收到12天了 还能退吗"), ClaimKind::Policy));
    assert!(!contradicted(&check("可以退", "收到5天了 还能退吗"), ClaimKind::Policy));
    // Within the window a no is wrong, unless a refusal meets the question's conditions.
    assert!(contradicted(
        &check("不能退了", "收到第5天 没用过 还能退吗"),
        ClaimKind::Policy
    ));
    let v = check("不能退", "收到第5天 用过了 还能退吗");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    // The fee of the order the question describes, by the shop's rule (满79包邮, else 7元).
    assert!(contradicted(&check("运费15元", "买个马克杯运费多少"), ClaimKind::Fee));
    assert!(!contradicted(&check("运费7元", "买个马克杯运费多少"), ClaimKind::Fee));
    assert!(!contradicted(&check("运费7元", "买两个马克杯运费多少"), ClaimKind::Fee));
    assert!(contradicted(&check("运费7元", "买三个马克杯运费多少"), ClaimKind::Fee));
    assert!(contradicted(
        &check("运费10元", "买了50块的东西 运费多少"),
        ClaimKind::Fee
    ));
    assert!(!contradicted(&check("7元", "买了50块的东西 运费多少"), ClaimKind::Fee));
    // Two products asked together cost the sum of their prices; a quantity multiplies.
    assert!(contradicted(
        &check("一起39元", "马克杯和竹制砧板一起买多少钱"),
        ClaimKind::Price
    ));
    assert!(!contradicted(
        &check("一起59元", "马克杯和竹制砧板一起买多少钱"),
        ClaimKind::Price
    ));
    assert!(contradicted(
        &check("单价39元，买两只需要70元", "马克杯买两只多少钱"),
        ClaimKind::Price
    ));
    // An order amount against a threshold the merchant grants from (满500 免息).
    assert!(contradicted(
        &check("可以分期免息", "买300的东西能分期免息吗"),
        ClaimKind::Policy
    ));
    assert!(!contradicted(
        &check("可以分期免息", "买600的东西能分期免息吗"),
        ClaimKind::Policy
    ));
    // The time an answer gives for the service desk.
    assert!(contradicted(
        &check("客服晚上10点下班", "客服几点下班"),
        ClaimKind::Hours
    ));
    assert!(!contradicted(
        &check("客服晚上9点半下班", "客服几点下班"),
        ClaimKind::Hours
    ));
    // A time of day against the service hours (09:30-21:30).
    assert!(contradicted(&check("可以的", "晚上十点还能找客服吗"), ClaimKind::Hours));
    assert!(!contradicted(&check("有的", "上午10点有人工吗"), ClaimKind::Hours));
}

#[test]
fn a_variant_written_with_its_unit_names_the_product() {
    let v = check(
        "北美白橡木实木餐桌 1.6米售价2999元，目前有货。",
        "1.6米的白橡木餐桌有货吗",
    );
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    let v = check(
        "北美白橡木实木餐桌 1.6米售价2599元，目前有货。",
        "1.6米的白橡木餐桌有货吗",
    );
    assert!(contradicted(&v, ClaimKind::Price), "{}", show(&v));
}

#[test]
fn an_attribute_value_of_another_category_is_invented_here() {
    // 1800W is the kettle's; the mug has no power at all.
    let v = check("陶瓷马克杯的功率是1800W。", "马克杯功率多少");
    assert!(v.unsupported.iter().any(|f| f.text.contains("1800W")), "{}", show(&v));
    let v = check("不锈钢电热水壶的功率是1800W。", "水壶功率多少");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
}

#[test]
fn promotion_claims() {
    // A product of a list left out ("A、B和C不参与") does not take part, nor one left out by its
    // availability (售罄商品: the mug is out of stock).
    let v = check_at("能", "竹制砧板能参加秋季满200减25吗", "2026-09-05T12:00:00+08:00");
    assert!(contradicted(&v, ClaimKind::Promotion), "{}", show(&v));
    let v = check_at("能", "马克杯能参加秋季满200减25吗", "2026-09-05T12:00:00+08:00");
    assert!(contradicted(&v, ClaimKind::Promotion), "{}", show(&v));
    let v = check_at("能", "水壶能参加秋季满200减25吗", "2026-09-05T12:00:00+08:00");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    // A promotion asked about by its kind alone (满减: the `promotion_kind` vocabulary).
    let v = check_at("能", "马克杯参加满减吗", "2026-09-05T12:00:00+08:00");
    assert!(contradicted(&v, ClaimKind::Promotion), "{}", show(&v));
    let v = check_at("可以", "水壶参加满减吗", "2026-09-05T12:00:00+08:00");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    let v = check_at("可以", "水壶参加满减吗", "2026-10-01T12:00:00+08:00");
    assert!(contradicted(&v, ClaimKind::Promotion), "{}", show(&v));
    let v = check("全店每满200减30，上不封顶。", "满减多少");
    assert!(contradicted(&v, ClaimKind::Promotion), "{}", show(&v));
    let v = check("全店每满200减25，上不封顶。", "满减多少");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    let v = check_at(
        "秋季满200减25活动正在进行中哦。",
        "现在有活动吗",
        "2026-10-01T12:00:00+08:00",
    );
    assert!(contradicted(&v, ClaimKind::Promotion), "{}", show(&v));
    assert_eq!(v.verdict, Verdict::Handoff);
    let v = check_at(
        "秋季满200减25活动正在进行中哦。",
        "现在有活动吗",
        "2026-09-05T12:00:00+08:00",
    );
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    let v = check("可以的，亚麻衬衫也参与满200减25。", "衬衫能参加满减吗");
    assert!(contradicted(&v, ClaimKind::Promotion), "{}", show(&v));
    let v = check("满200减25活动到9月15日结束。", "活动到什么时候");
    assert!(contradicted(&v, ClaimKind::Promotion), "{}", show(&v));
}

/// Probe (run by hand with `--ignored`): each number with a unit in the dev pass answers is
/// changed; prints which changes go unflagged, for review.
#[test]
#[ignore]
fn mutation_probe() {
    let l = loaded();
    let text = std::fs::read_to_string(eval_file("validation_dev.jsonl")).expect("validation_dev.jsonl");
    let re = regex::Regex::new(r"(\d+(?:\.\d+)?)(元|天|小时|个工作日|W|mAh|ml|g|cm|Wh|%|件|年|个月|GB)").expect("re");
    let (mut n, mut hit) = (0, 0);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).expect("json");
        if case["expected"].as_str() != Some("pass") {
            continue;
        }
        let merchant = case["merchant_id"].as_str().unwrap_or_default();
        let question = case["question"].as_str().unwrap_or_default();
        let answer = case["answer"].as_str().unwrap_or_default();
        let now = case["now"].as_str().map(at).unwrap_or_else(fixed_now);
        for m in re.captures_iter(answer) {
            let whole = m.get(0).expect("m");
            let v: f64 = m[1].parse().unwrap_or(0.0);
            let nv = if v < 3.0 { v + 2.0 } else { (v * 1.3).round() };
            let nv_s = if nv.fract() == 0.0 {
                format!("{}", nv as i64)
            } else {
                format!("{nv}")
            };
            let mutated = format!(
                "{}{}{}{}",
                &answer[..whole.start()],
                nv_s,
                &m[2],
                &answer[whole.end()..]
            );
            let vres = validate_text(&mutated, question, &l.facts[merchant], &l.ontology, now);
            n += 1;
            if vres.verdict != Verdict::Pass {
                hit += 1;
            } else {
                println!(
                    "  unflagged {} {} -> {}{} | {}",
                    case["id"],
                    whole.as_str(),
                    nv_s,
                    &m[2],
                    mutated
                );
            }
        }
    }
    println!("mutations flagged {hit}/{n}");
}

/// Probe one answer by hand: ZK_PROBE="merchant|question|answer[|now]".
#[test]
#[ignore]
fn probe_one() {
    let l = loaded();
    let Ok(spec) = std::env::var("ZK_PROBE") else { return };
    let parts: Vec<&str> = spec.split('|').collect();
    let now = parts.get(3).map(|s| at(s)).unwrap_or_else(fixed_now);
    let facts = &l.facts[parts[0]];
    let v = validate_text(parts[2], parts[1], facts, &l.ontology, now);
    println!("{}", show(&v));
    for c in zhiku::validate::extract(parts[2], parts[1], facts, &l.ontology) {
        let names: Vec<&str> = c.subjects.iter().map(|&i| facts.products[i].name.as_str()).collect();
        println!("cand {:?} {:?} subjects={names:?}", c.kind, c.text);
    }
}

/// The merchants' own texts, and answers templated from their facts, must pass: every flag
/// here is a false alarm caused by misaligning one fact with another.
#[test]
fn merchant_texts_validate_as_true() {
    let l = loaded();
    let now = at("2026-06-10T12:00:00+08:00");
    let mut n = 0;
    let mut bad = Vec::new();
    for (mid, facts) in &l.facts {
        let mut cases: Vec<(String, String)> = Vec::new();
        for f in &facts.faqs {
            cases.push((f.question.clone(), f.answer.clone()));
        }
        for p in &facts.policies {
            if let Some(d) = &p.description {
                cases.push((p.name.clone(), d.clone()));
            }
        }
        for s in &facts.shipping {
            if let Some(d) = &s.description {
                cases.push((s.name.clone(), d.clone()));
            }
        }
        for c in &facts.org.contact {
            cases.push(("客服什么时候在线".to_string(), c.clone()));
        }
        for p in &facts.products {
            let o = p.offer.as_ref();
            let mut a = format!("{}售价{}元", p.name, o.and_then(|o| o.price).unwrap_or(0.0));
            for (k, v) in &p.properties {
                a.push_str(&format!("，{k}{v}"));
            }
            match o.map(|o| o.availability) {
                Some(Availability::InStock) => a.push_str("，目前有货"),
                Some(Availability::OutOfStock) => a.push_str("，目前暂时缺货"),
                _ => {}
            }
            if let Some(d) = &p.description {
                a.push_str(&format!("。{d}"));
            }
            cases.push((format!("{}怎么样", p.name), a));
        }
        for (q, a) in cases {
            n += 1;
            let v = validate_text(&a, &q, facts, &l.ontology, now);
            if v.verdict != Verdict::Pass {
                bad.push(format!("{mid} {a} => {}", show_short(&v)));
            }
        }
    }
    for b in &bad {
        println!("  self-check alarm: {b}");
    }
    println!("merchant self-check: {} of {n} flagged", bad.len());
    assert!(bad.len() * 20 <= n, "too many self-check alarms: {}", bad.len());
}

fn show_short(v: &Validation) -> String {
    v.claims
        .iter()
        .filter(|c| c.status == ClaimStatus::Contradicted)
        .map(|c| format!("{:?} {:?}→{:?}", c.kind, c.text, c.expected))
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn generalised_phrasings() {
    // Chinese-style hours, 满X包邮 without 元, 专票 for 增值税专用发票, a wrong shop phone.
    let v = check("客服每天早上9点半到晚上9点半在线哦。", "客服几点在线");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    let v = check("客服每天早上9点到晚上10点在线哦。", "客服几点在线");
    assert!(contradicted(&v, ClaimKind::Hours), "{}", show(&v));
    let v = check("全店满99包邮哦。", "包邮吗");
    assert!(contradicted(&v, ClaimKind::Fee), "{}", show(&v));
    let v = check("可以的亲，能开专票，联系客服就行。", "能开专票吗");
    assert!(contradicted(&v, ClaimKind::Policy), "{}", show(&v));
    let v = check("客服电话400-123-9999。", "电话多少");
    assert!(contradicted(&v, ClaimKind::Hours), "{}", show(&v));
    // Courier names are the schema's words: with them a wrong default courier is caught;
    // with an empty schema nothing in code knows a courier.
    let v = check("默认发韵达快递。", "发什么快递");
    assert!(contradicted(&v, ClaimKind::Courier), "{}", show(&v));
    let v = validate_text(
        "默认发韵达快递。",
        "发什么快递",
        &facts(),
        &Ontology::default(),
        at("2026-09-05T12:00:00+08:00"),
    );
    assert!(v.claims.iter().all(|c| c.kind != ClaimKind::Courier), "{}", show(&v));
}

/// Answers written afresh (not dev-set lines) about the demo merchants: true ones must pass,
/// wrong ones must be flagged.
#[test]
fn fresh_paraphrases() {
    let l = loaded();
    const JUNE: &str = "2026-06-12T12:00:00+08:00";
    let pass: &[(&str, &str, &str)] = &[
        (
            "m-beauty",
            "213口红多少钱",
            "这款丝绒雾面口红213枫叶红棕是139元一支哦，两支的话就是278元～",
        ),
        (
            "m-beauty",
            "粉底液有几个色号",
            "持妆柔雾粉底液有01象牙白、02自然色、03小麦色三个色号，其中03小麦色暂时缺货～",
        ),
        (
            "m-beauty",
            "满多少包邮",
            "全店满99元包邮哦，不满99元的话运费8元；新疆、西藏、青海要20元运费～",
        ),
        (
            "m-beauty",
            "什么时候发货",
            "下午4点前付款当天就发，4点以后的第二天发，最晚两天内发出～",
        ),
        (
            "m-beauty",
            "能用花呗分期吗",
            "可以用花呗分期，3期、6期、12期都可以选，不过本店暂不提供分期免息哦～",
        ),
        (
            "m-beauty",
            "会员有什么好处",
            "关注店铺就是会员，消费1元积1分，500积分能换小样礼包，生日月还有30元无门槛券～",
        ),
        (
            "m-beauty",
            "面膜一盒几片",
            "玻尿酸补水面膜是10片装的，每片25ml精华液，售价99元～",
        ),
        (
            "m-beauty",
            "吹风机功率多大",
            "高速负离子吹风机功率是1600W的，转速110000转/分钟，质保一年哦",
        ),
        (
            "m-beauty",
            "防晒喷雾防晒指数多少",
            "轻薄防晒喷雾是SPF50+ PA+++，150ml大瓶装，99元～",
        ),
        (
            "m-beauty",
            "退货地址发我",
            "亲，退货请先在订单页申请，审核通过后系统会显示退货地址，寄回时请备注订单号哦～",
        ),
        (
            "m-digital",
            "耳机续航多久",
            "声澜Air Pro耳机单次续航8小时，配合充电仓能用36小时～",
        ),
        (
            "m-digital",
            "手表支持NFC吗",
            "支持的，腕动Watch GT4有NFC公交卡功能，1.43英寸AMOLED屏，续航14天～",
        ),
        (
            "m-digital",
            "满多少包邮",
            "满59元就包邮，顺丰发货，不满的话收12元运费～",
        ),
        (
            "m-digital",
            "能开专票吗",
            "可以开的，增值税专用发票联系客服提供公司信息，7个工作日内寄出纸质专票～",
        ),
        (
            "m-digital",
            "三合一无线充还有货吗",
            "极客派三合一无线充电座有货的，目前库存18件～",
        ),
        (
            "m-digital",
            "儿童手表什么时候发货",
            "腕动儿童电话手表K5是预售商品，2026年6月15日起按付款顺序发货～",
        ),
        (
            "m-digital",
            "退款多久到",
            "仓库收到退货检测无误后24小时内退款，原路返回，银行卡一般1到3个工作日到账～",
        ),
        (
            "m-apparel",
            "羽绒服什么时候补货",
            "轻薄短款羽绒服暂时缺货，补货时间还没定，可以点到货提醒～",
        ),
        (
            "m-apparel",
            "毛衣起球吗",
            "100%山羊绒圆领毛衣摩擦多的地方可能会轻微起球，属于正常现象，可以用起球修剪器处理～",
        ),
        (
            "m-apparel",
            "T恤什么颜色",
            "纯棉基础圆领T恤有白色、黑色、灰色三个颜色，尺码S到XL～",
        ),
        (
            "m-apparel",
            "退货运费多少",
            "非质量问题退货需要您承担寄回运费10元，会直接从退款里扣除～",
        ),
        (
            "m-apparel",
            "羊毛大衣现在能买吗",
            "可以拍的，双面羊毛大衣是秋冬预售款，9月15日起陆续发货，1299元～",
        ),
        (
            "m-apparel",
            "风衣怎么选码",
            "经典中长款风衣尺码标准，按平时穿的码选就行，M码衣长约105cm～",
        ),
        (
            "m-apparel",
            "棉麻裙什么面料",
            "棉麻V领衬衫连衣裙的面料是亚麻和棉混纺，透气吸汗～",
        ),
        (
            "m-apparel",
            "眼罩什么材质",
            "真丝眼罩是100%桑蚕丝的，22姆米，香槟色和黑色可选～",
        ),
        (
            "m-beauty",
            "吹风机什么颜色",
            "高速负离子吹风机是雾粉色的，附赠两个风嘴～",
        ),
    ];
    let pass_dated: &[(&str, &str, &str, &str)] = &[
        (
            "m-digital",
            "充电宝送线吗",
            "送的亲，6月1日至6月18日买能量方块充电宝都送一根极客派C to C编织快充数据线，送完即止～",
            JUNE,
        ),
        (
            "m-apparel",
            "两件连衣裙能打折吗",
            "可以的，连衣裙任选2件及以上享8折，比如碎花茶歇裙259元和条纹衬衫连衣裙229元，一共488元，打完8折是390.4元～",
            JUNE,
        ),
    ];
    let fail: &[(&str, &str, &str, &str)] = &[
        (
            "m-beauty",
            "213口红多少钱",
            "丝绒雾面口红213枫叶红棕139元一支，两支一共288元～",
            "",
        ),
        ("m-beauty", "吹风机功率多大", "高速负离子吹风机功率1800W，质保1年～", ""),
        ("m-beauty", "口红保质期多久", "丝绒雾面口红未开封保质期24个月哦～", ""),
        ("m-beauty", "能货到付款吗", "可以的亲，本店支持货到付款～", ""),
        (
            "m-beauty",
            "防晒乳防晒指数多少",
            "清透防晒乳是SPF30 PA+++，日常通勤够用～",
            "",
        ),
        (
            "m-beauty",
            "满减还有吗",
            "有的亲，618满300减40活动还在进行中哦～",
            "2026-06-20T10:00:00+08:00",
        ),
        (
            "m-beauty",
            "刻字礼盒多久发货",
            "刻字定制口红礼盒付款后5天内刻字完成并发出～",
            "",
        ),
        (
            "m-digital",
            "20000充电宝多重",
            "能量方块20000mAh 22.5W快充充电宝重量约380g～",
            "",
        ),
        (
            "m-digital",
            "Pro Max的壳有吗",
            "有的，壳匠iPhone 16 Pro Max磁吸透明手机壳有现货～",
            "",
        ),
        (
            "m-digital",
            "寄西藏运费多少",
            "满59元包邮，新疆、西藏地区运费20元～",
            "",
        ),
        ("m-digital", "价保多久", "本店支持7天价保哦～", ""),
        ("m-digital", "能货到付款吗", "抱歉亲，本店暂不支持货到付款～", ""),
        (
            "m-digital",
            "Watch S多少钱",
            "腕动Watch S轻薄款智能手表41mm售价899元～",
            "",
        ),
        ("m-apparel", "棉麻裙还有几件", "棉麻V领衬衫连衣裙还剩3件哦～", ""),
        ("m-apparel", "退款多久到", "仓库收到退货后3-5个工作日退款～", ""),
        ("m-apparel", "能保价吗", "本店支持7天价保，放心买～", ""),
        (
            "m-apparel",
            "客服电话多少",
            "客服电话0572-3021699，工作日10:00-18:00～",
            "",
        ),
        ("m-apparel", "几天能到", "发货后一般2-3天送达～", ""),
        (
            "m-apparel",
            "碎花裙什么面料",
            "法式碎花茶歇连衣裙是纯棉面料，夏天穿很舒服～",
            "",
        ),
        ("m-beauty", "吹风机什么颜色", "高速负离子吹风机颜色是星空灰色～", ""),
        (
            "m-digital",
            "充电器几个口",
            "极客派65W氮化镓三口充电器是三个USB-C口～",
            "",
        ),
    ];
    let mut bad = Vec::new();
    for (m, q, a) in pass {
        let v = validate_text(a, q, &l.facts[*m], &l.ontology, fixed_now());
        if v.verdict != Verdict::Pass {
            bad.push(format!("false alarm {m} {a}: {}", show_short(&v)));
        }
    }
    for (m, q, a, now) in pass_dated {
        let v = validate_text(a, q, &l.facts[*m], &l.ontology, at(now));
        if v.verdict != Verdict::Pass {
            bad.push(format!("false alarm {m} {a}: {}", show_short(&v)));
        }
    }
    for (m, q, a, now) in fail {
        let now = if now.is_empty() { fixed_now() } else { at(now) };
        let v = validate_text(a, q, &l.facts[*m], &l.ontology, now);
        if v.verdict == Verdict::Pass {
            bad.push(format!("missed {m} {a}"));
        }
    }
    for b in &bad {
        println!("  {b}");
    }
    assert!(bad.is_empty(), "{} fresh paraphrases misjudged", bad.len());
}

#[test]
fn corrections_substitute_in_place() {
    let v = check(
        "不锈钢电热水壶1.7L库存还有30件，运费10元，付款后最晚24小时内发出。",
        "热水壶还有几个",
    );
    assert_eq!(v.verdict, Verdict::Corrected, "{}", show(&v));
    assert_eq!(
        v.corrected_answer.as_deref(),
        Some("不锈钢电热水壶1.7L库存还有12件，运费7元，付款后最晚36小时内发出。")
    );
    assert_eq!(v.corrections.len(), 3);
    // A policy contradiction cannot be patched: hand over.
    let v = check(
        "可以的亲，签收10天内都支持无理由退货，用过也没关系，运费10元。",
        "用过能退吗",
    );
    assert_eq!(v.verdict, Verdict::Handoff, "{}", show(&v));
    assert!(v.corrected_answer.is_none());
}

#[test]
fn validation_is_fast_enough() {
    let l = loaded();
    let facts = &l.facts["m-beauty"];
    let t = std::time::Instant::now();
    for _ in 0..20 {
        let _ = validate_text(
            "持妆柔雾粉底液02自然色229元，全店实付满99元包邮，不满99元运费8元～",
            "02粉底多少钱",
            facts,
            &l.ontology,
            fixed_now(),
        );
    }
    let per = t.elapsed().as_secs_f64() * 1000.0 / 20.0;
    println!("validate_text: {per:.1} ms per answer");
    assert!(per < 200.0, "{per} ms");
    // Prepared once, the same verdicts at a fraction of the cost.
    let prepared = zhiku::validate::Prepared::new(facts.clone(), &l.ontology);
    let t = std::time::Instant::now();
    for _ in 0..20 {
        let v = prepared.validate(
            "持妆柔雾粉底液02自然色219元，全店实付满99元包邮～",
            "02粉底多少钱",
            fixed_now(),
        );
        assert_eq!(v.verdict, Verdict::Corrected);
    }
    println!(
        "Prepared::validate: {:.2} ms per answer",
        t.elapsed().as_secs_f64() * 1000.0 / 20.0
    );
}

#[test]
fn product_statements_stay_with_their_product() {
    // "售出后不支持无理由退货" belongs to the linen shirt; the kettle answer is true.
    let v = check(
        "可以的，不锈钢电热水壶1.7L签收后10天内未使用可以申请无理由退货。",
        "热水壶能退吗",
    );
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    let v = check("可以的，亚麻衬衫也支持无理由退货。", "衬衫能退吗");
    assert!(contradicted(&v, ClaimKind::Policy), "{}", show(&v));
}

#[test]
fn general_rules_stated_as_such_are_not_shop_claims() {
    let l = loaded();
    // The shop gives 15 days; the law's 7 days, stated as the law, is not a false claim.
    let v = validate_text(
        "根据消费者权益保护法，网购商品享有七日无理由退货；本店更长，签收后15天内都可以申请无理由退货。",
        "能退吗",
        &l.facts["m-digital"],
        &l.ontology,
        fixed_now(),
    );
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    let v = validate_text(
        "本店支持七天无理由退货。",
        "能退吗",
        &l.facts["m-digital"],
        &l.ontology,
        fixed_now(),
    );
    assert!(contradicted(&v, ClaimKind::Days), "{}", show(&v));
}

#[test]
fn material_names() {
    let v = check("亚麻衬衫是真丝面料，很有垂感。", "衬衫什么面料");
    assert!(contradicted(&v, ClaimKind::Attribute), "{}", show(&v));
    // 纯棉 for a linen-cotton blend is wrong too.
    let v = check("亚麻衬衫是纯棉面料，透气舒服。", "衬衫什么面料");
    assert!(contradicted(&v, ClaimKind::Attribute), "{}", show(&v));
    let v = check("亚麻衬衫的面料是亚麻和棉混纺，透气舒服。", "衬衫什么面料");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
    // No material listed for the product: nothing to contradict.
    let v = check("不锈钢电热水壶1.7L内胆是不锈钢材质。", "热水壶什么材质");
    assert_eq!(v.verdict, Verdict::Pass, "{}", show(&v));
}

/// Truncated and odd inputs never panic (the validator slices text by byte offsets).
#[test]
fn never_panics_on_truncated_or_odd_text() {
    let l = loaded();
    let text = std::fs::read_to_string(eval_file("validation_dev.jsonl")).expect("validation_dev.jsonl");
    let prepared: HashMap<&str, zhiku::validate::Prepared> = ["m-beauty", "m-digital", "m-apparel"]
        .iter()
        .map(|m| (*m, zhiku::validate::Prepared::new(l.facts[*m].clone(), &l.ontology)))
        .collect();
    let now = fixed_now();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).expect("json");
        let p = &prepared[case["merchant_id"].as_str().unwrap_or("m-beauty")];
        let answer = case["answer"].as_str().unwrap_or_default();
        let question = case["question"].as_str().unwrap_or_default();
        for (i, _) in answer.char_indices().step_by(2) {
            let _ = p.validate(&answer[..i], question, now);
            let _ = p.validate(&answer[i..], &answer[..i], now);
        }
    }
    for odd in [
        "",
        " ",
        "～～～",
        "¥",
        "满",
        "满减",
        "（（（",
        "）",
        "9:",
        "12:60-25:99",
        "-5天",
        "0元",
        "１２３４５６７８９０元",
        "🎉🎉",
    ] {
        let _ = prepared["m-beauty"].validate(odd, odd, now);
    }
}
