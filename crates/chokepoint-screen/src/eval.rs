//! Evaluation of the matcher: a labelled query set generated from real listed names, and the
//! figures (recall, false-positive rate) computed on it.
//!
//! Listed queries are variants of a published name: aliases, other scripts, other
//! romanisations, word order, legal forms, typos, abbreviations, spacing, case and diacritics.
//! Unlisted queries are look-alikes: the listed name with its distinctive word replaced by
//! another real brand or a coined word of the same language, the same first names with another
//! surname, and real unlisted organisations that share generic words with listed ones.
//!
//! Every entity falls in one of two halves by a hash of its id: thresholds are tuned on the
//! `tune` half and reported on the `holdout` half.

use crate::lists::ListEntry;
use crate::matcher::{Decision, NameResult, Screener};
use serde::Serialize;

/// A query with its truth.
#[derive(Debug, Clone, Serialize)]
pub struct LabelledQuery {
    pub id: String,
    pub name: String,
    pub country: Option<String>,
    /// The listed entry it refers to, `None` for an unlisted look-alike.
    pub expected: Option<String>,
    /// How it was made (`alias`, `native`, `typo`, ... or `lookalike-*`).
    pub kind: String,
    /// 0 = tune half, 1 = holdout half.
    pub half: u8,
}

/// A small deterministic generator (SplitMix64): the set must be the same on every machine.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

fn half_of(id: &str) -> u8 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h >> 17) as u8 & 1
}

const LEGAL_WORDS: &[&str] = &[
    "co",
    "ltd",
    "limited",
    "llc",
    "inc",
    "corp",
    "corporation",
    "company",
    "jsc",
    "pjsc",
    "ojsc",
    "ao",
    "oao",
    "pao",
    "ooo",
    "gmbh",
    "sa",
    "ag",
    "plc",
    "joint",
    "stock",
    "public",
    "open",
];
const LEGAL_SUFFIXES: &[&str] = &[
    "LLC",
    "Limited",
    "Co., Ltd.",
    "Ltd",
    "JSC",
    "Inc.",
    "Corp.",
    "GmbH",
    "Company Limited",
    "OOO",
];

const ABBREVIATIONS: &[(&str, &str)] = &[
    ("Technology", "Tech."),
    ("Technologies", "Tech"),
    ("International", "Intl"),
    ("Corporation", "Corp."),
    ("Company", "Co."),
    ("University", "Univ."),
    ("Institute", "Inst."),
    ("Industry", "Ind."),
    ("Industries", "Inds"),
    ("Information", "Info"),
    ("Electronics", "Elec."),
    ("Limited", "Ltd"),
    ("Science", "Sci."),
    ("Engineering", "Eng."),
    ("Manufacturing", "Mfg"),
    ("Group", "Grp"),
    ("Holdings", "Hldgs"),
    ("National", "Natl"),
];

/// Real companies and institutions that are not on the lists this set is built from (brands
/// and organisations of the same countries), used as look-alike distinctive words and names.
const UNLISTED_BRANDS: &[&str] = &[
    "Lenovo",
    "Xiaomi",
    "Tencent",
    "Alibaba",
    "Baidu",
    "Meituan",
    "Haier",
    "Midea",
    "Gree",
    "Anta",
    "Geely",
    "Chery",
    "Oppo",
    "Vivo",
    "Transsion",
    "Luxshare",
    "Goertek",
    "Sunny",
    "Hisense",
    "Konka",
    "Skyworth",
    "Yandex",
    "Ozon",
    "Wildberries",
    "Severstal",
    "Magnit",
    "Aeroflot",
    "Avito",
    "Kaspi",
    "Digikala",
    "Snapp",
    "Cafebazaar",
    "Toyota",
    "Siemens",
    "Philips",
    "Bosch",
    "Nokia",
    "Ericsson",
    "Samsung",
    "Hyundai",
    "Infosys",
    "Wipro",
    "Tata",
    "Petronas",
    "Maybank",
    "Grab",
    "Shopee",
    "Lazada",
    "Tokopedia",
    "Gojek",
    "Traveloka",
    "Airbus",
    "Embraer",
    "Emirates",
    "Etihad",
    "Qatar",
    "Turkcell",
    "Arcelik",
    "Vestel",
];

const UNLISTED_ORGS: &[&str] = &[
    "Tsinghua University",
    "Peking University",
    "Zhejiang University",
    "Fudan University",
    "Shanghai Jiao Tong University",
    "Wuhan University",
    "Sun Yat-sen University",
    "Lenovo Group Limited",
    "Xiaomi Corporation",
    "Alibaba Group Holding Limited",
    "Tencent Holdings Limited",
    "BYD Company Limited",
    "Baidu, Inc.",
    "Haier Group Corporation",
    "Midea Group Co., Ltd.",
    "Contemporary Amperex Technology Co., Limited",
    "Bank of China Limited",
    "Industrial and Commercial Bank of China",
    "China Construction Bank Corporation",
    "Agricultural Bank of China",
    "Yandex LLC",
    "Magnit PJSC",
    "Aeroflot Russian Airlines",
    "Severstal PAO",
    "Samsung Electronics Co., Ltd.",
    "SK Hynix Inc.",
    "Taiwan Semiconductor Manufacturing Company Limited",
    "United Microelectronics Corporation",
    "Tokyo Electron Limited",
    "Siemens AG",
    "Emirates Airline",
    "Qatar Airways",
    "Turkish Airlines",
    "Malaysia Airlines Berhad",
    "National University of Singapore",
    "Nanyang Technological University",
    "University of Tokyo",
    "Korea Advanced Institute of Science and Technology",
    "Indian Institute of Technology Bombay",
    "Massachusetts Institute of Technology",
    "Saudi Arabian Oil Company",
    "Abu Dhabi National Oil Company",
    "Kuwait Petroleum Corporation",
    "Petroliam Nasional Berhad",
    "Bank Negara Malaysia",
    "Monetary Authority of Singapore",
    "Dubai Islamic Bank",
    "Emirates NBD Bank",
    "Ziraat Bankasi",
    "Kaspi Bank",
];

/// Pinyin syllables for coined Chinese company words (look-alikes of Chinese names).
const SYLLABLES: &[&str] = &[
    "an", "bao", "chang", "da", "de", "fa", "feng", "fu", "guang", "hai", "heng", "hong", "hua",
    "jia", "jin", "kai", "kang", "li", "long", "mei", "ming", "nan", "ning", "rui", "sheng", "shi",
    "tai", "tian", "tong", "wei", "xin", "xing", "yang", "yi", "yong", "yuan", "yun", "zhi",
    "zhong",
];

const RU_SURNAMES: &[&str] = &[
    "Ivanov",
    "Smirnov",
    "Kuznetsov",
    "Popov",
    "Vasiliev",
    "Petrov",
    "Sokolov",
    "Mikhailov",
    "Novikov",
    "Fedorov",
    "Morozov",
    "Volkov",
    "Alekseev",
    "Lebedev",
    "Semenov",
    "Egorov",
    "Pavlov",
    "Kozlov",
    "Stepanov",
    "Nikolaev",
    "Orlov",
    "Andreev",
    "Makarov",
    "Zakharov",
];
const OTHER_SURNAMES: &[&str] = &[
    "Rahimi",
    "Karimi",
    "Hosseini",
    "Moradi",
    "Ahmadi",
    "Park",
    "Lee",
    "Choi",
    "Haddad",
    "Khoury",
    "Mansour",
    "Rodriguez",
    "Fernandez",
    "Zhang",
    "Liu",
    "Yang",
    "Zhao",
    "Huang",
];

/// Tokens (by whitespace) of a name.
fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(|w| w.to_string()).collect()
}

fn is_legal_word(w: &str) -> bool {
    let l: String = w
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    LEGAL_WORDS.contains(&l.as_str())
}

/// The name without its legal-form words at the ends.
fn strip_legal(name: &str) -> String {
    let mut w = words(name);
    while w.len() > 1 && is_legal_word(&w[w.len() - 1]) {
        w.pop();
    }
    while w.len() > 1 && is_legal_word(&w[0]) {
        w.remove(0);
    }
    w.join(" ").trim_end_matches(',').to_string()
}

/// The most distinctive word of a name: the longest word that is not a legal form or a
/// generic word known to the normaliser.
fn distinctive_index(ws: &[String]) -> Option<usize> {
    let n = crate::normalize::Normalizer::new();
    ws.iter()
        .enumerate()
        .filter(|(_, w)| {
            let low = w.to_lowercase();
            let t: String = low.chars().filter(|c| c.is_ascii_alphabetic()).collect();
            t.len() >= 4
                && !is_legal_word(w)
                && n.canonical(&t) == t
                && !GENERIC.contains(&t.as_str())
        })
        .max_by_key(|(_, w)| w.len())
        .map(|(i, _)| i)
}

const GENERIC: &[&str] = &[
    "technology",
    "technologies",
    "university",
    "institute",
    "group",
    "industry",
    "industrial",
    "national",
    "research",
    "center",
    "centre",
    "china",
    "bank",
    "international",
    "science",
    "engineering",
    "company",
    "corporation",
    "state",
    "joint",
    "stock",
    "public",
    "beijing",
    "shanghai",
    "shenzhen",
    "russian",
    "federation",
    "islamic",
    "republic",
    "iran",
    "korea",
    "organization",
    "industries",
    "electronics",
    "information",
    "supercomputing",
    "aviation",
    "trading",
    "development",
    "concern",
    "plant",
    "intelligent",
    "integrated",
    "circuit",
    "digital",
    "semiconductor",
    "manufacturing",
    "academy",
    "aerospace",
    "defense",
    "defence",
];

/// A word that says what kind of party, not which one: generic, legal-form or a place.
fn is_generic_word(w: &str) -> bool {
    let t: String = w
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect();
    let n = crate::normalize::Normalizer::new();
    t.is_empty()
        || is_legal_word(w)
        || GENERIC.contains(&t.as_str())
        || n.canonical(&t) != t
        || crate::normalize::CHINESE_PLACES.contains(&t.as_str())
        || ["and", "of", "the", "for"].contains(&t.as_str())
}

fn typo(rng: &mut SplitMix, word: &str) -> String {
    let mut c: Vec<char> = word.chars().collect();
    if c.len() < 4 {
        return word.to_string();
    }
    let i = 1 + rng.below(c.len() - 2);
    match rng.below(4) {
        0 => {
            c.remove(i);
        }
        1 => c.swap(i, i + 1),
        2 => {
            let r = (b'a' + rng.below(26) as u8) as char;
            c[i] = r;
        }
        _ => {
            let r = (b'a' + rng.below(26) as u8) as char;
            c.insert(i, r);
        }
    }
    c.into_iter().collect()
}

fn add_diacritics(word: &str) -> String {
    word.chars()
        .map(|c| match c {
            'e' => 'é',
            'o' => 'ö',
            'a' => 'á',
            'u' => 'ü',
            _ => c,
        })
        .collect()
}

/// Pinyin syllables of a Chinese name (`华为` → `Hua Wei`), the way a clerk writes it.
fn pinyin_spaced(native: &str) -> String {
    native
        .chars()
        .filter(|c| !c.is_ascii_punctuation() && !"（）「」《》".contains(*c))
        .map(|c| {
            let s = any_ascii::any_ascii_char(c);
            s.to_string()
        })
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn coined_chinese_word(rng: &mut SplitMix) -> String {
    let a = rng.pick(SYLLABLES);
    let mut b = rng.pick(SYLLABLES);
    while b == a {
        b = rng.pick(SYLLABLES);
    }
    let mut w = format!("{a}{b}");
    if let Some(f) = w.get_mut(0..1) {
        f.make_ascii_uppercase();
    }
    w
}

/// Builds the labelled set from list entries and their native-script names (by list id).
pub fn build_eval_set(
    entries: &[ListEntry],
    natives: &std::collections::HashMap<String, String>,
    seed: u64,
) -> Vec<LabelledQuery> {
    let mut rng = SplitMix::new(seed);
    let mut out: Vec<LabelledQuery> = Vec::new();
    let mut n = 0usize;
    let mut push = |out: &mut Vec<LabelledQuery>,
                    e: &ListEntry,
                    name: String,
                    expected: bool,
                    kind: &str,
                    country: bool| {
        if name.trim().is_empty() {
            return;
        }
        n += 1;
        out.push(LabelledQuery {
            id: format!("q{n:05}"),
            name,
            country: if country {
                e.countries.first().cloned()
            } else {
                None
            },
            expected: if expected {
                Some(e.list_id.clone())
            } else {
                None
            },
            kind: kind.to_string(),
            half: half_of(&e.list_id),
        });
    };
    for e in entries {
        let ws = words(&e.name);
        let core = strip_legal(&e.name);
        let core_ws = words(&core);
        let person = e.kind == "individual";
        // Listed variants.
        for a in &e.aliases {
            push(&mut out, e, a.clone(), true, "alias", false);
        }
        if core_ws.len() >= 2 {
            let mut shuffled = core_ws.clone();
            shuffled.rotate_left(1 + rng.below(core_ws.len() - 1));
            push(&mut out, e, shuffled.join(" "), true, "word-order", false);
        }
        if !person {
            let suffix = rng.pick(LEGAL_SUFFIXES);
            push(
                &mut out,
                e,
                format!("{core} {suffix}"),
                true,
                "legal-form",
                true,
            );
        }
        if let Some(i) = ws
            .iter()
            .enumerate()
            .max_by_key(|(_, w)| w.len())
            .map(|(i, _)| i)
        {
            let mut t = ws.clone();
            t[i] = typo(&mut rng, &t[i]);
            push(&mut out, e, t.join(" "), true, "typo", false);
            let mut t2 = t.clone();
            let j = rng.below(t2.len());
            if t2[j].len() >= 6 {
                t2[j] = typo(&mut rng, &t2[j]);
                push(&mut out, e, t2.join(" "), true, "typo-2", true);
            }
        }
        let mut abbreviated = e.name.clone();
        let mut changed = false;
        for (long, short) in ABBREVIATIONS {
            if abbreviated.contains(long) {
                abbreviated = abbreviated.replacen(long, short, 1);
                changed = true;
            }
        }
        if changed {
            push(&mut out, e, abbreviated, true, "abbreviation", false);
        }
        let shouty: String = e
            .name
            .to_uppercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || c.is_whitespace())
            .collect();
        push(&mut out, e, shouty, true, "case-punctuation", false);
        if let Some(i) = distinctive_index(&ws) {
            let mut t = ws.clone();
            t[i] = add_diacritics(&t[i]);
            push(&mut out, e, t.join(" "), true, "diacritics", false);
        }
        if core_ws.len() >= 2 {
            // Spacing: two words joined.
            let i = rng.below(core_ws.len() - 1);
            let mut t = core_ws.clone();
            let joined = format!("{}{}", t[i], t[i + 1]);
            t.splice(i..=i + 1, [joined]);
            push(&mut out, e, t.join(" "), true, "spacing", false);
        }
        if let Some(native) = natives.get(&e.list_id).filter(|s| !s.is_empty()) {
            push(&mut out, e, native.clone(), true, "native-script", true);
            let has_han = native
                .chars()
                .any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c));
            let has_cyr = native
                .chars()
                .any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
            if has_han {
                push(&mut out, e, pinyin_spaced(native), true, "pinyin", false);
            } else if has_cyr {
                push(
                    &mut out,
                    e,
                    any_ascii::any_ascii(native),
                    true,
                    "romanisation",
                    false,
                );
            }
        }
        // Unlisted look-alikes: as many kinds of near names as the listed variants.
        if person {
            if ws.len() >= 2 {
                let pool = if e.countries.iter().any(|c| c == "RU" || c == "BY") {
                    RU_SURNAMES
                } else {
                    OTHER_SURNAMES
                };
                for _ in 0..4 {
                    let mut t = ws.clone();
                    let last = t.len() - 1;
                    t[last] = rng.pick(pool).to_string();
                    if t != ws {
                        push(
                            &mut out,
                            e,
                            t.join(" "),
                            false,
                            "lookalike-surname",
                            rng.below(2) == 0,
                        );
                    }
                }
            }
        } else if let Some(i) = distinctive_index(&ws) {
            // Every distinctive word goes (a look-alike keeps only generic and legal words of
            // the listed name, so that it names another party); the first is replaced.
            let keep: Vec<String> = ws
                .iter()
                .enumerate()
                .filter(|(j, w)| *j == i || is_generic_word(w))
                .map(|(_, w)| w.clone())
                .collect();
            let i = keep.iter().position(|w| w == &ws[i]).unwrap_or(0);
            let ws = keep;
            for k in 0..3 {
                let mut t = ws.clone();
                t[i] = rng.pick(UNLISTED_BRANDS).to_string();
                if k == 1 && t.len() >= 2 {
                    // the look-alike in another word order
                    t.rotate_left(1);
                }
                push(&mut out, e, t.join(" "), false, "lookalike-brand", k == 0);
                let mut t = ws.clone();
                // A coined word that happens to be a word of the entry's own names (`Da` +
                // `hua` = `Dahua`) would make a listed name, not a look-alike: draw again.
                let own: Vec<String> = std::iter::once(&e.name)
                    .chain(&e.aliases)
                    .flat_map(|n| n.split_whitespace().map(|w| w.to_lowercase()))
                    .collect();
                t[i] = coined_chinese_word(&mut rng);
                while own.contains(&t[i].to_lowercase()) {
                    t[i] = coined_chinese_word(&mut rng);
                }
                if k == 2 {
                    let suffix = rng.pick(LEGAL_SUFFIXES);
                    let core = strip_legal(&t.join(" "));
                    push(
                        &mut out,
                        e,
                        format!("{core} {suffix}"),
                        false,
                        "lookalike-coined",
                        false,
                    );
                } else {
                    push(&mut out, e, t.join(" "), false, "lookalike-coined", k == 0);
                }
            }
        }
    }
    // Real unlisted organisations, spread over both halves.
    for (i, org) in UNLISTED_ORGS.iter().enumerate() {
        out.push(LabelledQuery {
            id: format!("u{i:04}"),
            name: org.to_string(),
            country: None,
            expected: None,
            kind: "unlisted-org".into(),
            half: (i % 2) as u8,
        });
    }
    out
}

/// Recall and false-positive rate of a run.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Figures {
    pub listed: usize,
    pub found: usize,
    pub unlisted: usize,
    pub false_positives: usize,
    pub recall: f64,
    pub false_positive_rate: f64,
}

/// Whether a result flags a query: for a listed query, the expected entry must be among the
/// hits and the decision must not be `clear`; for an unlisted one, any non-`clear` decision is a
/// false positive.
pub fn flagged(q: &LabelledQuery, r: &NameResult) -> bool {
    match &q.expected {
        Some(id) => r.decision != Decision::Clear && r.matches.iter().any(|h| &h.list_id == id),
        None => r.decision != Decision::Clear,
    }
}

/// Recall and FPR over the queries of `half` (None: all).
pub fn figures(queries: &[LabelledQuery], results: &[NameResult], half: Option<u8>) -> Figures {
    let mut f = Figures::default();
    for (q, r) in queries.iter().zip(results) {
        if half.is_some_and(|h| q.half != h) {
            continue;
        }
        let hit = flagged(q, r);
        if q.expected.is_some() {
            f.listed += 1;
            f.found += hit as usize;
        } else {
            f.unlisted += 1;
            f.false_positives += hit as usize;
        }
    }
    f.recall = f.found as f64 / f.listed.max(1) as f64;
    f.false_positive_rate = f.false_positives as f64 / f.unlisted.max(1) as f64;
    f
}

/// Tunes the review threshold on one half: the lowest threshold (the best recall) whose
/// false-positive rate there stays at or below `max_fpr`, searched in steps of 0.01 over
/// [0.50, 0.99]. Scores are collected once, below any threshold.
pub fn tune_review_threshold(
    screener: &Screener,
    queries: &[LabelledQuery],
    half: u8,
    max_fpr: f64,
) -> f32 {
    use rayon::prelude::*;
    // (expected entry's score, best score) per query of the half.
    let scored: Vec<(bool, f32, f32)> = queries
        .par_iter()
        .filter(|q| q.half == half)
        .map(|q| {
            let all = screener.screen_all_scores(&q.name, q.country.as_deref());
            let top = all.iter().map(|(_, s)| *s).fold(0.0f32, f32::max);
            let exp = q
                .expected
                .as_ref()
                .map(|id| {
                    all.iter()
                        .filter(|(l, _)| l == id)
                        .map(|(_, s)| *s)
                        .fold(0.0f32, f32::max)
                })
                .unwrap_or(0.0);
            (q.expected.is_some(), exp, top)
        })
        .collect();
    let unlisted = scored.iter().filter(|(l, _, _)| !l).count().max(1) as f64;
    for step in 50..100 {
        let t = step as f32 / 100.0;
        let fp = scored.iter().filter(|(l, _, top)| !l && *top >= t).count() as f64;
        if fp / unlisted <= max_fpr {
            return t;
        }
    }
    0.99
}
