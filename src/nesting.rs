//! How deeply input text nests, measured before a recursive parser sees it (a leaf module).
//!
//! The parsers zhiku uses (serde_json, oxigraph's SPARQL grammar, JSON-LD, Turtle) recurse
//! once per nesting level, so input nested deeply enough overflows a thread's stack and
//! aborts the process. This scan is a single pass over the bytes, with no recursion: it
//! skips strings, comments and IRIs, and counts open brackets (`(`, `[`, `{`, and `<<` in
//! RDF 1.2 syntaxes). In SPARQL a run of prefix operators (`!`, `-`, `+`, `^`) nests too,
//! one level per operator. The first place deeper than the limit is reported by line and
//! column.

/// The syntax being scanned (what opens a string, a comment, an IRI).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// JSON and JSON-LD: `"` strings only.
    Json,
    /// Turtle, TriG, N3-like RDF: `"`/`'` strings (long forms too), `#` comments, `<…>` IRIs.
    Turtle,
    /// SPARQL: as Turtle, `<` is an IRI only when an IRI follows; prefix operators nest.
    Sparql,
}

/// Input nested deeper than allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("nesting deeper than {limit} levels at line {line}, column {column}")]
pub struct TooDeep {
    /// The limit that was passed.
    pub limit: usize,
    /// 1-based line of the first level past the limit.
    pub line: usize,
    /// 1-based column (in characters) of it.
    pub column: usize,
}

/// Checks that `text` nests at most `limit` levels deep.
pub fn check(text: &[u8], syntax: Syntax, limit: usize) -> Result<(), TooDeep> {
    let mut s = Scan {
        text,
        syntax,
        i: 0,
        depth: 0,
        run: 0,
    };
    while s.i < text.len() {
        if s.depth + s.run > limit {
            let (line, column) = position(text, s.i.saturating_sub(1));
            return Err(TooDeep { limit, line, column });
        }
        s.step();
    }
    if s.depth + s.run > limit {
        let (line, column) = position(text, text.len().saturating_sub(1));
        return Err(TooDeep { limit, line, column });
    }
    Ok(())
}

struct Scan<'a> {
    text: &'a [u8],
    syntax: Syntax,
    i: usize,
    depth: usize,
    /// Prefix operators in a row (SPARQL), each one more level.
    run: usize,
}

impl Scan<'_> {
    fn at(&self, k: usize) -> u8 {
        self.text.get(self.i + k).copied().unwrap_or(0)
    }

    fn step(&mut self) {
        let b = self.at(0);
        let rdf = self.syntax != Syntax::Json;
        let prefix_operator = self.syntax == Syntax::Sparql && matches!(b, b'!' | b'-' | b'+' | b'^');
        if !(b.is_ascii_whitespace() || prefix_operator) {
            self.run = 0;
        }
        match b {
            b'"' => self.string(b'"'),
            b'\'' if rdf => self.string(b'\''),
            b'#' if rdf => self.skip_past(b"\n"),
            b'<' if rdf && self.at(1) == b'<' => {
                self.depth += 1;
                self.i += 2;
            }
            b'>' if rdf && self.at(1) == b'>' => {
                self.depth = self.depth.saturating_sub(1);
                self.i += 2;
            }
            b'<' if rdf && self.iri_follows() => self.skip_past(b">"),
            b'(' | b'[' | b'{' => {
                self.depth += 1;
                self.i += 1;
            }
            b')' | b']' | b'}' => {
                self.depth = self.depth.saturating_sub(1);
                self.i += 1;
            }
            _ if prefix_operator => {
                self.run += 1;
                self.i += 1;
            }
            _ => self.i += 1,
        }
    }

    /// Whether an IRI starts here: in Turtle always; in SPARQL when IRI characters run up
    /// to a `>` (else `<` is the less-than operator).
    fn iri_follows(&self) -> bool {
        if self.syntax != Syntax::Sparql {
            return true;
        }
        for &c in &self.text[self.i + 1..] {
            match c {
                b'>' => return true,
                b'<' | b'"' | b'{' | b'}' | b'|' | b'^' | b'`' | b'\\' => return false,
                c if c <= b' ' => return false,
                _ => {}
            }
        }
        false
    }

    /// Skips a string opened by `q` (a long `"""`/`'''` form in RDF syntaxes).
    fn string(&mut self, q: u8) {
        let long = self.syntax != Syntax::Json && self.at(1) == q && self.at(2) == q;
        if long {
            self.i += 3;
            let close = [q, q, q];
            while self.i < self.text.len() {
                if self.at(0) == b'\\' {
                    self.i += 2;
                } else if self.text[self.i..].starts_with(&close) {
                    self.i += 3;
                    return;
                } else {
                    self.i += 1;
                }
            }
            return;
        }
        self.i += 1;
        while self.i < self.text.len() {
            match self.at(0) {
                b'\\' => self.i += 2,
                c if c == q => {
                    self.i += 1;
                    return;
                }
                b'\n' if self.syntax != Syntax::Json => return,
                _ => self.i += 1,
            }
        }
    }

    /// Moves past the next `end` (or to the end of the text).
    fn skip_past(&mut self, end: &[u8]) {
        let rest = &self.text[self.i + 1..];
        self.i = match rest.windows(end.len()).position(|w| w == end) {
            Some(p) => self.i + 1 + p + end.len(),
            None => self.text.len(),
        };
    }
}

/// 1-based line and character column of byte `at`.
pub fn position(text: &[u8], at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let column = before[start..].iter().filter(|&&b| (b & 0xC0) != 0x80).count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_ok(text: &str, syntax: Syntax, limit: usize) -> bool {
        check(text.as_bytes(), syntax, limit).is_ok()
    }

    #[test]
    fn brackets_count_outside_strings_comments_and_iris() {
        assert!(depth_ok(r#"{"a": [[["((((((("]]]}"#, Syntax::Json, 4));
        assert!(!depth_ok(r#"{"a": [[[[1]]]]}"#, Syntax::Json, 4));
        assert!(depth_ok(
            "<http://x/(((((> <p> \"((((\" . # ((((((\n",
            Syntax::Turtle,
            1
        ));
        assert!(depth_ok("<s> <p> '''((((\n((((''' .", Syntax::Turtle, 1));
        assert!(!depth_ok("<s> <p> ((((1)))) .", Syntax::Turtle, 3));
        assert!(depth_ok("<s> <p> ((((1)))) .", Syntax::Turtle, 4));
        assert!(!depth_ok(
            "<< << << <a> <b> <c> >> <b> <c> >> <b> <c> >> <p> <o> .",
            Syntax::Turtle,
            2
        ));
    }

    #[test]
    fn sparql_counts_prefix_operator_runs_and_tells_iri_from_less_than() {
        let q = format!("SELECT * WHERE {{ FILTER({}true) }}", "!".repeat(20));
        assert!(!depth_ok(&q, Syntax::Sparql, 16));
        assert!(depth_ok(&q, Syntax::Sparql, 24));
        // binary operators do not nest lexically
        let q = format!("SELECT * WHERE {{ FILTER({}1 > 0) }}", "1 + ".repeat(200));
        assert!(depth_ok(&q, Syntax::Sparql, 4));
        // `<` before a space is less-than; `(` after it still counts
        assert!(!depth_ok("SELECT * { FILTER(?a < ((((1)))) ) }", Syntax::Sparql, 5));
        assert!(depth_ok(
            "SELECT * { <http://x/(((> ?p ?o FILTER(?a <= 2) }",
            Syntax::Sparql,
            2
        ));
    }

    #[test]
    fn the_first_place_too_deep_is_named() {
        let e = check(b"{\n  \"a\": [[[1]]]\n}", Syntax::Json, 3).unwrap_err();
        assert_eq!((e.line, e.column, e.limit), (2, 10, 3));
        let deep = "(".repeat(100_000);
        assert!(check(deep.as_bytes(), Syntax::Sparql, 64).is_err());
    }
}
