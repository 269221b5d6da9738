//! CSV and TSV uploads mapped onto schema.org by the project's `ingest/csv_mapping.toml`,
//! on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use zhiku::import::{CsvMapping, Format, Upload, parse};

static MAPPING: LazyLock<CsvMapping> = LazyLock::new(|| {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ingest/csv_mapping.toml");
    CsvMapping::load(&path).expect("csv mapping")
});

/// The service's default parse limits, with a smaller triple cap.
static LIMITS: std::sync::LazyLock<zhiku::import::ParseLimits> = std::sync::LazyLock::new(|| zhiku::import::ParseLimits {
    max_triples: 10_000,
    ..(&zhiku::config::Limits::default()).into()
});

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let format = if pick % 2 == 0 { Format::Csv } else { Format::Tsv };
    let graph = zhiku::store::graph::merchant_graph(&zhiku::MerchantId::parse("m-fuzz").expect("merchant id"));
    let empty = oxigraph::model::Graph::new();
    let upload = Upload {
        name: "fuzz",
        format,
        data: body,
    };
    let _ = parse(upload, "m-fuzz", graph.as_ref(), &MAPPING, &empty, &LIMITS, &|_| {});
});
