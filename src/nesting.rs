//! How deeply input text nests, measured before a recursive parser sees it (a leaf module).
//!
//! The parsers zhiku uses (serde_json, oxigraph's SPARQL grammar, JSON-LD, Turtle) recurse
//! once per nesting level, so input nested deeply enough overflows a thread's stack and
//! aborts the process. This scan is a single pass over the bytes, with no recursion: it
//! skips strings, comments and IRIs, and counts open brackets (`(`, `[`, `{`, and `<<` in
//! RDF 1.2 syntaxes). In SPARQL a run of prefix operators (`!`, `-`, `+`, `^`) nests too,
//! one level per operator. The first place deeper than the limit is reported by line and
//! column. The scan is resumable ([`Scanner`]), so a streamed upload is checked a chunk at a
//! time ([`check_reader`]).

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
    Scanner::new(syntax, limit).feed(text, true).map(|_| ())
}

/// Checks a whole stream (JSON or Turtle: not SPARQL, whose `<` needs the whole text) a
/// chunk of 1 MiB at a time; a read error ends the check (the parser reports it next).
pub fn check_reader(mut reader: impl std::io::Read, syntax: Syntax, limit: usize) -> Result<(), TooDeep> {
    let mut scanner = Scanner::new(syntax, limit);
    let mut buf = Vec::with_capacity(1 << 20);
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Ok(()),
        };
        buf.extend_from_slice(&chunk[..n]);
        let used = scanner.feed(&buf, n == 0)?;
        buf.drain(..used);
        if n == 0 {
            return Ok(());
        }
    }
}

/// Where the scan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Normal,
    /// In a string opened by `q` (a triple-quoted one when `long`).
    Str {
        q: u8,
        long: bool,
    },
    /// In a `#` comment, up to the end of the line.
    Comment,
    /// In an `<…>` IRI.
    Iri,
}

/// A resumable scan: [`Scanner::feed`] takes the text a chunk at a time.
pub struct Scanner {
    syntax: Syntax,
    limit: usize,
    mode: Mode,
    depth: usize,
    /// The weight of each bracket open now (popped at its close).
    open: Vec<usize>,
    /// SPARQL: the last token was `!`.
    after_not: bool,
    /// Prefix operators in a row (SPARQL), each one more level.
    run: usize,
    /// 1-based line and column of the next byte.
    line: usize,
    column: usize,
}

/// SPARQL: the levels a bracket opened right after `!` counts for. oxigraph's parser takes
/// twice as long for each `!(` nested in another (18 deep: 164 ms; 20: 0.8 s), so they get
/// a quarter of the depth limit's room.
const NOT_GROUP_WEIGHT: usize = 4;

/// Bytes a token may need to see (`"""`, `<<`).
const LOOKAHEAD: usize = 3;

impl Scanner {
    /// A scan of `syntax` text allowed `limit` levels.
    pub fn new(syntax: Syntax, limit: usize) -> Self {
        Scanner {
            syntax,
            limit,
            mode: Mode::Normal,
            depth: 0,
            open: Vec::new(),
            after_not: false,
            run: 0,
            line: 1,
            column: 1,
        }
    }

    /// Scans `chunk`, the text after what earlier calls consumed: how many bytes it
    /// consumed. Unless `last`, it may leave a short tail for the next call to see again
    /// with what follows.
    pub fn feed(&mut self, chunk: &[u8], last: bool) -> Result<usize, TooDeep> {
        let mut i = 0;
        while i < chunk.len() && (last || chunk.len() - i >= LOOKAHEAD) {
            let (line, column) = (self.line, self.column);
            let n = self.step(&chunk[i..]).clamp(1, chunk.len() - i);
            self.advance(&chunk[i..i + n]);
            i += n;
            if self.depth + self.run > self.limit {
                return Err(TooDeep {
                    limit: self.limit,
                    line,
                    column,
                });
            }
        }
        Ok(i)
    }

    fn advance(&mut self, consumed: &[u8]) {
        match consumed.iter().rposition(|&b| b == b'\n') {
            Some(p) => {
                self.line += consumed.iter().filter(|&&b| b == b'\n').count();
                self.column = 1 + chars(&consumed[p + 1..]);
            }
            None => self.column += chars(consumed),
        }
    }

    /// One token of `rest` (not empty): how many bytes it takes.
    fn step(&mut self, rest: &[u8]) -> usize {
        match self.mode {
            Mode::Normal => self.normal(rest),
            Mode::Comment => self.until(rest, b'\n'),
            Mode::Iri if self.syntax == Syntax::Sparql => self.sparql_iri(rest[0]),
            Mode::Iri => self.until(rest, b'>'),
            Mode::Str { q, long } => self.string(rest, q, long),
        }
    }

    /// The bytes up to and including `end` (then back to normal text), or all of `rest`.
    fn until(&mut self, rest: &[u8], end: u8) -> usize {
        match rest.iter().position(|&b| b == end) {
            Some(p) => {
                self.mode = Mode::Normal;
                p + 1
            }
            None => rest.len(),
        }
    }

    fn push(&mut self, weight: usize) {
        self.depth += weight;
        self.open.push(weight);
    }

    fn pop(&mut self) {
        let weight = self.open.pop().unwrap_or(1);
        self.depth = self.depth.saturating_sub(weight);
    }

    /// SPARQL: a `<` may be an IRI or the less-than operator, which only the parser can
    /// tell, so brackets count here too (an IRI with unbalanced brackets is rare); only
    /// comments and strings do not start inside it.
    fn sparql_iri(&mut self, b: u8) -> usize {
        match b {
            b'>' => self.mode = Mode::Normal,
            b'(' | b'[' | b'{' => self.push(1),
            b')' | b']' | b'}' => self.pop(),
            _ => {}
        }
        1
    }

    fn normal(&mut self, rest: &[u8]) -> usize {
        let at = |k: usize| rest.get(k).copied().unwrap_or(0);
        let b = at(0);
        let rdf = self.syntax != Syntax::Json;
        let prefix_operator = self.syntax == Syntax::Sparql && matches!(b, b'!' | b'-' | b'+' | b'^');
        let after_not = self.after_not;
        if !b.is_ascii_whitespace() {
            self.after_not = self.syntax == Syntax::Sparql && b == b'!';
        }
        // a run of prefix operators nests until an operand: `!(!(!(x)))` is six levels deep
        if !(b.is_ascii_whitespace() || prefix_operator || matches!(b, b'(' | b'[' | b'{')) {
            self.run = 0;
        }
        match b {
            // an escaped character of a local name (`ex:a\#`, `ex:b\'`): part of the name
            b'\\' if rdf => 2,
            b'"' | b'\'' if b == b'"' || rdf => {
                let long = rdf && at(1) == b && at(2) == b;
                self.mode = Mode::Str { q: b, long };
                if long { 3 } else { 1 }
            }
            b'#' if rdf => {
                self.mode = Mode::Comment;
                1
            }
            b'<' if rdf && at(1) == b'<' => {
                self.push(1);
                2
            }
            b'>' if rdf && at(1) == b'>' => {
                self.pop();
                2
            }
            b'<' if rdf && (self.syntax != Syntax::Sparql || iri_follows(&rest[1..])) => {
                self.mode = Mode::Iri;
                1
            }
            b'(' | b'[' | b'{' => {
                self.push(if after_not { NOT_GROUP_WEIGHT } else { 1 });
                1
            }
            b')' | b']' | b'}' => {
                self.pop();
                1
            }
            _ if prefix_operator => {
                self.run += 1;
                1
            }
            _ => 1,
        }
    }

    /// Inside a string opened by `q`: an escape, the close, or the plain bytes up to the
    /// next one that matters.
    fn string(&mut self, rest: &[u8], q: u8, long: bool) -> usize {
        let rdf = self.syntax != Syntax::Json;
        match rest[0] {
            b'\\' => 2,
            b if b == q && !long => {
                self.mode = Mode::Normal;
                1
            }
            b if b == q && rest.starts_with(&[q, q, q]) => {
                self.mode = Mode::Normal;
                3
            }
            b'\n' if rdf && !long => {
                // an unclosed short string ends with its line (the parser will say so)
                self.mode = Mode::Normal;
                1
            }
            _ => rest
                .iter()
                .skip(1)
                .position(|&b| b == b'\\' || b == q || b == b'\n')
                .map_or(rest.len(), |p| p + 1),
        }
    }
}

/// Characters (not continuation bytes) in UTF-8 `bytes`.
fn chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// SPARQL: whether IRI characters run from here up to a `>` (else the `<` before was the
/// less-than operator).
fn iri_follows(rest: &[u8]) -> bool {
    for &c in rest {
        match c {
            b'>' => return true,
            b'<' | b'"' | b'{' | b'}' | b'|' | b'^' | b'`' | b'\\' => return false,
            c if c <= b' ' => return false,
            _ => {}
        }
    }
    false
}

/// 1-based line and character column of byte `at`.
pub fn position(text: &[u8], at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    (line, chars(&before[start..]) + 1)
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
            "SELECT * { <http://x/(a)> ?p ?o FILTER(?a <= 2) }",
            Syntax::Sparql,
            2
        ));
        // brackets in a SPARQL IRI count (only the parser can tell an IRI from a less-than)
        assert!(!depth_ok("SELECT * { <http://x/(((> ?p ?o }", Syntax::Sparql, 2));
    }

    #[test]
    fn a_stream_scans_as_the_whole_text_does() {
        let text = format!(
            "<s> <p> \"\"\"((((\n\"\"\" , '''(''' # (((\n {}1{} .\n",
            "[ ".repeat(40),
            " ]".repeat(40)
        );
        let whole = check(text.as_bytes(), Syntax::Turtle, 30).unwrap_err();
        assert_eq!((whole.line, whole.column), (3, 62));
        for size in [1, 2, 3, 7, 64] {
            let mut s = Scanner::new(Syntax::Turtle, 30);
            let mut buf = Vec::new();
            let mut err = None;
            for piece in text.as_bytes().chunks(size) {
                buf.extend_from_slice(piece);
                match s.feed(&buf, false) {
                    Ok(used) => drop(buf.drain(..used)),
                    Err(e) => {
                        err = Some(e);
                        break;
                    }
                }
            }
            assert_eq!(err, Some(whole), "chunks of {size}");
        }
        assert!(check_reader(text.as_bytes(), Syntax::Turtle, 40).is_ok());
        assert_eq!(check_reader(text.as_bytes(), Syntax::Turtle, 30), Err(whole));
    }

    #[test]
    fn prefix_operators_between_brackets_add_up() {
        // each `!(` nests a group weighing NOT_GROUP_WEIGHT, plus its `!`
        let q = format!("ASK {{ FILTER({}true{}) }}", "!(".repeat(12), ")".repeat(12));
        assert!(!depth_ok(&q, Syntax::Sparql, 60));
        assert!(depth_ok(&q, Syntax::Sparql, 62));
        // side by side they do not add up
        let q = format!("ASK {{ FILTER({}true) }}", "!(?a = 1) && ".repeat(40));
        assert!(depth_ok(&q, Syntax::Sparql, 8));
        assert!(depth_ok(
            "ASK { FILTER(!BOUND(?x) && !(?a = 1) && -(?b) < 2) }",
            Syntax::Sparql,
            8
        ));
    }

    #[test]
    fn escapes_and_less_than_hide_no_brackets() {
        // `\#` and `\'` in a local name start neither a comment nor a string
        for esc in ["\\#", "\\'", "\\\""] {
            let ttl = format!("ex:s ex:p ex:a{esc}, {}1{} .", "(".repeat(10), ")".repeat(10));
            assert!(!depth_ok(&ttl, Syntax::Turtle, 5), "{ttl}");
        }
        // what follows a less-than counts, even when a `>` later makes it look like an IRI
        let q = format!("ASK {{ FILTER(1<{}1{}&&2>1) }}", "(".repeat(100), ")".repeat(100));
        assert!(!depth_ok(&q, Syntax::Sparql, 64));
        assert!(depth_ok("ASK { <http://x/#(a)> ?p \"#((((\" }", Syntax::Sparql, 3));
    }

    #[test]
    fn the_first_place_too_deep_is_named() {
        let e = check(b"{\n  \"a\": [[[1]]]\n}", Syntax::Json, 3).unwrap_err();
        assert_eq!((e.line, e.column, e.limit), (2, 10, 3));
        let deep = "(".repeat(100_000);
        assert!(check(deep.as_bytes(), Syntax::Sparql, 64).is_err());
    }
}
