//! The tantivy tokenizer that files every word under its key from
//! [`crate::index::fold`], keeping the word's byte range in the original
//! text, so the server's index and the static site's agree on what matches
//! and tantivy's snippets highlight the word as it was written.

use std::ops::Range;

use tantivy::tokenizer::{RemoveLongFilter, TextAnalyzer, Token, TokenStream, Tokenizer};

use crate::index::fold_spans;

/// The name the tokenizer is registered under in every index.
pub(crate) const NAME: &str = "attest_fold";

/// Keys of this many bytes or more are not indexed (nor looked for): they
/// are not words but data (encoded blobs, long URLs), and tantivy refuses
/// terms past 64 KiB.
pub(crate) const MAX_KEY_BYTES: usize = 100;

/// Folds words to keys; see the module documentation.
#[derive(Clone, Default)]
pub(crate) struct FoldTokenizer {
    token: Token,
}

/// The tokens of one text.
pub(crate) struct FoldTokenStream<'a> {
    words: std::vec::IntoIter<(Range<usize>, String)>,
    token: &'a mut Token,
}

impl Tokenizer for FoldTokenizer {
    type TokenStream<'a> = FoldTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> FoldTokenStream<'a> {
        self.token.reset();
        FoldTokenStream { words: fold_spans(text).into_iter(), token: &mut self.token }
    }
}

impl TokenStream for FoldTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let Some((range, key)) = self.words.next() else {
            return false;
        };
        // `position` starts at usize::MAX, so the first token is 0.
        self.token.position = self.token.position.wrapping_add(1);
        self.token.offset_from = range.start;
        self.token.offset_to = range.end;
        self.token.text = key;
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// The analyzer registered as [`NAME`]: folding, then overlong keys dropped.
pub(crate) fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(FoldTokenizer::default()).filter(RemoveLongFilter::limit(MAX_KEY_BYTES)).build()
}

/// The keys of a query's words, folded and filtered exactly as the
/// documents' words are.
pub(crate) fn keys(text: &str) -> Vec<String> {
    fold_spans(text).into_iter().map(|(_, k)| k).filter(|k| k.len() < MAX_KEY_BYTES).collect()
}
