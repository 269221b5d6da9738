//! Merchant knowledge imports: the accepted formats, parsing with line and column in every
//! error, the CSV mapping onto schema.org ([`csv`]), how an upload changes the stored graph
//! ([`merge`]) and the import jobs kept under the data dir ([`jobs`]).
//!
//! Parsing never writes anything: it turns an upload into triples, which
//! [`crate::engine::Engine::import`] validates with SHACL before one transaction stores them.

pub mod csv;
pub mod jobs;
pub mod merge;
pub mod structure;

use oxigraph::io::{JsonLdProfileSet, LoadedDocument, RdfFormat, RdfParser};
use oxigraph::model::{GraphNameRef, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, Triple};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub use self::csv::CsvMapping;
pub use jobs::{Job, JobStatus, JobStore};
pub use merge::{Change, Mode};
pub use structure::ParseLimits;

/// The schema.org namespace zhiku stores (`https`).
pub const SCHEMA: &str = "https://schema.org/";
/// The legacy `http` schema.org namespace, rewritten to [`SCHEMA`] on import.
pub const SCHEMA_HTTP: &str = "http://schema.org/";

/// How often (in triples) [`parse`] reports progress.
pub const PROGRESS_EVERY: usize = 10_000;

/// An upload's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Turtle (`text/turtle`, `.ttl`).
    Turtle,
    /// N-Triples (`application/n-triples`, `.nt`).
    NTriples,
    /// N-Quads (`application/n-quads`, `.nq`); graph names must be absent or the merchant's.
    NQuads,
    /// JSON-LD (`application/ld+json`, `.jsonld`); schema.org contexts resolve offline.
    JsonLd,
    /// RDF/XML (`application/rdf+xml`, `.rdf`, `.owl`, `.xml`).
    RdfXml,
    /// Comma-separated FAQ or product table (`text/csv`, `.csv`).
    Csv,
    /// Tab-separated FAQ or product table (`text/tab-separated-values`, `.tsv`).
    Tsv,
}

impl Format {
    /// Every format with its names, media type and extensions (for messages and docs).
    pub const ALL: [Format; 7] = [
        Format::Turtle,
        Format::NTriples,
        Format::NQuads,
        Format::JsonLd,
        Format::RdfXml,
        Format::Csv,
        Format::Tsv,
    ];

    /// The format's name as used in `?format=`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Turtle => "turtle",
            Format::NTriples => "ntriples",
            Format::NQuads => "nquads",
            Format::JsonLd => "jsonld",
            Format::RdfXml => "rdfxml",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
        }
    }

    /// The IANA media type.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Turtle => "text/turtle",
            Format::NTriples => "application/n-triples",
            Format::NQuads => "application/n-quads",
            Format::JsonLd => "application/ld+json",
            Format::RdfXml => "application/rdf+xml",
            Format::Csv => "text/csv",
            Format::Tsv => "text/tab-separated-values",
        }
    }

    fn extensions(self) -> &'static [&'static str] {
        match self {
            Format::Turtle => &["ttl", "turtle"],
            Format::NTriples => &["nt"],
            Format::NQuads => &["nq"],
            Format::JsonLd => &["jsonld", "json"],
            Format::RdfXml => &["rdf", "owl", "xml"],
            Format::Csv => &["csv"],
            Format::Tsv => &["tsv", "tab"],
        }
    }

    /// Parses a `?format=` name or a file extension (case-insensitive).
    pub fn from_name(name: &str) -> Option<Format> {
        let n = name.trim().to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| f.name() == n || f.extensions().contains(&n.as_str()))
    }

    /// The format of a `Content-Type` value (parameters such as `charset` are ignored).
    pub fn from_media_type(media_type: &str) -> Option<Format> {
        let mt = media_type.split(';').next()?.trim().to_ascii_lowercase();
        match mt.as_str() {
            "application/json" => Some(Format::JsonLd),
            "application/xml" | "text/xml" => Some(Format::RdfXml),
            "text/plain" => None,
            _ => Format::ALL.into_iter().find(|f| f.media_type() == mt),
        }
    }

    /// The format of a file, by extension.
    pub fn from_path(path: &Path) -> Option<Format> {
        path.extension().and_then(|e| e.to_str()).and_then(Format::from_name)
    }

    /// Lists the accepted formats for error messages.
    pub fn accepted() -> String {
        Format::ALL
            .iter()
            .map(|f| format!("{} ({})", f.name(), f.media_type()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The oxigraph parser format (`None` for the tables, CSV and TSV).
    pub fn rdf(self) -> Option<RdfFormat> {
        Some(match self {
            Format::Turtle => RdfFormat::Turtle,
            Format::NTriples => RdfFormat::NTriples,
            Format::NQuads => RdfFormat::NQuads,
            Format::JsonLd => RdfFormat::JsonLd {
                profile: JsonLdProfileSet::empty(),
            },
            Format::RdfXml => RdfFormat::RdfXml,
            Format::Csv | Format::Tsv => return None,
        })
    }

    /// The oxigraph serialisation format for exports (CSV/TSV are import-only).
    pub fn export_format(self) -> Option<RdfFormat> {
        self.rdf()
    }
}

/// Why an upload cannot be imported. Each names the input and, where the parser knows it,
/// the 1-based line and column.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// An RDF syntax error.
    #[error("{name}: syntax error at line {line}, column {column}: {message}")]
    Syntax {
        /// Input name (file name or `upload`).
        name: String,
        /// 1-based line.
        line: u64,
        /// 1-based column (in characters).
        column: u64,
        /// The parser's message.
        message: String,
    },
    /// An RDF syntax error without a position (RDF/XML).
    #[error("{name}: syntax error: {message}")]
    SyntaxAt {
        /// Input name.
        name: String,
        /// The parser's message.
        message: String,
    },
    /// A CSV/TSV table error.
    #[error("{name}: line {line}{}: {message}", column.as_ref().map(|c| format!(", column {c:?}")).unwrap_or_default())]
    Table {
        /// Input name.
        name: String,
        /// 1-based line.
        line: u64,
        /// The column header, when one cell is at fault.
        column: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// The upload holds more triples than `limits.max_import_triples`.
    #[error("{name}: more than {limit} triples (limits.max_import_triples); split the file")]
    TooManyTriples {
        /// Input name.
        name: String,
        /// The limit.
        limit: usize,
    },
    /// The upload is larger than the limit for its kind (`limits.max_import_bytes` for
    /// uploads parsed in memory, `limits.max_stream_import_bytes` for streamed ones).
    #[error("{name}: larger than {limit} bytes ({setting}); split the file")]
    TooLarge {
        /// Input name.
        name: String,
        /// The limit in bytes.
        limit: u64,
        /// The setting that sets it.
        setting: &'static str,
    },
    /// A quad names a graph other than the merchant's.
    #[error("{name}: line {line}: quad in graph <{graph}>; only the default graph or <{expected}> may be used")]
    ForeignGraph {
        /// Input name.
        name: String,
        /// 1-based line, 0 when unknown.
        line: u64,
        /// The graph named.
        graph: String,
        /// The merchant's graph.
        expected: String,
    },
    /// The format could not be told or is not supported.
    #[error("unsupported format {0:?}; use one of: {accepted}", accepted = Format::accepted())]
    UnsupportedFormat(String),
    /// The upload is empty.
    #[error("{0}: the upload is empty")]
    Empty(String),
    /// The upload nests deeper than `limits.max_import_depth`.
    #[error("{name}: nests deeper than {limit} levels (limits.max_import_depth) at line {line}, column {column}")]
    TooDeep {
        /// Input name.
        name: String,
        /// 1-based line of the first level too deep.
        line: u64,
        /// 1-based column (in characters).
        column: u64,
        /// The limit.
        limit: usize,
    },
    /// RDF/XML entities that are external, or expand past their limits.
    #[error("{name}: {message}")]
    Entities {
        /// Input name.
        name: String,
        /// What is refused and which limit.
        message: String,
    },
}

impl ImportError {
    /// The machine-readable code of the HTTP API.
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::Syntax { .. } | ImportError::SyntaxAt { .. } => "syntax_error",
            ImportError::Table { .. } => "table_error",
            ImportError::TooManyTriples { .. } => "too_many_triples",
            ImportError::TooLarge { .. } => "body_too_large",
            ImportError::ForeignGraph { .. } => "foreign_graph",
            ImportError::UnsupportedFormat(_) => "unsupported_format",
            ImportError::Empty(_) => "empty_upload",
            ImportError::TooDeep { .. } => "too_deep",
            ImportError::Entities { .. } => "xml_entities",
        }
    }

    /// Structured details (line, column) for the API's error body.
    pub fn details(&self) -> serde_json::Value {
        match self {
            ImportError::Syntax { line, column, .. } | ImportError::TooDeep { line, column, .. } => {
                serde_json::json!({ "line": line, "column": column })
            }
            ImportError::Table { line, column, .. } => serde_json::json!({ "line": line, "column": column }),
            ImportError::ForeignGraph { line, graph, .. } => serde_json::json!({ "line": line, "graph": graph }),
            _ => serde_json::Value::Null,
        }
    }
}

/// One uploaded document.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    /// Its name in messages (file name, or `upload`).
    pub name: &'a str,
    /// Its format.
    pub format: Format,
    /// Its bytes.
    pub data: &'a [u8],
}

/// Rewrites the schema.org term `http://schema.org/Name` to `https://schema.org/Name`
/// (schema.org treats them as one vocabulary; zhiku stores `https`). Other IRIs under the
/// `http` host (`http://schema.org/validation#…`) are not vocabulary terms and stay.
pub fn normalise_iri(n: NamedNode) -> NamedNode {
    match n.as_str().strip_prefix(SCHEMA_HTTP) {
        Some(rest) if !rest.is_empty() && !rest.contains(['/', '#']) => {
            NamedNode::new_unchecked(format!("{SCHEMA}{rest}"))
        }
        _ => n,
    }
}

/// [`normalise_iri`] on every IRI of a triple, datatypes included.
pub fn normalise_triple(t: Triple) -> Triple {
    let subject = match t.subject {
        NamedOrBlankNode::NamedNode(n) => NamedOrBlankNode::NamedNode(normalise_iri(n)),
        s => s,
    };
    let object = match t.object {
        Term::NamedNode(n) => Term::NamedNode(normalise_iri(n)),
        Term::Literal(l) if l.datatype().as_str().starts_with(SCHEMA_HTTP) => Term::Literal(
            Literal::new_typed_literal(l.value(), normalise_iri(l.datatype().into_owned())),
        ),
        o => o,
    };
    Triple::new(subject, normalise_iri(t.predicate), object)
}

/// The base IRI that relative IRIs of a merchant's uploads resolve against, and under which
/// CSV rows mint their subjects.
pub fn merchant_base(merchant_id: &str) -> String {
    format!("https://zhiku.dev/m/{merchant_id}/")
}

/// A JSON-LD document loader that never goes to the network: the schema.org context
/// (`https://schema.org`, `http://schema.org/`, …) resolves to `@vocab` schema.org; any
/// other remote context is an error asking for an inline context.
fn offline_context(url: &str) -> Result<LoadedDocument, Box<dyn std::error::Error + Send + Sync>> {
    let u = url.trim_end_matches('/').to_ascii_lowercase();
    let schema = matches!(
        u.as_str(),
        "https://schema.org" | "http://schema.org" | "https://schema.org/docs/jsonldcontext.json"
    );
    if !schema {
        return Err(format!("remote JSON-LD context {url} is not fetched; inline the context").into());
    }
    Ok(LoadedDocument {
        url: url.to_string(),
        content: format!(r#"{{"@context":{{"@vocab":"{SCHEMA}"}}}}"#).into_bytes(),
        format: RdfFormat::JsonLd {
            profile: JsonLdProfileSet::empty(),
        },
    })
}

/// Parses an upload into triples for `merchant_id`'s graph, without writing anything.
///
/// RDF formats: blank nodes get fresh names, `http://schema.org/` becomes `https`, relative
/// IRIs resolve against [`merchant_base`], and quads may name only the default graph or the
/// merchant's graph. CSV/TSV tables map onto schema.org by `mapping`; `current` (the stored
/// graph) lets a row reuse the IRI of the product with the same SKU or the FAQ entry with
/// the same question.
pub fn parse(
    upload: Upload<'_>,
    merchant_id: &str,
    merchant_graph: NamedNodeRef<'_>,
    mapping: &CsvMapping,
    current: &oxigraph::model::Graph,
    limits: &ParseLimits,
    progress: &dyn Fn(usize),
) -> Result<Vec<Triple>, ImportError> {
    if upload.data.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ImportError::Empty(upload.name.to_string()));
    }
    let Some(rdf) = upload.format.rdf() else {
        let triples = csv::parse_table(upload, merchant_id, mapping, current)?;
        if triples.len() > limits.max_triples {
            return Err(ImportError::TooManyTriples {
                name: upload.name.to_string(),
                limit: limits.max_triples,
            });
        }
        return Ok(triples);
    };
    rdf_triples(
        upload,
        rdf,
        &merchant_base(merchant_id),
        Some(merchant_graph),
        limits,
        progress,
    )
}

/// Parses an RDF document (no CSV) into triples: blank nodes renamed, `http://schema.org/`
/// made `https`, relative IRIs against `base`, named graphs refused. Used for ontology drafts.
pub fn parse_rdf(
    name: &str,
    format: Format,
    data: &[u8],
    base: &str,
    limits: &ParseLimits,
) -> Result<Vec<Triple>, ImportError> {
    let rdf = format
        .rdf()
        .ok_or_else(|| ImportError::UnsupportedFormat(format.name().to_string()))?;
    rdf_triples(Upload { name, format, data }, rdf, base, None, limits, &|_| {})
}

/// A whole document in memory: its structure checked ([`structure::check`]), then parsed
/// from the slice (no reader buffer limits).
fn rdf_triples(
    upload: Upload<'_>,
    rdf: RdfFormat,
    base: &str,
    allowed_graph: Option<NamedNodeRef<'_>>,
    limits: &ParseLimits,
    progress: &dyn Fn(usize),
) -> Result<Vec<Triple>, ImportError> {
    structure::check(upload.name, upload.format, upload.data, limits)?;
    let mut out = Vec::new();
    let parser = rdf_parser(upload.name, rdf, base)?
        .for_slice(upload.data)
        .with_document_loader(offline_context);
    let mut n = 0usize;
    for q in parser {
        let t = checked_triple(
            upload.name,
            q.map_err(Into::into),
            allowed_graph,
            &mut n,
            limits.max_triples,
        );
        out.push(t?);
        if out.len() % PROGRESS_EVERY == 0 {
            progress(out.len());
        }
    }
    progress(out.len());
    Ok(out)
}

fn rdf_parser(name: &str, rdf: RdfFormat, base: &str) -> Result<RdfParser, ImportError> {
    RdfParser::from_format(rdf)
        .rename_blank_nodes()
        .with_base_iri(base)
        .map_err(|e| ImportError::SyntaxAt {
            name: name.to_string(),
            message: e.to_string(),
        })
}

/// Streams the triples of an RDF document from `reader` with the checks of [`parse`]
/// (fresh blank nodes, `https` schema.org, relative IRIs against `base`, no foreign graph,
/// at most `max_triples`). The first error ends the stream.
pub fn read_rdf<'a, R: std::io::Read + 'a>(
    name: &'a str,
    rdf: RdfFormat,
    reader: R,
    base: &str,
    allowed_graph: Option<NamedNodeRef<'a>>,
    max_triples: usize,
) -> Result<impl Iterator<Item = Result<Triple, ImportError>> + 'a, ImportError> {
    let parser = rdf_parser(name, rdf, base)?;
    let mut n = 0usize;
    let mut failed = false;
    Ok(parser
        .for_reader(reader)
        .with_document_loader(offline_context)
        .map_while(move |q| {
            if failed {
                return None;
            }
            let t = checked_triple(name, q, allowed_graph, &mut n, max_triples);
            failed = t.is_err();
            Some(t)
        }))
}

fn checked_triple(
    name: &str,
    q: Result<oxigraph::model::Quad, oxigraph::io::RdfParseError>,
    allowed_graph: Option<NamedNodeRef<'_>>,
    n: &mut usize,
    max_triples: usize,
) -> Result<Triple, ImportError> {
    let q = q.map_err(|e| syntax_error(name, e))?;
    match q.graph_name.as_ref() {
        GraphNameRef::DefaultGraph => {}
        GraphNameRef::NamedNode(g) if Some(g) == allowed_graph => {}
        g => {
            return Err(ImportError::ForeignGraph {
                name: name.to_string(),
                line: 0,
                graph: g.to_string().trim_matches(['<', '>']).to_string(),
                expected: allowed_graph
                    .map(|g| g.as_str().to_string())
                    .unwrap_or_else(|| "(none)".into()),
            });
        }
    }
    if *n == max_triples {
        return Err(ImportError::TooManyTriples {
            name: name.to_string(),
            limit: max_triples,
        });
    }
    *n += 1;
    Ok(normalise_triple(Triple::from(q)))
}

fn syntax_error(name: &str, e: oxigraph::io::RdfParseError) -> ImportError {
    match e {
        oxigraph::io::RdfParseError::Syntax(s) => match s.location() {
            Some(loc) => ImportError::Syntax {
                name: name.to_string(),
                line: loc.start.line + 1,
                column: loc.start.column + 1,
                message: s.to_string(),
            },
            None => ImportError::SyntaxAt {
                name: name.to_string(),
                message: s.to_string(),
            },
        },
        oxigraph::io::RdfParseError::Io(e) => ImportError::SyntaxAt {
            name: name.to_string(),
            message: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::Graph;

    fn g() -> NamedNode {
        NamedNode::new_unchecked("urn:zhiku:graph:merchant:m1")
    }

    fn run(format: Format, data: &str) -> Result<Vec<Triple>, ImportError> {
        parse(
            Upload {
                name: "t",
                format,
                data: data.as_bytes(),
            },
            "m1",
            g().as_ref(),
            &CsvMapping::default(),
            &Graph::new(),
            &ParseLimits {
                max_triples: 100,
                ..(&crate::config::Limits::default()).into()
            },
            &|_| {},
        )
    }

    #[test]
    fn formats_come_from_names_media_types_and_extensions() {
        assert_eq!(Format::from_name("TTL"), Some(Format::Turtle));
        assert_eq!(
            Format::from_media_type("text/turtle; charset=utf-8"),
            Some(Format::Turtle)
        );
        assert_eq!(Format::from_media_type("application/ld+json"), Some(Format::JsonLd));
        assert_eq!(Format::from_path(Path::new("a/b.nq")), Some(Format::NQuads));
        assert_eq!(Format::from_name("docx"), None);
    }

    #[test]
    fn turtle_errors_carry_line_and_column() {
        let e = run(
            Format::Turtle,
            "@prefix s: <https://schema.org/> .\n<a> s:name \"x\" .\n<b> s:name \"y\n",
        )
        .unwrap_err();
        match e {
            ImportError::Syntax { line, .. } => assert_eq!(line, 3),
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn only_schema_org_terms_are_rewritten() {
        let n = |s: &str| normalise_iri(NamedNode::new_unchecked(s)).as_str().to_string();
        assert_eq!(n("http://schema.org/price"), "https://schema.org/price");
        assert_eq!(
            n("http://schema.org/validation#ValidSchemaText"),
            "http://schema.org/validation#ValidSchemaText"
        );
        assert_eq!(n("http://schema.org/"), "http://schema.org/");
    }

    #[test]
    fn http_schema_org_becomes_https_and_relative_iris_resolve() {
        let t = run(Format::Turtle, "<p1> a <http://schema.org/Product> .").unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].subject.to_string(), "<https://zhiku.dev/m/m1/p1>");
        assert_eq!(t[0].object.to_string(), "<https://schema.org/Product>");
    }

    #[test]
    fn json_ld_with_the_schema_org_context_parses_offline() {
        let t = run(
            Format::JsonLd,
            r#"{"@context":"https://schema.org","@id":"https://x.example/p","@type":"Product","name":"杯子"}"#,
        )
        .unwrap();
        assert!(t.iter().any(|t| t.predicate.as_str() == "https://schema.org/name"));
        let e = run(
            Format::JsonLd,
            r#"{"@context":"https://evil.example/ctx","@id":"https://x.example/p","name":"x"}"#,
        );
        assert!(e.is_err());
    }

    #[test]
    fn quads_must_stay_in_the_merchant_graph() {
        let ok = "<https://x/s> <https://x/p> \"o\" <urn:zhiku:graph:merchant:m1> .\n";
        assert_eq!(run(Format::NQuads, ok).unwrap().len(), 1);
        let bad = "<https://x/s> <https://x/p> \"o\" <urn:zhiku:graph:merchant:m2> .\n";
        assert!(matches!(
            run(Format::NQuads, bad),
            Err(ImportError::ForeignGraph { .. })
        ));
    }

    #[test]
    fn the_triple_limit_is_enforced() {
        let many: String = (0..101)
            .map(|i| format!("<https://x/s{i}> <https://x/p> \"o\" .\n"))
            .collect();
        assert!(matches!(
            run(Format::NTriples, &many),
            Err(ImportError::TooManyTriples { limit: 100, .. })
        ));
    }
}
