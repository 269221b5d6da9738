//! Bounds on an upload's structure, checked on its bytes before a parser sees them: how
//! deeply it nests (JSON-LD objects and arrays, Turtle/TriG brackets, RDF/XML elements;
//! `limits.max_import_depth`) and how far RDF/XML internal entities expand
//! (`limits.max_xml_entity_bytes` per entity, `limits.max_xml_expansion_bytes` for all
//! references together). External and parameter entities are refused.

use super::{Format, ImportError};
use crate::nesting::{self, Syntax};
use quick_xml::events::Event;
use std::collections::HashMap;

/// What an in-memory parse may take.
#[derive(Debug, Clone, Copy)]
pub struct ParseLimits {
    /// Most triples (`limits.max_import_triples`).
    pub max_triples: usize,
    /// Deepest nesting (`limits.max_import_depth`).
    pub max_depth: usize,
    /// Longest expansion of one RDF/XML entity (`limits.max_xml_entity_bytes`).
    pub max_entity_bytes: usize,
    /// Longest expansion of all RDF/XML entity references (`limits.max_xml_expansion_bytes`).
    pub max_expansion_bytes: usize,
}

impl From<&crate::config::Limits> for ParseLimits {
    fn from(l: &crate::config::Limits) -> Self {
        ParseLimits {
            max_triples: l.max_import_triples,
            max_depth: l.max_import_depth,
            max_entity_bytes: l.max_xml_entity_bytes,
            max_expansion_bytes: l.max_xml_expansion_bytes,
        }
    }
}

/// Checks `data` (an upload named `name` in `format`) against `limits`.
pub fn check(name: &str, format: Format, data: &[u8], limits: &ParseLimits) -> Result<(), ImportError> {
    if format == Format::RdfXml {
        return check_xml(name, data, limits);
    }
    match text_syntax(format) {
        Some(syntax) => nesting::check(data, syntax, limits.max_depth).map_err(|e| too_deep(name, &e)),
        None => Ok(()),
    }
}

/// [`check`] for a stream in `format` (N-Triples, N-Quads, Turtle: what is streamed), read
/// a chunk at a time: its nesting only (`limits.max_import_depth` is `max_depth`).
pub fn check_stream(
    name: &str,
    format: Format,
    reader: impl std::io::Read,
    max_depth: usize,
) -> Result<(), ImportError> {
    match text_syntax(format) {
        Some(syntax) => nesting::check_reader(reader, syntax, max_depth).map_err(|e| too_deep(name, &e)),
        None => Ok(()),
    }
}

/// How the nesting scan reads `format`, when it is a bracketed text format (not RDF/XML,
/// not a table).
fn text_syntax(format: Format) -> Option<Syntax> {
    match format {
        Format::JsonLd => Some(Syntax::Json),
        Format::Turtle | Format::NTriples | Format::NQuads => Some(Syntax::Turtle),
        Format::RdfXml | Format::Csv | Format::Tsv => None,
    }
}

fn too_deep(name: &str, e: &nesting::TooDeep) -> ImportError {
    ImportError::TooDeep {
        name: name.to_string(),
        line: e.line as u64,
        column: e.column as u64,
        limit: e.limit,
    }
}

fn entities(name: &str, message: String) -> ImportError {
    ImportError::Entities {
        name: name.to_string(),
        message,
    }
}

/// RDF/XML: element depth, and entity expansion. A document quick-xml cannot read is left
/// to the RDF/XML parser, which reports the error with its position.
fn check_xml(name: &str, data: &[u8], limits: &ParseLimits) -> Result<(), ImportError> {
    let mut reader = quick_xml::Reader::from_reader(data);
    let mut depth = 0usize;
    let mut declared: Option<HashMap<String, usize>> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => {
                depth += 1;
                if depth > limits.max_depth {
                    let at = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
                    let (line, column) = nesting::position(data, at.saturating_sub(1));
                    let limit = limits.max_depth;
                    return Err(too_deep(name, &nesting::TooDeep { limit, line, column }));
                }
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::DocType(_)) if declared.is_some() => {
                return Err(entities(
                    name,
                    "more than one <!DOCTYPE>: a document has at most one".into(),
                ));
            }
            Ok(Event::DocType(dt)) => {
                declared = Some(declared_entities(name, &String::from_utf8_lossy(&dt), limits)?);
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    match declared {
        Some(d) if !d.is_empty() => check_references(name, data, &d, limits),
        _ => Ok(()),
    }
}

/// The internal entities a DOCTYPE declares, each with its expanded length; refuses
/// external and parameter entities, and an entity longer than `limits.max_entity_bytes`.
fn declared_entities(name: &str, doctype: &str, limits: &ParseLimits) -> Result<HashMap<String, usize>, ImportError> {
    let mut sizes: HashMap<String, usize> = HashMap::new();
    let mut rest = doctype;
    while let Some(at) = rest.find("<!ENTITY") {
        rest = rest[at + "<!ENTITY".len()..].trim_start_matches(|c: char| c.is_ascii_whitespace());
        if rest.starts_with('%') {
            return Err(entities(
                name,
                "parameter entities (<!ENTITY % …>) are not accepted".into(),
            ));
        }
        // the RDF/XML parser ends a name at ASCII whitespace only (not at U+00A0)
        let end = rest.find(|c: char| c.is_ascii_whitespace()).unwrap_or(rest.len());
        let entity = rest[..end].to_string();
        rest = rest[end..].trim_start_matches(|c: char| c.is_ascii_whitespace());
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            return Err(entities(
                name,
                format!("entity &{entity}; is external (SYSTEM or PUBLIC): only internal entities are accepted"),
            ));
        };
        let close = rest[1..].find(quote).map_or(rest.len(), |p| p + 1);
        let value = &rest[1..close];
        rest = rest.get(close + 1..).unwrap_or("");
        let size = expanded_len(value, &sizes);
        if size > limits.max_entity_bytes {
            return Err(entities(
                name,
                format!(
                    "entity &{entity}; expands to {size} bytes, more than limits.max_xml_entity_bytes ({})",
                    limits.max_entity_bytes
                ),
            ));
        }
        sizes.insert(entity, size);
    }
    Ok(sizes)
}

/// The length of `text` once the references to entities in `sizes` are expanded.
fn expanded_len(text: &str, sizes: &HashMap<String, usize>) -> usize {
    let mut len = 0usize;
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        len = len.saturating_add(amp);
        rest = &rest[amp..];
        match rest
            .find(';')
            .and_then(|semi| sizes.get(&rest[1..semi]).map(|n| (semi, *n)))
        {
            Some((semi, n)) => {
                len = len.saturating_add(n);
                rest = &rest[semi + 1..];
            }
            None => {
                len = len.saturating_add(1);
                rest = &rest[1..];
            }
        }
    }
    len.saturating_add(rest.len())
}

/// Every reference to a declared entity in the document, expanded, must fit in
/// `limits.max_expansion_bytes` together.
fn check_references(
    name: &str,
    data: &[u8],
    declared: &HashMap<String, usize>,
    limits: &ParseLimits,
) -> Result<(), ImportError> {
    let names: Vec<&String> = declared.keys().collect();
    let patterns: Vec<String> = names.iter().map(|n| format!("&{n};")).collect();
    let ac = aho_corasick::AhoCorasick::new(&patterns).map_err(|e| entities(name, e.to_string()))?;
    let mut total = 0usize;
    for m in ac.find_iter(data) {
        total = total.saturating_add(declared[names[m.pattern().as_usize()]]);
        if total > limits.max_expansion_bytes {
            return Err(entities(
                name,
                format!(
                    "entity references expand to more than limits.max_xml_expansion_bytes ({})",
                    limits.max_expansion_bytes
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: ParseLimits = ParseLimits {
        max_triples: 1000,
        max_depth: 16,
        max_entity_bytes: 4096,
        max_expansion_bytes: 65536,
    };

    fn laughs(levels: usize) -> String {
        let mut dt = String::from("<!ENTITY l0 \"lol\">");
        for i in 1..=levels {
            dt.push_str(&format!("<!ENTITY l{i} \"{}\">", format!("&l{};", i - 1).repeat(10)));
        }
        format!(
            "<?xml version=\"1.0\"?><!DOCTYPE rdf:RDF [{dt}]><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns:s=\"https://schema.org/\"><rdf:Description rdf:about=\"https://x/a\"><s:name>&l{levels};</s:name></rdf:Description></rdf:RDF>"
        )
    }

    #[test]
    fn entity_expansion_is_capped_and_external_entities_refused() {
        assert!(check("t", Format::RdfXml, laughs(2).as_bytes(), &LIMITS).is_ok());
        let e = check("t", Format::RdfXml, laughs(8).as_bytes(), &LIMITS).unwrap_err();
        assert_eq!(e.code(), "xml_entities");
        assert!(e.to_string().contains("limits.max_xml_entity_bytes"), "{e}");
        // many references to a small entity add up
        let many = laughs(2).replace("&l2;", &"&l2;".repeat(300));
        assert!(check("t", Format::RdfXml, many.as_bytes(), &LIMITS).is_err());
        // a second DOCTYPE, and names that end in a non-ASCII space, do not slip past
        let two = laughs(8).replacen("<!DOCTYPE", "<!DOCTYPE rdf:RDF []><!DOCTYPE", 1);
        assert_eq!(
            check("t", Format::RdfXml, two.as_bytes(), &LIMITS).unwrap_err().code(),
            "xml_entities"
        );
        let nbsp = laughs(8).replace(" \"", "\u{a0} \"").replace(";", "\u{a0};");
        assert_eq!(
            check("t", Format::RdfXml, nbsp.as_bytes(), &LIMITS).unwrap_err().code(),
            "xml_entities"
        );
        let external = "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>";
        assert_eq!(
            check("t", Format::RdfXml, external.as_bytes(), &LIMITS)
                .unwrap_err()
                .code(),
            "xml_entities"
        );
    }

    #[test]
    fn nesting_is_bounded_in_every_format() {
        let xml = format!("<r>{}{}</r>", "<a>".repeat(20), "</a>".repeat(20));
        let e = check("t", Format::RdfXml, xml.as_bytes(), &LIMITS).unwrap_err();
        assert!(matches!(e, ImportError::TooDeep { line: 1, .. }), "{e}");
        let json = format!("{}{}", "{\"a\":".repeat(20), "}".repeat(20));
        assert_eq!(
            check("t", Format::JsonLd, json.as_bytes(), &LIMITS).unwrap_err().code(),
            "too_deep"
        );
        let ttl = format!("<s> <p> {}1{} .", "(".repeat(20), ")".repeat(20));
        assert_eq!(
            check("t", Format::Turtle, ttl.as_bytes(), &LIMITS).unwrap_err().code(),
            "too_deep"
        );
        let ttl = format!("<s> <p> {}1{} .", "(".repeat(10), ")".repeat(10));
        assert!(check("t", Format::Turtle, ttl.as_bytes(), &LIMITS).is_ok());
    }
}
