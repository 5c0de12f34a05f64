//! Name normalisation: from a name as written (any script, any punctuation) to comparable Latin
//! tokens, with legal forms recognised and kept aside.
//!
//! The pipeline, in order (each step is deterministic and documented so that a hit can be
//! explained):
//! 1. Unicode NFKC (full-width forms, ligatures and compatibility characters folded), lower case.
//! 2. Transliteration to ASCII, character by character, with `any_ascii`: Chinese characters
//!    become Mandarin pinyin syllables without tones (each its own *syllable token*, because
//!    Chinese is written without spaces), Cyrillic follows a BGN/PCGN-like romanisation, Arabic
//!    and Persian script become consonant skeletons (the script writes no short vowels), Latin
//!    letters lose their diacritics (`é` → `e`, `ß` → `ss`) except the háček letters of Slavic
//!    scientific transliteration, written as they sound (`č` → `ch`, `š` → `sh`, `ž` → `zh`),
//!    Hangul and kana are romanised.
//!    Apostrophes vanish (`Kata'ib` → `kataib`), `&` becomes `and`, other punctuation separates.
//! 3. Runs of one-letter tokens join (`S.A.` → `sa`, `A. Q. Khan` → `aq khan`); words run
//!    together split on known words; numbers are written one way (`38th`, `No. 38`, `第三十八`,
//!    `Di San Shi Ba` → `38`; up to ten the word: `2nd`, `第二` → `second`).
//! 4. Legal forms (table [`LEGAL_FORMS`], written in their own scripts and normalised by this same
//!    pipeline) are recognised at either end of the name, longest first, repeatedly, and set
//!    aside with their class: they are evidence (weak), not part of the name proper.
//! 5. Runs of Chinese syllables (Chinese characters, or Latin pinyin written syllable by
//!    syllable) are segmented into words against a vocabulary (the list's own Latin tokens plus
//!    the generic-word tables), by dynamic programming: fewest syllables outside a known word,
//!    then fewest words (`bei jing zhi pu` → `beijing zhipu`; `ji suan ji shu` → `jisuan
//!    jishu`, not `jisuanji shu`). Syllables that start no known word join into one word.
//!    A polyphonic character ([`POLYPHONES`]) takes its other reading where that forms a known
//!    word (`长江` → `changjiang`, not `zhang jiang`; `厦门` → `xiamen`), and `shi` (市, city) or
//!    `sheng` (省, province) after a place in pinyin is dropped, as 市 and 省 are, unless it
//!    starts a word (`Xin Jiang Sheng Chan`, 生产). Korean syllables are segmented the same way;
//!    those of names are spelt as the lists spell North Korean names (`리병철` → `ri pyong
//!    chol`).
//! 6. Generic business words in several languages map to one canonical word (table
//!    [`SYNONYMS`]): `keji`, `jishu`, `tekhnologii`, `tech` all become `technology`; inflected
//!    Russian words by their stem ([`STEMS`]), also when romanised by another system and found
//!    by sound (`raswedywatelnoe`, German) or respelt from the scientific, German or ICAO
//!    romanisation by letter rules (`texnologij`, `inwestizij`, `priamykh`: see
//!    `respell_russian`); a distinctive word with a sure mark of another romanisation (`-ij`,
//!    a `j` after a consonant, `sch`) is respelt the same way, letters only (`Kowaltschuk` →
//!    `kovalchuk`); other Russian romanisations fold to one spelling (`Iurii`/`Yuriy` → `yury`,
//!    `Kasperskogo` → `kaspersky`, BGN `-oye-` → `-oe-`).
//! 7. Expressions that say the same thing in other words meet in one token ([`PHRASES`]:
//!    `Institute of Technology`, `Polytechnical University`, 工业大学 → `polytechnic`; a
//!    `university` with `technology` anywhere in its name too, in any word order).
//!
//! A second, translated reading ([`Normalizer::translate`], glossary [`TRANSLATIONS`]) renders
//! the generic words of Chinese (characters or pinyin), Arabic-script and Korean names in
//! English (`云计算` → `cloud computing`, `هواپیماسازی` → `aircraft manufacturing`), and
//! ordinary Chinese words and geographic names that English names translate ([`NAME_WORDS`]:
//! `长江` → `Yangtze`, `曙光` → `dawn`, `线程` → `thread`; distinctive, so not generic). The
//! glossaries hold general vocabulary only, never a party's name.

/// Hash sets and maps keyed by short words, with the fast non-cryptographic FxHash (the
/// normaliser looks words up many times per name).
type HashSet<T> = std::collections::HashSet<T, FxBuild>;
type HashMap<K, V> = std::collections::HashMap<K, V, FxBuild>;
type FxBuild = std::hash::BuildHasherDefault<crate::matcher::FxHasher>;
use unicode_normalization::UnicodeNormalization;

/// The family a legal form belongs to. Compared as a weak feature: `Co., Ltd.` against `LLC`
/// is the same family, `JSC` against `Ltd.` is a small disagreement, never a veto.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalClass {
    /// Limited liability: Ltd., LLC, GmbH, ООО, 有限公司, SARL, Pte. Ltd., Sdn. Bhd.
    Limited,
    /// Joint-stock / public company: JSC, PJSC, АО, ПАО, 股份有限公司, AG, S.A., PLC, Inc., Corp.
    JointStock,
    /// A generic "company" word with no liability form: Co., Company, 公司, شركة.
    Company,
    /// State or unitary enterprise: ФГУП, ГУП, state corporation.
    State,
    /// Partnerships and free-zone forms: LLP, LP, FZE, FZCO.
    Other,
}

/// Legal forms, each written as it appears in the lists (any script). Matched as whole token
/// sequences at either end of a name after normalisation.
pub const LEGAL_FORMS: &[(&str, LegalClass)] = &[
    // English and international
    ("company limited", LegalClass::Limited),
    ("co ltd", LegalClass::Limited),
    ("co limited", LegalClass::Limited),
    ("limited", LegalClass::Limited),
    ("ltd", LegalClass::Limited),
    ("llc", LegalClass::Limited),
    ("l l c", LegalClass::Limited),
    ("limited liability company", LegalClass::Limited),
    ("pte ltd", LegalClass::Limited),
    ("private limited", LegalClass::Limited),
    ("pvt ltd", LegalClass::Limited),
    ("sdn bhd", LegalClass::Limited),
    ("gmbh", LegalClass::Limited),
    ("sarl", LegalClass::Limited),
    ("srl", LegalClass::Limited),
    ("bv", LegalClass::Limited),
    ("kft", LegalClass::Limited),
    ("sp z o o", LegalClass::Limited),
    ("fz llc", LegalClass::Limited),
    ("joint stock company", LegalClass::JointStock),
    ("joint stock co", LegalClass::JointStock),
    ("public joint stock co", LegalClass::JointStock),
    ("company ltd", LegalClass::Limited),
    ("public joint stock company", LegalClass::JointStock),
    ("open joint stock company", LegalClass::JointStock),
    ("closed joint stock company", LegalClass::JointStock),
    ("joint stock commercial bank", LegalClass::JointStock),
    ("jsc", LegalClass::JointStock),
    ("ojsc", LegalClass::JointStock),
    ("pjsc", LegalClass::JointStock),
    ("cjsc", LegalClass::JointStock),
    ("pao", LegalClass::JointStock),
    ("oao", LegalClass::JointStock),
    ("zao", LegalClass::JointStock),
    ("ao", LegalClass::JointStock),
    ("nao", LegalClass::JointStock),
    ("ag", LegalClass::JointStock),
    ("sa", LegalClass::JointStock),
    ("s a", LegalClass::JointStock),
    ("sa de cv", LegalClass::JointStock),
    ("spa", LegalClass::JointStock),
    ("nv", LegalClass::JointStock),
    ("plc", LegalClass::JointStock),
    ("inc", LegalClass::JointStock),
    ("incorporated", LegalClass::JointStock),
    ("corp", LegalClass::JointStock),
    ("corporation", LegalClass::JointStock),
    ("zrt", LegalClass::JointStock),
    ("as", LegalClass::JointStock),
    ("ad", LegalClass::JointStock),
    ("public company limited", LegalClass::JointStock),
    ("co", LegalClass::Company),
    ("company", LegalClass::Company),
    ("ca", LegalClass::Company),
    ("llp", LegalClass::Other),
    ("lp", LegalClass::Other),
    ("fze", LegalClass::Other),
    ("fzco", LegalClass::Other),
    ("state corporation", LegalClass::State),
    ("fgup", LegalClass::State),
    ("gup", LegalClass::State),
    // Chinese
    ("股份有限公司", LegalClass::JointStock),
    ("有限责任公司", LegalClass::Limited),
    ("有限責任公司", LegalClass::Limited),
    ("有限公司", LegalClass::Limited),
    ("公司", LegalClass::Company),
    // Russian (Cyrillic, normalised by the pipeline into their romanisation)
    ("ООО", LegalClass::Limited),
    (
        "общество с ограниченной ответственностью",
        LegalClass::Limited,
    ),
    ("ОАО", LegalClass::JointStock),
    ("ЗАО", LegalClass::JointStock),
    ("ПАО", LegalClass::JointStock),
    ("АО", LegalClass::JointStock),
    ("НАО", LegalClass::JointStock),
    ("акционерное общество", LegalClass::JointStock),
    ("публичное акционерное общество", LegalClass::JointStock),
    ("открытое акционерное общество", LegalClass::JointStock),
    ("закрытое акционерное общество", LegalClass::JointStock),
    ("ФГУП", LegalClass::State),
    ("ГУП", LegalClass::State),
    // Korean
    ("주식회사", LegalClass::JointStock),
    ("유한회사", LegalClass::Limited),
    ("회사", LegalClass::Company),
    ("корпорация", LegalClass::JointStock),
    ("компания", LegalClass::Company),
    ("госкорпорация", LegalClass::State),
    ("государственная корпорация", LegalClass::State),
    // Arabic and Persian
    ("شركة", LegalClass::Company),
    ("شرکت", LegalClass::Company),
    ("ذ.م.م", LegalClass::Limited),
    ("ش.م.م", LegalClass::Limited),
    ("سهامی خاص", LegalClass::JointStock),
    ("سهامی عام", LegalClass::JointStock),
];

/// Generic words with the same meaning across languages and abbreviations, mapped to one
/// canonical word. The list is about names of organisations; it never maps a distinctive word.
pub const SYNONYMS: &[(&str, &[&str])] = &[
    (
        "technology",
        &[
            "technologies",
            "tech",
            "techn",
            "keji",
            "jishu",
            "tekhnologii",
            "tekhnologiya",
            "tekhnologiy",
            "technologie",
            "tecnologia",
            "technical",
            "technological",
        ],
    ),
    (
        "international",
        &["intl", "int", "guoji", "mezhdunarodnyi", "internatsional"],
    ),
    (
        "university",
        &["univ", "daxue", "universitet", "universite", "universidad"],
    ),
    ("institute", &["inst", "institut", "yanjiusuo", "instituto"]),
    (
        "electronics",
        &["electronic", "elec", "dianzi", "elektronika", "elektronik"],
    ),
    (
        "information",
        &["info", "xinxi", "informatsii", "informatsionnye"],
    ),
    ("group", &["grp", "jituan", "gruppa", "grupo", "groupe"]),
    // 公司 inside a name (集团公司, Group Corporation); at the end it is the legal form.
    ("corporation", &["gongsi"]),
    ("holdings", &["holding", "hldgs", "konggu", "kholding"]),
    (
        "industry",
        &[
            "industries",
            "industrial",
            "ind",
            "gongye",
            "chanye",
            "promyshlennost",
            "sanat",
            "sanaye",
            "sanayi",
        ],
    ),
    (
        "science",
        &["sciences", "sci", "kexue", "nauka", "nauki", "nauk"],
    ),
    ("laboratory", &["lab", "labs", "laboratories"]),
    ("helicopter", &["helicopters"]),
    ("missile", &["missiles"]),
    ("weapons", &["weapon", "armament", "armaments", "arms"]),
    ("systems", &["system"]),
    ("physics", &["fizika", "fiziki"]),
    ("trading", &["trade", "maoyi", "torgovyi"]),
    // One word in the lists' names of national oil companies (`Syrian Petroleum Company`,
    // `National Iranian Oil Company`); 石油, نفط, нефть read either.
    ("oil", &["petroleum"]),
    (
        "semiconductor",
        &["semiconductors", "bandaoti", "poluprovodnik"],
    ),
    (
        "communication",
        &[
            "communications",
            "tongxin",
            "tongxun",
            "telecom",
            "telecommunication",
        ],
    ),
    ("engineering", &["eng", "gongcheng", "inzhiniring"]),
    ("manufacturing", &["mfg", "manufacture", "zhizao"]),
    ("development", &["dev", "kaifa", "razvitiya"]),
    ("intelligent", &["intelligence", "zhineng"]),
    ("digital", &["shuzi", "tsifrovoi"]),
    ("network", &["networks", "wangluo", "set"]),
    ("equipment", &["zhuangbei", "oborudovanie"]),
    (
        "aviation",
        &["aeronautics", "hangkong", "aviatsionnyi", "aviatsiya"],
    ),
    (
        "aerospace",
        &["astronautics", "hangtian", "aerokosmicheskii"],
    ),
    ("research", &["yanjiu", "issledovatelskii"]),
    ("center", &["centre", "zhongxin", "tsentr", "centro"]),
    ("national", &["natl", "guojia", "national"]),
    ("china", &["zhongguo", "chinese", "prc"]),
    ("harbin", &["haerbin"]),
    ("bank", &["banque", "banco", "yinhang"]),
    ("and", &["y", "et", "und", "i"]),
    // Chinese organisational words (pinyin) that Entity List names translate rather than
    // transliterate: 国防 defense, 航空 aeronautics, 计算 computing...
    ("defense", &["defence", "guofang"]),
    ("computing", &["jisuan", "computation", "computational"]),
    ("super", &["chaoji"]),
    ("polytechnical", &["ligong", "polytechnic"]),
    ("physics", &["wuli", "physical"]),
    ("integrated", &["jicheng"]),
    ("circuit", &["dianlu", "circuits"]),
    ("northern", &["beifang", "north"]),
    ("northwestern", &["xibei"]),
    ("memory", &["cunchu"]),
    ("terminal", &["zhongduan", "device"]),
    ("microelectronics", &["weidianzi"]),
    ("shipbuilding", &["chuanbo"]),
    ("nuclear", &["hedian"]),
    ("academy", &["yanjiuyuan", "kexueyuan"]),
    ("military", &["junshi"]),
    ("medical", &["yixue"]),
    ("public", &["gonggong"]),
    ("publicsecurity", &["gongan"]),
    ("artificial", &["rengong"]),
    ("quantum", &["liangzi"]),
    // Russian words of organisation names, in the romanisation of the pipeline.
    ("concern", &["kontsern"]),
    ("united", &["obedinennaya", "obedinennaia", "obedinennyi"]),
    ("exchange", &["birzha"]),
    (
        "moscow",
        &["moskovskaya", "moskovskii", "moskva", "moskovskogo"],
    ),
    (
        "russia",
        &[
            "russian",
            "rossii",
            "rossiya",
            "rossiiskoi",
            "rossiiskaya",
            "rossiiskii",
        ],
    ),
    ("federation", &["federatsii", "federatsiya"]),
    (
        "state",
        &["gosudarstvennaya", "gosudarstvennyi", "gosudarstvennyy"],
    ),
    ("production", &["proizvodstvennaya", "proizvodstvennoe"]),
    ("plant", &["zavod"]),
    ("bureau", &["byuro", "biuro"]),
    ("airlines", &["airline", "airways", "avialinii"]),
    // Торговый дом, trading house.
    ("house", &["dom"]),
    ("shipbuilding", &["sudostroitelnaya"]),
    ("aircraft", &["aviastroitelnaya"]),
    ("central", &["tsentralnyi", "tsentralnyy"]),
    ("fund", &["fond"]),
    ("direct", &["pryamykh"]),
    ("investment", &["investments", "investitsii"]),
    ("security", &["bezopasnosti"]),
    ("service", &["sluzhba"]),
    ("foreign", &["vneshnei", "vneshney"]),
    ("main", &["glavnoe", "glavnoye"]),
    ("directorate", &["upravlenie", "upravleniye"]),
    ("agency", &["agentstvo"]),
    ("special", &["spetsialnyi"]),
    ("the", &[]),
    ("of", &["de", "del", "des", "du"]),
];

/// Short words that may stand on one side of two words run together (`deVenezuela`).
const FUNCTION_WORDS: &[&str] = &["and", "of", "de", "the", "del", "la", "des", "du", "et"];

/// Stems of generic words of organisation names in Russian and Belarusian (in the
/// romanisation of the pipeline), mapped to the canonical English word: Russian words inflect
/// (`научно`, `научный`, `научная`), so a stem matches a word that starts with it and has at
/// most five more letters. Applied after [`SYNONYMS`], to words of six letters or more.
pub const STEMS: &[(&str, &str)] = &[
    ("nauchn", "research"),
    ("issledovatel", "research"),
    ("issledovan", "research"),
    ("proizvodstv", "production"),
    ("korporats", "corporation"),
    ("obedinenn", "united"),
    // объединение (association, as in НПО, scientific production association) is the noun.
    ("obedineni", "association"),
    ("obieedineni", "association"),
    ("kreditn", "credit"),
    ("torgov", "trading"),
    ("kommerchesk", "commercial"),
    ("strakhov", "insurance"),
    ("transportn", "transport"),
    ("opytn", "experimental"),
    ("metallurgichesk", "metallurgical"),
    ("elektrotekhnichesk", "electrical"),
    ("telekommunikatsi", "telecommunications"),
    ("innovatsion", "innovation"),
    ("tsifrov", "digital"),
    ("dvigatel", "engine"),
    ("oruzhei", "weapons"),
    ("boepripas", "ammunition"),
    ("optiko", "optical"),
    ("opticheskii", "optical"),
    ("mekhanichesk", "mechanical"),
    ("vychislitel", "computing"),
    ("sputnikov", "satellite"),
    ("mikroelektron", "microelectronics"),
    ("finansov", "financial"),
    ("razviti", "development"),
    ("parokhodstv", "shipping"),
    ("aviakompani", "airlines"),
    ("akademi", "academy"),
    ("ispytateln", "testing"),
    ("glavn", "main"),
    ("obieedinenn", "united"),
    ("gosudarstvenn", "state"),
    ("federaln", "federal"),
    ("tsentraln", "central"),
    ("natsionaln", "national"),
    ("mezhdunarodn", "international"),
    ("rossiisk", "russia"),
    ("rossiysk", "russia"),
    ("moskovsk", "moscow"),
    ("tekhnologichesk", "technology"),
    ("tekhnologi", "technology"),
    ("spetsialn", "special"),
    ("tekhnichesk", "technical"),
    ("universitet", "university"),
    ("institut", "institute"),
    ("elektronik", "electronics"),
    ("elektronn", "electronics"),
    ("sistem", "systems"),
    ("aviatsionn", "aviation"),
    ("aviastroitel", "aircraft"),
    ("sudostroitel", "shipbuilding"),
    ("kosmichesk", "space"),
    ("promyshlenn", "industry"),
    ("kontsern", "concern"),
    ("agentstv", "agency"),
    ("razvedyvateln", "intelligence"),
    ("razvedk", "intelligence"),
    ("bezopasnost", "security"),
    ("upravleni", "directorate"),
    ("ministerstv", "ministry"),
    ("oboronn", "defense"),
    ("kompani", "company"),
    ("kholding", "holding"),
    ("menedzhment", "management"),
    ("konsalting", "consulting"),
    ("laboratori", "laboratory"),
    ("investitsi", "investment"),
    ("birzh", "exchange"),
    ("vertolet", "helicopter"),
    ("raketn", "missile"),
    ("vooruzheni", "weapons"),
    ("taktichesk", "tactical"),
    ("sberegateln", "savings"),
    ("neftyan", "oil"),
    ("gazov", "gas"),
    ("energetichesk", "energy"),
    ("konstruktorsk", "design"),
    ("predpriyat", "enterprise"),
    ("fizichesk", "physics"),
    ("fiziko", "physics"),
    ("matematichesk", "mathematics"),
    ("khimichesk", "chemical"),
    ("yadern", "nuclear"),
    ("atomn", "atomic"),
    ("kosmos", "space"),
    ("raketno", "missile"),
    ("morsk", "marine"),
    ("sudostroeni", "shipbuilding"),
    ("priborostroeni", "instruments"),
    ("radiotekhnichesk", "radio"),
    ("svyaz", "communication"),
];

/// The canonical word of a Russian inflected generic word (see [`STEMS`]).
fn stem_canonical(word: &str) -> Option<&'static str> {
    if word.len() < 6 {
        return None;
    }
    STEMS
        .iter()
        .find(|(stem, _)| word.starts_with(stem) && word.len() <= stem.len() + 5)
        .map(|(_, c)| *c)
}

/// Generic words of organisation names written in Arabic script (Persian and Arabic) or in
/// pinyin, with their usual English rendering in the lists. They give a query a second,
/// *translated* reading (see [`Normalizer::translate`]): the matcher keeps the better of the
/// transliterated and the translated reading, so a word that some listed names transliterate
/// (`بانک ملی` = `Bank Melli`) and others translate (`شرکت ملی نفت` = `National ... Oil Company`)
/// is found either way. Arabic-script words are normalised by this same pipeline; the article
/// (`ال`), `لل` and `و` in front of a word are tried off as well. Only generic vocabulary: never a
/// distinctive word of a particular party.
pub const TRANSLATIONS: &[(&str, &str)] = &[
    // Persian
    ("سازمان", "organization"),
    ("صنایع", "industries"),
    ("صنعتی", "industrial"),
    ("گروه", "group"),
    ("شرکت", "company"),
    ("بانک", "bank"),
    ("ملی", "national"),
    ("نفت", "oil"),
    ("گاز", "gas"),
    ("پتروشیمی", "petrochemical"),
    ("هواپیمایی", "air"),
    ("هوایی", "aviation"),
    ("هوافضا", "aerospace"),
    ("فضایی", "space"),
    ("فضائية", "space"),
    ("دفاع", "defense"),
    ("دفاعی", "defense"),
    ("انرژی", "energy"),
    ("اتمی", "atomic"),
    ("الکترونیک", "electronics"),
    ("وزارت", "ministry"),
    ("اطلاعات", "intelligence"),
    ("امنیت", "security"),
    ("جمهوری", "republic"),
    ("اسلامی", "islamic"),
    ("ایران", "iran"),
    ("مرکزی", "central"),
    ("کشتیرانی", "shipping"),
    ("فولاد", "steel"),
    ("سازندگی", "construction"),
    ("قرارگاه", "headquarters"),
    ("ستاد", "headquarters"),
    ("تجارت", "trade"),
    ("بازرگانی", "trading"),
    ("صادرات", "exports"),
    ("سپاه", "corps"),
    ("پاسداران", "guard"),
    ("انقلاب", "revolutionary"),
    ("خلیج", "gulf"),
    ("فارس", "persian"),
    ("موشکی", "missile"),
    ("تحقیقات", "research"),
    ("پژوهشگاه", "research institute"),
    ("دانشگاه", "university"),
    ("مهندسی", "engineering"),
    ("خدمات", "services"),
    ("تولیدی", "manufacturing"),
    ("بین‌المللی", "international"),
    ("کشتی", "ship"),
    ("هواپیما", "aircraft"),
    ("هواپیماسازی", "aircraft manufacturing"),
    ("کشتی‌سازی", "shipbuilding"),
    ("کشتیسازی", "shipbuilding"),
    ("خودروسازی", "automobile manufacturing"),
    ("ماشین‌سازی", "machinery"),
    ("ماشینسازی", "machinery"),
    ("موشک", "missile"),
    ("اجرایی", "execution"),
    ("فرمان", "order"),
    ("امام", "imam"),
    ("بنیاد", "foundation"),
    ("نیروی", "force"),
    ("نیرو", "force"),
    ("هوافضای", "aerospace"),
    ("دریایی", "naval"),
    ("زمینی", "ground"),
    ("پژوهش", "research"),
    ("پژوهشکده", "research institute"),
    ("فناوری", "technology"),
    ("تکنولوژی", "technology"),
    ("ارتباطات", "communications"),
    ("مخابرات", "telecommunication"),
    ("سرمایه‌گذاری", "investment"),
    ("سرمایه گذاری", "investment"),
    ("توسعه", "development"),
    ("پتروشیمی", "petrochemical"),
    ("پالایش", "refining"),
    ("نفتکش", "tanker"),
    ("حمل", "transport"),
    // Arabic
    ("مصرف", "bank"),
    ("بنك", "bank"),
    ("تجاري", "commercial"),
    ("سوري", "syrian"),
    ("سورية", "syrian"),
    ("عربية", "arab"),
    ("عربي", "arab"),
    ("طيران", "airlines"),
    ("مركز", "center"),
    ("دراسات", "studies"),
    ("بحوث", "research"),
    ("علمية", "scientific"),
    ("شركة", "company"),
    ("مؤسسة", "establishment"),
    ("جمعية", "association"),
    ("حركة", "movement"),
    ("مقاومة", "resistance"),
    ("إسلامية", "islamic"),
    ("إسلامي", "islamic"),
    ("دولة", "state"),
    ("حزب", "party"),
    ("الله", "god"),
    ("عراق", "iraq"),
    ("شام", "levant"),
    ("وطني", "national"),
    ("وطنية", "national"),
    ("صناعات", "industries"),
    ("عسكرية", "military"),
    ("وزارة", "ministry"),
    ("دفاع", "defense"),
    ("نفط", "oil"),
    ("كهرباء", "electricity"),
    ("اتصالات", "telecommunications"),
    ("مجموعة", "group"),
    ("قابضة", "holding"),
    ("تجارة", "trading"),
    ("استثمار", "investment"),
    ("عامة", "general"),
    ("جمهورية", "republic"),
    ("مركزي", "central"),
    ("شباب", "youth"),
    ("دراسات", "studies"),
    ("علمية", "scientific"),
    ("علمي", "scientific"),
    ("بحث", "research"),
    ("طاقة", "energy"),
    ("ذرية", "atomic"),
    ("صناعة", "industry"),
    ("صناعية", "industrial"),
    ("منظمة", "organization"),
    ("هيئة", "authority"),
    ("مؤسسة", "foundation"),
    ("مجلس", "council"),
    ("جيش", "army"),
    ("قوات", "forces"),
    ("حرس", "guard"),
    ("ثوري", "revolutionary"),
    ("تحرير", "liberation"),
    ("جبهة", "front"),
    ("مجاهدين", "mujahideen"),
    ("كتائب", "brigades"),
    ("لواء", "brigade"),
    ("شهداء", "martyrs"),
    ("نصر", "victory"),
    ("خيرية", "charitable"),
    ("إغاثة", "relief"),
    ("اغاثة", "relief"),
    ("صرافة", "exchange"),
    ("تمويل", "finance"),
    ("نقل", "transport"),
    ("شحن", "shipping"),
    ("بحري", "maritime"),
    // Korean
    ("조선", "korea"),
    ("은행", "bank"),
    ("무역", "trade"),
    ("광업", "mining"),
    ("개발", "development"),
    ("상업", "commercial"),
    ("총국", "general bureau"),
    ("총회사", "general corporation"),
    ("정찰", "reconnaissance"),
    ("공업", "industry"),
    ("기술", "technology"),
    ("기계", "machinery"),
    ("국가", "state"),
    ("중앙", "central"),
    ("대학", "university"),
    ("연구소", "research institute"),
    ("과학원", "academy of sciences"),
    ("해운", "shipping"),
    ("석유", "petroleum"),
    ("화학", "chemical"),
    ("전자", "electronics"),
    ("정보", "information"),
    ("통신", "communications"),
    ("연합", "united"),
    ("그룹", "group"),
    ("합영", "joint venture"),
    ("수출입", "import export"),
    ("신용", "credit"),
    ("민족", "national"),
    ("보험", "insurance"),
    ("총", "general"),
    ("군수", "munitions"),
    ("공업부", "industry department"),
    ("위원회", "committee"),
    ("인민", "people's"),
    ("무력", "armed forces"),
    ("해군", "navy"),
    ("공군", "air force"),
    ("항공", "airlines"),
    ("우주", "space"),
    ("원자력", "atomic energy"),
    ("기업소", "enterprise"),
    ("연합기업소", "complex"),
    ("공장", "factory"),
    ("제철소", "steel works"),
    ("선박", "ship"),
    ("수산", "fisheries"),
    ("금융", "financial"),
    ("투자", "investment"),
    ("국제", "international"),
    ("외국", "foreign"),
    ("합작", "joint venture"),
    ("상사", "trading company"),
    // Chinese (pinyin words, after segmentation)
    ("yun", "cloud"),
    ("sheji", "design"),
    ("xianjin", "advanced"),
    ("touzi", "investment"),
    ("chuangxin", "innovation"),
    ("fangzhi", "textile"),
    ("ruanjian", "software"),
    ("yingjian", "hardware"),
    ("weixing", "satellite"),
    ("nengyuan", "energy"),
    ("dianli", "power"),
    ("shiyou", "petroleum"),
    ("huagong", "chemical"),
    ("guangdian", "optoelectronic"),
    ("guangxue", "optical"),
    ("jingmi", "precision"),
    ("yiqi", "instrument"),
    ("shebei", "equipment"),
    ("cailiao", "materials"),
    ("shengwu", "biotechnology"),
    ("yiyao", "pharmaceutical"),
    ("yiliao", "medical"),
    ("shiyanshi", "laboratory"),
    ("xueyuan", "college"),
    ("jiaoyu", "education"),
    ("wuliu", "logistics"),
    ("jinrong", "financial"),
    ("baoxian", "insurance"),
    ("zhengquan", "securities"),
    ("jinchukou", "import export"),
    ("shangmao", "trading"),
    ("fazhan", "development"),
    ("guanli", "management"),
    ("zixun", "consulting"),
    ("fuwu", "services"),
    ("anquan", "security"),
    ("jiance", "testing"),
    ("jiliang", "metrology"),
    ("shuju", "data"),
    ("jisuanji", "computer"),
    ("xinpian", "chip"),
    ("xianshi", "display"),
    ("chuanganqi", "sensor"),
    ("jiqiren", "robotics"),
    ("zidonghua", "automation"),
    ("qiche", "automotive"),
    ("hangyun", "shipping"),
    ("kuangye", "mining"),
    ("gangtie", "steel"),
    ("jixie", "machinery"),
    // More general vocabulary of Chinese organisation names (pinyin words after
    // segmentation): industries, kinds of organisation, directions and regions, technology.
    ("zhonggong", "heavy industry"),
    ("kegong", "science and industry"),
    ("yunzaihuojian", "launch vehicle"),
    ("youdian", "posts and telecommunications"),
    ("jichengdianlu", "integrated circuit"),
    ("gaoxingneng", "high performance"),
    ("shengchan", "production"),
    ("bingtuan", "corps"),
    ("rengongzhineng", "artificial intelligence"),
    ("fazhipin", "hair products"),
    ("fushi", "apparel"),
    ("fengongsi", "branch"),
    ("wuzhengjianding", "forensic science"),
    ("guiye", "silicon"),
    ("jungong", "military industry"),
    ("bingqi", "ordnance"),
    ("daodan", "missile"),
    ("huojian", "rocket"),
    ("leida", "radar"),
    ("jiguang", "laser"),
    ("hongwai", "infrared"),
    ("daohang", "navigation"),
    ("heneng", "nuclear energy"),
    ("hegongye", "nuclear industry"),
    ("dianqi", "electric"),
    ("dianxin", "telecom"),
    ("yidong", "mobile"),
    ("hulianwang", "internet"),
    ("wulianwang", "internet of things"),
    ("dashuju", "big data"),
    ("xitong", "systems"),
    ("gongyi", "technology"),
    ("yuanqijian", "components"),
    ("lingbujian", "parts"),
    ("qicai", "equipment"),
    ("jiqi", "machine"),
    ("tuxiang", "image"),
    ("shibie", "recognition"),
    ("yuyin", "voice"),
    ("shijue", "vision"),
    ("nami", "nano"),
    ("huaxue", "chemical"),
    ("zhiyao", "pharmaceutical"),
    ("shipin", "food"),
    ("nongye", "agriculture"),
    ("jianshe", "construction"),
    ("jianzhu", "construction"),
    ("dichan", "real estate"),
    ("jiaotong", "transportation"),
    ("tielu", "railway"),
    ("haiyang", "ocean"),
    ("haishi", "maritime"),
    ("yuanyang", "ocean shipping"),
    ("ziben", "capital"),
    ("jijin", "fund"),
    ("xintuo", "trust"),
    ("wuzi", "materials"),
    ("qiye", "enterprise"),
    ("shiye", "industry"),
    ("zonggongsi", "general corporation"),
    ("lianhe", "united"),
    ("hezuo", "cooperation"),
    ("xiehui", "association"),
    ("weiyuanhui", "committee"),
    ("zizhiqu", "autonomous region"),
    ("gonganting", "public security department"),
    ("gonganju", "public security bureau"),
    ("yanfa", "research development"),
    ("shiyan", "experimental"),
    ("ceshi", "testing"),
    ("jiance", "testing"),
    ("jidi", "base"),
    ("huanqiu", "global"),
    ("quanqiu", "global"),
    ("shijie", "world"),
    ("yazhou", "asia"),
    ("dongfang", "eastern"),
    ("nanfang", "southern"),
    ("xibu", "western"),
    ("dongbei", "northeast"),
    ("huadong", "east china"),
    ("huanan", "south china"),
    ("huabei", "north china"),
    ("guoyou", "state owned"),
    ("xinxing", "emerging"),
    ("gaoxin", "high tech"),
    ("gaokeji", "high tech"),
    ("zhuanyong", "special"),
    ("tezhong", "special"),
    ("jingji", "economic"),
    ("kaifaqu", "development zone"),
    ("yuanqu", "park"),
    ("keyan", "research"),
    ("sheji", "design"),
    // Drones, aerospace, computing, materials, security and media (general vocabulary).
    ("wurenji", "drone"),
    ("wuren", "unmanned"),
    ("feiji", "aircraft"),
    ("zhishengji", "helicopter"),
    ("fadongji", "engine"),
    ("dongli", "power"),
    ("kongzhi", "control"),
    ("cekong", "measurement control"),
    ("yaogan", "remote sensing"),
    ("kongjian", "space"),
    ("yuhang", "astronautics"),
    ("chuliqi", "processor"),
    ("fuwuqi", "server"),
    ("dianchi", "battery"),
    ("guangfu", "photovoltaic"),
    ("dianlan", "cable"),
    ("guangbo", "broadcasting"),
    ("dianshi", "television"),
    ("chuanmei", "media"),
    ("chuban", "publishing"),
    ("mima", "cryptography"),
    ("jiami", "encryption"),
    ("qukuailian", "blockchain"),
    ("jingyuan", "wafer"),
    ("fengzhuang", "packaging"),
    ("guangke", "lithography"),
    ("zhenkong", "vacuum"),
    ("xitu", "rare earth"),
    ("youse", "nonferrous"),
    ("jinshu", "metals"),
    ("shengxue", "acoustics"),
    ("yingyong", "applied"),
    ("gaoneng", "high energy"),
    ("jiankong", "surveillance"),
    ("jingcha", "police"),
    ("wujing", "armed police"),
    ("jiefangjun", "liberation army"),
    ("renmin", "people"),
    ("yunshu", "transport"),
    ("gangkou", "port"),
    ("fuzhuang", "apparel"),
    ("chaosuan", "supercomputing"),
    ("zhongdian", "key"),
];

/// Ordinary Chinese words and geographic names (pinyin words after segmentation) that English
/// names of organisations translate rather than transliterate: `长江` is the Yangtze, `曙光`
/// dawn, `线程` thread. Unlike [`TRANSLATIONS`] they are distinctive in a name, so their English
/// words are not generic: they weigh what their rarity says. General vocabulary only, never a
/// particular party's name.
pub const NAME_WORDS: &[(&str, &str)] = &[
    // Rivers, seas, mountains and landmarks with a conventional English name.
    ("changjiang", "yangtze"),
    ("huanghe", "yellow river"),
    ("zhujiang", "pearl river"),
    ("huanghai", "yellow sea"),
    ("changcheng", "great wall"),
    // Ordinary words.
    ("shuguang", "dawn"),
    ("yinhe", "galaxy"),
    ("xiancheng", "thread"),
    ("hongqi", "red flag"),
    ("weilai", "future"),
    ("xianfeng", "pioneer"),
];

/// Abbreviations of Russian organisation names (Cyrillic, and as other romanisations write
/// them), with the words English renderings of the lists use: `НТЦ` (научно-технический центр)
/// is a `Research Center`, `НИИ` a `Research Institute`. They give a translated reading like
/// [`TRANSLATIONS`], inside a name of two words or more (alone it may be any party's initials);
/// a Latin one of three letters or more only (`KB` is a bank's name too).
pub const RUSSIAN_ABBREVIATIONS: &[(&str, &str)] = &[
    ("НТЦ", "research center"),
    ("NTC", "research center"),
    ("NTZ", "research center"),
    ("НИЦ", "research center"),
    ("НИИ", "research institute"),
    ("ЦНИИ", "central research institute"),
    ("CNII", "central research institute"),
    ("ГНЦ", "state research center"),
    ("ОКБ", "design bureau"),
    ("КБ", "design bureau"),
    ("НПП", "research production enterprise"),
    ("ВПК", "military industrial corporation"),
    ("WPK", "military industrial corporation"),
];

/// Multi-word expressions of organisation names that say the same thing in different words,
/// mapped to one canonical token, on both sides of every comparison (after the canonical
/// generic words, function words skipped): the many English renderings of 工业大学 / 理工大学 /
/// 科技大学 (`Institute of Technology`, `Polytechnical University`, `University of
/// Technology`, `University of Science and Technology`) all become `polytechnic`. A general
/// table of expressions, never a particular party's name.
pub const PHRASES: &[(&[&str], &str)] = &[
    (&["university", "science", "technology"], "polytechnic"),
    (&["science", "technology", "university"], "polytechnic"),
    (&["institute", "technology"], "polytechnic"),
    (&["polytechnical", "university"], "polytechnic"),
    (&["polytechnical", "institute"], "polytechnic"),
    (&["polytechnical"], "polytechnic"),
    (&["university", "technology"], "polytechnic"),
    (&["technology", "university"], "polytechnic"),
    (&["industry", "university"], "polytechnic"),
    (&["science", "technology"], "technology"),
    (&["research", "development"], "research"),
    (&["research", "institute"], "institute"),
    (&["academy", "sciences"], "academy"),
    (&["academy", "science"], "academy"),
];

/// The script a token came from, used to pick the right comparison (Arabic script writes no
/// short vowels, so its tokens compare on consonant skeletons).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Script {
    Latin,
    Han,
    Cyrillic,
    Arabic,
    /// Korean: syllables segmented into words like Chinese characters.
    Hangul,
    Other,
}

fn script_of(c: char) -> Script {
    let u = c as u32;
    if c.is_ascii() {
        Script::Latin
    } else if (0x4E00..=0x9FFF).contains(&u)
        || (0x3400..=0x4DBF).contains(&u)
        || (0x20000..=0x2A6DF).contains(&u)
        || (0xF900..=0xFAFF).contains(&u)
    {
        Script::Han
    } else if (0xAC00..=0xD7A3).contains(&u) {
        Script::Hangul
    } else if (0x0400..=0x052F).contains(&u) {
        Script::Cyrillic
    } else if (0x0600..=0x06FF).contains(&u)
        || (0x0750..=0x077F).contains(&u)
        || (0xFB50..=0xFDFF).contains(&u)
        || (0xFE70..=0xFEFF).contains(&u)
    {
        Script::Arabic
    } else if c.is_alphabetic() && (u < 0x0250 || (0x1E00..=0x1EFF).contains(&u)) {
        Script::Latin
    } else {
        Script::Other
    }
}

/// One token of a normalised name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// ASCII lower-case text.
    pub text: String,
    /// The script it was written in.
    pub script: Script,
    /// For Arabic-script tokens, the phonetic key built letter by letter (so that two letters
    /// whose transliterations happen to form a Latin digraph, `پ` `ه` → `ph`, stay two
    /// consonants); empty otherwise.
    pub skeleton: String,
    /// A word made of Chinese syllables (characters, or pinyin written syllable by syllable):
    /// its pinyin generic words translate ([`Normalizer::translate`]).
    pub syllabic: bool,
}

/// A name after normalisation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NormalizedName {
    /// The name proper: canonical tokens, legal forms removed, in the written order.
    pub tokens: Vec<Token>,
    /// Legal forms recognised at either end.
    pub legal_forms: Vec<LegalClass>,
}

impl NormalizedName {
    /// Tokens joined with single spaces (for display and explanations).
    pub fn text(&self) -> String {
        self.tokens
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A raw token before legal forms and segmentation.
#[derive(Debug, Clone)]
struct RawToken {
    text: String,
    script: Script,
    /// A single Chinese syllable (candidate for segmentation).
    syllable: bool,
    /// See [`Token::skeleton`].
    skeleton: String,
    /// A Hangul syllable that starts a written word (Korean separates words with spaces, so a
    /// syllable run never crosses one).
    word_start: bool,
    /// Another reading of a polyphonic Chinese character ([`POLYPHONES`]): `长` is `zhang`
    /// (grow) in the transliteration table but `chang` (long) in `长江`, `长沙`.
    alt: Option<&'static str>,
}

/// Chinese characters with two common readings, and the reading that the transliteration
/// table (`any_ascii`) does not give. Segmentation (step 5) tries the other reading where it
/// forms a known word (`厦门` `sha men` → `xiamen`, `长江` → `changjiang`, `重庆` → `chongqing`,
/// `银行` → `yinhang`). General: characters, never names.
pub const POLYPHONES: &[(char, &[&str])] = &[
    ('长', &["chang", "zhang"]),
    ('厦', &["xia", "sha"]),
    ('重', &["chong", "zhong"]),
    ('行', &["hang", "xing"]),
    ('乐', &["le", "yue"]),
    ('藏', &["zang", "cang"]),
    ('朝', &["chao", "zhao"]),
    ('传', &["chuan", "zhuan"]),
    ('都', &["du", "dou"]),
    ('单', &["dan", "shan"]),
    ('会', &["hui", "kuai"]),
    ('调', &["diao", "tiao"]),
    ('曾', &["zeng", "ceng"]),
    ('解', &["jie", "xie"]),
    ('省', &["sheng", "xing"]),
    ('系', &["xi", "ji"]),
    ('大', &["da", "dai"]),
    ('强', &["qiang", "jiang"]),
    ('还', &["hai", "huan"]),
    ('石', &["shi", "dan"]),
    ('参', &["can", "shen"]),
    ('差', &["cha", "chai"]),
    ('薄', &["bo", "bao"]),
    ('盛', &["sheng", "cheng"]),
    ('沈', &["shen", "chen"]),
    ('尉', &["wei", "yu"]),
    ('蔚', &["wei", "yu"]),
    ('查', &["cha", "zha"]),
    ('仇', &["chou", "qiu"]),
    ('区', &["qu", "ou"]),
];

/// The other reading of a polyphonic character (see [`POLYPHONES`]), given the reading the
/// transliteration table gave.
fn polyphone_alt(c: char, reading: &str) -> Option<&'static str> {
    let (_, readings) = POLYPHONES.iter().find(|(p, _)| *p == c)?;
    readings.iter().copied().find(|r| *r != reading)
}

/// Steps 1–3: NFKC, lower case, transliteration, punctuation, single-letter runs.
fn raw_tokens(name: &str) -> Vec<RawToken> {
    // NFKC changes nothing in ASCII: skip it (most queries).
    let folded: String = if name.is_ascii() {
        name.to_ascii_lowercase()
    } else {
        name.nfkc().collect::<String>().to_lowercase()
    };
    let mut out: Vec<RawToken> = Vec::new();
    let mut cur = String::new();
    let mut cur_script = Script::Latin;
    let mut skel = String::new();
    let flush = |cur: &mut String, skel: &mut String, script: Script, out: &mut Vec<RawToken>| {
        let skeleton = std::mem::take(skel);
        if !cur.is_empty() {
            out.push(RawToken {
                text: std::mem::take(cur),
                script,
                syllable: false,
                word_start: false,
                alt: None,
                skeleton: if script == Script::Arabic {
                    skeleton
                } else {
                    String::new()
                },
            });
        }
    };
    let mut buf = [0u8; 4];
    let mut prev_script = Script::Other;
    for c in folded.chars() {
        let script = script_of(c);
        if c.is_ascii_alphanumeric() {
            if cur.is_empty() {
                cur_script = Script::Latin;
            }
            cur.push(c);
            continue;
        }
        match c {
            '\'' | '’' | '‘' | 'ʼ' | '`' | '´' | 'ʻ' => continue,
            '&' => {
                flush(&mut cur, &mut skel, cur_script, &mut out);
                out.push(RawToken {
                    text: "and".into(),
                    script: Script::Latin,
                    syllable: false,
                    skeleton: String::new(),
                    word_start: false,
                    alt: None,
                });
                continue;
            }
            _ => {}
        }
        if c == '市' || c == '省' {
            // Administrative suffixes (city, province) after a place name: not part of a name.
            flush(&mut cur, &mut skel, cur_script, &mut out);
            continue;
        }
        if script == Script::Han || script == Script::Hangul {
            flush(&mut cur, &mut skel, cur_script, &mut out);
            let t = any_ascii::any_ascii_char(c).to_ascii_lowercase();
            let t: String = t.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            if !t.is_empty() {
                out.push(RawToken {
                    alt: polyphone_alt(c, &t),
                    text: t,
                    script,
                    syllable: true,
                    skeleton: String::new(),
                    word_start: script == Script::Hangul && prev_script != Script::Hangul,
                });
            }
            prev_script = script;
            continue;
        }
        prev_script = script;
        if c.is_alphanumeric() || (script == Script::Arabic && !c.is_whitespace()) {
            // The háček letters of Slavic scientific transliteration and Czech, Croatian,
            // Latvian... sound as English writes `ch`, `sh`, `zh` (`texničeskij`, `Šostka`):
            // written so, not reduced to `c`, `s`, `z`.
            let t = match c {
                'č' | 'ć' => "ch".to_string(),
                'š' | 'ś' => "sh".to_string(),
                'ž' | 'ź' => "zh".to_string(),
                _ => any_ascii::any_ascii(c.encode_utf8(&mut buf)).to_ascii_lowercase(),
            };
            let letters: String = t.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            if letters.is_empty() {
                // A letter with no ASCII rendering (Arabic combining marks, tatweel): part of
                // the word, contributes nothing.
                continue;
            }
            // A word takes the script of its first non-Latin letter.
            if cur.is_empty() || (cur_script == Script::Latin && script != Script::Latin) {
                cur_script = script;
            }
            if script == Script::Arabic {
                skel.push_str(&phonetic_key(&letters));
            } else {
                skel.push_str(&letters);
            }
            cur.push_str(&letters);
            continue;
        }
        // Everything else (spaces, punctuation, symbols) separates tokens.
        flush(&mut cur, &mut skel, cur_script, &mut out);
    }
    flush(&mut cur, &mut skel, cur_script, &mut out);
    // Runs of two or more Latin tokens that are all pinyin syllables (`Hai Si Ban Dao Ti`) are
    // Chinese written syllable by syllable: segment them like Chinese characters.
    let mut i = 0;
    while i < out.len() {
        let mut j = i;
        while j < out.len() && out[j].script == Script::Latin && is_pinyin_syllable(&out[j].text) {
            j += 1;
        }
        if j - i >= 2 {
            for t in &mut out[i..j] {
                t.syllable = true;
            }
        }
        i = j.max(i + 1);
    }
    // Join runs of single-letter Latin/Cyrillic tokens: `s a` -> `sa`, `a q khan` -> `aq khan`.
    let mut joined: Vec<RawToken> = Vec::with_capacity(out.len());
    let mut i = 0;
    while i < out.len() {
        if out[i].text.len() == 1 && !out[i].syllable {
            let mut j = i;
            let mut s = String::new();
            while j < out.len() && out[j].text.len() == 1 && !out[j].syllable {
                s.push_str(&out[j].text);
                j += 1;
            }
            if j - i >= 2 {
                joined.push(RawToken {
                    text: s,
                    script: out[i].script,
                    syllable: false,
                    skeleton: String::new(),
                    word_start: false,
                    alt: None,
                });
                i = j;
                continue;
            }
        }
        joined.push(out[i].clone());
        i += 1;
    }
    joined
}

/// The value of a Chinese numeral syllable (characters or pinyin): `shi` 十 is ten, `bai` 百 a
/// hundred; `None` for any other syllable.
fn numeral_value(syllable: &str) -> Option<u32> {
    Some(match syllable {
        "ling" => 0,
        "yi" => 1,
        "er" | "liang" => 2,
        "san" => 3,
        "si" => 4,
        "wu" => 5,
        "liu" => 6,
        "qi" => 7,
        "ba" => 8,
        "jiu" => 9,
        "shi" => 10,
        "bai" => 100,
        _ => return None,
    })
}

/// The number a run of Chinese numeral syllables writes: positional with `shi`/`bai`
/// (`san shi ba` 三十八 = 38, `shi si` 十四 = 14, `er bai ling san` 二百零三 = 203), digit by digit
/// otherwise (`qi yi er` 七一二 = 712).
fn chinese_number(values: &[u32]) -> String {
    if !values.iter().any(|&v| v >= 10) {
        return values.iter().map(|v| v.to_string()).collect();
    }
    let (mut total, mut digit) = (0u32, None::<u32>);
    for &v in values {
        match v {
            10 | 100 => {
                // Saturating: a name of millions of numerals must not overflow.
                total = total.saturating_add(digit.unwrap_or(1) * v);
                digit = None;
            }
            d => digit = Some(d),
        }
    }
    total.saturating_add(digit.unwrap_or(0)).to_string()
}

/// English ordinal words, as the lists write the numbered institutes and academies
/// (`Second Academy`) that Chinese writes 第二研究院.
const ORDINAL_WORDS: &[&str] = &[
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
];

/// How an ordinal is written once normalised: as the lists write it, a word up to ten (`second`:
/// a misspelt `Sceond` is still near it) and digits above (`38`).
fn ordinal(number: &str) -> String {
    match number.parse::<usize>() {
        Ok(n @ 1..=10) => ORDINAL_WORDS[n - 1].to_string(),
        _ => match number.trim_start_matches('0') {
            "" => "0".to_string(),
            n => n.to_string(),
        },
    }
}

/// Numbers written one way: ordinals (`38th`, `2nd`) and Chinese ordinals (`第三十八`, `Di San
/// Shi Ba`, `第二`) become what [`ordinal`] writes (`38`, `second`), and the `No.` in front of a
/// number goes (`No. 38`, `No. 2` = `second`). Numbered institutes are many on the lists and
/// differ only by their number, which must match exactly.
fn fold_numbers(toks: Vec<RawToken>) -> Vec<RawToken> {
    let digits_token = |text: String| RawToken {
        text,
        script: Script::Latin,
        syllable: false,
        skeleton: String::new(),
        word_start: false,
        alt: None,
    };
    let mut out: Vec<RawToken> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        // 第 + numerals, in characters or pinyin syllables.
        if t.syllable && t.text == "di" {
            let values: Vec<u32> = toks[i + 1..]
                .iter()
                .take_while(|u| u.syllable && u.script == t.script)
                .map_while(|u| numeral_value(&u.text))
                .collect();
            if !values.is_empty() {
                out.push(digits_token(ordinal(&chinese_number(&values))));
                i += 1 + values.len();
                continue;
            }
        }
        if !t.syllable && t.script == Script::Latin {
            let w = t.text.as_str();
            let number = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            let letters = &w[number.len()..];
            if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) {
                // `38th`, and `38thResearch` (a space left out) as `38` `research`.
                let rest = ["st", "nd", "rd", "th"]
                    .iter()
                    .find_map(|o| letters.strip_prefix(o))
                    .filter(|r| r.is_empty() || r.len() >= 3);
                if let Some(rest) = rest {
                    out.push(digits_token(ordinal(number)));
                    if !rest.is_empty() {
                        out.push(RawToken {
                            text: rest.to_string(),
                            ..digits_token(String::new())
                        });
                    }
                    i += 1;
                    continue;
                }
            }
            let next_number = toks
                .get(i + 1)
                .filter(|u| !u.text.is_empty() && u.text.bytes().all(|b| b.is_ascii_digit()));
            if let (Some(n), true) = (next_number, matches!(w, "no" | "nr")) {
                out.push(digits_token(ordinal(&n.text)));
                i += 2;
                continue;
            }
        }
        out.push(toks[i].clone());
        i += 1;
    }
    out
}

/// The pinyin syllables (toneless), from the transliteration of the CJK Unified Ideographs,
/// each packed into an integer ([`syllable_code`]): looked up many times per name.
fn pinyin_syllables() -> &'static [u32] {
    static SET: std::sync::OnceLock<Vec<u32>> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        // A sorted array, searched by halves: a few hundred syllables, looked up for every
        // substring of a word when it is split into syllables.
        let mut codes: Vec<u32> = (0x4E00u32..=0x9FFF)
            .filter_map(char::from_u32)
            .map(|c| any_ascii::any_ascii_char(c).to_ascii_lowercase())
            .filter_map(|s| syllable_code(s.as_bytes()))
            .collect();
        codes.sort_unstable();
        codes.dedup();
        codes
    })
}

/// Up to six lower-case ASCII letters packed five bits each; `None` for anything else.
fn syllable_code(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 6 {
        return None;
    }
    s.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_lowercase()
            .then(|| (acc << 5) | u32::from(b - b'a' + 1))
    })
}

/// A Hangul syllable, read by the transliteration table in Revised Romanization (`byeong`,
/// `cheol`, `li`, `muyeog`), respelt the way the lists write North Korean names and bodies
/// (McCune-Reischauer as the DPRK uses it, without breves and apostrophes): ㄱ ㄷ ㅂ ㄹ begin a
/// syllable as `k` `t` `p` `r`, ㅓ is `o`, ㅡ is `u`, a final ㄱ ㅂ ㄷ is `k` `p` `t` (`Ri Pyong
/// Chol`, `Tanchon`, `Kwangson`); inside a word, after a vowel or a voiced final, ㄱ ㄷ ㅂ stay
/// `g` `d` `b` (`ryon` + `bong`: `voiced`). Applied to the syllables of names only: the Korean
/// vocabulary is looked up in the table's reading, which tells ㄷ from ㅌ.
fn dprk_syllable(rr: &str, voiced: bool) -> String {
    const INITIALS: &[(&str, &str)] = &[
        ("kk", "kk"),
        ("tt", "tt"),
        ("pp", "pp"),
        ("ss", "ss"),
        ("jj", "jj"),
        ("ch", "ch"),
        ("g", "k"),
        ("d", "t"),
        ("b", "p"),
        ("l", "r"),
        ("r", "r"),
        ("n", "n"),
        ("m", "m"),
        ("s", "s"),
        ("j", "j"),
        ("k", "k"),
        ("t", "t"),
        ("p", "p"),
        ("h", "h"),
    ];
    const VOWELS: &[(&str, &str)] = &[
        ("yeo", "yo"),
        ("weo", "wo"),
        ("wae", "wae"),
        ("yae", "yae"),
        ("eo", "o"),
        ("eu", "u"),
        ("ae", "ae"),
        ("oe", "oe"),
        ("ui", "ui"),
        ("wa", "wa"),
        ("wo", "wo"),
        ("we", "we"),
        ("wi", "wi"),
        ("ya", "ya"),
        ("yo", "yo"),
        ("yu", "yu"),
        ("ye", "ye"),
        ("a", "a"),
        ("e", "e"),
        ("i", "i"),
        ("o", "o"),
        ("u", "u"),
    ];
    let (initial, rest) = INITIALS
        .iter()
        .find_map(|(rr_i, mr)| rr.strip_prefix(rr_i).map(|r| (*mr, r)))
        .unwrap_or(("", rr));
    let initial = match (initial, voiced) {
        ("k", true) if rr.starts_with('g') => "g",
        ("t", true) if rr.starts_with('d') => "d",
        ("p", true) if rr.starts_with('b') => "b",
        _ => initial,
    };
    let Some((vowel, fin)) = VOWELS
        .iter()
        .find_map(|(rr_v, mr)| rest.strip_prefix(rr_v).map(|r| (*mr, r)))
    else {
        // Not a syllable the table writes (a letter of the compatibility block): as it is.
        return rr.to_string();
    };
    let fin = match fin {
        "g" | "kk" => "k",
        "b" => "p",
        "d" | "s" | "ss" | "j" | "ch" | "t" | "h" => "t",
        other => other,
    };
    format!("{initial}{vowel}{fin}")
}

/// Korean surnames as the pipeline writes Hangul ([`dprk_syllable`]) and as the lists write
/// them (the DPRK usage: 김 Kim, 리/이 Ri, 임/림 Rim, 박 Pak).
const KOREAN_SURNAMES: &[(&str, &str)] = &[
    ("kim", "kim"),
    ("i", "ri"),
    ("ri", "ri"),
    ("pak", "pak"),
    ("choe", "choe"),
    ("jong", "jong"),
    ("kang", "kang"),
    ("jo", "jo"),
    ("yun", "yun"),
    ("jang", "jang"),
    ("im", "rim"),
    ("rim", "rim"),
    ("han", "han"),
    ("o", "o"),
    ("so", "so"),
    ("sin", "sin"),
    ("kwon", "kwon"),
    ("hwang", "hwang"),
    ("an", "an"),
    ("song", "song"),
    ("ryu", "ryu"),
    ("yu", "yu"),
    ("hong", "hong"),
    ("jon", "jon"),
    ("ko", "ko"),
    ("mun", "mun"),
    ("yang", "yang"),
    ("son", "son"),
    ("pae", "pae"),
    ("paek", "paek"),
    ("ho", "ho"),
    ("nam", "nam"),
    ("ro", "ro"),
    ("no", "no"),
    ("ha", "ha"),
    ("ju", "ju"),
    ("u", "u"),
    ("min", "min"),
    ("jin", "jin"),
    ("cha", "cha"),
    ("hyon", "hyon"),
    ("tae", "tae"),
];

/// The list spelling of the surname of a three-syllable Hangul word that starts with one and
/// holds no known word (a person's name).
fn korean_surname(run: &[RawToken], vocabulary: &HashSet<String>) -> Option<&'static str> {
    if run.len() != 3 || run[0].script != Script::Hangul {
        return None;
    }
    for n in 2..=3 {
        for k in 0..=3 - n {
            let w: String = run[k..k + n].iter().map(|t| t.text.as_str()).collect();
            if vocabulary.contains(&w) {
                return None;
            }
        }
    }
    let first = dprk_syllable(&run[0].text, false);
    KOREAN_SURNAMES
        .iter()
        .find(|(spelt, _)| *spelt == first)
        .map(|(_, list)| *list)
}

/// Whether a word is a run of pinyin syllables (`zhongxin`, `jicheng`).
fn is_pinyin_word(w: &str) -> bool {
    let b = w.len();
    if b > 48 || !w.is_ascii() {
        return false;
    }
    let mut ok = [false; 49];
    ok[0] = true;
    for i in 0..b {
        if !ok[i] {
            continue;
        }
        for j in i + 1..=(i + 6).min(b) {
            if w.is_char_boundary(j) && is_pinyin_syllable(&w[i..j]) {
                ok[j] = true;
            }
        }
    }
    ok[b]
}

/// The initials of a word written in two or more pinyin syllables, fewest syllables first
/// (`shenzhen` -> `sz`, `dajiang` -> `dj`), as Chinese names are abbreviated (`SZ DJI`); `None`
/// for a word that is not pinyin or is one syllable.
pub fn pinyin_initials(w: &str) -> Option<String> {
    let syllables = pinyin_split(w)?;
    (syllables.len() >= 2).then(|| syllables.iter().map(|s| &s[..1]).collect())
}

/// The pinyin syllables of a word of 4 to 24 letters, fewest first (`shenzhen` -> `shen zhen`,
/// `xian` -> `xian`); `None` when it is not pinyin.
pub fn pinyin_split(w: &str) -> Option<Vec<&str>> {
    let n = w.len();
    if !(4..=24).contains(&n) || !w.is_ascii() {
        return None;
    }
    // best[i]: fewest syllables covering w[..i], with the start of the last one.
    let mut best: [Option<(usize, usize)>; 25] = [None; 25];
    best[0] = Some((0, 0));
    for i in 0..n {
        let Some((count, _)) = best[i] else { continue };
        for j in i + 1..=(i + 6).min(n) {
            if is_pinyin_syllable(&w[i..j]) && best[j].is_none_or(|(c, _)| count + 1 < c) {
                best[j] = Some((count + 1, i));
            }
        }
    }
    let (count, _) = best[n]?;
    let mut syllables = Vec::with_capacity(count);
    let mut end = n;
    while end > 0 {
        let (_, start) = best[end]?;
        syllables.push(&w[start..end]);
        end = start;
    }
    syllables.reverse();
    Some(syllables)
}

fn is_pinyin_syllable(t: &str) -> bool {
    syllable_code(t.as_bytes()).is_some_and(|c| pinyin_syllables().binary_search(&c).is_ok())
}

/// The normaliser: the legal-form table and the synonym table compiled once.
#[derive(Debug, Clone)]
pub struct Normalizer {
    /// Legal-form token sequences, longest first.
    legal: Vec<(Vec<String>, LegalClass)>,
    /// Word -> canonical word.
    synonyms: HashMap<String, String>,
    /// Known words for segmenting Chinese syllable runs.
    vocabulary: HashSet<String>,
    /// The longest vocabulary word, in syllables, tried when segmenting.
    max_syllables: usize,
    /// Latin words of legal forms (`joint`, `stock`, `company`, ...).
    legal_words: HashSet<String>,
    /// Generic words of seven letters or more (synonyms and their canonical words) with their
    /// canonical word, for [`Normalizer::misspelt_generic`].
    generic_words: Vec<(String, String)>,
    /// Normalised word (Arabic-script or pinyin) -> its English words (see [`TRANSLATIONS`]).
    translations: HashMap<String, Vec<String>>,
    /// Phonetic keys of the [`STEMS`] stems (four consonants or more), with their canonical
    /// word, for [`Normalizer::stem_by_sound`].
    stem_keys: Vec<(&'static str, String, &'static str)>,
    /// [`CHINESE_PLACES`] as a set.
    places: HashSet<String>,
    /// [`RUSSIAN_ABBREVIATIONS`], normalised, with their canonical English words.
    abbreviations: HashMap<String, Vec<String>>,
    /// Canonical generic words (targets of [`SYNONYMS`], [`STEMS`] and [`TRANSLATIONS`]) that
    /// are not places: words that say what kind of party, never which one.
    generic: HashSet<String>,
}

/// Canonical words of the tables above that name a place or a people: distinctive when the
/// rest of a name is generic, so never counted as generic.
const PLACE_CANONICALS: &[&str] = &[
    "china", "harbin", "moscow", "russia", "iran", "iraq", "korea", "syrian", "arab", "persian",
    "gulf", "levant",
];

impl Default for Normalizer {
    fn default() -> Self {
        Normalizer::new()
    }
}

impl Normalizer {
    /// The normaliser with the built-in tables and a vocabulary of generic words only.
    pub fn new() -> Self {
        let mut legal: Vec<(Vec<String>, LegalClass)> = LEGAL_FORMS
            .iter()
            .map(|(form, class)| {
                let toks = raw_tokens(form).into_iter().map(|t| t.text).collect();
                (toks, *class)
            })
            .filter(|(t, _): &(Vec<String>, _)| !t.is_empty())
            .collect();
        legal.sort_by_key(|f| std::cmp::Reverse(f.0.len()));
        let mut synonyms = HashMap::default();
        let mut vocabulary = HashSet::default();
        for (canon, words) in SYNONYMS {
            vocabulary.insert(canon.to_string());
            for w in *words {
                synonyms.insert(w.to_string(), canon.to_string());
                vocabulary.insert(w.to_string());
            }
        }
        for city in CHINESE_PLACES {
            vocabulary.insert(city.to_string());
        }
        let legal_words = LEGAL_FORMS
            .iter()
            .filter(|(f, _)| f.is_ascii())
            .flat_map(|(f, _)| f.split_whitespace().map(String::from).collect::<Vec<_>>())
            .filter(|w| w.len() >= 2)
            .chain(
                [
                    "co",
                    "joint",
                    "stock",
                    "public",
                    "open",
                    "closed",
                    "commercial",
                ]
                .map(String::from),
            )
            .collect();
        let mut n = Normalizer {
            legal_words,
            legal,
            synonyms,
            vocabulary,
            max_syllables: 4,
            translations: HashMap::default(),
            generic_words: Vec::new(),
            generic: HashSet::default(),
            places: CHINESE_PLACES.iter().map(|p| p.to_string()).collect(),
            abbreviations: HashMap::default(),
            stem_keys: STEMS
                .iter()
                .map(|(stem, c)| (*stem, phonetic_key(stem), *c))
                .filter(|(_, k, _)| k.len() >= 5)
                .collect(),
        };
        let mut generic: Vec<(String, String)> = SYNONYMS
            .iter()
            .flat_map(|(canon, words)| {
                std::iter::once(canon.to_string())
                    .chain(words.iter().map(|w| w.to_string()))
                    .map(move |w| (w, canon.to_string()))
            })
            .filter(|(w, _)| w.len() >= 7 && w.is_ascii() && !is_pinyin_word(w))
            .collect();
        generic.sort();
        generic.dedup();
        n.generic_words = generic;
        let mut translations = HashMap::default();
        for (word, english) in TRANSLATIONS.iter().chain(NAME_WORDS) {
            let key: String = if word.is_ascii() {
                n.vocabulary.insert(word.to_string());
                word.to_string()
            } else {
                match raw_tokens(word).as_slice() {
                    [one] if !one.syllable => one.text.clone(),
                    syl if !syl.is_empty() && syl.iter().all(|t| t.syllable) => {
                        let joined: String = syl.iter().map(|t| t.text.as_str()).collect();
                        n.vocabulary.insert(joined.clone());
                        joined
                    }
                    _ => continue,
                }
            };
            let words = english
                .split_whitespace()
                .map(|w| n.canonical(w).to_string())
                .collect();
            translations.entry(key).or_insert(words);
        }
        n.translations = translations;
        let mut abbreviations = HashMap::default();
        for (abbr, english) in RUSSIAN_ABBREVIATIONS {
            if let [one] = raw_tokens(abbr).as_slice() {
                let words = english
                    .split_whitespace()
                    .map(|w| n.canonical(w).to_string())
                    .collect();
                abbreviations.entry(one.text.clone()).or_insert(words);
            }
        }
        n.abbreviations = abbreviations;
        let mut generic: HashSet<String> = SYNONYMS
            .iter()
            .map(|(c, _)| c.to_string())
            .chain(STEMS.iter().map(|(_, c)| n.canonical(c).to_string()))
            .chain(TRANSLATIONS.iter().flat_map(|(_, english)| {
                english
                    .split_whitespace()
                    .map(|w| n.canonical(w).to_string())
                    .collect::<Vec<_>>()
            }))
            .filter(|w| !PLACE_CANONICALS.contains(&w.as_str()))
            .collect();
        for w in ["and", "of", "the"] {
            generic.remove(w);
        }
        n.generic = generic;
        n
    }

    /// Whether a canonical word is generic vocabulary of organisation names (`technology`,
    /// `group`, `research`...): its weight is capped by the matcher, so that a small list's
    /// document frequencies do not make `information` or `group` count like a distinctive word.
    pub fn is_generic(&self, word: &str) -> bool {
        self.generic.contains(word)
    }

    /// Whether a word is in the segmentation vocabulary (generic words, places and, once the
    /// matcher extended it, the list's own words).
    pub fn is_vocabulary_word(&self, word: &str) -> bool {
        self.vocabulary.contains(word)
    }

    /// Whether a word is a Chinese province or city ([`CHINESE_PLACES`]).
    pub fn is_place(&self, word: &str) -> bool {
        self.places.contains(word)
    }

    /// Whether a word is one of the tables' canonical words (generic or a place: `china`,
    /// `technology`), i.e. English, not pinyin, whatever its letters (`china` reads `chi na`).
    pub fn is_canonical_word(&self, word: &str) -> bool {
        self.generic.contains(word) || PLACE_CANONICALS.contains(&word)
    }

    /// The translated reading of a normalised name: its Arabic-script and Chinese generic
    /// words replaced by their English words ([`TRANSLATIONS`]); `None` when no word has a
    /// translation. The matcher screens both readings and keeps the better.
    pub fn translate(&self, name: &NormalizedName) -> Option<NormalizedName> {
        let mut changed = false;
        let mut tokens = Vec::with_capacity(name.tokens.len());
        for t in &name.tokens {
            let found = match t.script {
                Script::Arabic => {
                    let mut keys = vec![t.text.as_str()];
                    let mut rest = t.text.as_str();
                    // و (and), ال (the), لل (for the) in front of the word.
                    if let Some(r) = rest.strip_prefix('w').filter(|r| r.len() >= 3) {
                        keys.push(r);
                        rest = r;
                    }
                    // `العلمية` -> `llmyh`: the article `l` before a word that itself starts
                    // with `l` (ع has no Latin letter), so both `ll` and `l` are tried.
                    for p in ["ll", "l"] {
                        if let Some(r) = rest.strip_prefix(p).filter(|r| r.len() >= 2) {
                            keys.push(r);
                        }
                    }
                    keys.iter().find_map(|k| self.translations.get(*k))
                }
                Script::Han | Script::Hangul => self.translations.get(&t.text),
                _ if t.syllabic => self.translations.get(&t.text),
                // An abbreviation alone is no name (`NTC` may be any party's initials).
                Script::Cyrillic | Script::Latin if name.tokens.len() >= 2 => self
                    .abbreviations
                    .get(&t.text)
                    .filter(|_| t.script == Script::Cyrillic || t.text.len() >= 3),
                _ => None,
            };
            match found {
                Some(words) => {
                    changed = true;
                    tokens.extend(words.iter().map(|w| Token {
                        text: w.clone(),
                        script: Script::Latin,
                        skeleton: String::new(),
                        syllabic: false,
                    }));
                }
                None => tokens.push(t.clone()),
            }
        }
        apply_phrases(&mut tokens);
        changed.then(|| NormalizedName {
            tokens,
            legal_forms: name.legal_forms.clone(),
        })
    }

    /// Adds words (already normalised Latin tokens) to the segmentation vocabulary.
    pub fn extend_vocabulary<'a>(&mut self, words: impl IntoIterator<Item = &'a str>) {
        for w in words {
            if w.len() >= 4 && w.len() <= 24 {
                self.vocabulary.insert(w.to_string());
            }
        }
    }

    /// Whether a token is (or is a misspelling of) a word of a Latin legal form: `joint`,
    /// `stock`, `company`, `comapny`, `corporation`, `limited`...
    pub fn is_legal_word(&self, token: &str) -> bool {
        if self.legal_words.contains(token) {
            return true;
        }
        token.len() >= 5
            && self
                .legal_words
                .iter()
                .any(|w| w.len() >= 5 && crate::matcher::jaro_winkler(w, token) >= 0.88)
    }

    /// A word that is known: in the vocabulary, a generic word, a legal-form word or a
    /// function word.
    fn is_known(&self, w: &str) -> bool {
        self.vocabulary.contains(w)
            || self.synonyms.contains_key(w)
            || self.legal_words.contains(w)
            || FUNCTION_WORDS.contains(&w)
    }

    /// Step 2b: a long Latin word that is not known but is two known words run together
    /// (`corporationrostec`, `devenezuela`, `telecommunicationequipment`) is split in two; the
    /// split with the longer shorter part wins. Known words are never split.
    fn split_joined(&self, toks: Vec<RawToken>) -> Vec<RawToken> {
        let mut out = Vec::with_capacity(toks.len() + 1);
        for t in toks {
            let w = t.text.as_str();
            if t.syllable
                || t.script != Script::Latin
                || w.len() < 7
                || !w.is_ascii()
                || self.is_known(w)
            {
                out.push(t);
                continue;
            }
            let mut best: Option<usize> = None;
            for i in 2..=w.len() - 2 {
                let (l, r) = w.split_at(i);
                let ok_len = |x: &str| x.len() >= 4 || FUNCTION_WORDS.contains(&x);
                // A short generic word may end the run (`KasperskyLab`).
                let short_generic = r.len() == 3 && self.synonyms.contains_key(r);
                if ok_len(l) && (ok_len(r) || short_generic) && self.is_known(l) && self.is_known(r)
                {
                    let m = l.len().min(r.len());
                    if best.is_none_or(|b| m > b.min(w.len() - b)) {
                        best = Some(i);
                    }
                }
            }
            match best {
                Some(i) => {
                    for part in [&w[..i], &w[i..]] {
                        out.push(RawToken {
                            text: part.to_string(),
                            script: Script::Latin,
                            syllable: false,
                            skeleton: String::new(),
                            word_start: false,
                            alt: None,
                        });
                    }
                }
                None => out.push(t),
            }
        }
        out
    }

    /// The canonical generic word a misspelt word stands for (Jaro-Winkler ≥ 0.90 to a
    /// generic word of the same first letter and a length within two), for words of seven
    /// letters or more that are not known.
    fn misspelt_generic(&self, w: &str) -> Option<&str> {
        // Pinyin words are short syllables apart (`jinheng` / `jicheng`): never guessed at.
        if w.len() < 7 || !w.is_ascii() || self.vocabulary.contains(w) || is_pinyin_word(w) {
            return None;
        }
        let first = w.as_bytes()[0];
        self.generic_words
            .iter()
            .filter(|(g, _)| g.as_bytes().first() == Some(&first) && g.len().abs_diff(w.len()) <= 2)
            .map(|(g, c)| (crate::matcher::jaro_winkler(g, w), c))
            .filter(|(s, _)| *s >= 0.90)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, c)| c.as_str())
    }

    /// Step 5: the best segmentation of a run of Chinese syllables into known words, by
    /// dynamic programming: the fewest syllables left outside a known word, then the fewest
    /// words. Greedy longest match would read `ji suan ji shu` (计算技术) as `jisuanji shu`
    /// (computer + ?) where `jisuan jishu` (computing technology) leaves nothing unknown.
    /// Returns the pieces with whether each is a known word.
    fn segment(&self, run: &[RawToken]) -> Vec<(String, bool)> {
        let n = run.len();
        // best[i]: (unknown syllables, words) of the best segmentation of run[..i], the length
        // of its last piece and that piece's text (a polyphonic character may read otherwise).
        let mut best: Vec<((usize, usize), usize, String)> =
            vec![((usize::MAX, usize::MAX), 0, String::new()); n + 1];
        best[0] = ((0, 0), 0, String::new());
        // The readings of the piece run[i..i + len]: the table's, and with the other reading
        // of polyphonic characters (at most a few).
        let mut readings: Vec<String> = Vec::with_capacity(4);
        let mut next: Vec<String> = Vec::with_capacity(4);
        for i in 0..n {
            let ((unknown, words), _, _) = best[i];
            if unknown == usize::MAX {
                continue;
            }
            readings.clear();
            readings.push(String::new());
            for len in 1..=self.max_syllables.min(n - i) {
                let t = &run[i + len - 1];
                match t.alt {
                    None => readings.iter_mut().for_each(|r| r.push_str(&t.text)),
                    Some(a) => {
                        next.clear();
                        for r in &readings {
                            next.push(format!("{r}{}", t.text));
                            if next.len() < 8 {
                                next.push(format!("{r}{a}"));
                            }
                        }
                        std::mem::swap(&mut readings, &mut next);
                    }
                }
                let known = readings.iter().find(|r| self.vocabulary.contains(*r));
                if known.is_none() && len > 1 {
                    continue;
                }
                let cost = (unknown + usize::from(known.is_none()), words + 1);
                if cost < best[i + len].0 {
                    let text = known.unwrap_or(&readings[0]).clone();
                    best[i + len] = (cost, len, text);
                }
            }
        }
        let mut pieces = Vec::new();
        let mut end = n;
        while end > 0 {
            let (_, len, ref text) = best[end];
            let len = len.max(1);
            let word = if text.is_empty() {
                run[end - len..end]
                    .iter()
                    .map(|t| t.text.as_str())
                    .collect()
            } else {
                text.clone()
            };
            let known = self.vocabulary.contains(&word);
            pieces.push((word, known));
            end -= len;
        }
        pieces.reverse();
        pieces
    }

    /// The canonical word of a Russian generic word romanised by another system than the
    /// pipeline's (`raswedywatelnoe`, `gosudarstwennyj`, `inwestizij`: German, scientific,
    /// ICAO): a [`STEMS`] stem of the same first letter whose phonetic key (five consonants at
    /// least) starts the word's key, the word's key at most three consonants longer. Words of
    /// seven letters or more, never pinyin (`innovation` is not `neftyan-`).
    fn stem_by_sound(&self, w: &str, syllabic: bool) -> Option<&'static str> {
        if syllabic || w.len() < 7 || !w.is_ascii() || is_pinyin_word(w) {
            return None;
        }
        let key = phonetic_key(w);
        let first = w.as_bytes()[0];
        self.stem_keys
            .iter()
            .filter(|(stem, k, _)| {
                stem.as_bytes()[0] == first
                    && key.starts_with(k.as_str())
                    && key.len() <= k.len() + 3
            })
            .max_by_key(|(_, k, _)| k.len())
            .map(|(_, _, c)| *c)
    }

    /// The canonical generic word of a word written in another romanisation of Russian than
    /// the pipeline's (scientific, German or ICAO, see [`respell_russian`]): the respellings are
    /// looked up in [`SYNONYMS`] and [`STEMS`], as they are and folded. Words of four letters
    /// or more, never pinyin.
    fn respelt_generic(&self, w: &str) -> Option<String> {
        // Only words with a letter the respellings change.
        let changes = |c: &u8| b"jxcwzhsi".contains(c);
        if w.len() < 4
            || !w.is_ascii()
            || !w.as_bytes().iter().any(changes)
            || self.is_known(w)
            || self.is_canonical_word(w)
            || is_pinyin_word(w)
        {
            // Never an English word of the tables (`central` is not `tsentral`).
            return None;
        }
        let b = w.as_bytes();
        let has = |c: u8| b.contains(&c);
        let vowel = |c: &u8| b"aeiouy".contains(c);
        let both = has(b'j') || w.ends_with("ych");
        for system in [
            Romanisation::Scientific,
            Romanisation::German,
            Romanisation::Icao,
        ] {
            // Skip a system none of whose rules applies (most words: no allocation).
            let applies = both
                || match system {
                    Romanisation::Scientific => has(b'x') || has(b'c'),
                    Romanisation::German => {
                        has(b'w')
                            || has(b'z')
                            || w.contains("ch")
                            || b.windows(3)
                                .any(|x| x[1] == b's' && vowel(&x[0]) && vowel(&x[2]))
                    }
                    Romanisation::Icao => w.contains("ia") || w.contains("iu"),
                };
            if !applies {
                continue;
            }
            let r = respell_russian(w, system, false);
            if r == w {
                continue;
            }
            let folded = fold_russian_romanisation(&r);
            for x in std::iter::once(r.as_str()).chain(folded.as_deref()) {
                if let Some(c) = self.synonyms.get(x) {
                    return Some(c.clone());
                }
                if let Some(c) = stem_canonical(x) {
                    return Some(self.canonical(c).to_string());
                }
            }
        }
        None
    }

    /// The canonical form of a word (itself when it has no synonym).
    pub fn canonical<'a>(&'a self, word: &'a str) -> &'a str {
        self.synonyms.get(word).map(|s| s.as_str()).unwrap_or(word)
    }

    /// Normalises a name (see the module documentation for the steps).
    pub fn normalize(&self, name: &str) -> NormalizedName {
        let mut toks = fold_numbers(self.split_joined(raw_tokens(name)));
        let mut legal_forms = Vec::new();
        // Step 4: legal forms at either end, repeatedly, while the name proper keeps a token.
        loop {
            let mut stripped = false;
            for (form, class) in &self.legal {
                let n = form.len();
                if toks.len() > n && ends_with(&toks, form) {
                    toks.truncate(toks.len() - n);
                    legal_forms.push(*class);
                    stripped = true;
                    break;
                }
                if toks.len() > n && starts_with(&toks, form) {
                    toks.drain(..n);
                    legal_forms.push(*class);
                    stripped = true;
                    break;
                }
            }
            if !stripped {
                break;
            }
        }
        // Step 5: segment Chinese syllable runs.
        let mut tokens: Vec<Token> = Vec::with_capacity(toks.len());
        let mut i = 0;
        while i < toks.len() {
            if !toks[i].syllable {
                tokens.push(Token {
                    text: toks[i].text.clone(),
                    script: toks[i].script,
                    skeleton: collapse_repeats(&toks[i].skeleton),
                    syllabic: false,
                });
                i += 1;
                continue;
            }
            let mut end = i + 1;
            while end < toks.len()
                && toks[end].syllable
                && toks[end].script == toks[i].script
                && !toks[end].word_start
            {
                end += 1;
            }
            let run = &toks[i..end];
            // `shi` (市, city) or `sheng` (省, province) after a place written in pinyin
            // (`Xia Men Shi`): an administrative suffix, as 市 and 省 are in characters.
            let kept: Vec<RawToken>;
            // (Characters drop 市 and 省 themselves: `生` in `新疆生产` is `sheng` too.) Not
            // when the syllable starts a word with the next (`Xin Jiang Sheng Chan`, 生产).
            let starts_word = |k: usize| {
                (2..=3).any(|len| {
                    k + len <= run.len() && {
                        let w: String = run[k..k + len].iter().map(|t| t.text.as_str()).collect();
                        self.vocabulary.contains(&w)
                    }
                })
            };
            let run = if run[0].script == Script::Latin
                && run
                    .iter()
                    .skip(2)
                    .any(|t| t.text == "shi" || t.text == "sheng")
            {
                kept = run
                    .iter()
                    .enumerate()
                    .filter(|(k, t)| {
                        !((t.text == "shi" || t.text == "sheng")
                            && !starts_word(*k)
                            && (2..=3).any(|len| {
                                *k >= len && {
                                    let place: String =
                                        run[k - len..*k].iter().map(|t| t.text.as_str()).collect();
                                    self.places.contains(&place)
                                }
                            }))
                    })
                    .map(|(_, t)| t.clone())
                    .collect();
                &kept[..]
            } else {
                run
            };
            let run_script = toks[i].script;
            if let Some(surname) = korean_surname(run, &self.vocabulary) {
                // A three-syllable Korean word starting with a surname is a person's name:
                // surname, then the given name's syllables as the lists write them apart
                // (`김정은` -> `kim jong un`, `리병철` -> `ri pyong chol`).
                let given = run[1..].iter().map(|t| dprk_syllable(&t.text, false));
                for text in std::iter::once(surname.to_string()).chain(given) {
                    tokens.push(Token {
                        text,
                        script: Script::Hangul,
                        skeleton: String::new(),
                        syllabic: false,
                    });
                }
                i = end;
                continue;
            }
            // Syllables that start no known word join into one token (`hai si` -> `haisi`), so
            // that an unknown name counts as one word, not as several.
            let mut pending = String::new();
            for (word, known) in self.segment(run) {
                if !known && run_script == Script::Hangul {
                    // A syllable of a Korean name, spelt as the lists spell them.
                    let voiced = pending
                        .bytes()
                        .last()
                        .is_some_and(|b| b"aeiouynml".contains(&b));
                    pending.push_str(&dprk_syllable(&word, voiced));
                } else if !known {
                    pending.push_str(&word);
                } else {
                    if !pending.is_empty() {
                        tokens.push(Token {
                            text: std::mem::take(&mut pending),
                            script: run_script,
                            skeleton: String::new(),
                            syllabic: run_script != Script::Hangul,
                        });
                    }
                    tokens.push(Token {
                        text: word,
                        script: run_script,
                        skeleton: String::new(),
                        syllabic: run_script != Script::Hangul,
                    });
                }
            }
            if !pending.is_empty() {
                tokens.push(Token {
                    text: pending,
                    script: run_script,
                    skeleton: String::new(),
                    syllabic: run_script != Script::Hangul,
                });
            }
            i = end;
        }
        // Step 6: canonical generic words.
        for t in &mut tokens {
            if let Some(c) = self.synonyms.get(&t.text) {
                t.text = c.clone();
                t.skeleton.clear();
            } else if t.script != Script::Arabic {
                if let Some(c) = stem_canonical(&t.text) {
                    t.text = self.canonical(c).to_string();
                } else if let Some(c) = self.misspelt_generic(&t.text) {
                    // `inrdustries` -> `industry`: a typo must not hide a generic word.
                    t.text = c.to_string();
                } else if let Some(c) = (!t.syllabic && t.script == Script::Latin)
                    .then(|| self.respelt_generic(&t.text))
                    .flatten()
                {
                    // `texnologij` (scientific), `centr`, `inwestizij` (German) -> the
                    // generic word their BGN/PCGN spelling is.
                    t.text = c;
                } else if let Some(c) = self.stem_by_sound(&t.text, t.syllabic) {
                    // `raswedywatelnoe` (German romanisation) -> `intelligence`.
                    t.text = self.canonical(c).to_string();
                } else if !t.syllabic && matches!(t.script, Script::Latin | Script::Cyrillic) {
                    // A distinctive word in another romanisation is respelt the pipeline's
                    // way, letters only (`Moskowskij` -> `moskovsky`), then folded; never a word the tables
                    // or the list know as it is (`moscow`).
                    let respelt = romanisation_of(&t.text)
                        .filter(|_| !self.is_known(&t.text) && !self.is_canonical_word(&t.text))
                        .map(|r| respell_russian(&t.text, r, true));
                    let base = respelt.as_deref().unwrap_or(&t.text);
                    if let Some(f) = fold_russian_romanisation(base) {
                        t.text = f;
                    } else if let Some(r) = respelt {
                        t.text = r;
                    }
                }
            }
        }
        apply_phrases(&mut tokens);
        NormalizedName {
            tokens,
            legal_forms,
        }
    }
}

/// The romanisation systems of Russian other than the pipeline's BGN/PCGN-like one that a
/// Latin word may be written in (see [`respell_russian`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Romanisation {
    /// Scientific / ISO 9: х `x`, ц `c`, й `j`, я `ja`, ю `ju` (ч ш ж with háček, already
    /// `ch` `sh` `zh` here).
    Scientific,
    /// German (Duden): в `w`, х `ch`, ч `tsch`, ш and ж `sch`, щ `schtsch`, ц `z`, з `s`, й `j`.
    German,
    /// ICAO Doc 9303 (passports): я `ia`, ю `iu`, й `i`.
    Icao,
}

/// The system a Latin word looks romanised in, from letters the pipeline's romanisation never
/// writes: `sch`, or a `w` inside a word with another Russian mark (German); a final `-ij`/`-yj`
/// a `j` between a consonant and a vowel, or an ending `-ija`, `-aja`, `-oje`... (scientific).
/// Words of six letters or more (five
/// ending in `-ij`, `Jurij`); `None`
/// for most words (English, BGN/PCGN, pinyin, `Dawning`, `Mujahideen`). An `x` alone is no
/// sign (`Alexander`).
fn romanisation_of(w: &str) -> Option<Romanisation> {
    let b = w.as_bytes();
    let final_j = w.ends_with("ij") || w.ends_with("yj");
    if b.len() < if final_j { 5 } else { 6 }
        || !w.is_ascii()
        || !(b.contains(&b'j') || w.contains("sch"))
    {
        return None;
    }
    let vowel = |c: u8| b"aeiouy".contains(&c);
    // й at the end (`-ij`, `-yj`), or я ю е ё after a consonant (`prjamych`), not in `dj`
    // nor before `i` (pinyin `jin`, `jia`, misspelt: `Tlanjin`).
    // я, е, ю after и, а after й at the end (`-ija`, `-ije`, `-aja`, `-oje`).
    let ending = ["ija", "ije", "iju", "aja", "oje", "yje"]
        .iter()
        .any(|e| w.ends_with(e));
    let scientific = final_j
        || ending
        || b.windows(3)
            .any(|x| !vowel(x[0]) && x[0] != b'd' && x[1] == b'j' && b"aeou".contains(&x[2]));
    // в as `w` inside a word with another mark of Russian (`Moskowskij`), not alone
    // (`Dawning`, a misspelt `Motcow`).
    let german_w = b[1..].contains(&b'w') && scientific;
    if (!w.contains("sch") && !german_w && !scientific) || is_pinyin_word(w) {
        None
    } else if w.contains("sch") || german_w {
        Some(Romanisation::German)
    } else if scientific {
        Some(Romanisation::Scientific)
    } else {
        None
    }
}

/// A Russian word written in another romanisation (see [`Romanisation`]) respelt the way the
/// pipeline romanises Cyrillic (BGN/PCGN-like): `texnologij` → `tekhnologiy`, `inwestizij` →
/// `investitsiy`, `technitscheskij` → `tekhnicheskiy`, `prjamych` → `pryamykh`. Letter rules
/// only, no vocabulary: in both systems `j` before or after a vowel is `y` (`Jurij` -> `yuriy`), `ych` at the end
/// (`-ых`, ч never follows ы) is `ykh`; scientific `x` is `kh` and `c` (not in `ch`) `ts`;
/// German `schtsch` is `shch`, `tsch` `ch`, `sch` `sh`, `ch` `kh`, `w` `v`, `z` `ts`, `s`
/// between vowels `z`; ICAO `ia`, `iu` after a consonant are `ya`, `yu`. With
/// `letters_only` the rules that turn a letter into another sound class (`x`, `c`, `z`, `ch` to
/// `kh`/`ts`) are left out: for distinctive words, where a typo may have put the `j` or `w`
/// that reads as another romanisation.
fn respell_russian(w: &str, system: Romanisation, letters_only: bool) -> String {
    let b = w.as_bytes();
    let vowel = |c: u8| b"aeiouy".contains(&c);
    let mut out = String::with_capacity(w.len() + 4);
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let prev = if i > 0 { b[i - 1] } else { b' ' };
        let (text, adv): (&str, usize) = match system {
            Romanisation::German if rest.starts_with(b"schtsch") => ("shch", 7),
            Romanisation::German if rest.starts_with(b"tsch") => ("ch", 4),
            Romanisation::German if rest.starts_with(b"sch") => ("sh", 3),
            Romanisation::German if !letters_only && rest.starts_with(b"ch") => ("kh", 2),
            Romanisation::German if rest[0] == b'w' => ("v", 1),
            Romanisation::German if !letters_only && rest[0] == b'z' => ("ts", 1),
            // з between vowels (`fisiko`): с there is written `ss`.
            Romanisation::German
                if !letters_only
                    && rest[0] == b's'
                    && vowel(prev)
                    && rest.get(1).is_some_and(|&c| vowel(c)) =>
            {
                ("z", 1)
            }
            Romanisation::Icao
                if i > 0
                    && !vowel(prev)
                    && (rest.starts_with(b"ia") || rest.starts_with(b"iu")) =>
            {
                ("y", 1)
            }
            Romanisation::Scientific if rest.starts_with(b"ch") => ("ch", 2),
            Romanisation::Scientific if rest.starts_with(b"ck") => ("k", 2),
            Romanisation::Scientific if !letters_only && rest[0] == b'x' => ("kh", 1),
            Romanisation::Scientific if !letters_only && rest[0] == b'c' => ("ts", 1),
            _ if rest == b"ych" => ("ykh", 3),
            _ if rest[0] == b'j'
                && (i > 0 || rest.get(1).is_some_and(|c| b"aeou".contains(c)))
                && prev != b'd'
                && (vowel(prev) || rest.get(1).is_none_or(|&c| vowel(c))) =>
            {
                ("y", 1)
            }
            _ => {
                out.push(rest[0] as char);
                i += 1;
                continue;
            }
        };
        out.push_str(text);
        i += adv;
    }
    out
}

/// Russian words romanised by different systems, folded to one spelling: a leading `iu`, `ia`,
/// `ie`, `io` (ICAO) becomes `yu`, `ya`, `ye`, `yo` (BGN/PCGN); the adjective endings of `-ский`
/// in any case and romanisation (`-skij`, `-skiy`, `-skii`, `-skogo`, `-skaya`, `-skoe`...)
/// become `-sky` (`Kasperskogo` -> `kaspersky`); a final `-ij`, `-iy`, `-ii`, `-yj`, `-yy`, `-yi`
/// (й after и or ы) becomes `-y` (`Iurii` -> `yury`, `Dmitriy` -> `dmitry`). Words of five
/// letters or more that are not pinyin; `None` when nothing changes. `ye` after a vowel
/// (BGN/PCGN е) becomes `e`, as other systems write it.
fn fold_russian_romanisation(w: &str) -> Option<String> {
    const LEADS: &[&str] = &["iu", "ia", "ie", "io"];
    const ENDS: &[&str] = &[
        "ij", "iy", "ii", "yj", "yy", "yi", "ski", "skogo", "skaya", "skaia", "skaja", "skoye",
        "skoe", "skoi", "skoy",
    ];
    // Cheap test first: most words have nothing to fold.
    if w.len() < 5
        || !(LEADS.iter().any(|l| w.starts_with(l))
            || ENDS.iter().any(|e| w.ends_with(e))
            || w.contains("ye"))
        || !w.is_ascii()
        || is_pinyin_word(w)
    {
        return None;
    }
    let mut s = w.to_string();
    // Not in an acronym-like word (`IAMIC`): the rest must hold two vowels (`Iurii`, `Iuliia`).
    // ...and a consonant after the lead (`IEIIC` is initials, not `Yeiic`).
    let vowels_after = s.bytes().skip(2).filter(|b| b"aeiouy".contains(b)).count();
    let consonant_next = s.as_bytes().get(2).is_some_and(|b| !b"aeiouy".contains(b));
    for (from, to) in [("iu", "yu"), ("ia", "ya"), ("ie", "ye"), ("io", "yo")] {
        if s.starts_with(from) && vowels_after >= 2 && consonant_next {
            s.replace_range(..2, to);
            break;
        }
    }
    // BGN/PCGN writes е after a vowel `ye`, other systems `e`: `Mashinostroyeniya` ->
    // `mashinostroeniya`.
    if s.contains("ye") {
        let b = s.as_bytes();
        s = (0..b.len())
            .filter(|&k| {
                !(b[k] == b'y'
                    && k > 0
                    && b"aeiou".contains(&b[k - 1])
                    && b.get(k + 1) == Some(&b'e'))
            })
            .map(|k| b[k] as char)
            .collect();
    }
    const SKY: &[&str] = &[
        "skogo", "skaya", "skaia", "skaja", "skoye", "skoe", "skoi", "skoy", "skij", "skiy",
        "skii", "skyi", "skyy", "ski",
    ];
    let mut done = false;
    for e in SKY {
        if s.len() >= e.len() + 3 && s.ends_with(e) {
            s.truncate(s.len() - e.len());
            s.push_str("sky");
            done = true;
            break;
        }
    }
    if !done {
        for e in ["ij", "iy", "ii", "yj", "yy", "yi"] {
            if s.len() >= 5 && s.ends_with(e) {
                s.truncate(s.len() - 2);
                s.push('y');
                break;
            }
        }
    }
    (s != w).then_some(s)
}

/// Replaces the expressions of [`PHRASES`] (longest first, `of`/`and`/`the` skipped inside an
/// expression) by their canonical token; `university` with `technology` anywhere in the name
/// becomes `polytechnic`.
fn apply_phrases(tokens: &mut Vec<Token>) {
    apply_adjacent_phrases(tokens);
    // A university that names technology anywhere in its name is a polytechnic, in any word
    // order (`University Bauman Moscow State Technical`, `National University of Defense
    // Technology`).
    let at = |w: &str, tokens: &[Token]| tokens.iter().position(|t| t.text == w);
    if let (Some(u), Some(t)) = (at("university", tokens), at("technology", tokens)) {
        tokens[u].text = "polytechnic".to_string();
        tokens.remove(t);
    }
}

/// [`PHRASES`] whose words stand next to each other.
fn apply_adjacent_phrases(tokens: &mut Vec<Token>) {
    let skip = |t: &Token| matches!(t.text.as_str(), "of" | "and" | "the");
    let mut i = 0;
    while i < tokens.len() {
        for (words, canon) in PHRASES {
            // Match words[..] from tokens[i], skipping function words after the first.
            let mut j = i;
            let mut ok = true;
            for (k, w) in words.iter().enumerate() {
                while k > 0 && j < tokens.len() && skip(&tokens[j]) {
                    j += 1;
                }
                if j < tokens.len() && tokens[j].text == *w {
                    j += 1;
                } else {
                    ok = false;
                    break;
                }
            }
            if ok {
                let script = tokens[i].script;
                tokens.splice(
                    i..j,
                    [Token {
                        text: canon.to_string(),
                        script,
                        skeleton: String::new(),
                        syllabic: false,
                    }],
                );
                break;
            }
        }
        i += 1;
    }
}

fn ends_with(toks: &[RawToken], form: &[String]) -> bool {
    let n = form.len();
    toks.len() >= n
        && toks[toks.len() - n..]
            .iter()
            .zip(form)
            .all(|(t, f)| &t.text == f)
}

fn starts_with(toks: &[RawToken], form: &[String]) -> bool {
    let n = form.len();
    toks.len() >= n && toks[..n].iter().zip(form).all(|(t, f)| &t.text == f)
}

/// Chinese provinces and large cities in pinyin, so that a run of Chinese syllables segments
/// into `shenzhen dajiang ...` rather than `shen zhen da jiang`.
pub const CHINESE_PLACES: &[&str] = &[
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
    "xizang",
    "hongkong",
    "aomen",
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
    "neimenggu",
    "zhongguancun",
    "changjiang",
    "dongguan",
    "foshan",
    "ningbo",
    "kashgar",
];

/// Repeated letters collapsed (`sspp` → `sp`).
fn collapse_repeats(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// A phonetic key of an ASCII token: a consonant skeleton after folding spellings that sound
/// alike across romanisations. Rules, applied left to right: `ph`→f, `ck`→k, `kh`/`gh`→(silent, like `h`), `zh`/`dzh`/`dj`
/// →j, `sch`/`shch`/`sh`/`ch`/`tch`→s… (sibilants fold to `s`), `x`→ks, `q`/`c`→k, `z`→s, `v`/`w`→f, `b`→p,
/// `d`→t, `g`→k, `y`→i; then vowels (a e i o u) and `h` drop and repeated letters collapse.
/// Deliberately coarse: it serves as a blocking key and as one feature among several, never alone.
pub fn phonetic_key(token: &str) -> String {
    let b = token.as_bytes();
    let mut s = String::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let (out, adv): (&str, usize) = if rest.starts_with(b"shch") {
            ("s", 4)
        } else if rest.starts_with(b"dzh") || rest.starts_with(b"sch") || rest.starts_with(b"tch") {
            (if rest[0] == b'd' { "j" } else { "s" }, 3)
        } else if rest.starts_with(b"ph") {
            ("f", 2)
        } else if rest.starts_with(b"ck") {
            ("k", 2)
        } else if rest.starts_with(b"kh") || (rest.starts_with(b"gh") && i > 0 && b[i - 1] == b'n')
        {
            // (`ngh` is pinyin `ng` + `h`: `Shanghai`, `Zhonghua`.)
            ("", 2)
        } else if rest.starts_with(b"gh") {
            // غ, and the Persian ق that Latin writes `gh` (`Bagheri` / `Baqeri`, `Ghasem` /
            // `Qasem`): the `k` that `q` and `g` are.
            ("k", 2)
        } else if rest.starts_with(b"zh") || rest.starts_with(b"dj") {
            ("j", 2)
        } else if rest.starts_with(b"sh") || rest.starts_with(b"ch") || rest.starts_with(b"ts") {
            ("s", 2)
        } else {
            let o = match rest[0] {
                b'x' => "ks",
                b'q' | b'c' | b'g' => "k",
                b'z' => "s",
                b'v' | b'w' => "f",
                b'b' => "p",
                b'd' => "t",
                b'a' | b'e' | b'i' | b'o' | b'u' | b'y' | b'h' => "",
                _ => {
                    s.push(rest[0] as char);
                    i += 1;
                    continue;
                }
            };
            (o, 1)
        };
        s.push_str(out);
        i += adv;
    }
    let mut key = String::with_capacity(s.len());
    for c in s.chars() {
        if key.ends_with(c) {
            continue;
        }
        key.push(c);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(n: &Normalizer, s: &str) -> Vec<String> {
        n.normalize(s).tokens.into_iter().map(|t| t.text).collect()
    }

    /// The translated reading of a name, if any word has one.
    fn translated(n: &Normalizer, s: &str) -> Option<String> {
        n.translate(&n.normalize(s)).map(|t| t.text())
    }

    #[test]
    fn persian_gh_is_the_k_of_q_but_pinyin_ngh_is_not() {
        assert_eq!(phonetic_key("bagheri"), phonetic_key("baqeri"));
        assert_eq!(phonetic_key("ghasem"), phonetic_key("qasem"));
        assert_eq!(phonetic_key("shanghai"), phonetic_key("shanhai"));
    }

    #[test]
    fn sheng_after_a_place_is_a_province_unless_it_starts_a_word() {
        let n = Normalizer::new();
        // 生产 (production), not 省 (province).
        for q in [
            "新疆生产建设兵团",
            "Xin Jiang Sheng Chan Jian She Bing Tuan",
        ] {
            assert_eq!(toks(&n, q)[..2], ["xinjiang", "shengchan"], "{q}");
        }
        assert_eq!(toks(&n, "Guang Dong Sheng Hua Wei")[0], "guangdong");
        assert!(!toks(&n, "Guang Dong Sheng Hua Wei").contains(&"sheng".to_string()));
    }

    #[test]
    fn numbers_are_written_one_way() {
        let n = Normalizer::new();
        let want = toks(&n, "CETC 38th Research Institute");
        assert!(want.contains(&"38".to_string()), "{want:?}");
        // Up to ten, the word the lists write, misspellings still near it.
        assert_eq!(
            toks(&n, "2nd Economic Committee"),
            toks(&n, "Second Economic Committee")
        );
        assert_eq!(
            toks(&n, "No. 2 Economic Committee"),
            toks(&n, "Second Economic Committee")
        );
        // Two words run together split on the list's words first (the matcher adds them).
        let mut listed = Normalizer::new();
        listed.extend_vocabulary(["second", "economic", "committee"]);
        assert_eq!(
            toks(&listed, "SecondEconomic Committee"),
            toks(&n, "Second Economic Committee")
        );
        for q in [
            "CETC No. 38 Research Institute",
            "CETC Nr 38 Research Institute",
            "CETC 38thResearch Institute",
        ] {
            assert_eq!(toks(&n, q), want, "{q}");
        }
        // 第三十八, 第十四, 第二百零三, 第二 in characters and in pinyin syllables.
        for (q, number) in [
            ("中国电子科技集团公司第三十八研究所", "38"),
            (
                "Zhong Guo Dian Zi Ke Ji Ji Tuan Gong Si Di San Shi Ba Yan Jiu Suo",
                "38",
            ),
            ("中国电子科技集团公司第十四研究所", "14"),
            ("第二百零三研究所", "203"),
            ("中国航天科工集团第二研究院", "second"),
            (
                "Zhong Guo Hang Tian Ke Gong Ji Tuan Di Er Yan Jiu Yuan",
                "second",
            ),
        ] {
            let t = toks(&n, q);
            assert!(t.contains(&number.to_string()), "{q}: {t:?}");
        }
        // The syllables around the number still segment into words.
        assert_eq!(
            toks(&n, "中国电子科技集团公司第三十八研究所")[5..],
            ["38", "institute"]
        );
        assert_eq!(toks(&n, "Plant No. 000")[1], "0");
        assert_eq!(chinese_number(&[9, 100].repeat(100)), "90000");
        // `no` is a word (a Korean surname) unless a number follows.
        assert_eq!(toks(&n, "No Kwang Chol").len(), 3);
    }

    #[test]
    fn latin_legal_forms_and_punctuation() {
        let n = Normalizer::new();
        let r = n.normalize("Huawei Technologies Co., Ltd.");
        assert_eq!(
            toks(&n, "Huawei Technologies Co., Ltd."),
            ["huawei", "technology"]
        );
        assert_eq!(r.legal_forms, [LegalClass::Limited]);
        assert_eq!(
            toks(&n, "Joint Stock Company Rosoboronexport"),
            ["rosoboronexport"]
        );
        assert_eq!(
            toks(&n, "PETRÓLEOS DE VENEZUELA, S.A."),
            ["oil", "of", "venezuela"]
        );
        assert_eq!(toks(&n, "Kata'ib Hizballah"), ["kataib", "hizballah"]);
        // A name that is only a legal-form word keeps it.
        assert_eq!(toks(&n, "Company"), ["company"]);
    }

    #[test]
    fn chinese_segments_into_pinyin_words() {
        let mut n = Normalizer::new();
        n.extend_vocabulary(["zhipu", "huazhang", "huawei"]);
        let r = n.normalize("北京智谱华章科技有限公司");
        assert_eq!(
            r.tokens.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(),
            ["beijing", "zhipu", "huazhang", "technology"]
        );
        assert_eq!(r.legal_forms, [LegalClass::Limited]);
        assert_eq!(toks(&n, "华为技术股份有限公司"), ["huawei", "technology"]);
        assert_eq!(
            n.normalize("华为技术股份有限公司").legal_forms,
            [LegalClass::JointStock]
        );
    }

    #[test]
    fn segmentation_prefers_fewest_unknown_syllables() {
        let mut n = Normalizer::new();
        n.extend_vocabulary(["huawei"]);
        // Greedy longest match would take `jisuanji` (computer) and leave `shu` alone.
        assert_eq!(
            toks(&n, "华为云计算技术有限公司"),
            ["huawei", "yun", "computing", "technology"]
        );
        assert_eq!(
            toks(&n, "Hua Wei Yun Ji Suan Ji Shu"),
            ["huawei", "yun", "computing", "technology"]
        );
        // Unknown syllables still join into one word.
        assert_eq!(toks(&n, "海思科技"), ["haisi", "technology"]);
    }

    #[test]
    fn russian_romanisations_fold_to_one_spelling() {
        let n = Normalizer::new();
        // ICAO, BGN/PCGN and the lists' spellings of the same given name.
        for name in ["Iurii", "Yuriy", "Yurii"] {
            assert_eq!(toks(&n, name), ["yury"], "{name}");
        }
        // Adjective endings in any case.
        assert_eq!(toks(&n, "Kasperskogo"), ["kaspersky"]);
        assert_eq!(toks(&n, "Kaspersky"), ["kaspersky"]);
        // Acronyms and pinyin are left alone.
        assert_eq!(toks(&n, "IAMIC"), ["iamic"]);
        assert_eq!(toks(&n, "IEIIC"), ["ieiic"]);
        assert_eq!(toks(&n, "Haiyi"), ["haiyi"]);
        // Generic words romanised by other systems (German, scientific) find their stem by sound.
        assert_eq!(
            toks(&n, "Glawnoe raswedywatelnoe uprawlenie"),
            ["main", "intelligent", "directorate"]
        );
        assert_eq!(toks(&n, "gosudarstwennyj"), ["state"]);
        assert_eq!(toks(&n, "innovation"), ["innovation"]);
    }

    #[test]
    fn polyphonic_characters_read_as_the_known_word() {
        let n = Normalizer::new();
        // 长 reads `zhang` in the transliteration table, `chang` in 长江; 厦 `sha` / `xia`.
        assert_eq!(toks(&n, "长江存储"), ["changjiang", "memory"]);
        assert_eq!(toks(&n, "厦门"), ["xiamen"]);
        assert_eq!(toks(&n, "重庆"), ["chongqing"]);
        // No known word: the table's reading stays.
        assert_eq!(toks(&n, "张"), ["zhang"]);
    }

    #[test]
    fn pinyin_city_suffix_after_a_place_is_dropped() {
        let n = Normalizer::new();
        assert_eq!(toks(&n, "Xia Men Shi Xin Xi"), ["xiamen", "information"]);
        // `shi` elsewhere is a syllable like any other.
        assert_eq!(toks(&n, "Shi Xin Xi"), ["shi", "information"]);
    }

    #[test]
    fn name_words_translate_but_are_not_generic() {
        let n = Normalizer::new();
        assert_eq!(
            translated(&n, "长江存储科技").as_deref(),
            Some("yangtze memory technology")
        );
        assert_eq!(
            translated(&n, "Shu Guang Xin Xi").as_deref(),
            Some("dawn information")
        );
        assert_eq!(translated(&n, "摩尔线程").as_deref(), Some("moer thread"));
        // Distinctive in a name: not generic vocabulary, unlike the glossary's words.
        assert!(!n.is_generic("yangtze") && !n.is_generic("dawn") && !n.is_generic("thread"));
        assert!(n.is_generic("memory"));
    }

    #[test]
    fn scientific_and_german_romanisations_respelt() {
        let n = Normalizer::new();
        // Háček letters are `ch`, `sh`, `zh`, not `c`, `s`, `z`.
        assert_eq!(toks(&n, "Kovalčuk"), ["kovalchuk"]);
        // Generic words of the tables through their BGN/PCGN spelling (scientific, German).
        assert_eq!(
            toks(&n, "Specialnyj texnologičeskij centr"),
            ["special", "technology", "center"]
        );
        assert_eq!(
            toks(&n, "Rossijskij fond prjamych inwestizij"),
            ["russia", "fund", "direct", "investment"]
        );
        // ICAO.
        assert_eq!(
            toks(&n, "Rossiiskii fond priamykh investitsii"),
            ["russia", "fund", "direct", "investment"]
        );
        // German: intervocalic s is з, tsch ч, ch х.
        assert_eq!(
            toks(&n, "Moskowskij fisiko-technitscheskij institut"),
            ["moscow", "physics", "technology", "institute"]
        );
        // Distinctive words, letters only: the same spelling from every system.
        for name in [
            "Jurij Walentinowitsch Kowaltschuk",
            "Jurij Valentinovič Kovalčuk",
        ] {
            assert_eq!(
                toks(&n, name),
                ["yury", "valentinovich", "kovalchuk"],
                "{name}"
            );
        }
        // BGN/PCGN `ye` after a vowel is `e` as in the other systems.
        assert_eq!(toks(&n, "Mashinostroyeniya"), toks(&n, "mašinostroenija"));
        // English and pinyin words, and misspellings, are left alone: no mark of another
        // romanisation (`w` alone, `x` alone, `j` before `i`, `j` with no vowel beside it).
        for w in [
            "dawning",
            "alexander",
            "motcow",
            "tlanjin",
            "mujahideen",
            "sceurjty",
        ] {
            assert_eq!(toks(&n, w), [w]);
        }
    }

    #[test]
    fn russian_abbreviations_translate_inside_a_name() {
        let n = Normalizer::new();
        assert_eq!(
            translated(&n, "АО НТЦ «Модуль»").as_deref(),
            Some("research center modul")
        );
        assert_eq!(
            translated(&n, "AO NTZ Modul").as_deref(),
            Some("research center modul")
        );
        // Alone, an abbreviation is any party's initials.
        assert_eq!(translated(&n, "NTC"), None);
        // Two Latin letters are too short to tell.
        assert_eq!(translated(&n, "KB Kookmin"), None);
    }

    #[test]
    fn university_with_technology_in_any_order_is_a_polytechnic() {
        let n = Normalizer::new();
        let mut a = toks(&n, "University Bauman Moscow State Technical");
        let mut b = toks(&n, "Bauman Moscow State Technical University");
        a.sort();
        b.sort();
        assert_eq!(a, b);
        assert!(a.contains(&"polytechnic".to_string()));
    }

    #[test]
    fn a_short_generic_word_ends_a_run_together_name() {
        let n = Normalizer::new();
        let mut n = n;
        // The list's own words are known (the matcher adds them).
        n.extend_vocabulary(["kaspersky"]);
        assert_eq!(toks(&n, "KasperskyLab"), ["kaspersky", "laboratory"]);
        // Not a short word that is not generic.
        assert_eq!(toks(&n, "Kasperskyabc"), ["kasperskyabc"]);
    }

    #[test]
    fn phrases_and_translated_pinyin() {
        let n = Normalizer::new();
        // The renderings of 工业大学 / 理工大学 meet in one token.
        assert_eq!(
            toks(&n, "Harbin Institute of Technology"),
            ["harbin", "polytechnic"]
        );
        assert_eq!(toks(&n, "哈尔滨工业大学"), ["harbin", "polytechnic"]);
        assert_eq!(
            toks(&n, "Northwestern Polytechnical University"),
            ["northwestern", "polytechnic"]
        );
        assert_eq!(toks(&n, "西北工业大学"), ["northwestern", "polytechnic"]);
        // Pinyin written syllable by syllable translates like characters.
        let r = n.normalize("Tian Jin Xian Jin Ji Shu Tou Zi");
        let t = n.translate(&r).expect("generic pinyin words translate");
        assert_eq!(t.text(), "tianjin advanced technology investment");
    }

    #[test]
    fn pinyin_initials_split_syllables() {
        assert_eq!(pinyin_initials("shenzhen").as_deref(), Some("sz"));
        assert_eq!(pinyin_initials("dajiang").as_deref(), Some("dj"));
        assert_eq!(pinyin_initials("zhongguancun").as_deref(), Some("zgc"));
        // One syllable, or not pinyin at all.
        assert_eq!(pinyin_initials("xian"), None);
        assert_eq!(pinyin_initials("rosoboronexport"), None);
    }

    #[test]
    fn cyrillic_and_arabic_transliterate() {
        let n = Normalizer::new();
        let r = n.normalize("ООО «Рособоронэкспорт»");
        assert_eq!(r.legal_forms, [LegalClass::Limited]);
        assert_eq!(r.tokens[0].text, "rosoboroneksport");
        assert_eq!(r.tokens[0].script, Script::Cyrillic);
        let a = n.normalize("ماهان");
        assert_eq!(a.tokens[0].script, Script::Arabic);
        assert_eq!(phonetic_key(&a.tokens[0].text), phonetic_key("mahan"));
    }

    #[test]
    fn hangul_names_and_translated_reading() {
        let n = Normalizer::new();
        // A three-syllable Korean name: surname in the lists' spelling, then the given name.
        assert_eq!(toks(&n, "김정은"), ["kim", "jong", "un"]);
        assert_eq!(toks(&n, "리병철"), ["ri", "pyong", "chol"]);
        assert_eq!(toks(&n, "최룡해"), ["choe", "ryong", "hae"]);
        // An organisation: segmented into known words, its legal form set aside, and a
        // translated reading.
        let r = n.normalize("조선광업개발무역회사");
        assert_eq!(r.legal_forms, [LegalClass::Company]);
        let t = n.translate(&r).expect("generic Korean words translate");
        assert_eq!(t.text(), "korea mining development trading");
        // Arabic script: the article comes off before the look-up; Latin names never translate.
        assert_eq!(
            translated(&n, "المصرف التجاري").as_deref(),
            Some("bank commercial")
        );
        assert_eq!(translated(&n, "Bank Melli Iran"), None);
    }

    #[test]
    fn joined_words_split_and_misspelt_generic_words() {
        let mut n = Normalizer::new();
        n.extend_vocabulary(["rostec", "venezuela"]);
        assert_eq!(toks(&n, "State CorporationRostec"), ["rostec"]);
        assert_eq!(toks(&n, "deVenezuela"), ["of", "venezuela"]);
        assert_eq!(
            toks(&n, "Qods Aviation Inrdustries"),
            ["qods", "aviation", "industry"]
        );
        // Pinyin words are never taken for misspelt generic words.
        assert_eq!(toks(&n, "Jinheng"), ["jinheng"]);
    }

    #[test]
    fn phonetic_keys_fold_romanisations() {
        assert_eq!(
            phonetic_key("rosoboronexport"),
            phonetic_key("rosoboroneksport")
        );
        assert_eq!(phonetic_key("prigozhin"), phonetic_key("prigojin"));
        assert_eq!(phonetic_key("khamenei"), phonetic_key("hamenei"));
        assert_ne!(phonetic_key("huawei"), phonetic_key("lenovo"));
    }
}
