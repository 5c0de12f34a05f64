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
    /// The list entry the query was made from (a variant or a look-alike of it); `None` for
    /// the real unlisted organisations.
    pub source: Option<String>,
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
/// Countries whose personal names are written surname first in the lists.
const SURNAME_FIRST: &[&str] = &["CN", "HK", "MO", "TW", "KP", "KR", "VN"];

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

/// The most distinctive word of a name: the longest word that is not a legal form, a generic
/// word or a place of this module's own tables (never the matcher's: the set must not move
/// when the matcher's tables change).
fn distinctive_index(ws: &[String]) -> Option<usize> {
    ws.iter()
        .enumerate()
        .filter(|(_, w)| {
            let t = plain(w);
            t.len() >= 4 && !is_generic_word(w)
        })
        .max_by_key(|(_, w)| w.len())
        .map(|(i, _)| i)
}

/// A word in lower case, ASCII letters only.
fn plain(w: &str) -> String {
    w.to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect()
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
    // English words of organisation names in general (this module's own list, written
    // independently of the matcher's synonym tables).
    "tech",
    "electronic",
    "holding",
    "holdings",
    "systems",
    "system",
    "network",
    "networks",
    "communication",
    "communications",
    "telecom",
    "equipment",
    "machinery",
    "materials",
    "software",
    "services",
    "service",
    "solutions",
    "import",
    "export",
    "investment",
    "energy",
    "power",
    "petroleum",
    "chemical",
    "optical",
    "precision",
    "instrument",
    "instruments",
    "laboratory",
    "university",
    "college",
    "school",
    "ministry",
    "agency",
    "bureau",
    "department",
    "office",
    "administration",
    "committee",
    "council",
    "foundation",
    "association",
    "union",
    "federal",
    "central",
    "general",
    "united",
    "joint",
    "venture",
    "enterprise",
    "enterprises",
    "factory",
    "works",
    "production",
    "scientific",
    "technical",
    "design",
    "security",
    "military",
    "nuclear",
    "space",
    "shipping",
    "shipbuilding",
    "airlines",
    "aircraft",
    "logistics",
    "computer",
    "computing",
    "microelectronics",
    "advanced",
    "new",
    "first",
    "northern",
    "southern",
    "eastern",
    "western",
    "north",
    "south",
    "east",
    "west",
    "northwestern",
    "polytechnical",
    "polytechnic",
    "institute",
    "medical",
    "public",
    "bank",
    "commercial",
    "savings",
    "oil",
    "gas",
    "steel",
    "mining",
    "trade",
    "exchange",
    "fund",
    "capital",
    "financial",
    "finance",
    "insurance",
    "sciences",
    "physics",
    "quantum",
    "memory",
    "design",
    "testing",
    "test",
];

/// Places (countries, provinces, large cities, adjectives of nationality) of this module's own
/// table: they say where a party is, not which one it is.
const PLACES: &[&str] = &[
    "china",
    "chinese",
    "beijing",
    "shanghai",
    "tianjin",
    "chongqing",
    "shenzhen",
    "guangzhou",
    "hangzhou",
    "nanjing",
    "wuhan",
    "chengdu",
    "xian",
    "harbin",
    "hefei",
    "jinan",
    "qingdao",
    "xiamen",
    "suzhou",
    "wuxi",
    "changsha",
    "zhengzhou",
    "shenyang",
    "dalian",
    "kunming",
    "fuzhou",
    "changchun",
    "nanchang",
    "guiyang",
    "lanzhou",
    "urumqi",
    "xinjiang",
    "tibet",
    "zhejiang",
    "jiangsu",
    "guangdong",
    "fujian",
    "sichuan",
    "hubei",
    "hunan",
    "henan",
    "hebei",
    "shandong",
    "shanxi",
    "shaanxi",
    "anhui",
    "jiangxi",
    "liaoning",
    "jilin",
    "heilongjiang",
    "yunnan",
    "guizhou",
    "hainan",
    "gansu",
    "qinghai",
    "ningxia",
    "guangxi",
    "hong",
    "kong",
    "macau",
    "macao",
    "taiwan",
    "russia",
    "russian",
    "moscow",
    "petersburg",
    "saint",
    "novosibirsk",
    "yekaterinburg",
    "kazan",
    "belarus",
    "belarusian",
    "minsk",
    "ukraine",
    "iran",
    "iranian",
    "tehran",
    "isfahan",
    "persian",
    "gulf",
    "syria",
    "syrian",
    "damascus",
    "iraq",
    "lebanon",
    "korea",
    "korean",
    "pyongyang",
    "democratic",
    "people",
    "peoples",
    "republic",
    "islamic",
    "arab",
    "emirates",
    "dubai",
    "turkey",
    "india",
    "pakistan",
    "malaysia",
    "singapore",
    "venezuela",
    "cuba",
    "myanmar",
    "asia",
    "pacific",
    "europe",
];

/// A word that says what kind of party, not which one: generic, legal-form or a place.
fn is_generic_word(w: &str) -> bool {
    let t = plain(w);
    t.is_empty()
        || is_legal_word(w)
        || GENERIC.contains(&t.as_str())
        || PLACES.contains(&t.as_str())
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

/// Romanisation systems for Cyrillic, as published standards write them, chosen per query:
/// deliberately not the matcher's own transliteration (`any_ascii`, BGN/PCGN-like), so that a
/// romanised query tests the matcher's tolerance of other spellings.
#[derive(Debug, Clone, Copy)]
enum Romanisation {
    /// ICAO Doc 9303 (passports): х kh, ц ts, щ shch, й i, ю iu, я ia, ъ ie.
    Icao,
    /// Scientific transliteration (ISO 9-like): х x, ц c, ч č, ш š, ж ž, й j, ю ju, я ja.
    Scientific,
    /// German (Duden): в w, ж sch, ш sch, ч tsch, х ch, ц z, з s, й j, ю ju, я ja, ё jo.
    German,
}

fn cyrillic_letter(c: char, system: Romanisation) -> Option<&'static str> {
    use Romanisation::*;
    let lower = c.to_lowercase().next().unwrap_or(c);
    let r = match (lower, system) {
        ('а', _) => "a",
        ('б', _) => "b",
        ('в', German) => "w",
        ('в', _) => "v",
        ('г', _) | ('ґ', _) => "g",
        ('д', _) => "d",
        ('е', _) | ('є', Icao) => "e",
        ('є', _) => "je",
        ('ё', Icao) => "e",
        ('ё', Scientific) => "ë",
        ('ё', German) => "jo",
        ('ж', Icao) => "zh",
        ('ж', Scientific) => "ž",
        ('ж', German) => "sch",
        ('з', German) => "s",
        ('з', _) => "z",
        ('и', _) | ('і', _) | ('ї', _) => "i",
        ('й', Icao) => "i",
        ('й', _) => "j",
        ('к', _) => "k",
        ('л', _) => "l",
        ('м', _) => "m",
        ('н', _) => "n",
        ('о', _) => "o",
        ('п', _) => "p",
        ('р', _) => "r",
        ('с', _) => "s",
        ('т', _) => "t",
        ('у', _) | ('ў', _) => "u",
        ('ф', _) => "f",
        ('х', Icao) => "kh",
        ('х', Scientific) => "x",
        ('х', German) => "ch",
        ('ц', Icao) => "ts",
        ('ц', Scientific) => "c",
        ('ц', German) => "z",
        ('ч', Icao) => "ch",
        ('ч', Scientific) => "č",
        ('ч', German) => "tsch",
        ('ш', Icao) => "sh",
        ('ш', Scientific) => "š",
        ('ш', German) => "sch",
        ('щ', Icao) => "shch",
        ('щ', Scientific) => "šč",
        ('щ', German) => "schtsch",
        ('ъ', Icao) => "ie",
        ('ъ', _) => "",
        ('ы', _) => "y",
        ('ь', _) => "",
        ('э', Scientific) => "è",
        ('э', _) => "e",
        ('ю', Icao) => "iu",
        ('ю', _) => "ju",
        ('я', Icao) => "ia",
        ('я', _) => "ja",
        _ => return None,
    };
    Some(r)
}

/// A Cyrillic name romanised by one of the published systems; other characters are kept,
/// Russian quotation marks become plain ones. A capital letter gives a capitalised rendering
/// (`Ш` -> `Sh`; an all-capital word stays all capital).
fn romanise_cyrillic(native: &str, system: Romanisation) -> String {
    let chars: Vec<char> = native.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        match cyrillic_letter(c, system) {
            Some(r) if c.is_uppercase() => {
                let next_upper = chars.get(i + 1).is_some_and(|n| n.is_uppercase());
                if next_upper {
                    out.push_str(&r.to_uppercase());
                } else {
                    let mut it = r.chars();
                    if let Some(f) = it.next() {
                        out.extend(f.to_uppercase());
                        out.push_str(it.as_str());
                    }
                }
            }
            Some(r) => out.push_str(r),
            None if c == '«' || c == '»' => out.push('"'),
            None => out.push(c),
        }
    }
    out
}

/// Words that do not count in an acronym (function words).
const ACRONYM_SKIP: &[&str] = &["of", "and", "the", "for", "in", "on", "at"];

/// The acronym a name is commonly abbreviated to, by this module's own rule: the initials of
/// the words outside parentheses that are not function words or legal forms, plus (when
/// `with_form`) the `C` of a trailing `Corporation`/`Company`/`Co.` as in `SMIC` or `YMTC`.
/// `None` for fewer than three such words or more than six.
fn acronym(name: &str, with_form: bool) -> Option<String> {
    let mut depth = 0i32;
    let mut kept: Vec<String> = Vec::new();
    let mut corporate = false;
    for w in name.split(|c: char| c.is_whitespace() || c == '-' || c == '/') {
        let opens = w.starts_with('(');
        if opens {
            depth += 1;
        }
        let closes = w.ends_with(')');
        if depth == 0 {
            let t = plain(w);
            if t.is_empty() || ACRONYM_SKIP.contains(&t.as_str()) {
                // skip
            } else if is_legal_word(w) {
                corporate |=
                    kept.len() >= 3 && ["corporation", "company", "co"].contains(&t.as_str());
            } else if !corporate {
                kept.push(t);
            }
        }
        if closes {
            depth -= 1;
        }
    }
    if kept.len() < 3 || kept.len() > 6 {
        return None;
    }
    let mut a: String = kept.iter().filter_map(|w| w.chars().next()).collect();
    if with_form && corporate {
        a.push('c');
    }
    Some(a.to_uppercase())
}

/// The lower-case plain words of a name without its legal-form and function words.
fn core_words(name: &str) -> std::collections::BTreeSet<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !is_legal_word(w))
        .map(|w| w.to_lowercase())
        .filter(|w| !ACRONYM_SKIP.contains(&w.as_str()))
        .collect()
}

/// Whether a would-be look-alike still names the listed party: it holds every word of one of
/// the entry's names or aliases (`Nicolas Maduro Park` holds the alias `Nicolas Maduro`).
/// Such a query is not a look-alike and is left out of the set.
#[cfg(test)]
fn names_the_party(candidate: &str, e: &ListEntry) -> bool {
    let c = core_words(candidate);
    std::iter::once(&e.name)
        .chain(&e.aliases)
        .map(|n| core_words(n))
        .any(|n| !n.is_empty() && n.is_subset(&c))
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

/// An entry's name in its own script, and (for Chinese) its pinyin as written by a tool
/// independent of the matcher (`tests/data/add_pinyin.py`, pypinyin).
#[derive(Debug, Clone, Default)]
pub struct NativeName {
    pub native: String,
    pub pinyin: String,
}

/// Reads the evaluation list (`id,name,aliases,country,source,type,native,pinyin`): the list
/// entries (loaded like any plain CSV list: `native` and `pinyin` are never aliases) and the
/// native names by list id.
pub fn load_eval_inputs(
    path: &std::path::Path,
) -> Result<
    (
        Vec<ListEntry>,
        std::collections::HashMap<String, NativeName>,
    ),
    crate::ScreenError,
> {
    let list = crate::load_list(path, crate::Encoding::Utf8)?;
    let mut natives = std::collections::HashMap::new();
    let mut rdr = csv::Reader::from_path(path).map_err(|e| {
        crate::ScreenError::invalid(chokepoint_core::Place::file(path), e.to_string())
    })?;
    let headers = rdr
        .headers()
        .map_err(|e| {
            crate::ScreenError::invalid(chokepoint_core::Place::file(path), e.to_string())
        })?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (id, native, pinyin) = (col("id"), col("native"), col("pinyin"));
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| {
            crate::ScreenError::invalid(
                chokepoint_core::Place::file(path).at_line(i as u64 + 2),
                e.to_string(),
            )
        })?;
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("").to_string();
        natives.insert(
            get(id),
            NativeName {
                native: get(native),
                pinyin: get(pinyin),
            },
        );
    }
    Ok((list.entries, natives))
}

/// Adds each entry's native-script name to its aliases, as lists that publish such names carry
/// them (OpenSanctions' FollowTheMoney `name`/`alias`): what the matcher does when the list
/// itself holds the name no reading reaches. The labelled set is built without them.
pub fn native_names_as_aliases(
    entries: &mut [ListEntry],
    natives: &std::collections::HashMap<String, NativeName>,
) {
    for e in entries {
        if let Some(n) = natives.get(&e.list_id).filter(|n| !n.native.is_empty()) {
            e.aliases.push(n.native.clone());
        }
    }
}

/// Builds the labelled set from list entries and their native-script names (by list id).
pub fn build_eval_set(
    entries: &[ListEntry],
    natives: &std::collections::HashMap<String, NativeName>,
    seed: u64,
) -> Vec<LabelledQuery> {
    let mut rng = SplitMix::new(seed);
    let mut out: Vec<LabelledQuery> = Vec::new();
    let mut n = 0usize;
    // Every word of every listed name: a look-alike's replacement word must be none of them
    // (a coined `Da` + `hua` would name `Dahua`, a listed party).
    let list_words: std::collections::HashSet<String> = entries
        .iter()
        .flat_map(|e| std::iter::once(&e.name).chain(&e.aliases))
        .flat_map(|n| {
            n.split(|c: char| !c.is_alphanumeric())
                .map(|w| w.to_lowercase())
        })
        .collect();
    // Every acronym of every entry (either form): a look-alike acronym must be none of them.
    let list_acronyms: std::collections::HashSet<String> = entries
        .iter()
        .flat_map(|e| [acronym(&e.name, false), acronym(&e.name, true)])
        .flatten()
        .collect();
    // The core words of every name of every entry: a would-be look-alike that holds all of one
    // of them names that party, whichever entry it was made from (`Harbin Engineering
    // University Institute of Bosch` names `Harbin Engineering University`), and is left out.
    let party_names: Vec<std::collections::BTreeSet<String>> = entries
        .iter()
        .flat_map(|e| std::iter::once(&e.name).chain(&e.aliases))
        .map(|n| core_words(n))
        .filter(|c| !c.is_empty())
        .collect();
    let names_a_party = |candidate: &str| {
        let c = core_words(candidate);
        party_names.iter().any(|n| n.is_subset(&c))
    };
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
            source: Some(e.list_id.clone()),
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
        if let Some(nn) = natives.get(&e.list_id).filter(|s| !s.native.is_empty()) {
            let native = &nn.native;
            push(&mut out, e, native.clone(), true, "native-script", true);
            let has_han = native
                .chars()
                .any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c));
            let has_cyr = native
                .chars()
                .any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
            if has_han {
                // The independent tool's pinyin when the file has it (polyphones read in
                // context: 长江 Chang Jiang), else syllable by syllable.
                let py = if nn.pinyin.is_empty() {
                    pinyin_spaced(native)
                } else {
                    nn.pinyin.clone()
                };
                push(&mut out, e, py, true, "pinyin", false);
            } else if has_cyr {
                let system = *rng.pick(&[
                    Romanisation::Icao,
                    Romanisation::Scientific,
                    Romanisation::German,
                ]);
                push(
                    &mut out,
                    e,
                    romanise_cyrillic(native, system),
                    true,
                    "romanisation",
                    false,
                );
            }
        }
        // Acronym: the initials of the name's words, by this module's rule (see [`acronym`]),
        // and a look-alike with one letter changed that is no entry's acronym.
        if !person {
            let with_form = rng.below(2) == 0;
            if let Some(a) = acronym(&e.name, with_form).or_else(|| acronym(&e.name, !with_form)) {
                push(&mut out, e, a.clone(), true, "acronym", true);
                let mut b: Vec<u8> = a.into_bytes();
                for _ in 0..8 {
                    let i = rng.below(b.len());
                    b[i] = b'A' + rng.below(26) as u8;
                    // ASCII capitals only: valid UTF-8.
                    let cand = String::from_utf8_lossy(&b).to_string();
                    if !list_acronyms.contains(&cand) {
                        push(&mut out, e, cand, false, "lookalike-acronym", true);
                        break;
                    }
                }
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
                // Chinese and Korean names put the surname first (`Ri Pyong Chol`).
                let at = if e
                    .countries
                    .iter()
                    .any(|c| SURNAME_FIRST.contains(&c.as_str()))
                {
                    0
                } else {
                    ws.len() - 1
                };
                for _ in 0..4 {
                    let mut t = ws.clone();
                    t[at] = rng.pick(pool).to_string();
                    // A surname one letter away from the name's word (`Chol` / `Choi`) makes
                    // a misspelling of the party, not another person.
                    let near =
                        strsim::levenshtein(&t[at].to_lowercase(), &ws[at].to_lowercase()) <= 1;
                    if !near && !names_a_party(&t.join(" ")) {
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
                for _ in 0..16 {
                    if !list_words.contains(&t[i].to_lowercase()) {
                        break;
                    }
                    t[i] = rng.pick(UNLISTED_BRANDS).to_string();
                }
                let brand_unlisted = !list_words.contains(&t[i].to_lowercase());
                if k == 1 && t.len() >= 2 {
                    // the look-alike in another word order
                    t.rotate_left(1);
                }
                if brand_unlisted && !names_a_party(&t.join(" ")) {
                    push(&mut out, e, t.join(" "), false, "lookalike-brand", k == 0);
                }
                let mut t = ws.clone();
                // A coined word that happens to be a word of a listed name (`Da` + `hua` =
                // `Dahua`) would make a listed name, not a look-alike: draw again.
                t[i] = coined_chinese_word(&mut rng);
                while list_words.contains(&t[i].to_lowercase()) {
                    t[i] = coined_chinese_word(&mut rng);
                }
                if names_a_party(&t.join(" ")) {
                    continue;
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
            source: None,
        });
    }
    out
}

/// Whether a query kind is a variant written in another script than the list's (Chinese
/// characters, Cyrillic, Arabic script) or its romanisation (pinyin syllables, Cyrillic
/// romanised letter by letter): the figures are reported apart from same-script variants.
pub fn is_cross_script(kind: &str) -> bool {
    matches!(kind, "native-script" | "pinyin" | "romanisation")
}

/// Queries and wrong answers per query kind (a look-alike is wrong when flagged, a listed
/// variant when not found), printed one kind per line.
#[derive(Debug, Default)]
pub struct KindTally(std::collections::BTreeMap<String, (usize, usize)>);

impl KindTally {
    /// Counts a query and its result; returns whether the result is right.
    pub fn add(&mut self, q: &LabelledQuery, r: &NameResult) -> bool {
        let ok = flagged(q, r) == q.expected.is_some();
        self.count(&q.kind, ok);
        ok
    }

    /// Counts one answer, right or wrong, under `key` (a kind, or any other grouping).
    pub fn count(&mut self, key: &str, ok: bool) {
        let slot = self.0.entry(key.to_string()).or_default();
        slot.0 += 1;
        slot.1 += usize::from(!ok);
    }
}

impl std::fmt::Display for KindTally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (kind, (n, wrong)) in &self.0 {
            writeln!(f, "{kind:>22}: {n:6} queries, {wrong:4} wrong")?;
        }
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, name: &str, aliases: &[&str]) -> ListEntry {
        ListEntry {
            list_id: id.into(),
            name: name.into(),
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
            kind: "entity".into(),
            source: "test".into(),
            countries: vec!["RU".into()],
            addresses: vec![],
            programs: vec![],
        }
    }

    #[test]
    fn cyrillic_romanisations_follow_their_standards() {
        let n = "АО «Вертолёты России»";
        assert_eq!(
            romanise_cyrillic(n, Romanisation::Icao),
            "AO \"Vertolety Rossii\""
        );
        assert_eq!(
            romanise_cyrillic(n, Romanisation::German),
            "AO \"Wertoljoty Rossii\""
        );
        assert_eq!(
            romanise_cyrillic("Юрий Щербаков", Romanisation::Scientific),
            "Jurij Ščerbakov"
        );
        assert_eq!(
            romanise_cyrillic("Юрий Щербаков", Romanisation::Icao),
            "Iurii Shcherbakov"
        );
        // Not the matcher's own transliteration.
        assert_ne!(
            romanise_cyrillic("Юрий", Romanisation::Icao),
            any_ascii::any_ascii("Юрий")
        );
    }

    #[test]
    fn acronyms_by_the_sets_own_rule() {
        assert_eq!(
            acronym("National University of Defense Technology", false).as_deref(),
            Some("NUDT")
        );
        assert_eq!(
            acronym("Yangtze Memory Technologies Co., Ltd.", true).as_deref(),
            Some("YMTC")
        );
        assert_eq!(
            acronym(
                "Semiconductor Manufacturing International (Beijing) Corporation",
                true
            )
            .as_deref(),
            Some("SMIC")
        );
        // Too few words for an acronym.
        assert_eq!(acronym("Huawei Technologies Co., Ltd.", true), None);
    }

    #[test]
    fn look_alikes_that_still_name_the_party_are_dropped() {
        let e = entry("1", "Nicolas Maduro Moros", &["Nicolas Maduro"]);
        assert!(names_the_party("Nicolas Maduro Park", &e));
        assert!(!names_the_party("Nicolas Perez Park", &e));
        // Legal forms and function words do not count.
        let e = entry("2", "Joint Stock Company Rosoboronexport", &[]);
        assert!(names_the_party("Rosoboronexport LLC", &e));
    }

    #[test]
    fn look_alikes_name_no_listed_party_and_surnames_go_where_they_stand() {
        let mut ri = entry("p", "Ri Pyong Chol", &[]);
        ri.kind = "individual".into();
        ri.countries = vec!["KP".into()];
        let entries = vec![
            entry("1", "Harbin Engineering University", &[]),
            entry(
                "2",
                "Harbin Engineering University Institute of Underwater Acoustics",
                &[],
            ),
            ri,
        ];
        let natives = std::collections::HashMap::new();
        for seed in 1..20 {
            let qs = build_eval_set(&entries, &natives, seed);
            for q in qs.iter().filter(|q| q.kind.starts_with("lookalike-")) {
                // A look-alike of entry 2 that keeps `Harbin Engineering University` names
                // entry 1: it must not be in the set as unlisted.
                let w = core_words(&q.name);
                assert!(
                    !["harbin", "engineering", "university"]
                        .iter()
                        .all(|x| w.contains(*x)),
                    "{q:?}"
                );
                if q.kind == "lookalike-surname" {
                    // The surname (first, for a Korean name) is replaced, never to a word one
                    // letter away.
                    let t: Vec<&str> = q.name.split_whitespace().collect();
                    assert_eq!(&t[1..], &["Pyong", "Chol"], "{q:?}");
                    assert!(strsim::levenshtein(&t[0].to_lowercase(), "ri") > 1, "{q:?}");
                }
                assert!(q.source.is_some());
            }
            assert!(qs.iter().any(|q| q.kind == "lookalike-surname"));
        }
    }

    #[test]
    fn look_alike_words_are_no_listed_word_and_the_set_is_deterministic() {
        let entries = vec![
            entry(
                "a",
                "Zhejiang Dahua Technology Co., Ltd.",
                &["Dahua Technology"],
            ),
            entry("b", "Beijing Jiaxin Electronics Co., Ltd.", &[]),
            entry("c", "Moscow Institute of Physics and Technology", &["MIPT"]),
        ];
        let natives = std::collections::HashMap::new();
        let a = build_eval_set(&entries, &natives, 7);
        let b = build_eval_set(&entries, &natives, 7);
        assert_eq!(
            a.iter().map(|q| &q.name).collect::<Vec<_>>(),
            b.iter().map(|q| &q.name).collect::<Vec<_>>()
        );
        let listed: std::collections::HashSet<String> = entries
            .iter()
            .flat_map(|e| std::iter::once(&e.name).chain(&e.aliases))
            .flat_map(|n| n.split_whitespace().map(plain))
            .filter(|w| !is_generic_word(w))
            .collect();
        for q in a.iter().filter(|q| q.kind.starts_with("lookalike-")) {
            let e = entries
                .iter()
                .find(|e| q.half == half_of(&e.list_id) && !names_the_party(&q.name, e));
            assert!(e.is_some(), "{q:?}");
            if q.kind == "lookalike-acronym" {
                assert_ne!(q.name, "MIPT");
                continue;
            }
            // A look-alike keeps no distinctive word of any listed name.
            let distinctive: Vec<String> = q
                .name
                .split_whitespace()
                .map(plain)
                .filter(|w| !is_generic_word(w) && listed.contains(w))
                .collect();
            assert!(distinctive.is_empty(), "{q:?} keeps {distinctive:?}");
        }
        assert!(a.iter().any(|q| q.kind == "acronym" && q.name == "MIPT"));
    }
}
