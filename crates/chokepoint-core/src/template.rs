//! Prompt templates: masking the variable parts of a prompt and hashing what remains.
//!
//! A distillation campaign sends one template filled with different content thousands of
//! times. To see the template through the content, a prompt is cut into tokens, the parts that
//! vary from one fill to the next are replaced by placeholders (numbers `<n>`, identifiers
//! `<id>`, quoted text `<q>`, code `<code>`, URLs `<url>`, e-mail addresses `<email>`), and the
//! remaining tokens are hashed as overlapping 3-grams ("shingles"). Two fills of one template
//! share the shingles of the template's fixed text; the set of shingles that most prompts of a
//! cluster share is the template's *skeleton*.
//!
//! Both the scanner (which clusters prompts) and the intel module (which shares keyed sketches
//! of skeletons and matches them against another lab's logs) must compute exactly the same
//! shingles, so the definition lives here and is frozen: tokens are lower-cased runs of letters
//! and digits, every CJK ideograph / kana / hangul syllable is a token of its own, token hashes
//! are FNV-1a 64 over the lower-cased UTF-8, and a shingle is [`mix3`] of three consecutive
//! token hashes. Changing any of that changes every shared sketch: bump the `tsh` version.

use std::fmt::Write as _;

/// Placeholders that replace variable parts of a prompt.
pub const PLACEHOLDERS: &[&str] = &["<n>", "<id>", "<q>", "<code>", "<url>", "<email>"];

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv_str(s: &str) -> u64 {
    let mut h = FNV_OFFSET;
    for c in s.chars().flat_map(char::to_lowercase) {
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(FNV_PRIME);
        }
    }
    h
}

/// SplitMix64 finaliser: spreads the bits of `x` over the whole word.
pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The hash of three consecutive token hashes (order-sensitive).
pub fn mix3(a: u64, b: u64, c: u64) -> u64 {
    splitmix64(a.rotate_left(42) ^ b.rotate_left(21) ^ c ^ 0x5151_5151_5151_5151)
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // hiragana, katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // hangul syllables
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0x20000..=0x2FA1F) // CJK extensions B-F, compatibility supplement
}

fn closing_quote(open: char) -> Option<char> {
    match open {
        '"' => Some('"'),
        '\u{201C}' => Some('\u{201D}'), // “ ”
        '\u{300C}' => Some('\u{300D}'), // 「 」
        '\u{300E}' => Some('\u{300F}'), // 『 』
        '\u{00AB}' => Some('\u{00BB}'), // « »
        _ => None,
    }
}

/// Longest quoted span that is masked as `<q>`; longer "quotes" are kept as text because they
/// are more likely an unbalanced quote mark than a value.
const MAX_QUOTE_CHARS: usize = 400;

/// Calls `f` with each token of the masked prompt, in order: either a placeholder from
/// [`PLACEHOLDERS`] or a (not yet lower-cased) word. Allocation-free.
pub fn for_each_token(prompt: &str, mut f: impl FnMut(&str)) {
    let mut i = 0;
    while i < prompt.len() {
        let rest = &prompt[i..];
        // Fenced code block: everything up to the closing fence (or the end) is code.
        if let Some(after) = rest.strip_prefix("```") {
            let end = after.find("```").map_or(rest.len(), |p| 3 + p + 3);
            f("<code>");
            i += end;
            continue;
        }
        // `rest` is non-empty and starts on a char boundary.
        let Some(c) = rest.chars().next() else { break };
        if c == '`' {
            if let Some(p) = rest[1..].find(['`', '\n']) {
                if rest.as_bytes()[1 + p] == b'`' {
                    f("<code>");
                    i += 1 + p + 1;
                    continue;
                }
            }
            i += 1;
            continue;
        }
        if let Some(close) = closing_quote(c) {
            let body = &rest[c.len_utf8()..];
            if let Some((p, _)) = body
                .char_indices()
                .take(MAX_QUOTE_CHARS)
                .find(|&(_, ch)| ch == close || ch == '\n')
            {
                if body[p..].starts_with(close) && p > 0 {
                    f("<q>");
                    i += c.len_utf8() + p + close.len_utf8();
                    continue;
                }
            }
            i += c.len_utf8();
            continue;
        }
        if is_cjk(c) {
            f(&rest[..c.len_utf8()]);
            i += c.len_utf8();
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            // A "word" up to whitespace decides URL / e-mail; otherwise a run of alphanumerics.
            let ws_end = rest
                .find(|ch: char| ch.is_whitespace())
                .unwrap_or(rest.len());
            let chunk = &rest[..ws_end];
            if chunk.contains("://") {
                f("<url>");
                i += ws_end;
                continue;
            }
            if let Some(at) = chunk.find('@') {
                if at > 0 && chunk[at..].contains('.') {
                    f("<email>");
                    i += ws_end;
                    continue;
                }
            }
            let run_end = rest
                .find(|ch: char| !(ch.is_alphanumeric() || ch == '_') || is_cjk(ch))
                .unwrap_or(rest.len());
            let mut end = run_end;
            let word = &rest[..run_end];
            let digits = word.bytes().filter(u8::is_ascii_digit).count();
            if digits > 0 {
                // Numbers swallow a decimal part and thousands separators: 3.14, 1,024.
                let all_digits = digits == word.len();
                if all_digits {
                    let tail = &rest[end..];
                    let mut t = tail;
                    while (t.starts_with('.') || t.starts_with(','))
                        && t[1..].starts_with(|ch: char| ch.is_ascii_digit())
                    {
                        let n = t[1..]
                            .find(|ch: char| !ch.is_ascii_digit())
                            .unwrap_or(t.len() - 1);
                        end += 1 + n;
                        t = &tail[end - run_end..];
                    }
                    f("<n>");
                } else if digits * 2 >= word.len() || word.len() >= 12 {
                    f("<id>");
                } else {
                    // Short mixed tokens such as "gpt4", "h100", "x86" stay words.
                    f(word);
                }
            } else {
                f(word);
            }
            i += end;
            continue;
        }
        i += c.len_utf8();
    }
}

/// The prompt with its variable parts masked, tokens lower-cased and joined by single spaces.
/// For people and tests; the scanner works on [`shingles`] directly.
pub fn mask(prompt: &str) -> String {
    let mut out = String::with_capacity(prompt.len().min(4096));
    for_each_token(prompt, |t| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(t.chars().flat_map(char::to_lowercase));
    });
    out
}

/// Hashes of the masked prompt's tokens, in order.
pub fn token_hashes(prompt: &str) -> Vec<u64> {
    let mut v = Vec::new();
    for_each_token(prompt, |t| v.push(fnv_str(t)));
    v
}

/// The sorted, deduplicated shingle set of a prompt: token 3-grams of the masked prompt (a
/// prompt of one or two tokens gives one shingle of what it has; an empty prompt none).
pub fn shingles(prompt: &str) -> Vec<u64> {
    shingles_of_tokens(&token_hashes(prompt))
}

/// [`shingles`] from precomputed token hashes.
pub fn shingles_of_tokens(t: &[u64]) -> Vec<u64> {
    let mut s: Vec<u64> = match t.len() {
        0 => Vec::new(),
        1 => vec![mix3(t[0], 0, 0)],
        2 => vec![mix3(t[0], t[1], 0)],
        _ => t.windows(3).map(|w| mix3(w[0], w[1], w[2])).collect(),
    };
    s.sort_unstable();
    s.dedup();
    s
}

/// A template's skeleton as a set of unkeyed shingle hashes (sorted, unique). Text form:
/// `tsh1:` followed by 16 lower-case hex digits per shingle. It appears in local scan reports
/// only; what is shared with other labs is a keyed sketch of it (see the intel module).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TemplateShingles(pub Vec<u64>);

impl TemplateShingles {
    /// Builds the set from any shingles (sorts and deduplicates).
    pub fn new(mut v: Vec<u64>) -> Self {
        v.sort_unstable();
        v.dedup();
        TemplateShingles(v)
    }

    /// `tsh1:<hex>`.
    pub fn encode(&self) -> String {
        let mut s = String::with_capacity(5 + 16 * self.0.len());
        s.push_str("tsh1:");
        for h in &self.0 {
            let _ = write!(s, "{h:016x}");
        }
        s
    }

    /// Parses the text form, with an error message that says what is wrong.
    pub fn decode(s: &str) -> Result<Self, String> {
        let hex = s
            .strip_prefix("tsh1:")
            .ok_or_else(|| "template sketch must start with `tsh1:`".to_string())?;
        if hex.len() % 16 != 0 {
            return Err(format!(
                "template sketch has {} hex digits, not a multiple of 16",
                hex.len()
            ));
        }
        let v = (0..hex.len() / 16)
            .map(|k| {
                u64::from_str_radix(&hex[16 * k..16 * k + 16], 16).map_err(|_| {
                    format!(
                        "template sketch has a non-hex digit near position {}",
                        5 + 16 * k
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TemplateShingles::new(v))
    }

    /// Fraction of this skeleton's shingles that `other` (a prompt's shingles, sorted) contains.
    pub fn containment_in(&self, other: &[u64]) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        let hits = self
            .0
            .iter()
            .filter(|h| other.binary_search(h).is_ok())
            .count();
        hits as f64 / self.0.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_variable_parts() {
        let m = mask(
            "Solve: 3.14 * 1,024 = ? See https://x.org/a?b=1 or mail bob@ex.com, id 9f8e7d6c5b4a3",
        );
        assert_eq!(m, "solve <n> <n> see <url> or mail <email> id <id>");
        assert_eq!(
            mask("Translate \"good morning\" to French"),
            "translate <q> to french"
        );
        assert_eq!(
            mask("Fix ```fn main() {}``` and `x+1` please"),
            "fix <code> and <code> please"
        );
        assert_eq!(mask("Use the H100 and gpt4"), "use the <id> and gpt4");
    }

    #[test]
    fn cjk_characters_are_tokens() {
        assert_eq!(mask("请一步一步地推理"), "请 一 步 一 步 地 推 理");
        assert_eq!(mask("解方程x=3"), "解 方 程 x <n>");
    }

    #[test]
    fn one_template_two_fills_share_the_skeleton() {
        let a = shingles("Please solve the following problem step by step and show all of your reasoning: what is 17 * 23?");
        let b = shingles("Please solve the following problem step by step and show all of your reasoning: how many primes are below 100?");
        let c = shingles("Write a haiku about the autumn moon over the river");
        let common = a.iter().filter(|h| b.binary_search(h).is_ok()).count();
        assert!(common >= 12, "{common}");
        assert_eq!(a.iter().filter(|h| c.binary_search(h).is_ok()).count(), 0);
    }

    #[test]
    fn sketch_text_round_trips_and_rejects_garbage() {
        let t = TemplateShingles::new(shingles("show your reasoning step by step"));
        let s = t.encode();
        assert_eq!(TemplateShingles::decode(&s).unwrap(), t);
        assert!(TemplateShingles::decode("tsh1:abc").is_err());
        assert!(TemplateShingles::decode("tsh1:zzzzzzzzzzzzzzzz").is_err());
        assert!(TemplateShingles::decode("x").is_err());
        assert!(
            (t.containment_in(&shingles("please show your reasoning step by step now")) - 1.0)
                .abs()
                < 1e-12
        );
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "",
            "`",
            "```",
            "\"",
            "“unclosed",
            "a@",
            "@b.c",
            "1.",
            "1,",
            "é\u{0301}",
            "\u{10FFFF}",
            "x://",
        ] {
            let _ = shingles(s);
            let _ = mask(s);
        }
    }
}
