//! BM25 over passages with tantivy: a jieba tokenizer (search mode) extended with the
//! merchants' lexicon (product names, SKUs, brands), plus a character-bigram field as a
//! fallback for typos and unsegmented words. Settings: `indexes/text.toml`.

use super::IndexError;
use crate::store::Layer;
use crate::store::passages::{Passage, PassageKind};
use jieba_rs::Jieba;
use serde::Deserialize;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TantivyDocument, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{LowerCaser, NgramTokenizer, TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term, doc};

/// Analyzer settings (`indexes/text.toml`).
#[derive(Debug, Clone, Deserialize)]
pub struct TextSettings {
    /// Use jieba's HMM for unknown words.
    pub hmm: bool,
    /// Boost of the jieba field relative to the n-gram field.
    pub word_boost: f32,
    /// Boost of the n-gram field.
    pub ngram_boost: f32,
    /// Frequency given to lexicon words so jieba keeps them whole.
    pub lexicon_freq: usize,
    /// Writer memory budget in bytes.
    pub writer_memory: usize,
}

impl Default for TextSettings {
    fn default() -> Self {
        TextSettings {
            hmm: true,
            word_boost: 1.0,
            ngram_boost: 0.3,
            lexicon_freq: 100_000,
            writer_memory: 50_000_000,
        }
    }
}

/// A jieba search-mode tokenizer whose dictionary holds the merchants' lexicon.
#[derive(Clone)]
pub struct JiebaTokenizer {
    jieba: Arc<RwLock<Jieba>>,
    hmm: bool,
}

/// The tokens of one text.
pub struct VecTokenStream {
    tokens: Vec<Token>,
    index: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        if self.index < self.tokens.len() {
            self.index += 1;
            true
        } else {
            false
        }
    }
    fn token(&self) -> &Token {
        &self.tokens[self.index - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.index - 1]
    }
}

impl JiebaTokenizer {
    /// Segments `text` into lower-cased search tokens, dropping punctuation and spaces.
    pub fn tokens(&self, text: &str) -> Vec<Token> {
        let Ok(jieba) = self.jieba.read() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (position, t) in jieba.cut_for_search(text, self.hmm).into_iter().enumerate() {
            if !t.word.chars().any(char::is_alphanumeric) {
                continue;
            }
            out.push(Token {
                offset_from: t.byte_start,
                offset_to: t.byte_end,
                position,
                text: t.word.to_lowercase(),
                position_length: 1,
            });
        }
        out
    }
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = VecTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream {
            tokens: self.tokens(text),
            index: 0,
        }
    }
}

struct Fields {
    id: Field,
    merchant_id: Field,
    subject: Field,
    kind: Field,
    layer: Field,
    title: Field,
    text: Field,
    ngram: Field,
}

/// The BM25 passage index.
pub struct TextIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    tokenizer: JiebaTokenizer,
    settings: TextSettings,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("zh")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let grams = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("zh_ngram")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        merchant_id: b.add_text_field("merchant_id", STRING | STORED),
        subject: b.add_text_field("subject", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED),
        layer: b.add_text_field("layer", STORED),
        title: b.add_text_field("title", STORED),
        text: b.add_text_field("text", words),
        ngram: b.add_text_field("ngram", grams),
    };
    (b.build(), fields)
}

impl TextIndex {
    /// Opens or creates the index in `dir`, with `lexicon` words added to the tokenizer.
    pub fn open(dir: &Path, settings: TextSettings, lexicon: &[String]) -> Result<Self, IndexError> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let mmap = tantivy::directory::MmapDirectory::open(dir).map_err(|e| IndexError::Text(e.to_string()))?;
        let index = Index::open_or_create(mmap, schema)?;
        let tokenizer = JiebaTokenizer {
            jieba: Arc::new(RwLock::new(Jieba::new())),
            hmm: settings.hmm,
        };
        index.tokenizers().register("zh", TextAnalyzer::from(tokenizer.clone()));
        let ngram = NgramTokenizer::new(2, 2, false).map_err(|e| IndexError::Text(e.to_string()))?;
        index
            .tokenizers()
            .register("zh_ngram", TextAnalyzer::builder(ngram).filter(LowerCaser).build());
        let writer = index.writer(settings.writer_memory)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let ti = TextIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            tokenizer,
            settings,
        };
        ti.add_lexicon(lexicon);
        Ok(ti)
    }

    /// Adds words (product names, SKUs, brands) to the tokenizer's dictionary so that they
    /// are kept whole. Re-index passages after adding words that occur in them.
    pub fn add_lexicon(&self, words: &[String]) {
        if let Ok(mut j) = self.tokenizer.jieba.write() {
            for w in words {
                let w = w.trim();
                if w.chars().count() >= 2 {
                    j.add_word(w, Some(self.settings.lexicon_freq), None);
                }
            }
        }
    }

    /// The tokenizer (for tests and entity linking).
    pub fn tokenizer(&self) -> &JiebaTokenizer {
        &self.tokenizer
    }

    /// Replaces every passage of `merchant_id` with `passages` in one commit.
    pub fn replace_merchant(&self, merchant_id: &str, passages: &[Passage]) -> Result<(), IndexError> {
        let mut w = self
            .writer
            .lock()
            .map_err(|_| IndexError::Text("writer lock poisoned".into()))?;
        w.delete_term(Term::from_field_text(self.fields.merchant_id, merchant_id));
        for p in passages {
            w.add_document(self.document(p))?;
        }
        w.commit()?;
        drop(w);
        self.reader.reload()?;
        Ok(())
    }

    /// Deletes the passages `delete` (by id) and adds `add`, in one commit. A passage in
    /// both is replaced.
    pub fn update(&self, delete: &[String], add: &[Passage]) -> Result<(), IndexError> {
        let mut w = self
            .writer
            .lock()
            .map_err(|_| IndexError::Text("writer lock poisoned".into()))?;
        for id in delete {
            w.delete_term(Term::from_field_text(self.fields.id, id));
        }
        for p in add {
            w.add_document(self.document(p))?;
        }
        w.commit()?;
        drop(w);
        self.reader.reload()?;
        Ok(())
    }

    fn document(&self, p: &Passage) -> TantivyDocument {
        let f = &self.fields;
        let layer = serde_json::to_value(p.layer)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        doc!(
            f.id => p.id.as_str(),
            f.merchant_id => p.merchant_id.as_str(),
            f.subject => p.subject.as_str(),
            f.kind => p.kind.as_str(),
            f.layer => layer,
            f.title => p.title.as_str(),
            f.text => p.text.as_str(),
            f.ngram => p.text.as_str(),
        )
    }

    /// Number of indexed passages.
    pub fn count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// BM25 search among passages of `merchant_ids`, best first.
    pub fn search(&self, merchant_ids: &[&str], query: &str, limit: usize) -> Result<Vec<(Passage, f32)>, IndexError> {
        let f = &self.fields;
        let scope: Vec<(Occur, Box<dyn Query>)> = merchant_ids
            .iter()
            .map(|m| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(f.merchant_id, m),
                    IndexRecordOption::Basic,
                ));
                (Occur::Should, q)
            })
            .collect();
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in self.tokenizer.tokens(query) {
            let q = TermQuery::new(Term::from_field_text(f.text, &t.text), IndexRecordOption::WithFreqs);
            should.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(q), self.settings.word_boost)),
            ));
        }
        let mut grams = self.index.tokenizer_for_field(f.ngram)?;
        let mut stream = grams.token_stream(query);
        while stream.advance() {
            let g = &stream.token().text;
            if g.chars().any(char::is_alphanumeric) {
                let q = TermQuery::new(Term::from_field_text(f.ngram, g), IndexRecordOption::WithFreqs);
                should.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(q), self.settings.ngram_boost)),
                ));
            }
        }
        if should.is_empty() || scope.is_empty() {
            return Ok(Vec::new());
        }
        let q = BooleanQuery::new(vec![
            (Occur::Must, Box::new(BooleanQuery::new(scope)) as Box<dyn Query>),
            (Occur::Must, Box::new(BooleanQuery::new(should))),
        ]);
        let searcher = self.reader.searcher();
        let top = searcher.search(&q, &TopDocs::with_limit(limit).order_by_score())?;
        let mut out = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let d: TantivyDocument = searcher.doc(addr)?;
            if let Some(p) = self.to_passage(&d) {
                out.push((p, score));
            }
        }
        Ok(out)
    }

    /// Fetches passages by id.
    pub fn get(&self, ids: &[String]) -> Result<Vec<Passage>, IndexError> {
        let searcher = self.reader.searcher();
        let mut out = Vec::new();
        for id in ids {
            let q = TermQuery::new(Term::from_field_text(self.fields.id, id), IndexRecordOption::Basic);
            for (_, addr) in searcher.search(&q, &TopDocs::with_limit(1).order_by_score())? {
                let d: TantivyDocument = searcher.doc(addr)?;
                out.extend(self.to_passage(&d));
            }
        }
        Ok(out)
    }

    /// All passages of one merchant id (for rebuilding the vector index).
    pub fn passages_of(&self, merchant_id: &str) -> Result<Vec<Passage>, IndexError> {
        let searcher = self.reader.searcher();
        let q = TermQuery::new(
            Term::from_field_text(self.fields.merchant_id, merchant_id),
            IndexRecordOption::Basic,
        );
        let n = searcher.num_docs().max(1) as usize;
        let mut out = Vec::new();
        for (_, addr) in searcher.search(&q, &TopDocs::with_limit(n).order_by_score())? {
            let d: TantivyDocument = searcher.doc(addr)?;
            out.extend(self.to_passage(&d));
        }
        Ok(out)
    }

    fn to_passage(&self, d: &TantivyDocument) -> Option<Passage> {
        let f = &self.fields;
        let get = |field: Field| d.get_first(field).and_then(|v| v.as_str()).map(str::to_string);
        let layer: Layer = serde_json::from_value(serde_json::Value::String(get(f.layer)?)).ok()?;
        Some(Passage {
            id: get(f.id)?,
            merchant_id: get(f.merchant_id)?,
            layer,
            subject: get(f.subject)?,
            kind: PassageKind::parse(&get(f.kind)?)?,
            title: get(f.title).unwrap_or_default(),
            text: get(f.text)?,
        })
    }
}
