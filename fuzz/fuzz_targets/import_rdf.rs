//! Every RDF upload format the import route accepts, on arbitrary bytes: parsing must
//! return triples or an error naming a position, never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zhiku::import::{CsvMapping, Format, Upload, parse};

const FORMATS: [Format; 5] = [
    Format::Turtle,
    Format::NTriples,
    Format::NQuads,
    Format::JsonLd,
    Format::RdfXml,
];

/// The service's default parse limits, with a smaller triple cap.
static LIMITS: std::sync::LazyLock<zhiku::import::ParseLimits> = std::sync::LazyLock::new(|| zhiku::import::ParseLimits {
    max_triples: 10_000,
    ..(&zhiku::config::Limits::default()).into()
});

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let format = FORMATS[pick as usize % FORMATS.len()];
    let graph = zhiku::store::graph::merchant_graph(&zhiku::MerchantId::parse("m-fuzz").expect("merchant id"));
    let empty = oxigraph::model::Graph::new();
    let upload = Upload {
        name: "fuzz",
        format,
        data: body,
    };
    if let Ok(triples) = parse(
        upload,
        "m-fuzz",
        graph.as_ref(),
        &CsvMapping::default(),
        &empty,
        &LIMITS,
        &|_| {},
    ) {
        assert!(triples.len() <= 10_000);
    }
});
