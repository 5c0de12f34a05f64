//! The name matcher: an index over every name and alias of the loaded lists, blocking so that
//! a query is compared only with entries that share a rare key, and a scorer that explains
//! every hit.
//!
//! ## Readings of a query
//! A query is normalised ([`crate::normalize`]): transliterated to Latin, legal forms set aside,
//! generic words made canonical. When it has generic words of another script that lists
//! translate rather than transliterate (`شرکت ملی نفت`, `云计算`), it gets a second, translated
//! reading ([`Normalizer::translate`]). Both readings are screened; each entry keeps its better
//! score.
//!
//! ## Blocking (candidate generation)
//! An inverted index maps keys to the list names that have them: each word, its phonetic key,
//! the first four letters of its phonetic key, the first and last four letters of long words,
//! the one-deletion neighbourhood of words of 4–10 letters (two words one edit apart share a
//! key), adjacent words joined, the name's acronyms (see **acronym** below) and the initials of
//! one to three consecutive words (`sz`, `dji`: kind `w`, looked up by a query's short words;
//! a query's own such initials are looked up among the list's words). A query's keys are looked up rarest first;
//! keys shared by more than `max(N/64, 256)` names are skipped once a rarer key was seen. Each
//! name accumulates the IDF (`ln(N/postings)`) of the keys it shares with the query and the
//! best [`MatchConfig::candidates`] (12) are scored. A test checks on the evaluation set that
//! blocking loses no hit an exhaustive comparison would find.
//!
//! ## Features and score
//! Every token carries a weight, its inverse document frequency over all list names
//! (`ln(N / df)`, at least 0.5; a query token unknown to the list gets the largest weight), so
//! that `technology`, `bank` or `beijing` count little and `huawei` or `rosoboronexport` a lot.
//! * **token similarity**: Jaro-Winkler of two tokens (Arabic-script tokens: of their consonant
//!   skeletons, 0.9 when the skeletons agree), raised to 0.92 when the phonetic keys (three
//!   letters or more) agree, the words start alike (both with a vowel or `h`-like sound, or
//!   with the same consonant) and the Jaro-Winkler is at least 0.7; below 0.84 it counts 0.
//!   Tokens of three letters or fewer must agree exactly. Two adjacent tokens also compare
//!   joined (`hua wei` ~ `huawei`). A word of the other side matched *exactly* is taken: no
//!   other word leans on it approximately (`Igor Ivanovich Ivanov` is not `Igor Ivanovich
//!   Sechin`: `ivanov` may not use `ivanovich`). A place (a Chinese province or city) matches
//!   a word the index knows (a listed or generic word) only exactly: `changjiang` (the
//!   Yangtze) is not `changxin`; a misspelt place (`shenzen`) still matches approximately.
//! * **initials of words**: an unmatched word of 2–4 letters equal to the initials of one to
//!   four consecutive words of the other side (pinyin words give the initials of their
//!   syllables: `SZ DJI` ~ `Shenzhen Dajiang Innovation`, `CETC` inside a longer name) counts
//!   as a similarity of 0.9 for all of them.
//! * **credit** of a similarity `s`: `1 − 2·(1 − s)` (an exact word 1, one typo ≈ 0.9, two
//!   different words at Jaro-Winkler 0.88 only 0.76).
//! * **coverage** of the query by the entry and of the entry by the query (a weighted
//!   Monge-Elkan: each token's best credit on the other side, weighted): word order plays
//!   no role, missing or extra words cost their weight.
//! * **name score** = 0.5·(query coverage) + 0.5·(entry coverage) − 0.2·substitution, where
//!   substitution is the relative weight of the rarest word left unmatched on *both* sides
//!   (a distinctive word replaced by another: evidence of a different party). Words of legal
//!   forms left inside a name, or misspelt (Jaro-Winkler ≥ 0.88 to one), and words that say
//!   what kind of organisation a party is (`group`, Russian `НПО`, `НИИ`, `ВПК`...) weigh 0.3.
//!   A place on one side only weighs a quarter; a generic word on one side only (`集团`,
//!   `Information`) weighs half when every distinctive word of both names is matched and one
//!   of them exactly (never when a distinctive word is left over: a look-alike replaces one).
//! * **acronym**: a one-token query equal to one of an entry name's acronyms (by the usual
//!   conventions: initials of its words with or without function words, with or without the
//!   initials of a trailing legal form: `SMIC`, `YMTC`, `PDVSA`, `NUDT`) scores 0.78 (review,
//!   never match: initials are weak evidence). A one-word query of at most five letters in
//!   capitals is taken for an acronym: it matches words exactly or not at all (`MIPD` is not
//!   `MIPT`).
//! * **legal form** (weak): same family +0.02, different family −0.03, unknown 0.
//! * **country** (supporting): the query's country among the entry's +0.03, different −0.05,
//!   unknown 0.
//!
//! The final score is clamped to [0, 1]. Read it as "how much of both names is accounted for
//! by similar words, weighted by how rare those words are".
//!
//! **Calibration.** The evaluation set (real listed names with variants, and as many unlisted
//! look-alikes, [`crate::eval`]) is split by entity into a tune half and a held-out half. The
//! review threshold is the lowest score whose false-positive rate on the *tune* half is at most
//! 0.5% (half the 1% target, as a margin), read off `cargo run --release -p chokepoint-screen
//! --example sweep`, which never reads the held-out half: 0.78 (recall 0.968, FPR 0.37% on the
//! tune half). The match threshold, 0.85, is where the tune half has no false positive left.
//! `--example seeds` gives the tune half's figures over other draws of the variants.
//! Figures on the held-out half: `scripts/bench/screen.sh`.
//!
//! ## Decisions
//! `match` at score ≥ [`MatchConfig::match_threshold`] (0.85), `review` at ≥
//! [`MatchConfig::review_threshold`] (0.78), `clear` below.

use crate::lists::ListEntry;
use crate::normalize::{phonetic_key, LegalClass, NormalizedName, Normalizer, Script};
use chokepoint_core::Progress;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A small, fast, non-cryptographic hasher (FxHash) for the index's integer keys.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

fn key_hash(kind: u8, text: &str) -> u64 {
    // FNV-1a over kind + bytes: stable, cheap, collisions only widen the candidate set.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in std::iter::once(&kind).chain(text.as_bytes()) {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Decision thresholds and search limits.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct MatchConfig {
    /// Score at or above which a hit is a `match`.
    pub match_threshold: f32,
    /// Score at or above which a hit needs `review`.
    pub review_threshold: f32,
    /// How many candidate names (after blocking) are scored per query.
    pub candidates: usize,
    /// How many hits a result keeps at most.
    pub max_hits: usize,
}

impl Default for MatchConfig {
    fn default() -> Self {
        MatchConfig {
            match_threshold: 0.85,
            review_threshold: 0.78,
            candidates: 12,
            max_hits: 10,
        }
    }
}

/// `match`, `review` or `clear`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Clear,
    Review,
    Match,
}

impl Decision {
    /// The lower-case word.
    pub fn as_str(&self) -> &'static str {
        match self {
            Decision::Clear => "clear",
            Decision::Review => "review",
            Decision::Match => "match",
        }
    }
}

/// A token with what the scorer needs precomputed.
#[derive(Debug, Clone)]
struct PTok {
    text: String,
    phon: String,
    script: Script,
    weight: f32,
    /// A province or city ([`crate::normalize::CHINESE_PLACES`]).
    place: bool,
    /// A word of the normaliser's vocabulary (a listed word, a generic word, a place): a place
    /// never matches such a word approximately (`changjiang` is not `changxin`).
    known: bool,
    /// Generic vocabulary or a country word of the tables (`technology`, `group`, `china`, a
    /// legal-form or organisation-kind word).
    generic: bool,
    /// What the word gives an abbreviation ([`abbreviation_part`]), worked out once.
    abbreviation: String,
}

/// Whether two tokens may match approximately: a place against another known word may not
/// (the Yangtze, `changjiang`, is not `ChangXin`), a place against an unknown word (a typo,
/// `shenzen`) or another place may.
fn may_match_approximately(t: &PTok, u: &PTok) -> bool {
    t.place == u.place || !(if t.place { u.known } else { t.known })
}

/// A name (list name, alias or query) ready to compare.
#[derive(Debug, Clone)]
struct Prepared {
    tokens: Vec<PTok>,
    /// Adjacent token pairs joined (`hua` + `wei`), with the pair's weight.
    pairs: Vec<String>,
    legal: Vec<LegalClass>,
    /// A query written as an acronym: only exact words count (see [`Screener::prepare_query`]).
    exact_only: bool,
    /// The acronyms the name may be written as (see [`acronyms`]); for list names only.
    initials: Vec<String>,
    /// Interned comparison units of the tokens and the pairs (list names only; empty for a
    /// query): the per-query similarity cache is keyed by them.
    units: Vec<u32>,
    pair_units: Vec<u32>,
}

/// A string compared by [`token_sim_text`] (a token, or two adjacent tokens joined), with a
/// letter histogram for a cheap upper bound of its Jaro-Winkler similarity.
#[derive(Debug, Clone)]
struct Unit {
    text: String,
    phon: String,
    script: Script,
    hist: [u8; 37],
    /// Where the word's pinyin syllables end (empty when it is not pinyin): for
    /// [`other_pinyin_name`], split once per word rather than once per comparison.
    syllable_ends: Vec<u8>,
}

impl Unit {
    fn new(text: &str, phon: &str, script: Script) -> Unit {
        let mut hist = [0u8; 37];
        for b in text.bytes() {
            let i = match b {
                b'a'..=b'z' => (b - b'a') as usize,
                b'0'..=b'9' => 26 + (b - b'0') as usize,
                _ => 36,
            };
            hist[i] = hist[i].saturating_add(1);
        }
        let syllable_ends = crate::normalize::pinyin_split(text)
            .map(|syl| {
                syl.iter()
                    .scan(0usize, |end, s| {
                        *end += s.len();
                        // A pinyin word is at most 24 letters (`pinyin_split`).
                        Some(*end as u8)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Unit {
            text: text.to_string(),
            phon: phon.to_string(),
            script,
            hist,
            syllable_ends,
        }
    }
}

/// Similarity of two units: [`token_sim_text`], skipped when an upper bound of the
/// Jaro-Winkler similarity (from shared letters and the common prefix) cannot reach the floor.
fn unit_sim(a: &Unit, b: &Unit) -> f32 {
    if a.text == b.text {
        return 1.0;
    }
    let arabic = a.script == Script::Arabic || b.script == Script::Arabic;
    if !arabic {
        let (la, lb) = (a.text.len(), b.text.len());
        if la <= 3 || lb <= 3 {
            return 0.0;
        }
        let m: u32 = a
            .hist
            .iter()
            .zip(&b.hist)
            .map(|(x, y)| (*x).min(*y) as u32)
            .sum();
        if m == 0 {
            return 0.0;
        }
        let m = m as f32;
        let jaro = ((m / la as f32 + m / lb as f32 + 1.0) / 3.0).min(1.0);
        let prefix = a
            .text
            .bytes()
            .zip(b.text.bytes())
            .take(4)
            .take_while(|(x, y)| x == y)
            .count() as f32;
        let bound = jaro + prefix * 0.1 * (1.0 - jaro);
        let phon_eq = !a.phon.is_empty() && a.phon == b.phon && a.phon.len() >= 3;
        if bound < if phon_eq { 0.7 } else { 0.84 } {
            return 0.0;
        }
    }
    let s = token_sim_spelling(&a.text, &a.phon, a.script, &b.text, &b.phon, b.script);
    if s > 0.0
        && !arabic
        && other_pinyin_syllables(&a.text, &a.syllable_ends, &b.text, &b.syllable_ends)
    {
        0.0
    } else {
        s
    }
}

/// One side of a comparison: a token or an adjacent pair of a prepared name, by index.
#[derive(Debug, Clone, Copy)]
enum Side {
    Tok(usize),
    Pair(usize),
}

/// Per-thread cache of unit similarities for the query being screened: a list unit's
/// similarity to each query unit is computed once, whichever candidate name it occurs in.
#[derive(Default)]
struct SimCache {
    stamp: Vec<u32>,
    slot: Vec<u32>,
    generation: u32,
    sims: Vec<f32>,
    /// The query's units: tokens, then pairs.
    query: Vec<Unit>,
    n_tokens: usize,
}

impl SimCache {
    fn reset(&mut self, q: &Prepared, n_units: usize) {
        if self.stamp.len() < n_units {
            self.stamp.resize(n_units, 0);
            self.slot.resize(n_units, 0);
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
        self.sims.clear();
        self.query.clear();
        self.n_tokens = q.tokens.len();
        for t in &q.tokens {
            self.query.push(Unit::new(&t.text, &t.phon, t.script));
        }
        for p in &q.pairs {
            self.query.push(Unit::new(p, "", Script::Latin));
        }
    }

    fn get(&mut self, units: &[Unit], unit: u32, q: Side) -> f32 {
        let u = unit as usize;
        let nq = self.query.len();
        if self.stamp[u] != self.generation {
            self.stamp[u] = self.generation;
            self.slot[u] = self.sims.len() as u32;
            self.sims.resize(self.sims.len() + nq, f32::NAN);
        }
        let k = match q {
            Side::Tok(i) => i,
            Side::Pair(i) => self.n_tokens + i,
        };
        let at = self.slot[u] as usize + k;
        let v = self.sims[at];
        if !v.is_nan() {
            return v;
        }
        let s = unit_sim(&self.query[k], &units[u]);
        self.sims[at] = s;
        s
    }
}

/// One name or alias of an entry in the index.
#[derive(Debug, Clone)]
struct Variant {
    entry: u32,
    alias: bool,
    raw: String,
    prepared: Prepared,
}

/// Per-feature scores of a hit: why it scored what it scored.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Features {
    /// Weighted share of the query's words found in the listed name.
    pub query_coverage: f32,
    /// Weighted share of the listed name's words found in the query.
    pub entry_coverage: f32,
    /// Share of the query's words whose phonetic key equals one of the listed name's.
    pub phonetic: f32,
    /// The query is the listed name's initials.
    pub acronym: bool,
    /// Legal-form adjustment (weak): +0.02 same family, −0.03 different, 0 unknown.
    pub legal_form: f32,
    /// Country adjustment (supporting): +0.03 agree, −0.05 disagree, 0 unknown.
    pub country: f32,
}

/// A query word and the listed word it matched best.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenMatch {
    pub query: String,
    pub listed: String,
    pub similarity: f32,
}

/// Why a hit scored what it did.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Explanation {
    /// The list's name or alias that matched, as published.
    pub matched_variant: String,
    /// `name` or `alias`.
    pub variant_kind: String,
    /// The query after normalisation.
    pub query_normalized: String,
    /// The matched variant after normalisation.
    pub variant_normalized: String,
    pub features: Features,
    pub tokens: Vec<TokenMatch>,
}

/// One listed party that a query resembles.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Hit {
    pub list_id: String,
    /// The entry's primary name.
    pub name: String,
    pub source: String,
    pub score: f32,
    pub decision: Decision,
    pub explanation: Explanation,
}

/// The result of screening one name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NameResult {
    pub query: String,
    pub decision: Decision,
    /// The best hit's score (0 when no hit).
    pub score: f32,
    /// Hits at or above the review threshold, best first.
    pub matches: Vec<Hit>,
}

/// Size figures of a built index.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct IndexStats {
    pub entries: usize,
    pub variants: usize,
    pub keys: usize,
    pub postings: usize,
    /// Approximate heap bytes of the index (names, tokens, postings).
    pub approx_bytes: usize,
}

/// The screening index over one or more lists.
#[derive(Debug)]
pub struct Screener {
    normalizer: Normalizer,
    entries: Vec<ListEntry>,
    variants: Vec<Variant>,
    postings: FxMap<u64, Vec<u32>>,
    df: FxMap<String, u32>,
    /// Weight of every list token (precomputed from `df` and the legal-word check).
    weights: FxMap<String, f32>,
    /// Distinct tokens and pairs of all list names (see [`Unit`]).
    units: Vec<Unit>,
    max_weight: f32,
    n_variants: f32,
    config: MatchConfig,
}

/// Scratch space per worker thread for candidate accumulation.
#[derive(Default)]
struct Scratch {
    acc: Vec<f32>,
    touched: Vec<u32>,
    sims: SimCache,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// A one-word query of at most this many letters, written in capitals, is an acronym: it
/// matches words exactly or not at all.
const SHORT_QUERY_LETTERS: usize = 5;

/// Particles: little weight, no blocking key, not part of initials (`al-Assad`, `bin`).
const STOP: &[&str] = &["and", "of", "the", "al", "el", "bin", "ibn", "imeni"];

/// How much a substituted distinctive word (unmatched on both sides, scaled by its weight
/// relative to the rarest word) lowers the name score.
const SUBSTITUTION_PENALTY: f32 = 0.2;

/// Words that say what kind of organisation a party is, like a legal form, and weigh like one:
/// `group` and `corporation` render the same 集团; Russian abbreviations of kinds of
/// organisation (НПО scientific-production association, НИИ research institute, НТЦ
/// scientific-technical centre, ОКБ/КБ design bureau, НК oil company, ФК financial
/// corporation, ГК group of companies, АКБ joint-stock commercial bank) in their
/// romanisations.
const ORGANISATION_KIND_WORDS: &[&str] = &[
    "group",
    "holdings",
    "concern",
    "enterprise",
    "npo",
    "vpk",
    "npp",
    "nii",
    "tsnii",
    "ntts",
    "ntc",
    "okb",
    "kb",
    "nk",
    "fk",
    "gk",
    "akb",
    "nic",
    "ntk",
    "nits",
];

/// Weight of words that belong to legal forms (`joint`, `stock`, `company`...) when they are
/// left in a name (inside it, or misspelt): they say little about who the party is.
const LEGAL_WORD_WEIGHT: f32 = 0.3;

fn initials(tokens: &[PTok]) -> String {
    tokens
        .iter()
        .filter(|t| !STOP.contains(&t.text.as_str()))
        .filter_map(|t| t.text.chars().next())
        .collect()
}

/// Function words that acronyms usually skip (`National University of Defense Technology` =
/// `NUDT`) and sometimes keep (`Petróleos de Venezuela` = `PDV`).
const ACRONYM_FUNCTION_WORDS: &[&str] = &[
    "of", "and", "the", "for", "in", "on", "at", "de", "del", "la", "des", "du", "et",
];

/// The acronyms a listed name may be written as, by the usual conventions: the initials of its
/// normalised words; the initials of its written words (generic words as written, not
/// canonical: `Telecommunication`, not `communication`) without function words and legal forms;
/// the same followed by the initial of the first legal-form word (`Semiconductor Manufacturing
/// International Corporation` = `SMIC`, `Yangtze Memory Technologies Co.` = `YMTC`) or by the
/// initials of all of them (`PDVSA`); and with function words kept. Words in parentheses are
/// left out (`(Beijing)`). Only acronyms of two to eight letters, lower case.
fn acronyms(normalized: &str, raw: &str, normalizer: &Normalizer) -> Vec<String> {
    // A one-word name has no acronym.
    let mut out: Vec<String> = Vec::new();
    if normalized.len() >= 2 {
        out.push(normalized.to_string());
    }
    if raw.is_ascii() {
        // (initials, legal-form word, function word) of each written word outside parentheses.
        let mut words: Vec<(String, bool, bool)> = Vec::new();
        let mut depth = 0i32;
        for w in raw.split(|c: char| c.is_whitespace() || c == '-' || c == '/') {
            depth += i32::from(w.starts_with('('));
            if depth == 0 {
                let letters: String = w
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
                    .collect::<String>()
                    .to_ascii_lowercase();
                let word = letters.replace('.', "");
                if !word.is_empty() {
                    // `S.A.` stands for two words: two initials.
                    let dotted = letters.matches('.').count() >= 2;
                    let initials: String = if dotted {
                        letters
                            .split('.')
                            .filter_map(|p| p.chars().next())
                            .collect()
                    } else {
                        word[..1].to_string()
                    };
                    // `Bank`, `State`, `Commercial` end some legal forms (`Joint Stock
                    // Commercial Bank`) but are words of the name in an acronym (`CBN`).
                    let function = ACRONYM_FUNCTION_WORDS.contains(&word.as_str());
                    let legal = normalizer.is_legal_word(&word)
                        && !function
                        && !["bank", "state", "commercial"].contains(&word.as_str());
                    words.push((initials, legal, function));
                }
            }
            if w.ends_with(')') {
                depth = (depth - 1).max(0);
            }
        }
        // Legal forms at the start (`Joint Stock Company ...`) never count; those at the end
        // are the optional tail; those in the middle count in one variant only.
        let start = words.iter().position(|w| !w.1).unwrap_or(words.len());
        let end = words.iter().rposition(|w| !w.1).map_or(start, |i| i + 1);
        let core = &words[start..end.max(start)];
        let tail = &words[end.max(start)..];
        let join = |keep: &dyn Fn(&(String, bool, bool)) -> bool| -> String {
            core.iter()
                .filter(|w| keep(w))
                .map(|w| w.0.as_str())
                .collect()
        };
        if core.iter().filter(|w| !w.2).count() < 2 {
            out.retain(|a| (2..=8).contains(&a.len()));
            return out;
        }
        let plain = join(&|w| !w.1 && !w.2);
        let with_function = join(&|w| !w.1);
        out.push(join(&|w| !w.2));
        out.push(join(&|_| true));
        if let Some(first) = tail.first() {
            let all_tail: String = tail.iter().map(|w| w.0.as_str()).collect();
            for head in [&plain, &with_function] {
                out.push(format!("{head}{}", &first.0[..1]));
                out.push(format!("{head}{all_tail}"));
            }
        }
        out.push(plain);
        out.push(with_function);
    }
    out.retain(|a| (2..=8).contains(&a.len()));
    out.sort();
    out.dedup();
    out
}

/// Jaro-Winkler similarity of two ASCII strings (falls back to `strsim` for long or non-ASCII
/// input). Allocation-free for tokens up to 64 bytes: this is the hot loop of screening.
pub fn jaro_winkler(a: &str, b: &str) -> f32 {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a == b {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a.len() > 64 || b.len() > 64 {
        return strsim::jaro_winkler(
            std::str::from_utf8(a).unwrap_or(""),
            std::str::from_utf8(b).unwrap_or(""),
        ) as f32;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_m = [false; 64];
    let mut b_m = [false; 64];
    let mut matches = 0usize;
    for i in 0..a.len() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_m[j] && a[i] == b[j] {
                a_m[i] = true;
                b_m[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut t = 0usize;
    let mut k = 0usize;
    for i in 0..a.len() {
        if a_m[i] {
            while !b_m[k] {
                k += 1;
            }
            if a[i] != b[k] {
                t += 1;
            }
            k += 1;
        }
    }
    let m = matches as f32;
    let jaro = (m / a.len() as f32 + m / b.len() as f32 + (m - t as f32 / 2.0) / m) / 3.0;
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count() as f32;
    jaro + prefix * 0.1 * (1.0 - jaro)
}

/// How a word starts, for the phonetic lift: `_` for a vowel or an `h`-like sound (`y`, `h`,
/// `kh`, `gh`: romanisations add and drop these), else the folded first consonant. `Usmanov` and
/// `Semenov` share a consonant key but not a start; `Yevgeniy` and `Evgeny` share both.
fn lead(t: &str) -> char {
    let b = t.as_bytes();
    match b.first() {
        None => '_',
        Some(b'a' | b'e' | b'i' | b'o' | b'u' | b'y' | b'h') => '_',
        Some(b'k' | b'g') if b.get(1) == Some(&b'h') => '_',
        Some(_) => phonetic_key(&t[..t.len().min(3)])
            .chars()
            .next()
            .unwrap_or('_'),
    }
}

/// How much a word similarity counts towards coverage: an exact word fully, a near word
/// (`huawie` ~ `huawei`, 0.97) nearly fully, a distant one (`tianshi` ~ `tianjin`, 0.89) much
/// less: `1 − CREDIT_SLOPE·(1 − s)`, at least 0. Two different words often reach a
/// Jaro-Winkler of 0.85–0.9, one typo rarely goes below 0.93.
fn credit(s: f32) -> f32 {
    if s <= 0.0 {
        0.0
    } else {
        (1.0 - CREDIT_SLOPE * (1.0 - s)).max(0.0)
    }
}

/// See [`credit`].
const CREDIT_SLOPE: f32 = 2.0;

/// Similarity of two tokens in [0, 1] (see the module documentation).
fn token_sim_text(at: &str, ap: &str, ascr: Script, bt: &str, bp: &str, bscr: Script) -> f32 {
    let s = token_sim_spelling(at, ap, ascr, bt, bp, bscr);
    let arabic = ascr == Script::Arabic || bscr == Script::Arabic;
    if s > 0.0 && !arabic && other_pinyin_name(at, bt) {
        0.0
    } else {
        s
    }
}

/// [`token_sim_text`] but for [`other_pinyin_name`], which the cached path works out from
/// syllables split once per word.
fn token_sim_spelling<'a>(
    at: &'a str,
    ap: &'a str,
    ascr: Script,
    bt: &'a str,
    bp: &'a str,
    bscr: Script,
) -> f32 {
    if at == bt {
        return 1.0;
    }
    // Symmetric by construction (the greedy Jaro matching is not quite): the cache relies on it.
    let (at, ap, ascr, bt, bp, bscr) = if at <= bt {
        (at, ap, ascr, bt, bp, bscr)
    } else {
        (bt, bp, bscr, at, ap, ascr)
    };
    let digits = |s: &str| s.bytes().any(|c| c.is_ascii_digit());
    if digits(at) || digits(bt) {
        return 0.0;
    }
    let phon_eq = !ap.is_empty() && ap == bp;
    let arabic = ascr == Script::Arabic || bscr == Script::Arabic;
    if arabic && phon_eq {
        // Consonant skeletons agree: the most an unvocalised script can tell.
        return 0.9;
    }
    if arabic {
        // The article (ال, `l`) written joined to an Arabic-script word: `الأسد` ~ `assad`.
        let bare = |p: &'a str, scr: Script| -> &'a str {
            match p.strip_prefix('l') {
                Some(r) if scr == Script::Arabic && r.len() >= 2 => r,
                _ => p,
            }
        };
        let (x, y) = (bare(ap, ascr), bare(bp, bscr));
        if (x.len() != ap.len() || y.len() != bp.len()) && x == y {
            return 0.9;
        }
    }
    if at.len() <= 3 || bt.len() <= 3 {
        // Short words (acronyms, particles) must agree exactly.
        return 0.0;
    }
    let mut s = if arabic {
        // Arabic script writes no short vowels: compare skeletons.
        if ap.len() < 2 || bp.len() < 2 {
            0.0
        } else {
            jaro_winkler(ap, bp) * 0.97
        }
    } else {
        let jw = jaro_winkler(at, bt);
        // Jaro-Winkler forgives a letter added or dropped early in a long word poorly
        // (`nokvikombank` / `novikombank` 0.87): one or two edits in a word of six letters or
        // more count as the share of letters they leave alone.
        let (short, long) = (at.len().min(bt.len()), at.len().max(bt.len()));
        // Only where it can lift the word over the 0.84 floor: a long enough word, lengths
        // at most two apart, Jaro-Winkler not already better than one edit would give.
        let one_edit = 1.0 - 1.0 / long as f32;
        if jw < 0.93 && short >= 6 && long - short <= 2 && one_edit >= 0.84 && jw < one_edit {
            let edits = edit_distance_osa(at, bt);
            if edits <= 2 {
                jw.max(1.0 - edits as f32 / long as f32)
            } else {
                jw
            }
        } else {
            jw
        }
    };
    // Phonetic agreement lifts a spelling variant (`Prigozhin` / `Prigojin`) when the key is
    // long enough to mean something and the spellings are not far apart.
    if phon_eq && ap.len() >= 3 && s >= 0.7 && lead(at) == lead(bt) {
        s = s.max(0.92);
    }
    if s < 0.84 {
        0.0
    } else {
        s
    }
}

/// Whether two words are both pinyin names of two syllables or more that differ by a whole
/// syllable (`dahai` / `dahua`, `haiwei` / `huawei`, `changkai` / `changxin`) or by more than
/// two letters and their number of syllables: two names, not one misspelt. A typo changes a
/// letter or so of a syllable (`huawai` / `huawei`); pinyin is dense enough that a syllable
/// changed for another is the usual way to coin a look-alike of a Chinese brand.
fn other_pinyin_name(a: &str, b: &str) -> bool {
    use crate::normalize::pinyin_split;
    let (Some(x), Some(y)) = (pinyin_split(a), pinyin_split(b)) else {
        return false;
    };
    other_pinyin_split(a, &x, b, &y)
}

/// [`other_pinyin_name`] from the ends of the words' syllables ([`Unit::syllable_ends`]).
fn other_pinyin_syllables<'w>(a: &'w str, a_ends: &[u8], b: &'w str, b_ends: &[u8]) -> bool {
    if a_ends.len() < 2 || b_ends.len() < 2 {
        return false;
    }
    let split = |w: &'w str, ends: &[u8]| -> Vec<&'w str> {
        let mut start = 0;
        ends.iter()
            .filter_map(|&e| {
                let piece = w.get(start..e as usize);
                start = e as usize;
                piece
            })
            .collect()
    };
    other_pinyin_split(a, &split(a, a_ends), b, &split(b, b_ends))
}

/// [`other_pinyin_name`] of two words split into syllables.
fn other_pinyin_split(a: &str, x: &[&str], b: &str, y: &[&str]) -> bool {
    if x.len() < 2 || y.len() < 2 {
        return false;
    }
    if x.len() != y.len() {
        // A letter dropped or added may split a word otherwise (`mleiling` reads `m lei ling`,
        // `tianin` `ti a nin`): a typo, two at most; three edits or more are another name
        // (`zhichang` / `zhipuhuazhang`).
        return edit_distance_osa(a, b) >= 3;
    }
    x.iter().zip(y).any(|(p, q)| edit_distance_osa(p, q) >= 2)
}

/// Edit distance of two words (or syllables) counting a swap of two adjacent letters as one
/// edit (optimal string alignment), on bytes.
fn edit_distance_osa(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (i, row) in d.chunks_mut(w).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().take(w).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

impl Screener {
    /// Builds the index over the entries of one or more lists (concatenated; each entry keeps
    /// its source). Progress is reported per entry.
    pub fn build(
        entries: Vec<ListEntry>,
        config: MatchConfig,
        progress: &dyn Progress,
    ) -> Screener {
        progress.start("indexing", Some(entries.len() as u64), "entries");
        // Pass 1: Latin vocabulary, so that Chinese syllable runs segment into the list's words.
        let base = Normalizer::new();
        let mut normalizer = base.clone();
        let mut vocab: Vec<String> = Vec::new();
        for e in &entries {
            for n in std::iter::once(&e.name).chain(&e.aliases) {
                if n.is_ascii() {
                    vocab.extend(base.normalize(n).tokens.into_iter().map(|t| t.text));
                }
            }
        }
        vocab.sort();
        vocab.dedup();
        normalizer.extend_vocabulary(vocab.iter().map(|s| s.as_str()));
        // Pass 2: normalise every name and alias (in parallel).
        let normalized: Vec<Vec<(bool, String, NormalizedName)>> = entries
            .par_iter()
            .map(|e| {
                let mut seen: Vec<String> = Vec::new();
                let mut out = Vec::new();
                for (i, n) in std::iter::once(&e.name).chain(&e.aliases).enumerate() {
                    let norm = normalizer.normalize(n);
                    if norm.tokens.is_empty() {
                        continue;
                    }
                    let key = norm.text();
                    if seen.contains(&key) {
                        continue;
                    }
                    seen.push(key);
                    out.push((i > 0, n.clone(), norm));
                }
                progress.advance(1);
                out
            })
            .collect();
        let mut df: FxMap<String, u32> = FxMap::default();
        let mut n_variants = 0usize;
        for vs in &normalized {
            for (_, _, norm) in vs {
                n_variants += 1;
                let mut toks: Vec<&str> = norm.tokens.iter().map(|t| t.text.as_str()).collect();
                toks.sort();
                toks.dedup();
                for t in toks {
                    *df.entry(t.to_string()).or_insert(0) += 1;
                }
            }
        }
        let n = (n_variants.max(1)) as f32;
        let mut s = Screener {
            normalizer,
            entries: Vec::new(),
            variants: Vec::with_capacity(n_variants),
            postings: FxMap::default(),
            df,
            weights: FxMap::default(),
            units: Vec::new(),
            max_weight: (n + 1.0).ln().max(1.0),
            n_variants: n,
            config,
        };
        s.weights =
            s.df.keys()
                .map(|t| (t.clone(), s.compute_weight(t)))
                .collect();
        let mut unit_ids: FxMap<(String, Script, bool), u32> = FxMap::default();
        let mut intern = |units: &mut Vec<Unit>, text: &str, phon: &str, script: Script, pair| {
            *unit_ids
                .entry((text.to_string(), script, pair))
                .or_insert_with(|| {
                    units.push(Unit::new(text, phon, script));
                    (units.len() - 1) as u32
                })
        };
        for (ei, vs) in normalized.into_iter().enumerate() {
            for (alias, raw, norm) in vs {
                let mut prepared = s.prepare(&norm);
                prepared.initials = acronyms(&initials(&prepared.tokens), &raw, &s.normalizer);
                prepared.units = prepared
                    .tokens
                    .iter()
                    .map(|t| intern(&mut s.units, &t.text, &t.phon, t.script, false))
                    .collect();
                prepared.pair_units = prepared
                    .pairs
                    .iter()
                    .map(|p| intern(&mut s.units, p, "", Script::Latin, true))
                    .collect();
                let vi = s.variants.len() as u32;
                for k in s.keys(&prepared, false) {
                    s.postings.entry(k).or_default().push(vi);
                }
                s.variants.push(Variant {
                    entry: ei as u32,
                    alias,
                    raw,
                    prepared,
                });
            }
        }
        for p in s.postings.values_mut() {
            p.dedup();
            p.shrink_to_fit();
        }
        s.entries = entries;
        progress.finish();
        s
    }

    /// The entries indexed.
    pub fn entries(&self) -> &[ListEntry] {
        &self.entries
    }

    /// The normaliser in use (with the list's vocabulary for segmenting Chinese).
    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    /// The decision thresholds in use.
    pub fn config(&self) -> &MatchConfig {
        &self.config
    }

    /// Changes the thresholds (the index stays).
    pub fn set_config(&mut self, config: MatchConfig) {
        self.config = config;
    }

    /// Size figures of the index.
    pub fn stats(&self) -> IndexStats {
        let postings: usize = self.postings.values().map(|p| p.len()).sum();
        let tok_bytes: usize = self
            .variants
            .iter()
            .map(|v| {
                v.raw.capacity()
                    + std::mem::size_of::<Variant>()
                    + v.prepared
                        .tokens
                        .iter()
                        .map(|t| {
                            t.text.capacity() + t.phon.capacity() + std::mem::size_of::<PTok>()
                        })
                        .sum::<usize>()
                    + v.prepared
                        .pairs
                        .iter()
                        .map(|p| p.capacity() + 24)
                        .sum::<usize>()
            })
            .sum();
        let entry_bytes: usize = self
            .entries
            .iter()
            .map(|e| {
                std::mem::size_of::<ListEntry>()
                    + e.name.len()
                    + e.source.len()
                    + e.list_id.len()
                    + e.aliases.iter().map(|a| a.len() + 24).sum::<usize>()
                    + e.addresses.iter().map(|a| a.len() + 24).sum::<usize>()
            })
            .sum();
        IndexStats {
            entries: self.entries.len(),
            variants: self.variants.len(),
            keys: self.postings.len(),
            postings,
            approx_bytes: postings * 4
                + self.postings.len() * (8 + 24 + 8)
                + tok_bytes
                + entry_bytes
                + self.df.len() * 48,
        }
    }

    fn weight(&self, token: &str) -> f32 {
        if let Some(&w) = self.weights.get(token) {
            return w;
        }
        self.compute_weight(token)
    }

    fn compute_weight(&self, token: &str) -> f32 {
        if self.normalizer.is_legal_word(token) || ORGANISATION_KIND_WORDS.contains(&token) {
            return LEGAL_WORD_WEIGHT;
        }
        match self.df.get(token) {
            Some(&d) => (self.n_variants / d as f32).ln().max(0.5),
            None => self.max_weight,
        }
    }

    /// A query prepared for scoring: [`Screener::prepare`], and whether it is a short word
    /// written in capitals (`MIPT`, `S.M.I.C.`): an acronym, which matches exactly or not at
    /// all (`MIPD` is another party than `MIPT`, one letter apart).
    fn prepare_query(&self, norm: &NormalizedName, raw: &str) -> Prepared {
        let mut q = self.prepare(norm);
        q.exact_only = q.tokens.len() == 1
            && q.tokens[0].text.len() <= SHORT_QUERY_LETTERS
            && raw.chars().any(|c| c.is_ascii_uppercase())
            && !raw.chars().any(|c| c.is_lowercase());
        q
    }

    fn prepare(&self, norm: &NormalizedName) -> Prepared {
        let tokens: Vec<PTok> = norm
            .tokens
            .iter()
            .map(|t| {
                let weight = if STOP.contains(&t.text.as_str()) {
                    0.2
                } else {
                    self.weight(&t.text)
                };
                PTok {
                    phon: if t.skeleton.is_empty() {
                        phonetic_key(&t.text)
                    } else {
                        t.skeleton.clone()
                    },
                    weight,
                    place: self.normalizer.is_place(&t.text),
                    known: self.normalizer.is_vocabulary_word(&t.text),
                    // Legal-form and organisation-kind words weigh `LEGAL_WORD_WEIGHT` (see
                    // `compute_weight`); particles (`of`) are not generic words.
                    generic: weight == LEGAL_WORD_WEIGHT
                        || self.normalizer.is_canonical_word(&t.text),
                    abbreviation: abbreviation_part(&self.normalizer, &t.text),
                    text: t.text.clone(),
                    script: t.script,
                }
            })
            .collect();
        let pairs = tokens
            .windows(2)
            .map(|w| format!("{}{}", w[0].text, w[1].text))
            .collect();
        Prepared {
            initials: vec![initials(&tokens)],
            tokens,
            pairs,
            legal: norm.legal_forms.clone(),
            exact_only: false,
            units: Vec::new(),
            pair_units: Vec::new(),
        }
    }

    /// Blocking keys of a name. Entries index: tokens, phonetic keys, 4-letter prefixes and
    /// suffixes of long tokens, joined adjacent pairs and initials. Queries look up the same
    /// kinds, plus their joined pairs as tokens and a single token as initials.
    fn keys(&self, p: &Prepared, query: bool) -> Vec<u64> {
        let mut keys = Vec::with_capacity(p.tokens.len() * 5 + 2);
        for t in &p.tokens {
            if STOP.contains(&t.text.as_str()) {
                continue;
            }
            keys.push(key_hash(b't', &t.text));
            if t.phon.len() >= 2 {
                keys.push(key_hash(b'p', &t.phon));
            }
            if (4..=10).contains(&t.text.len()) && t.text.is_ascii() {
                // One-deletion neighbourhood (SymSpell): two words within one edit share a key.
                let b = t.text.as_bytes();
                keys.push(key_hash(b'd', &t.text));
                let mut del = Vec::with_capacity(b.len());
                for i in 0..b.len() {
                    del.clear();
                    del.extend_from_slice(&b[..i]);
                    del.extend_from_slice(&b[i + 1..]);
                    // ASCII bytes with one removed: still UTF-8.
                    keys.push(key_hash(b'd', std::str::from_utf8(&del).unwrap_or("")));
                }
            }
            if t.phon.len() >= 5 && t.phon.is_ascii() {
                // The start of a long consonant key: `roselektronika` ~ `ruselectronics`.
                keys.push(key_hash(b'q', &t.phon[..4]));
            }
            if t.text.len() >= 6 {
                keys.push(key_hash(b'a', &t.text[..4]));
                keys.push(key_hash(b'z', &t.text[t.text.len() - 4..]));
            }
            if query {
                keys.push(key_hash(b'c', &t.text));
            }
        }
        for pair in &p.pairs {
            keys.push(key_hash(if query { b't' } else { b'c' }, pair));
        }
        // Abbreviations by initials (see `initials_of_words`): the initials of one to three
        // consecutive words are keys of kind `w` on the list side, looked up by a query's short
        // words, and the query's own are looked up among the list's short words.
        if p.tokens.len() >= 2 {
            let parts: Vec<&str> = p
                .tokens
                .iter()
                .filter(|t| !STOP.contains(&t.text.as_str()))
                .map(|t| t.abbreviation.as_str())
                .collect();
            for a in 0..parts.len() {
                let mut acc = String::new();
                for (b, part) in parts.iter().enumerate().skip(a).take(3) {
                    acc.push_str(part);
                    if acc.len() > 4 {
                        break;
                    }
                    if acc.len() >= 2 && (b > a || part.len() >= 2) {
                        keys.push(key_hash(if query { b't' } else { b'w' }, &acc));
                    }
                }
            }
        }
        if query {
            for t in &p.tokens {
                if (2..=4).contains(&t.text.len()) {
                    keys.push(key_hash(b'w', &t.text));
                }
            }
        }
        if query {
            if p.tokens.len() == 1 && (2..=8).contains(&p.tokens[0].text.len()) {
                keys.push(key_hash(b'i', &p.tokens[0].text));
            }
        } else {
            for a in &p.initials {
                keys.push(key_hash(b'i', a));
            }
        }
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// Screens one name (with an optional ISO country code as supporting evidence).
    pub fn screen(&self, name: &str, country: Option<&str>) -> NameResult {
        let country = country
            .map(crate::lists::country_code)
            .filter(|c| !c.is_empty());
        let mut hits: Vec<Hit> = Vec::new();
        // The transliterated reading, and the translated one when the name has generic words
        // of another script (see `Normalizer::translate`): the better hit per entry is kept.
        for norm in self.readings(name) {
            let q = self.prepare_query(&norm, name);
            if q.tokens.is_empty() {
                continue;
            }
            let candidates = self.candidates(&q);
            let qtext = norm.text();
            SCRATCH.with(|cell| {
                let mut scratch = cell.borrow_mut();
                let cache = &mut scratch.sims;
                cache.reset(&q, self.units.len());
                // Best variant per entry (scores only)...
                let mut best: Vec<(f32, u32, u32)> = Vec::with_capacity(candidates.len());
                for vi in candidates {
                    let v = &self.variants[vi as usize];
                    let entry = &self.entries[v.entry as usize];
                    let (score, _, _) = self.score(
                        &q,
                        &v.prepared,
                        country.as_deref(),
                        &entry.countries,
                        false,
                        Some(&mut *cache),
                    );
                    match best.iter_mut().find(|b| b.1 == v.entry) {
                        Some(b) if score > b.0 => *b = (score, v.entry, vi),
                        Some(_) => {}
                        None => best.push((score, v.entry, vi)),
                    }
                }
                best.retain(|b| b.0 >= self.config.review_threshold);
                best.sort_by(|a, b| {
                    b.0.total_cmp(&a.0).then_with(|| {
                        self.entries[a.1 as usize]
                            .list_id
                            .cmp(&self.entries[b.1 as usize].list_id)
                    })
                });
                best.truncate(self.config.max_hits);
                // ...then explanations for the hits kept.
                for (_, ei, vi) in best {
                    let v = &self.variants[vi as usize];
                    let e = &self.entries[ei as usize];
                    let (score, features, tokens) = self.score(
                        &q,
                        &v.prepared,
                        country.as_deref(),
                        &e.countries,
                        true,
                        Some(&mut *cache),
                    );
                    hits.push(Hit {
                        list_id: e.list_id.clone(),
                        name: e.name.clone(),
                        source: e.source.clone(),
                        score,
                        decision: self.decide(score),
                        explanation: Explanation {
                            matched_variant: v.raw.clone(),
                            variant_kind: if v.alias { "alias" } else { "name" }.into(),
                            query_normalized: qtext.clone(),
                            variant_normalized: v
                                .prepared
                                .tokens
                                .iter()
                                .map(|t| t.text.as_str())
                                .collect::<Vec<_>>()
                                .join(" "),
                            features,
                            tokens,
                        },
                    });
                }
            });
        }
        // One hit per entry (the better reading's), best first. Entries of different lists
        // that share an id stay apart (their source differs).
        let key = |h: &Hit| (h.list_id.clone(), h.source.clone(), h.name.clone());
        hits.sort_by(|a, b| {
            key(a)
                .cmp(&key(b))
                .then_with(|| b.score.total_cmp(&a.score))
        });
        hits.dedup_by(|later, kept| key(later) == key(kept));
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.list_id.cmp(&b.list_id))
        });
        hits.truncate(self.config.max_hits);
        let score = hits.first().map(|h| h.score).unwrap_or(0.0);
        NameResult {
            query: name.to_string(),
            decision: self.decide(score),
            score,
            matches: hits,
        }
    }

    /// The readings of a query: transliterated, and translated by the glossaries when it has
    /// generic words of another script (see `Normalizer::translate`). Callers keep the better
    /// hit per entry.
    fn readings(&self, name: &str) -> impl Iterator<Item = NormalizedName> {
        let first = self.normalizer.normalize(name);
        let translated = self.normalizer.translate(&first);
        std::iter::once(first).chain(translated)
    }

    /// Every candidate entry's best score for a query, below the thresholds too (for tuning
    /// thresholds and for evaluations): `(list_id, score)`.
    pub fn screen_all_scores(&self, name: &str, country: Option<&str>) -> Vec<(String, f32)> {
        let country = country.map(crate::lists::country_code);
        let mut best: FxMap<u32, f32> = FxMap::default();
        for norm in self.readings(name) {
            self.all_scores_into(&norm, name, country.as_deref(), &mut best);
        }
        best.into_iter()
            .map(|(e, s)| (self.entries[e as usize].list_id.clone(), s))
            .collect()
    }

    fn all_scores_into(
        &self,
        norm: &NormalizedName,
        raw: &str,
        country: Option<&str>,
        best: &mut FxMap<u32, f32>,
    ) {
        let q = self.prepare_query(norm, raw);
        if q.tokens.is_empty() {
            return;
        }
        let candidates = self.candidates(&q);
        SCRATCH.with(|cell| {
            let mut scratch = cell.borrow_mut();
            let cache = &mut scratch.sims;
            cache.reset(&q, self.units.len());
            for vi in candidates {
                let v = &self.variants[vi as usize];
                let (score, _, _) = self.score(
                    &q,
                    &v.prepared,
                    country,
                    &self.entries[v.entry as usize].countries,
                    false,
                    Some(&mut *cache),
                );
                let slot = best.entry(v.entry).or_insert(0.0);
                *slot = slot.max(score);
            }
        });
    }

    /// The best score of a query against every variant, without the index (for tests that
    /// check the blocking loses nothing).
    pub fn best_score_exhaustive(&self, name: &str, country: Option<&str>) -> f32 {
        self.readings(name)
            .map(|n| self.exhaustive_reading(&self.prepare_query(&n, name), country))
            .fold(0.0, f32::max)
    }

    fn exhaustive_reading(&self, q: &Prepared, country: Option<&str>) -> f32 {
        if q.tokens.is_empty() {
            return 0.0;
        }
        self.variants
            .iter()
            .map(|v| {
                self.score(
                    q,
                    &v.prepared,
                    country,
                    &self.entries[v.entry as usize].countries,
                    false,
                    None,
                )
                .0
            })
            .fold(0.0, f32::max)
    }

    /// Screens many names in parallel (rayon), in input order.
    pub fn screen_many(
        &self,
        queries: &[(String, Option<String>)],
        progress: &dyn Progress,
    ) -> Vec<NameResult> {
        progress.start("screening", Some(queries.len() as u64), "names");
        let out = queries
            .par_iter()
            .map(|(n, c)| {
                let r = self.screen(n, c.as_deref());
                progress.advance(1);
                r
            })
            .collect();
        progress.finish();
        out
    }

    /// Screens many names in parallel (rayon), a chunk at a time, handing each result to
    /// `sink` in input order: memory stays bounded by one chunk of results whatever the number
    /// of queries, and output can start before the last query is screened. Stops at the
    /// first error of `sink`.
    pub fn screen_streaming<E>(
        &self,
        queries: &[(String, Option<String>)],
        progress: &dyn Progress,
        mut sink: impl FnMut(usize, NameResult) -> Result<(), E>,
    ) -> Result<(), E> {
        const CHUNK: usize = 8192;
        progress.start("screening", Some(queries.len() as u64), "names");
        for (c, chunk) in queries.chunks(CHUNK).enumerate() {
            let results: Vec<NameResult> = chunk
                .par_iter()
                .map(|(n, c)| self.screen(n, c.as_deref()))
                .collect();
            progress.advance(chunk.len() as u64);
            for (i, r) in results.into_iter().enumerate() {
                sink(c * CHUNK + i, r)?;
            }
        }
        progress.finish();
        Ok(())
    }

    fn decide(&self, score: f32) -> Decision {
        if score >= self.config.match_threshold {
            Decision::Match
        } else if score >= self.config.review_threshold {
            Decision::Review
        } else {
            Decision::Clear
        }
    }

    /// Candidate variants: sum of the idf weights of shared keys, best `config.candidates`.
    fn candidates(&self, q: &Prepared) -> Vec<u32> {
        let keys = self.keys(q, true);
        let mut lists: Vec<&Vec<u32>> = keys.iter().filter_map(|k| self.postings.get(k)).collect();
        lists.sort_by_key(|l| l.len());
        // Very common keys (`technology`, `beijing`) are skipped once rarer ones were seen:
        // they would add thousands of candidates and no discrimination.
        let common = ((self.n_variants as usize) / 64).max(256);
        SCRATCH.with(|cell| {
            let mut s = cell.borrow_mut();
            let Scratch { acc, touched, .. } = &mut *s;
            if acc.len() < self.variants.len() {
                acc.resize(self.variants.len(), 0.0);
            }
            for (i, list) in lists.iter().enumerate() {
                if i >= 1 && list.len() > common {
                    break;
                }
                let w = (self.n_variants / list.len() as f32).ln().max(0.1);
                for &vi in list.iter().take(50_000) {
                    let slot = &mut acc[vi as usize];
                    if *slot == 0.0 {
                        touched.push(vi);
                    }
                    *slot += w;
                }
            }
            let mut scored: Vec<(f32, u32)> =
                touched.iter().map(|&vi| (acc[vi as usize], vi)).collect();
            for &vi in touched.iter() {
                acc[vi as usize] = 0.0;
            }
            touched.clear();
            let k = self.config.candidates;
            if scored.len() > k {
                scored.select_nth_unstable_by(k - 1, |a, b| b.0.total_cmp(&a.0));
                scored.truncate(k);
            }
            scored.into_iter().map(|(_, vi)| vi).collect()
        })
    }

    /// Scores a query against one prepared variant: (score, features, token matches).
    fn score(
        &self,
        q: &Prepared,
        e: &Prepared,
        country: Option<&str>,
        entry_countries: &[String],
        explain: bool,
        cache: Option<&mut SimCache>,
    ) -> (f32, Features, Vec<TokenMatch>) {
        let (q_best, q_to, e_best) = match cache {
            Some(c) => {
                let units = &self.units;
                let unit = |s: Side| match s {
                    Side::Tok(i) => e.units[i],
                    Side::Pair(i) => e.pair_units[i],
                };
                let (qb, qt) = best_per_token(q, e, explain, &mut |x, y| c.get(units, unit(y), x));
                let (eb, _) = best_per_token(e, q, false, &mut |x, y| c.get(units, unit(x), y));
                (qb, qt, eb)
            }
            None => {
                let (qb, qt) = best_per_token(q, e, explain, &mut |x, y| side_sim(q, x, e, y));
                let (eb, _) = best_per_token(e, q, false, &mut |x, y| side_sim(e, x, q, y));
                (qb, qt, eb)
            }
        };
        let (mut q_best, mut e_best) = (q_best, e_best);
        if q.exact_only {
            for b in q_best.iter_mut().chain(e_best.iter_mut()) {
                if *b < 1.0 {
                    *b = 0.0;
                }
            }
        }
        if !q.exact_only {
            // Initials of consecutive words on the other side (`SZ DJI` ~ `Shenzhen Dajiang
            // Innovation`, `CETC` inside a longer name).
            initials_of_words(&q.tokens, &mut q_best, &e.tokens, &mut e_best);
            initials_of_words(&e.tokens, &mut e_best, &q.tokens, &mut q_best);
        }
        // A place left out on one side only (`云从科技` against `Guangzhou Yuncong Information
        // Technology`: Chinese names often drop the city) weighs a quarter; a place against
        // another place (`... Center Jinan` / `... Center Wuxi`) keeps its full weight.
        let unmatched_place =
            |toks: &[PTok], best: &[f32]| toks.iter().zip(best).any(|(t, b)| t.place && *b <= 0.0);
        let (q_place, e_place) = (
            unmatched_place(&q.tokens, &q_best),
            unmatched_place(&e.tokens, &e_best),
        );
        // Generic words on one side only (`云从科技集团` against `Guangzhou Yuncong Information
        // Technology`: Chinese names add or drop `集团`, `信息`) weigh half when every
        // distinctive word of both names is accounted for and one matched exactly: never when a
        // distinctive word is left over (a look-alike replaces a name's distinctive word).
        let distinctive = |t: &PTok| !t.generic && !t.place;
        let all_distinctive_matched = |toks: &[PTok], best: &[f32]| {
            toks.iter()
                .zip(best)
                .all(|(t, b)| !distinctive(t) || *b > 0.0)
        };
        let generic_omissions = all_distinctive_matched(&q.tokens, &q_best)
            && all_distinctive_matched(&e.tokens, &e_best)
            && q.tokens
                .iter()
                .zip(&q_best)
                .any(|(t, b)| distinctive(t) && *b >= 1.0);
        let cover = |toks: &[PTok], best: &[f32], other_place: bool| {
            let weight = |t: &PTok, b: f32| {
                if t.place && b <= 0.0 && !other_place {
                    t.weight * OMITTED_PLACE_FACTOR
                } else if t.generic && b <= 0.0 && generic_omissions {
                    t.weight * OMITTED_GENERIC_FACTOR
                } else {
                    t.weight
                }
            };
            let total: f32 = toks.iter().zip(best).map(|(t, b)| weight(t, *b)).sum();
            if total <= 0.0 {
                return 0.0;
            }
            toks.iter()
                .zip(best)
                .map(|(t, b)| weight(t, *b) * credit(*b))
                .sum::<f32>()
                / total
        };
        let qc = cover(&q.tokens, &q_best, e_place);
        let ec = cover(&e.tokens, &e_best, q_place);
        // Only reported in explanations: not computed for the candidates' scores.
        let phonetic = if !explain {
            0.0
        } else {
            let n = q.tokens.len().max(1) as f32;
            q.tokens
                .iter()
                .filter(|t| !t.phon.is_empty() && e.tokens.iter().any(|u| u.phon == t.phon))
                .count() as f32
                / n
        };
        // A distinctive word unmatched on BOTH sides is a substitution (`Lenovo` for `Huawei`):
        // evidence of a different party. One-sided extra words are not penalised (partial
        // names, dropped generic words).
        let unmatched = |toks: &[PTok], best: &[f32]| {
            toks.iter()
                .zip(best)
                .filter(|(_, b)| **b <= 0.0)
                .map(|(t, _)| t.weight / self.max_weight)
                .fold(0.0f32, f32::max)
        };
        let substitution = unmatched(&q.tokens, &q_best).min(unmatched(&e.tokens, &e_best));
        let mut name = 0.5 * qc + 0.5 * ec - SUBSTITUTION_PENALTY * substitution;
        let acronym = q.tokens.len() == 1
            && q.tokens[0].text.len() >= 2
            && e.initials.contains(&q.tokens[0].text);
        if acronym {
            name = name.max(0.78);
        }
        let legal_form = match (q.legal.first(), e.legal.first()) {
            (Some(a), Some(b)) => {
                if a == b || q.legal.iter().any(|x| e.legal.contains(x)) {
                    0.02
                } else if *a == LegalClass::Company || *b == LegalClass::Company {
                    0.0
                } else {
                    -0.03
                }
            }
            _ => 0.0,
        };
        let country_adj = match country {
            Some(c) if !entry_countries.is_empty() => {
                if entry_countries.iter().any(|x| x == c) {
                    0.03
                } else {
                    -0.05
                }
            }
            _ => 0.0,
        };
        let score = (name + legal_form + country_adj).clamp(0.0, 1.0);
        let tokens = if explain {
            q.tokens
                .iter()
                .zip(&q_best)
                .zip(&q_to)
                .map(|((t, &s), to)| TokenMatch {
                    query: t.text.clone(),
                    listed: to.clone(),
                    similarity: s,
                })
                .collect()
        } else {
            Vec::new()
        };
        (
            score,
            Features {
                query_coverage: qc,
                entry_coverage: ec,
                phonetic,
                acronym,
                legal_form,
                country: country_adj,
            },
            tokens,
        )
    }
}

/// For each token of `a`, its best similarity among `b`'s tokens and joined pairs (and of
/// `a`'s joined pairs against `b`'s tokens), with the `b` text it matched. `sim(a side, b side)`
/// gives the similarity of two units (computed, or read from the per-query cache).
fn best_per_token(
    a: &Prepared,
    b: &Prepared,
    explain: bool,
    sim: &mut dyn FnMut(Side, Side) -> f32,
) -> (Vec<f32>, Vec<String>) {
    let mut best = vec![0.0f32; a.tokens.len()];
    // The matched text is kept only for explanations (allocation in the hot loop otherwise).
    let mut to = vec![String::new(); if explain { a.tokens.len() } else { 0 }];
    let note = |to: &mut Vec<String>, i: usize, s: &str| {
        if explain {
            to[i] = s.to_string();
        }
    };
    // One-to-one for exact words: a word of `b` that a word of `a` matches exactly is taken,
    // and no other word of `a` matches it approximately (`Igor Ivanovich Ivanov` against `Igor
    // Ivanovich Sechin`: `ivanov` may not lean on the `ivanovich` already matched).
    let mut taken = [false; 64];
    let mut exact = [false; 64];
    if a.tokens.len() <= 64 && b.tokens.len() <= 64 {
        for (i, t) in a.tokens.iter().enumerate() {
            if let Some(j) = b
                .tokens
                .iter()
                .enumerate()
                .position(|(j, u)| !taken[j] && u.text == t.text)
            {
                taken[j] = true;
                exact[i] = true;
            }
        }
    }
    for (i, t) in a.tokens.iter().enumerate() {
        for (j, u) in b.tokens.iter().enumerate() {
            if taken.get(j).copied().unwrap_or(false) && !exact.get(i).copied().unwrap_or(false) {
                continue;
            }
            if !may_match_approximately(t, u) {
                continue;
            }
            let s = sim(Side::Tok(i), Side::Tok(j));
            if s > best[i] {
                best[i] = s;
                note(&mut to, i, &u.text);
                if s >= 1.0 {
                    break;
                }
            }
        }
        if best[i] < 0.95 && t.text.len() >= 4 {
            for (j, pair) in b.pairs.iter().enumerate() {
                let used = |k: usize| taken.get(k).copied().unwrap_or(false);
                if !exact.get(i).copied().unwrap_or(false) && (used(j) || used(j + 1)) {
                    continue;
                }
                let s = sim(Side::Tok(i), Side::Pair(j));
                // A place matches two joined words only exactly (`shen zhen`).
                let s = if t.place && s < 1.0 { 0.0 } else { s };
                if s > best[i] {
                    best[i] = s;
                    note(&mut to, i, pair);
                }
            }
        }
    }
    // a's joined pairs against b's tokens (`hua wei` vs `huawei`).
    for i in 0..a.pairs.len() {
        if best[i] >= 0.95 && best[i + 1] >= 0.95 {
            continue;
        }
        for (j, u) in b.tokens.iter().enumerate() {
            if u.text.len() < 4 || u.place {
                continue;
            }
            let s = sim(Side::Pair(i), Side::Tok(j));
            if s > best[i] && s > best[i + 1] {
                best[i] = best[i].max(s);
                best[i + 1] = best[i + 1].max(s);
                note(&mut to, i, &u.text);
                note(&mut to, i + 1, &u.text);
            }
        }
    }
    (best, to)
}

/// How much a place left out on one side only weighs (see [`Screener::score`]).
const OMITTED_PLACE_FACTOR: f32 = 0.25;

/// How much a generic word on one side only weighs when every distinctive word is matched
/// (see [`Screener::score`]).
const OMITTED_GENERIC_FACTOR: f32 = 0.5;

/// Similarity credited to a short word that is the initials of consecutive words.
const INITIALS_SIMILARITY: f32 = 0.9;

/// What a word contributes to an abbreviation: the initials of its pinyin syllables
/// (`shenzhen` -> `sz`), else (and for the tables' English words) its first letter.
fn abbreviation_part(n: &Normalizer, word: &str) -> String {
    let first = || word.chars().next().map(String::from).unwrap_or_default();
    if n.is_canonical_word(word) {
        return first();
    }
    crate::normalize::pinyin_initials(word).unwrap_or_else(first)
}

/// Each unmatched word of 2–4 letters of `short` that equals the initials of one to four
/// consecutive words of `long` (particles skipped; a single word only through its pinyin
/// syllables) is matched to them with [`INITIALS_SIMILARITY`]: Chinese names are abbreviated
/// by the initials of their syllables, organisations by their words' initials.
fn initials_of_words(short: &[PTok], short_best: &mut [f32], long: &[PTok], long_best: &mut [f32]) {
    for (u, t) in short.iter().enumerate() {
        let len = t.text.len();
        if short_best[u] > 0.0
            || !(2..=4).contains(&len)
            || STOP.contains(&t.text.as_str())
            || !t.text.bytes().all(|b| b.is_ascii_lowercase())
        {
            continue;
        }
        let parts: Vec<(usize, &str)> = long
            .iter()
            .enumerate()
            .filter(|(_, w)| !STOP.contains(&w.text.as_str()))
            .map(|(i, w)| (i, w.abbreviation.as_str()))
            .collect();
        'start: for a in 0..parts.len() {
            let mut acc = String::new();
            for b in a..parts.len().min(a + 4) {
                acc.push_str(parts[b].1);
                if acc.len() > len {
                    break;
                }
                if acc == t.text && (b > a || parts[a].1.len() >= 2) {
                    short_best[u] = INITIALS_SIMILARITY;
                    for (i, _) in &parts[a..=b] {
                        long_best[*i] = long_best[*i].max(INITIALS_SIMILARITY);
                    }
                    break 'start;
                }
            }
        }
    }
}

/// The similarity of two sides of two prepared names, computed.
fn side_sim(a: &Prepared, x: Side, b: &Prepared, y: Side) -> f32 {
    fn part(p: &Prepared, s: Side) -> (&str, &str, Script) {
        match s {
            Side::Tok(i) => (&p.tokens[i].text, &p.tokens[i].phon, p.tokens[i].script),
            Side::Pair(i) => (&p.pairs[i], "", Script::Latin),
        }
    }
    let (at, ap, asc) = part(a, x);
    let (bt, bp, bsc) = part(b, y);
    token_sim_text(at, ap, asc, bt, bp, bsc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chokepoint_core::NoProgress;

    fn entry(id: &str, name: &str, aliases: &[&str], country: &str) -> ListEntry {
        ListEntry {
            list_id: id.into(),
            name: name.into(),
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
            kind: "entity".into(),
            source: "test".into(),
            countries: vec![country.into()],
            addresses: vec![],
            programs: vec![],
        }
    }

    /// A screener over these entries with the default configuration.
    fn screener_of(entries: Vec<ListEntry>) -> Screener {
        Screener::build(entries, MatchConfig::default(), &NoProgress)
    }

    fn screener() -> Screener {
        screener_of(vec![
            entry("1", "Huawei Technologies Co., Ltd.", &["Huawei"], "CN"),
            entry(
                "2",
                "Joint Stock Company Rosoboronexport",
                &["Rosoboronexport"],
                "RU",
            ),
            entry(
                "3",
                "Beijing Zhipu Huazhang Technology Co., Ltd.",
                &["Zhipu AI"],
                "CN",
            ),
            entry("4", "Mahan Air", &["Mahan Airlines"], "IR"),
            entry("5", "National University of Defense Technology", &[], "CN"),
            entry("6", "Beijing Lenovo Software Ltd.", &[], "CN"),
            entry("7", "Bank Sepah", &[], "IR"),
            entry(
                "8",
                "Joint Stock Company Research and Production Corporation Uralvagonzavod",
                &[],
                "RU",
            ),
        ])
    }

    #[test]
    fn odd_names_never_panic_and_score_in_range() {
        // Characters the pipeline treats specially, mixed at random: numerals and 第 (Chinese
        // ordinals), Hangul, Arabic with marks, Cyrillic, digits, ordinal suffixes, legal forms,
        // punctuation, a combining mark, an emoji.
        const PIECES: &[&str] = &[
            "第",
            "三",
            "十",
            "八",
            "百",
            "零",
            "二",
            "一",
            "研究所",
            "di",
            "san",
            "shi",
            "ba",
            "리",
            "병",
            "철",
            "조선",
            "은행",
            "محمد",
            "ال",
            "ّ",
            "ООО",
            "«",
            "»",
            "No.",
            "no",
            "0",
            "000",
            "38",
            "th",
            "nd",
            "Co.,",
            "Ltd",
            "有限公司",
            " ",
            "-",
            "'",
            "&",
            "\u{301}",
            "🚀",
            "x",
            "Sheng",
            "Xin",
            "Jiang",
            "市",
            "省",
            "Second",
            "sceond",
        ];
        let s = screener();
        let mut rng = crate::eval::SplitMix::new(7);
        for _ in 0..3000 {
            let n = rng.below(14);
            let name: String = (0..n)
                .map(|_| *rng.pick(PIECES))
                .collect::<Vec<_>>()
                .join(if rng.below(2) == 0 { "" } else { " " });
            let r = s.screen(&name, None);
            assert!((0.0..=1.0).contains(&r.score), "{name:?}: {}", r.score);
        }
    }

    #[test]
    fn a_letter_added_early_in_a_long_word_is_a_typo() {
        let sim = |a, b| token_sim_text(a, "", Script::Latin, b, "", Script::Latin);
        assert!(sim("nokvikombank", "novikombank") >= 0.9);
        assert_eq!(edit_distance_osa("kasperksy", "kaspersky"), 1);
        // Three edits are not a typo: Jaro-Winkler alone.
        assert_eq!(edit_distance_osa("sovcombank", "novikombank"), 3);
        assert!(sim("sovcombank", "novikombank") < 0.85);
    }

    #[test]
    fn a_pinyin_name_with_another_syllable_is_another_name() {
        // A syllable for another: two names.
        for (a, b) in [
            ("dahai", "dahua"),
            ("haiwei", "huawei"),
            ("changkai", "changxin"),
            ("haiyun", "haiguang"),
            ("zhichang", "zhipuhuazhang"),
        ] {
            assert!(other_pinyin_name(a, b), "{a} / {b}");
            assert_eq!(
                token_sim_text(a, "", Script::Latin, b, "", Script::Latin),
                0.0,
                "{a} / {b}"
            );
        }
        // A letter or two of a syllable, a letter dropped or added: typos.
        for (a, b) in [
            ("huawai", "huawei"),
            ("changxi", "changxin"),
            ("mleiling", "meiling"),
            ("tianin", "tianjin"),
            ("kaspersky", "kasperksy"),
        ] {
            assert!(!other_pinyin_name(a, b), "{a} / {b}");
        }
    }

    #[test]
    fn jaro_winkler_agrees_with_strsim() {
        for (a, b) in [
            ("martha", "marhta"),
            ("huawei", "huawie"),
            ("dixon", "dicksonx"),
            ("abc", "xyz"),
        ] {
            let ours = jaro_winkler(a, b);
            let theirs = strsim::jaro_winkler(a, b) as f32;
            assert!((ours - theirs).abs() < 1e-5, "{a} {b}: {ours} vs {theirs}");
        }
    }

    #[test]
    fn variants_across_scripts_match() {
        let s = screener();
        for q in [
            "HUAWEI TECHNOLOGIES LIMITED",
            "Technologies Huawei Co",
            "华为技术有限公司",
            "Huawie Technologies",
            "Hua Wei Technologies",
            "АО «Рособоронэкспорт»",
            "北京智谱华章科技有限公司",
            "ماهان ایر",
        ] {
            let r = s.screen(q, None);
            assert_ne!(r.decision, Decision::Clear, "{q}: {r:?}");
        }
        let r = s.screen("Rosoboroneksport", Some("RU"));
        assert_eq!(r.matches[0].list_id, "2");
        assert_eq!(r.decision, Decision::Match);
        assert!(r.matches[0].explanation.features.country > 0.0);
    }

    #[test]
    fn look_alikes_clear() {
        let s = screener();
        for q in [
            "Lenovo Technologies Co., Ltd.",
            "Beijing Xiaomi Technology Co., Ltd.",
            "Mahindra Airways",
            "National University of Singapore",
        ] {
            let r = s.screen(q, None);
            assert_eq!(r.decision, Decision::Clear, "{q}: {r:?}");
        }
    }

    #[test]
    fn persian_skeleton_russian_stems_and_one_edit_typos() {
        let s = screener();
        // پ + ه are two consonants (p, h), not the Latin digraph `ph`.
        let r = s.screen("بانک سپه", None);
        assert_eq!(
            r.matches.first().map(|h| h.list_id.as_str()),
            Some("7"),
            "{r:?}"
        );
        // Inflected Russian generic words map to their English canonical words.
        let r = s.screen(
            "АО «Научно-производственная корпорация Уралвагонзавод»",
            None,
        );
        assert_eq!(r.decision, Decision::Match, "{r:?}");
        // A one-letter deletion in a short word is found through the deletion keys.
        let r = s.screen("Bank Seah", None);
        assert_eq!(
            r.matches.first().map(|h| h.list_id.as_str()),
            Some("7"),
            "{r:?}"
        );
    }

    #[test]
    fn phonetic_lift_needs_the_same_start() {
        // Same consonant key, different start: different surnames.
        assert_ne!(lead("usmanov"), lead("semenov"));
        assert_eq!(lead("yevgeniy"), lead("evgeny"));
        assert_eq!(lead("prigozhin"), lead("prigojin"));
        let a = ("usmanov", phonetic_key("usmanov"));
        let b = ("semenov", phonetic_key("semenov"));
        assert_eq!(a.1, b.1);
        assert!(token_sim_text(a.0, &a.1, Script::Latin, b.0, &b.1, Script::Latin) < 0.84);
    }

    #[test]
    fn same_id_in_two_lists_is_not_merged() {
        let mut a = entry("1", "Mahan Air", &[], "IR");
        a.source = "list a".into();
        let mut b = entry("1", "Mahan Air", &[], "IR");
        b.source = "list b".into();
        let s = screener_of(vec![a, b]);
        // The translated reading (هواپیمایی -> air) runs too: still one hit per entry.
        let r = s.screen("هواپیمایی ماهان", None);
        let mut sources: Vec<&str> = r.matches.iter().map(|h| h.source.as_str()).collect();
        sources.sort();
        assert_eq!(sources, ["list a", "list b"], "{r:?}");
    }

    #[test]
    fn streaming_keeps_input_order() {
        let s = screener();
        let qs: Vec<(String, Option<String>)> = (0..20_000)
            .map(|i| {
                let n = if i % 3 == 0 { "Huawei" } else { "Mahan Air" };
                (n.to_string(), None)
            })
            .collect();
        let mut seen = 0usize;
        s.screen_streaming(&qs, &NoProgress, |i, r| {
            assert_eq!(i, seen);
            let want = if i % 3 == 0 { "1" } else { "4" };
            assert_eq!(r.matches[0].list_id, want);
            seen += 1;
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(seen, qs.len());
    }

    #[test]
    fn acronym_is_review_not_match() {
        let s = screener();
        let r = s.screen("NUDT", None);
        assert_eq!(r.decision, Decision::Review, "{r:?}");
        assert!(r.matches[0].explanation.features.acronym);
    }

    #[test]
    fn acronyms_follow_the_usual_conventions() {
        let n = Normalizer::new();
        let has = |raw: &str, a: &str| {
            let norm = n.normalize(raw);
            let toks: Vec<PTok> = norm
                .tokens
                .iter()
                .map(|t| PTok {
                    text: t.text.clone(),
                    phon: String::new(),
                    script: t.script,
                    weight: 1.0,
                    place: false,
                    known: false,
                    generic: false,
                    abbreviation: String::new(),
                })
                .collect();
            acronyms(&initials(&toks), raw, &n).contains(&a.to_string())
        };
        // With the initial of a trailing legal form...
        assert!(has(
            "Semiconductor Manufacturing International Corporation",
            "smic"
        ));
        assert!(has("Yangtze Memory Technologies Co., Ltd.", "ymtc"));
        // ...all of them, function words kept, leading legal forms never.
        assert!(has("Petroleos de Venezuela, S.A.", "pdvsa"));
        assert!(has("Joint Stock Commercial Bank Novikombank", "cbn"));
        assert!(!has("Joint Stock Commercial Bank Novikombank", "jscbn"));
        // Words as written, not canonical (`Telecommunication`, not `communication`).
        assert!(has(
            "Zhongxing Telecommunication Equipment Corporation",
            "zte"
        ));
        // Parenthesised words left out.
        assert!(has(
            "Semiconductor Manufacturing International (Beijing) Corporation",
            "smic"
        ));
    }

    #[test]
    fn acronym_queries_match_exactly_or_not_at_all() {
        let s = screener_of(vec![
            entry(
                "1",
                "Semiconductor Manufacturing International Corporation",
                &[],
                "CN",
            ),
            entry(
                "2",
                "Moscow Institute of Physics and Technology",
                &["MIPT"],
                "RU",
            ),
            entry(
                "3",
                "Sugon Information Industry Co., Ltd.",
                &["Sugon"],
                "CN",
            ),
        ]);
        let r = s.screen("SMIC", None);
        assert_eq!(r.decision, Decision::Review, "{r:?}");
        assert!(r.matches[0].explanation.features.acronym);
        // One letter off an acronym is another acronym.
        assert_eq!(s.screen("MIPD", None).decision, Decision::Clear);
        assert_eq!(s.screen("SMIX", None).decision, Decision::Clear);
        // A short name written in lower case may still carry a typo.
        assert_ne!(s.screen("Sugno", None).decision, Decision::Clear);
    }

    #[test]
    fn an_exactly_matched_word_is_not_reused_by_a_near_one() {
        let s = screener_of(vec![entry("1", "Igor Ivanovich Sechin", &[], "RU")]);
        // `ivanov` may not lean on `ivanovich` (taken by the query's own `ivanovich`), nor on
        // `ivanovich sechin` joined.
        let r = s.screen("Igor Ivanovich Ivanov", None);
        assert_eq!(r.decision, Decision::Clear, "{r:?}");
        assert_ne!(
            s.screen("Igor Ivanovich Sechin", None).decision,
            Decision::Clear
        );
    }

    #[test]
    fn abbreviations_by_initials_of_words_and_syllables() {
        let s = screener_of(vec![
            entry("1", "SZ DJI Technology Co., Ltd.", &[], "CN"),
            entry("2", "CETC 38th Research Institute", &[], "CN"),
        ]);
        // `SZ` = Shen Zhen, `DJI` = Da Jiang + Innovation (创新, translated).
        let r = s.screen("深圳市大疆创新科技有限公司", None);
        assert_eq!(
            r.matches.first().map(|h| h.list_id.as_str()),
            Some("1"),
            "{r:?}"
        );
        // `CETC` inside a longer name: the initials of the query's words.
        let r = s.screen(
            "China Electronics Technology Corporation 38th Research Institute",
            None,
        );
        assert_eq!(
            r.matches.first().map(|h| h.list_id.as_str()),
            Some("2"),
            "{r:?}"
        );
        // The other way round: a list name in pinyin, a query abbreviated.
        let s2 = screener_of(vec![entry(
            "1",
            "Shenzhen Dajiang Innovation Technology",
            &[],
            "CN",
        )]);
        let r = s2.screen("SZ DJI Technology", None);
        assert_eq!(
            r.matches.first().map(|h| h.list_id.as_str()),
            Some("1"),
            "{r:?}"
        );
        // Initials of other words do not match.
        assert_eq!(
            s.screen("Shanghai Zhongxing Dingli Jituan Innovation", None)
                .decision,
            Decision::Clear
        );
    }

    #[test]
    fn a_city_left_out_costs_less_than_another_word() {
        let s = screener_of(vec![
            entry("a", "Guangzhou Yuncong Technology", &[], "CN"),
            entry("b", "Mingyuan Yuncong Technology", &[], "CN"),
        ]);
        let all = s.screen_all_scores("Yuncong Technology", None);
        let score = |id: &str| all.iter().find(|(l, _)| l == id).map_or(0.0, |x| x.1);
        assert!(score("a") > score("b") + 0.05, "{all:?}");
        // A different city is no omission: both cities weigh fully.
        let other_city = s.screen_all_scores("Shenzhen Yuncong Technology", None);
        let a = other_city
            .iter()
            .find(|(l, _)| l == "a")
            .map_or(0.0, |x| x.1);
        assert!(a < score("a"), "{other_city:?}");
    }

    #[test]
    fn a_place_matches_a_known_word_only_exactly() {
        let s = screener_of(vec![
            entry("1", "ChangXin Memory Technologies, Inc.", &[], "CN"),
            entry("2", "Shenzhen Dajiang Innovation Technology", &[], "CN"),
        ]);
        // `changjiang` (the Yangtze, a place) is not the listed word `changxin`.
        let r = s.screen("Changjiang Memory Technologies", None);
        assert_eq!(r.decision, Decision::Clear, "{r:?}");
        // A misspelt place (unknown word) still matches the place.
        let r = s.screen("Shenzen Dajiang Innovation Technology", None);
        assert_ne!(r.decision, Decision::Clear, "{r:?}");
    }

    #[test]
    fn generic_words_on_one_side_weigh_half_when_every_distinctive_word_matched() {
        let s = screener_of(vec![
            entry(
                "1",
                "CloudWalk Technology Co., Ltd.",
                &["Guangzhou Yuncong Information Technology Co., Ltd."],
                "CN",
            ),
            entry("2", "Yixin Science and Technology Co., Ltd.", &[], "CN"),
            entry("3", "Huawei Technologies Co., Ltd.", &[], "CN"),
            // Generic words are frequent in a real list.
            entry(
                "4",
                "Tianjin Phytium Information Technology Co., Ltd.",
                &[],
                "CN",
            ),
            entry("5", "Hygon Information Technology Co., Ltd.", &[], "CN"),
            entry("6", "Xiamen Meiya Pico Information Co., Ltd.", &[], "CN"),
            entry("7", "Inspur Group Co., Ltd.", &[], "CN"),
            entry("8", "Sugon Information Industry Group", &[], "CN"),
        ]);
        // 云从科技集团: the alias without its city and `Information`, with `Group`.
        let r = s.screen("云从科技集团股份有限公司", None);
        assert_eq!(r.matches.first().map(|h| h.list_id.as_str()), Some("1"));
        assert_ne!(r.decision, Decision::Clear, "{r:?}");
        // A distinctive word matched only approximately gets no such allowance.
        let r = s.screen("Yixing Memory Technologies Inc.", None);
        assert_eq!(r.decision, Decision::Clear, "{r:?}");
        // Nor does a name whose distinctive word is replaced.
        let r = s.screen("Lenovo Information Technology Group", None);
        assert_eq!(r.decision, Decision::Clear, "{r:?}");
    }

    #[test]
    fn translated_chinese_words_reach_the_english_name() {
        let s = screener_of(vec![
            entry(
                "1",
                "Yangtze Memory Technologies Co., Ltd.",
                &["YMTC"],
                "CN",
            ),
            entry("2", "ChangXin Memory Technologies, Inc.", &[], "CN"),
        ]);
        for q in [
            "长江存储科技有限责任公司",
            "Chang Jiang Cun Chu Ke Ji You Xian Ze Ren Gong Si",
        ] {
            let r = s.screen(q, None);
            assert_eq!(
                r.matches.first().map(|h| h.list_id.as_str()),
                Some("1"),
                "{q}"
            );
            assert_eq!(r.decision, Decision::Match, "{q}");
        }
    }

    #[test]
    fn empty_query_is_clear_with_no_hits() {
        let s = screener();
        let r = s.screen("  ,.- ", None);
        assert_eq!(r.decision, Decision::Clear);
        assert!(r.matches.is_empty());
    }
}
