//! Curated text patterns: chain-of-thought elicitation and capability areas.
//!
//! Chain-of-thought elicitation is the request that the model write out its reasoning, the
//! thing a distiller wants to harvest ("reasoning trace coercion"). The pattern set below is
//! curated from the phrasings named in public disclosures and the common prompt-engineering
//! idioms, in English and Chinese (both required) plus Japanese, Korean, Russian, Spanish,
//! French and German. Matching is case-insensitive for Latin scripts. An evaluation harness
//! also asks to "think step by step": this signal alone never flags anything.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::sync::OnceLock;

/// Phrases that ask the model to articulate its reasoning.
pub const COT_PATTERNS: &[&str] = &[
    // English
    "step by step",
    "step-by-step",
    "show your reasoning",
    "show all of your reasoning",
    "show all your reasoning",
    "show your work",
    "explain your reasoning",
    "explain your thought process",
    "your thought process",
    "reasoning process",
    "reasoning trace",
    "chain of thought",
    "chain-of-thought",
    "think through",
    "think carefully",
    "think it through",
    "walk me through your",
    "walk through your reasoning",
    "explain each step",
    "detailed reasoning",
    "full reasoning",
    "reason carefully",
    "reason through",
    "articulate the reasoning",
    "articulate your reasoning",
    "internal reasoning",
    "before giving the final answer",
    "before answering, think",
    "think out loud",
    "<thinking>",
    "explain why each step",
    "justify each step",
    // Chinese (simplified and traditional)
    "一步一步",
    "一步步",
    "逐步",
    "分步",
    "推理过程",
    "推理過程",
    "思考过程",
    "思考過程",
    "思维链",
    "思維鏈",
    "详细解释",
    "詳細解釋",
    "解题思路",
    "解題思路",
    "展示你的推理",
    "写出推理",
    "请详细推理",
    "给出推理",
    "说明理由",
    // Japanese
    "ステップバイステップ",
    "段階的に",
    "推論過程",
    "順を追って",
    // Korean
    "단계별로",
    "차근차근",
    "추론 과정",
    // Russian
    "шаг за шагом",
    "пошагово",
    "ход рассуждений",
    // Spanish, French, German
    "paso a paso",
    "razonamiento",
    "étape par étape",
    "raisonnement",
    "schritt für schritt",
    "denkprozess",
];

/// Capability areas a prompt is assigned to (the first that matches in this order, with
/// declared tools always meaning `tool_use`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Capability {
    ToolUse = 0,
    Coding = 1,
    Math = 2,
    Reasoning = 3,
    Writing = 4,
    Translation = 5,
    Other = 6,
}

impl Capability {
    pub const ALL: [Capability; 7] = [
        Capability::ToolUse,
        Capability::Coding,
        Capability::Math,
        Capability::Reasoning,
        Capability::Writing,
        Capability::Translation,
        Capability::Other,
    ];
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Capability::ToolUse => "tool_use",
            Capability::Coding => "coding",
            Capability::Math => "math",
            Capability::Reasoning => "reasoning",
            Capability::Writing => "writing",
            Capability::Translation => "translation",
            Capability::Other => "other",
        }
    }
}

const CODING: &[&str] = &[
    "```",
    "def ",
    "function",
    "python",
    "javascript",
    "typescript",
    "rust",
    "java ",
    "c++",
    "golang",
    "sql",
    "regex",
    "compile",
    "stack trace",
    "traceback",
    "bug",
    "refactor",
    "unit test",
    "api ",
    "class ",
    "algorithm",
    "implement",
    "code",
    "代码",
    "函数",
    "编程",
    "程序",
    "算法",
    "实现",
];
const MATH: &[&str] = &[
    "solve",
    "equation",
    "integral",
    "derivative",
    "prove",
    "proof",
    "theorem",
    "probability",
    "calculate",
    "compute the",
    "how many",
    "matrix",
    "polynomial",
    "geometry",
    "数学",
    "方程",
    "求解",
    "证明",
    "计算",
    "概率",
    "积分",
];
const REASONING: &[&str] = &[
    "logic",
    "puzzle",
    "riddle",
    "deduce",
    "infer",
    "reasoning",
    "which of the following",
    "true or false",
    "argument",
    "paradox",
    "逻辑",
    "推理",
    "谜题",
];
const WRITING: &[&str] = &[
    "write a",
    "essay",
    "story",
    "poem",
    "email",
    "blog",
    "summarize",
    "summary",
    "rewrite",
    "draft",
    "写一",
    "文章",
    "总结",
    "摘要",
];
const TRANSLATION: &[&str] = &["translate", "translation", "翻译", "翻譯", "перевед"];

struct Matchers {
    cot: AhoCorasick,
    capability: AhoCorasick,
    /// Capability of each capability pattern, by pattern index.
    capability_of: Vec<Capability>,
}

fn build(patterns: &[&str]) -> AhoCorasick {
    // The patterns are static, valid and small: building cannot fail.
    #[allow(clippy::expect_used)]
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostFirst)
        .build(patterns)
        .expect("static pattern set builds")
}

fn matchers() -> &'static Matchers {
    static M: OnceLock<Matchers> = OnceLock::new();
    M.get_or_init(|| {
        let mut pats = Vec::new();
        let mut of = Vec::new();
        for (cap, list) in [
            (Capability::Coding, CODING),
            (Capability::Math, MATH),
            (Capability::Reasoning, REASONING),
            (Capability::Writing, WRITING),
            (Capability::Translation, TRANSLATION),
        ] {
            for p in list {
                pats.push(*p);
                of.push(cap);
            }
        }
        Matchers {
            cot: build(COT_PATTERNS),
            capability: build(&pats),
            capability_of: of,
        }
    })
}

/// Longest prefix of a prompt that the pattern matchers look at: the instruction of a
/// template is near its start or end, and scanning megabytes of pasted content buys nothing.
const SCAN_BYTES: usize = 4096;

fn head_and_tail(text: &str) -> (&str, &str) {
    if text.len() <= 2 * SCAN_BYTES {
        return (text, "");
    }
    let mut a = SCAN_BYTES;
    while !text.is_char_boundary(a) {
        a -= 1;
    }
    let mut b = text.len() - SCAN_BYTES;
    while !text.is_char_boundary(b) {
        b += 1;
    }
    (&text[..a], &text[b..])
}

/// Does this prompt (or system prompt) ask for the model's reasoning?
pub fn elicits_cot(text: &str) -> bool {
    let m = &matchers().cot;
    let (h, t) = head_and_tail(text);
    m.is_match(h) || (!t.is_empty() && m.is_match(t))
}

/// The capability area of one request: declared tools mean tool use; otherwise the area with
/// the most keyword hits in the prompt (ties go to the earlier area), `Other` without hits.
pub fn capability(prompt: &str, has_tools: bool) -> Capability {
    if has_tools {
        return Capability::ToolUse;
    }
    let m = matchers();
    let (h, t) = head_and_tail(prompt);
    let mut counts = [0u32; 7];
    for part in [h, t] {
        for hit in m.capability.find_iter(part) {
            counts[m.capability_of[hit.pattern().as_usize()] as usize] += 1;
        }
    }
    let mut best = Capability::Other;
    let mut best_n = 0;
    for c in Capability::ALL {
        if counts[c as usize] > best_n {
            best = c;
            best_n = counts[c as usize];
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cot_in_english_and_chinese() {
        assert!(elicits_cot(
            "Solve this. Show ALL of your reasoning before the answer."
        ));
        assert!(elicits_cot("请一步一步地推理，并详细解释你的思考过程"));
        assert!(elicits_cot("Résous-le étape par étape"));
        assert!(!elicits_cot("What is the capital of France?"));
        assert!(!elicits_cot("写一首关于秋天的诗"));
    }

    #[test]
    fn capability_areas() {
        assert_eq!(
            capability("Fix this Python function: ```def f(): pass```", false),
            Capability::Coding
        );
        assert_eq!(
            capability("Solve the equation x^2 = 4 and prove it", false),
            Capability::Math
        );
        assert_eq!(capability("anything", true), Capability::ToolUse);
        assert_eq!(capability("hello there", false), Capability::Other);
        assert_eq!(capability("请翻译这段话", false), Capability::Translation);
    }

    #[test]
    fn long_prompts_look_at_head_and_tail_only() {
        let mut s = "x".repeat(100_000);
        s.push_str(" think step by step");
        assert!(elicits_cot(&s));
        let mid = format!("{}step by step{}", "é".repeat(5000), "é".repeat(5000));
        assert!(!elicits_cot(&mid));
    }
}
