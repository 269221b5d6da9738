//! CSV/TSV tables onto schema.org: FAQ pairs (`schema:Question` + `schema:Answer`) and
//! product tables (`schema:Product` + `schema:Offer`). Which header names mean which column
//! is data, in `ingest/csv_mapping.toml` ([`CsvMapping`]); the table kind follows from the
//! header.

use super::{ImportError, SCHEMA, Upload, merchant_base};
use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{BlankNode, Graph, Literal, NamedNode, NamedOrBlankNode, Term, Triple};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Header aliases of an FAQ table.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaqColumns {
    /// Stable id of the entry (optional column).
    pub id: Vec<String>,
    /// The question (`schema:name` of the `schema:Question`).
    pub question: Vec<String>,
    /// The answer (`schema:text` of its `schema:acceptedAnswer`).
    pub answer: Vec<String>,
}

impl Default for FaqColumns {
    fn default() -> Self {
        FaqColumns {
            id: vec!["id".into()],
            question: vec!["question".into()],
            answer: vec!["answer".into()],
        }
    }
}

/// Header aliases of a product table.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProductColumns {
    /// Stable id of the product (used in minted IRIs when there is no SKU).
    pub id: Vec<String>,
    /// `schema:sku` of product and offer.
    pub sku: Vec<String>,
    /// `schema:name` (required).
    pub name: Vec<String>,
    /// `schema:price` of the offer (digits; `¥`, `元` and thousands separators are dropped).
    pub price: Vec<String>,
    /// `schema:priceCurrency` (default [`CsvMapping::default_currency`]).
    pub currency: Vec<String>,
    /// `schema:availability`, by the [`CsvMapping::availability`] table.
    pub availability: Vec<String>,
    /// `schema:inventoryLevel` (`schema:QuantitativeValue` with `schema:value`).
    pub inventory: Vec<String>,
    /// `schema:brand` (a `schema:Brand` by name).
    pub brand: Vec<String>,
    /// `schema:category`.
    pub category: Vec<String>,
    /// `schema:description`.
    pub description: Vec<String>,
    /// `schema:url`.
    pub url: Vec<String>,
    /// Prefixes of attribute columns: `attr:颜色` → `schema:additionalProperty`
    /// [`schema:PropertyValue` name 颜色].
    pub attribute_prefix: Vec<String>,
}

impl Default for ProductColumns {
    fn default() -> Self {
        let one = |s: &str| vec![s.to_string()];
        ProductColumns {
            id: one("id"),
            sku: one("sku"),
            name: one("name"),
            price: one("price"),
            currency: one("currency"),
            availability: one("availability"),
            inventory: one("inventory"),
            brand: one("brand"),
            category: one("category"),
            description: one("description"),
            url: one("url"),
            attribute_prefix: one("attr:"),
        }
    }
}

/// The CSV/TSV column mapping (`ingest/csv_mapping.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CsvMapping {
    /// FAQ table headers.
    pub faq: FaqColumns,
    /// Product table headers.
    pub product: ProductColumns,
    /// Cell value (lower-cased) → schema.org `ItemAvailability` local name.
    pub availability: BTreeMap<String, Vec<String>>,
    /// Currency when a product row gives none.
    pub default_currency: String,
    /// `schema:unitText` of inventory levels.
    pub inventory_unit: String,
}

impl Default for CsvMapping {
    fn default() -> Self {
        let mut availability = BTreeMap::new();
        for (k, v) in [
            ("InStock", "instock"),
            ("OutOfStock", "outofstock"),
            ("PreOrder", "preorder"),
        ] {
            availability.insert(k.to_string(), vec![v.to_string()]);
        }
        CsvMapping {
            faq: FaqColumns::default(),
            product: ProductColumns::default(),
            availability,
            default_currency: "CNY".into(),
            inventory_unit: String::new(),
        }
    }
}

impl CsvMapping {
    /// Reads the mapping file; a missing file gives the English defaults.
    pub fn load(path: &Path) -> Result<CsvMapping, String> {
        match std::fs::read_to_string(path) {
            Ok(s) => {
                use figment::providers::{Format, Toml};
                figment::Figment::from(Toml::string(&s))
                    .extract()
                    .map_err(|e| format!("{}: {e}", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(CsvMapping::default()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    fn availability_of(&self, cell: &str) -> Option<&str> {
        let c = cell.trim().to_lowercase();
        self.availability
            .iter()
            .find(|(k, aliases)| k.to_lowercase() == c || aliases.iter().any(|a| a.to_lowercase() == c))
            .map(|(k, _)| k.as_str())
    }
}

/// What a header cell names.
#[derive(Debug, Clone, PartialEq)]
enum Column {
    Id,
    Question,
    Answer,
    Sku,
    Name,
    Price,
    Currency,
    Availability,
    Inventory,
    Brand,
    Category,
    Description,
    Url,
    Attribute(String),
}

fn matches(aliases: &[String], header: &str) -> bool {
    aliases.iter().any(|a| a.trim().to_lowercase() == header)
}

fn faq_column(m: &FaqColumns, h: &str) -> Option<Column> {
    if matches(&m.id, h) {
        Some(Column::Id)
    } else if matches(&m.question, h) {
        Some(Column::Question)
    } else if matches(&m.answer, h) {
        Some(Column::Answer)
    } else {
        None
    }
}

fn product_column(m: &ProductColumns, raw: &str, h: &str) -> Option<Column> {
    let pairs: [(&[String], Column); 11] = [
        (&m.id, Column::Id),
        (&m.sku, Column::Sku),
        (&m.name, Column::Name),
        (&m.price, Column::Price),
        (&m.currency, Column::Currency),
        (&m.availability, Column::Availability),
        (&m.inventory, Column::Inventory),
        (&m.brand, Column::Brand),
        (&m.category, Column::Category),
        (&m.description, Column::Description),
        (&m.url, Column::Url),
    ];
    if let Some((_, c)) = pairs.into_iter().find(|(aliases, _)| matches(aliases, h)) {
        return Some(c);
    }
    m.attribute_prefix.iter().find_map(|p| {
        let lower = p.trim().to_lowercase();
        if h.starts_with(&lower) {
            let name = raw.trim().get(p.trim().len()..).unwrap_or_default().trim();
            (!name.is_empty()).then(|| Column::Attribute(name.to_string()))
        } else {
            None
        }
    })
}

/// Characters kept as they are in minted IRI segments.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');

fn schema(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{SCHEMA}{local}"))
}

fn mint(merchant_id: &str, kind: &str, key: &str) -> NamedNode {
    NamedNode::new_unchecked(format!(
        "{}{kind}/{}",
        merchant_base(merchant_id),
        utf8_percent_encode(key.trim(), SEGMENT)
    ))
}

fn stable_key(text: &str) -> String {
    // FNV-1a: stable across runs and platforms, so re-uploading a row updates its subject.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The stored subject of `class` whose `property` has the literal value `value`.
fn existing(current: &Graph, class: &str, property: &str, value: &str) -> Option<NamedNode> {
    let p = schema(property);
    let c = schema(class);
    let lit = Literal::new_simple_literal(value);
    current
        .subjects_for_predicate_object(p.as_ref(), lit.as_ref())
        .filter_map(|s| match s {
            oxigraph::model::NamedOrBlankNodeRef::NamedNode(n) => Some(n.into_owned()),
            _ => None,
        })
        .find(|s| current.contains(oxigraph::model::TripleRef::new(s.as_ref(), rdf::TYPE, c.as_ref())))
}

struct Rows<'a> {
    name: &'a str,
    header: Vec<String>,
    records: Vec<(u64, Vec<String>)>,
}

fn read_rows<'a>(upload: Upload<'a>) -> Result<Rows<'a>, ImportError> {
    let err = |line: u64, message: String| ImportError::Table {
        name: upload.name.to_string(),
        line,
        column: None,
        message,
    };
    let data = upload.data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(upload.data);
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(if upload.format == super::Format::Tsv {
            b'\t'
        } else {
            b','
        })
        .has_headers(true)
        .flexible(false)
        .from_reader(data);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| err(1, csv_message(&e)))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut records = Vec::new();
    for r in reader.records() {
        let r = r.map_err(|e| err(e.position().map(|p| p.line()).unwrap_or(0), csv_message(&e)))?;
        let line = r.position().map(|p| p.line()).unwrap_or(0);
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        records.push((line, r.iter().map(|c| c.trim().to_string()).collect()));
    }
    Ok(Rows {
        name: upload.name,
        header,
        records,
    })
}

fn csv_message(e: &::csv::Error) -> String {
    match e.kind() {
        ::csv::ErrorKind::Utf8 { .. } => "not valid UTF-8 (save the table as UTF-8)".into(),
        ::csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("{len} cells, the header has {expected_len}")
        }
        _ => e.to_string(),
    }
}

/// Maps an FAQ or product table to triples. The kind follows from the header: a question
/// and an answer column make an FAQ table; a name column makes a product table.
pub fn parse_table(
    upload: Upload<'_>,
    merchant_id: &str,
    mapping: &CsvMapping,
    current: &Graph,
) -> Result<Vec<Triple>, ImportError> {
    let rows = read_rows(upload)?;
    let lower: Vec<String> = rows.header.iter().map(|h| h.trim().to_lowercase()).collect();
    let faq: Vec<Option<Column>> = lower.iter().map(|h| faq_column(&mapping.faq, h)).collect();
    if faq.contains(&Some(Column::Question)) && faq.contains(&Some(Column::Answer)) {
        let columns = known_columns(&rows, faq, "an FAQ table takes", &mapping.faq_headers())?;
        return Ok(faq_triples(&rows, &columns, merchant_id, current));
    }
    let product: Vec<Option<Column>> = rows
        .header
        .iter()
        .zip(&lower)
        .map(|(raw, h)| product_column(&mapping.product, raw, h))
        .collect();
    if product.contains(&Some(Column::Name)) {
        let columns = known_columns(&rows, product, "a product table takes", &mapping.product_headers())?;
        return product_triples(&rows, &columns, merchant_id, mapping, current);
    }
    Err(ImportError::Table {
        name: rows.name.to_string(),
        line: 1,
        column: None,
        message: format!(
            "the header names neither an FAQ table ({}) nor a product table ({})",
            mapping.faq_headers(),
            mapping.product_headers()
        ),
    })
}

fn known_columns(
    rows: &Rows<'_>,
    columns: Vec<Option<Column>>,
    what: &str,
    accepted: &str,
) -> Result<Vec<Column>, ImportError> {
    rows.header
        .iter()
        .zip(columns)
        .map(|(h, c)| {
            c.ok_or_else(|| ImportError::Table {
                name: rows.name.to_string(),
                line: 1,
                column: Some(h.clone()),
                message: format!("unknown column; {what} {accepted}"),
            })
        })
        .collect()
}

impl CsvMapping {
    fn faq_headers(&self) -> String {
        [&self.faq.id, &self.faq.question, &self.faq.answer]
            .iter()
            .filter_map(|a| a.first().cloned())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn product_headers(&self) -> String {
        let p = &self.product;
        let mut names: Vec<String> = [
            &p.id,
            &p.sku,
            &p.name,
            &p.price,
            &p.currency,
            &p.availability,
            &p.inventory,
            &p.brand,
            &p.category,
            &p.description,
            &p.url,
        ]
        .iter()
        .filter_map(|a| a.first().cloned())
        .collect();
        if let Some(prefix) = p.attribute_prefix.first() {
            names.push(format!("{prefix}<attribute>"));
        }
        names.join(", ")
    }
}

fn lit(s: &str) -> Term {
    Term::Literal(Literal::new_simple_literal(s))
}

fn faq_triples(rows: &Rows<'_>, columns: &[Column], merchant_id: &str, current: &Graph) -> Vec<Triple> {
    let mut out = Vec::new();
    for (_, cells) in &rows.records {
        let get = |c: &Column| columns.iter().position(|x| x == c).map(|i| cells[i].as_str());
        let (Some(q), Some(a)) = (get(&Column::Question), get(&Column::Answer)) else {
            continue;
        };
        if q.is_empty() || a.is_empty() {
            continue;
        }
        let subject = match get(&Column::Id).filter(|s| !s.is_empty()) {
            Some(id) => mint(merchant_id, "faq", id),
            None => {
                existing(current, "Question", "name", q).unwrap_or_else(|| mint(merchant_id, "faq", &stable_key(q)))
            }
        };
        let answer = BlankNode::default();
        let s = NamedOrBlankNode::from(subject);
        out.push(Triple::new(s.clone(), rdf::TYPE, schema("Question")));
        out.push(Triple::new(s.clone(), schema("name"), lit(q)));
        out.push(Triple::new(s, schema("acceptedAnswer"), answer.clone()));
        out.push(Triple::new(answer.clone(), rdf::TYPE, schema("Answer")));
        out.push(Triple::new(answer, schema("text"), lit(a)));
    }
    out
}

fn number(cell: &str) -> Option<String> {
    let c: String = cell
        .trim()
        .trim_start_matches(['¥', '￥'])
        .trim_end_matches('元')
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let c = c.trim();
    let ok = !c.is_empty()
        && c.chars().all(|ch| ch.is_ascii_digit() || ch == '.')
        && c.chars().filter(|ch| *ch == '.').count() <= 1
        && !c.starts_with('.')
        && !c.ends_with('.');
    ok.then(|| c.to_string())
}

fn product_triples(
    rows: &Rows<'_>,
    columns: &[Column],
    merchant_id: &str,
    mapping: &CsvMapping,
    current: &Graph,
) -> Result<Vec<Triple>, ImportError> {
    let mut out = Vec::new();
    for (line, cells) in &rows.records {
        let cell_err = |c: &Column, message: String| {
            let i = columns.iter().position(|x| x == c).unwrap_or(0);
            ImportError::Table {
                name: rows.name.to_string(),
                line: *line,
                column: rows.header.get(i).cloned(),
                message,
            }
        };
        let get = |c: &Column| {
            columns
                .iter()
                .position(|x| x == c)
                .map(|i| cells[i].as_str())
                .filter(|s| !s.is_empty())
        };
        let Some(name) = get(&Column::Name) else {
            return Err(cell_err(&Column::Name, "a product needs a name".into()));
        };
        let sku = get(&Column::Sku);
        let key = get(&Column::Id)
            .or(sku)
            .map(str::to_string)
            .unwrap_or_else(|| stable_key(name));
        let product = sku
            .and_then(|s| existing(current, "Product", "sku", s))
            .unwrap_or_else(|| mint(merchant_id, "product", &key));
        let offer = current
            .object_for_subject_predicate(product.as_ref(), schema("offers").as_ref())
            .and_then(|o| match o {
                oxigraph::model::TermRef::NamedNode(n) => Some(n.into_owned()),
                _ => None,
            })
            .unwrap_or_else(|| mint(merchant_id, "offer", &key));
        let p = NamedOrBlankNode::from(product.clone());
        let o = NamedOrBlankNode::from(offer.clone());
        out.push(Triple::new(p.clone(), rdf::TYPE, schema("Product")));
        out.push(Triple::new(p.clone(), schema("name"), lit(name)));
        out.push(Triple::new(p.clone(), schema("offers"), offer.clone()));
        out.push(Triple::new(o.clone(), rdf::TYPE, schema("Offer")));
        out.push(Triple::new(o.clone(), schema("itemOffered"), product.clone()));
        if let Some(s) = sku {
            out.push(Triple::new(p.clone(), schema("sku"), lit(s)));
            out.push(Triple::new(o.clone(), schema("sku"), lit(s)));
        }
        for (col, prop) in [(Column::Category, "category"), (Column::Description, "description")] {
            if let Some(v) = get(&col) {
                out.push(Triple::new(p.clone(), schema(prop), lit(v)));
            }
        }
        if let Some(u) = get(&Column::Url) {
            let iri = NamedNode::new(u).map_err(|e| cell_err(&Column::Url, format!("not an absolute IRI: {e}")))?;
            out.push(Triple::new(p.clone(), schema("url"), iri));
        }
        if let Some(b) = get(&Column::Brand) {
            let brand = existing(current, "Brand", "name", b).unwrap_or_else(|| mint(merchant_id, "brand", b));
            out.push(Triple::new(p.clone(), schema("brand"), brand.clone()));
            out.push(Triple::new(brand.clone(), rdf::TYPE, schema("Brand")));
            out.push(Triple::new(brand, schema("name"), lit(b)));
        }
        if let Some(v) = get(&Column::Price) {
            let n = number(v).ok_or_else(|| cell_err(&Column::Price, format!("{v:?} is not a price")))?;
            out.push(Triple::new(
                o.clone(),
                schema("price"),
                Literal::new_typed_literal(n, xsd::DECIMAL),
            ));
            let cur = get(&Column::Currency).unwrap_or(&mapping.default_currency);
            out.push(Triple::new(o.clone(), schema("priceCurrency"), lit(cur)));
        }
        if let Some(v) = get(&Column::Availability) {
            let a = mapping.availability_of(v).ok_or_else(|| {
                cell_err(
                    &Column::Availability,
                    format!(
                        "{v:?} is not an availability; use one of {}",
                        mapping.availability.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                )
            })?;
            out.push(Triple::new(o.clone(), schema("availability"), schema(a)));
        }
        if let Some(v) = get(&Column::Inventory) {
            let n: u64 = v
                .parse()
                .map_err(|_| cell_err(&Column::Inventory, format!("{v:?} is not a whole number")))?;
            let level = BlankNode::default();
            out.push(Triple::new(o.clone(), schema("inventoryLevel"), level.clone()));
            out.push(Triple::new(level.clone(), rdf::TYPE, schema("QuantitativeValue")));
            out.push(Triple::new(
                level.clone(),
                schema("value"),
                Literal::new_typed_literal(n.to_string(), xsd::INTEGER),
            ));
            if !mapping.inventory_unit.is_empty() {
                out.push(Triple::new(level, schema("unitText"), lit(&mapping.inventory_unit)));
            }
        }
        for (i, c) in columns.iter().enumerate() {
            if let Column::Attribute(attr) = c
                && !cells[i].is_empty()
            {
                let pv = BlankNode::default();
                out.push(Triple::new(p.clone(), schema("additionalProperty"), pv.clone()));
                out.push(Triple::new(pv.clone(), rdf::TYPE, schema("PropertyValue")));
                out.push(Triple::new(pv.clone(), schema("name"), lit(attr)));
                out.push(Triple::new(pv, schema("value"), lit(&cells[i])));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::Format;

    fn table(format: Format, text: &str, current: &Graph) -> Result<Vec<Triple>, ImportError> {
        parse_table(
            Upload {
                name: "t.csv",
                format,
                data: text.as_bytes(),
            },
            "m1",
            &CsvMapping::default(),
            current,
        )
    }

    fn has(ts: &[Triple], p: &str, o: &str) -> bool {
        ts.iter()
            .any(|t| t.predicate.as_str() == format!("{SCHEMA}{p}") && t.object.to_string().contains(o))
    }

    #[test]
    fn faq_rows_become_questions_with_answers() {
        let t = table(
            Format::Csv,
            "question,answer\n\"能开发票吗？\",\"可以，电子发票\"\n",
            &Graph::new(),
        )
        .unwrap();
        assert_eq!(t.len(), 5);
        assert!(has(&t, "name", "能开发票吗"));
        assert!(has(&t, "text", "电子发票"));
    }

    #[test]
    fn product_rows_become_products_with_offers() {
        let t = table(
            Format::Tsv,
            "sku\tname\tprice\tavailability\tinventory\tattr:颜色\nA-1\t保温杯\t¥1,299.50\tInStock\t12\t白色\n",
            &Graph::new(),
        )
        .unwrap();
        assert!(has(&t, "price", "\"1299.50\"^^"));
        assert!(has(&t, "availability", "InStock"));
        assert!(has(&t, "value", "\"12\"^^"));
        assert!(has(&t, "value", "白色"));
        assert!(
            t.iter()
                .any(|x| x.subject.to_string() == "<https://zhiku.dev/m/m1/product/A-1>")
        );
    }

    #[test]
    fn a_row_reuses_the_stored_product_with_the_same_sku() {
        let mut g = Graph::new();
        let p = NamedNode::new_unchecked("https://shop.example/p/9");
        let o = NamedNode::new_unchecked("https://shop.example/o/9");
        g.insert(&Triple::new(p.clone(), rdf::TYPE, schema("Product")));
        g.insert(&Triple::new(p.clone(), schema("sku"), lit("A-9")));
        g.insert(&Triple::new(p.clone(), schema("offers"), o.clone()));
        let t = table(Format::Csv, "sku,name,price\nA-9,杯,10\n", &g).unwrap();
        assert!(
            t.iter()
                .any(|x| x.subject.to_string() == "<https://shop.example/o/9>"
                    && x.predicate.as_str().ends_with("price"))
        );
    }

    #[test]
    fn bad_cells_and_columns_name_line_and_column() {
        let e = table(Format::Csv, "name,price\n杯,10\n碗,abc\n", &Graph::new()).unwrap_err();
        match e {
            ImportError::Table { line, column, .. } => {
                assert_eq!(line, 3);
                assert_eq!(column.as_deref(), Some("price"));
            }
            e => panic!("{e:?}"),
        }
        let e = table(Format::Csv, "name,colour\n杯,白\n", &Graph::new()).unwrap_err();
        assert!(matches!(e, ImportError::Table { line: 1, column: Some(ref c), .. } if c == "colour"));
        let e = table(Format::Csv, "foo,bar\n1,2\n", &Graph::new()).unwrap_err();
        assert!(e.to_string().contains("neither an FAQ table"));
        let e = table(Format::Csv, "name,price\n杯,10,extra\n", &Graph::new()).unwrap_err();
        assert!(matches!(e, ImportError::Table { line: 2, .. }), "{e}");
    }
}
