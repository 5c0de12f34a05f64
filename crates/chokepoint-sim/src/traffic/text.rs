//! Prompt grammars. Every generator here fills slots (names, numbers, code, topics, documents)
//! into one of several phrasings, so that two prompts from one template almost never coincide
//! exactly: exact-duplicate matching does not find a template, only masking its variable parts
//! does. Legitimate generators have their own recurring phrasing ("fix this bug", a benchmark
//! preamble, "Let's think step by step"), so that templated structure alone is no giveaway.

// `*rng.pick(list)` pins the element type for inference; clippy cannot see that.
#![allow(clippy::explicit_auto_deref)]

use super::rng::{Draw, Rng};

/// What kind of answer a prompt asks for; decides the completion length distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// Greetings, one-liners, classification labels.
    Short,
    /// Ordinary chat answers.
    Chat,
    /// Code answers.
    Code,
    /// Long worked reasoning (step-by-step answers).
    Reasoning,
    /// Structured extraction (JSON out).
    Extraction,
    /// An agent turn: often a tool call.
    Agent,
}

/// One generated request body.
#[derive(Debug, Clone)]
pub(crate) struct Prompt {
    pub text: String,
    pub system: Option<String>,
    pub tools: Vec<String>,
    pub style: Style,
}

impl Prompt {
    pub fn new(text: String, style: Style) -> Self {
        Prompt {
            text,
            system: None,
            tools: Vec::new(),
            style,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Word lists

pub(crate) const FIRST_NAMES: &[&str] = &[
    "Maria", "James", "Aisha", "Wei", "Lucas", "Priya", "Tom", "Sofia", "Kenji", "Olga", "Carlos",
    "Fatima", "Noah", "Emma", "Liam", "Yuki", "Ravi", "Chloe", "Omar", "Hannah", "Mateo", "Zara",
    "Ben", "Mina", "Ivan", "Lena", "Diego", "Sara", "Jonas", "Nadia", "Ethan", "Grace",
];
const ZH_NAMES: &[&str] = &[
    "小明", "小红", "李华", "王芳", "张伟", "刘洋", "陈静", "赵磊", "孙丽", "周杰", "吴敏", "郑强",
];
const ITEMS: &[&str] = &[
    "apples",
    "pencils",
    "marbles",
    "cookies",
    "stickers",
    "books",
    "oranges",
    "cupcakes",
    "cards",
    "bottles",
    "eggs",
    "seashells",
];
const ZH_ITEMS: &[&str] = &["苹果", "铅笔", "糖果", "本书", "个橙子", "张卡片", "个鸡蛋"];
const LANGS: &[&str] = &[
    "Python",
    "JavaScript",
    "TypeScript",
    "Rust",
    "Go",
    "Java",
    "C++",
    "C#",
];
const VARS: &[&str] = &[
    "items", "users", "orders", "total", "count", "prices", "cache", "result", "data", "rows",
    "records", "buf", "queue", "nodes", "scores", "events", "payload", "config", "values", "acc",
];
const FUNCS: &[&str] = &[
    "process",
    "load_users",
    "parse_row",
    "merge",
    "compute_total",
    "handle_event",
    "fetch_page",
    "normalize",
    "apply_discount",
    "build_index",
    "flush",
    "validate",
    "group_by_day",
    "retry",
    "update_cache",
    "score",
    "dedupe",
    "to_csv",
    "resolve",
    "tokenize",
];
const TOPICS: &[&str] = &[
    "black holes",
    "the French Revolution",
    "photosynthesis",
    "inflation",
    "the stock market",
    "climate change",
    "ancient Rome",
    "quantum computing",
    "sourdough bread",
    "marathon training",
    "the immune system",
    "jazz history",
    "volcanoes",
    "electric cars",
    "the Silk Road",
    "machine learning",
    "coral reefs",
    "sleep",
    "the printing press",
    "renewable energy",
    "Byzantine art",
    "tea ceremonies",
    "plate tectonics",
    "game theory",
    "octopuses",
];
const ZH_TOPICS: &[&str] = &[
    "黑洞",
    "通货膨胀",
    "光合作用",
    "人工智能",
    "唐朝历史",
    "量子计算",
    "气候变化",
    "免疫系统",
    "区块链",
    "中医",
    "新能源汽车",
    "股票投资",
    "丝绸之路",
    "睡眠",
    "心理学",
];
const CITIES: &[&str] = &[
    "Lisbon",
    "Kyoto",
    "Mexico City",
    "Berlin",
    "Seoul",
    "Cape Town",
    "Vancouver",
    "Istanbul",
    "Hanoi",
    "Buenos Aires",
    "Edinburgh",
    "Singapore",
    "Prague",
    "Marrakech",
    "Sydney",
];
const PRODUCTS: &[&str] = &[
    "wireless earbuds",
    "a standing desk",
    "a cast-iron skillet",
    "running shoes",
    "a travel backpack",
    "a smart thermostat",
    "a yoga mat",
    "an espresso machine",
    "a mechanical keyboard",
    "noise-cancelling headphones",
    "a robot vacuum",
    "a linen duvet cover",
    "a hiking tent",
];

fn name(rng: &mut Rng) -> &'static str {
    *rng.pick(FIRST_NAMES)
}

// ---------------------------------------------------------------------------------------
// Code

/// A short code snippet in `lang` (lower-case key) with a plausible bug, and the error it
/// produces.
pub(crate) fn code_snippet(rng: &mut Rng, lang: &str) -> (String, String) {
    let v1 = *rng.pick(VARS);
    let v2 = *rng.pick(VARS);
    let f = *rng.pick(FUNCS);
    let n = rng.between(2, 500);
    let key = *rng.pick(&[
        "id",
        "email",
        "created_at",
        "price",
        "status",
        "user_id",
        "name",
    ]);
    match lang {
        "python" => match rng.below(4) {
            0 => (
                format!("def {f}({v1}, limit={n}):\n    {v2} = []\n    for i in range(len({v1}) + 1):\n        if {v1}[i][\"{key}\"] is not None:\n            {v2}.append({v1}[i])\n    return {v2}[:limit]"),
                "IndexError: list index out of range".to_string(),
            ),
            1 => (
                format!("def {f}(row):\n    total = row[\"{key}\"] + {n}\n    return total / row.get(\"qty\", 0)"),
                if rng.chance(0.5) { "TypeError: can only concatenate str (not \"int\") to str".to_string() } else { format!("File \"app.py\", line 2, in {f}\nTypeError: can only concatenate str (not \"int\") to str") },
            ),
            2 => (
                format!("async def {f}(session, urls):\n    results = []\n    for u in urls:\n        r = session.get(u, timeout={n})\n        results.append(await r.json())\n    return results"),
                "AttributeError: 'coroutine' object has no attribute 'json'".to_string(),
            ),
            _ => (
                format!("class {}:\n    def __init__(self):\n        self.{v1} = {{}}\n\n    def {f}(self, k):\n        return self.{v1}[k]\n", camel(f)),
                format!("KeyError: '{key}'"),
            ),
        },
        "javascript" | "typescript" => match rng.below(3) {
            0 => (
                format!("async function {}({v1}) {{\n  const {v2} = {v1}.map(async (x) => await fetch(`/api/{key}/${{x.id}}`));\n  return {v2}.filter(r => r.ok).slice(0, {n});\n}}", camel_lower(f)),
                format!("TypeError: Cannot read properties of undefined (reading '{key}')"),
            ),
            1 => (
                format!("const {} = ({v1}) => {{\n  let {v2};\n  {v1}.forEach(x => {{ {v2} += x.{key}; }});\n  return {v2} / {v1}.length;\n}};", camel_lower(f)),
                "NaN returned instead of the average".to_string(),
            ),
            _ => (
                format!("useEffect(() => {{\n  fetch('/api/{v1}?limit={n}').then(r => r.json()).then(set{});\n}});", camel(v2)),
                "Warning: Maximum update depth exceeded.".to_string(),
            ),
        },
        "rust" => match rng.below(3) {
            0 => (
                format!("fn {f}({v1}: &mut Vec<u32>) -> u32 {{\n    let first = &{v1}[0];\n    {v1}.push({n});\n    *first\n}}"),
                format!("error[E0502]: cannot borrow `*{v1}` as mutable because it is also borrowed as immutable"),
            ),
            1 => (
                format!("fn {f}(s: &str) -> &str {{\n    let owned = s.trim().to_string();\n    &owned[..{n}.min(owned.len())]\n}}"),
                "error[E0515]: cannot return value referencing local variable `owned`".to_string(),
            ),
            _ => (
                format!("let {v1}: HashMap<String, u32> = HashMap::new();\nfor line in input.lines() {{\n    *{v1}.entry(line.to_string()).or_insert(0) += {n};\n}}"),
                format!("error[E0596]: cannot borrow `{v1}` as mutable, as it is not declared as mutable"),
            ),
        },
        "go" => match rng.below(2) {
            0 => (
                format!("func {}(m map[string]int) {{\n\tvar {v1} map[string]int\n\tfor k, v := range m {{\n\t\t{v1}[k] = v * {n}\n\t}}\n}}", camel(f)),
                "panic: assignment to entry in nil map".to_string(),
            ),
            _ => (
                format!("for _, u := range {v1} {{\n\tgo func() {{\n\t\tdefer wg.Done()\n\t\t{f}(u)\n\t}}()\n}}\nwg.Wait()"),
                "fatal error: all goroutines are asleep - deadlock!".to_string(),
            ),
        },
        "sql" => (
            format!("SELECT u.{key}, COUNT(o.id)\nFROM users u\nLEFT JOIN orders o ON o.user_id = u.id\nWHERE o.created_at > NOW() - INTERVAL '{n} days'\nGROUP BY u.id;"),
            format!("ERROR: column \"u.{key}\" must appear in the GROUP BY clause or be used in an aggregate function"),
        ),
        _ => (
            format!("public int {}(List<Integer> {v1}) {{\n    int {v2} = 0;\n    for (int i = 0; i <= {v1}.size(); i++) {{\n        {v2} += {v1}.get(i) * {n};\n    }}\n    return {v2};\n}}", camel_lower(f)),
            format!("java.lang.IndexOutOfBoundsException: Index {n} out of bounds for length {n}"),
        ),
    }
}

fn camel(s: &str) -> String {
    s.split('_')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn camel_lower(s: &str) -> String {
    let c = camel(s);
    let mut it = c.chars();
    match it.next() {
        Some(f) => f.to_lowercase().collect::<String>() + it.as_str(),
        None => c,
    }
}

fn lang_key(rng: &mut Rng) -> &'static str {
    *rng.pick(&[
        "python",
        "python",
        "python",
        "javascript",
        "typescript",
        "rust",
        "go",
        "sql",
        "java",
    ])
}

fn lang_display(key: &str) -> &'static str {
    match key {
        "python" => "Python",
        "javascript" => "JavaScript",
        "typescript" => "TypeScript",
        "rust" => "Rust",
        "go" => "Go",
        "sql" => "SQL",
        _ => "Java",
    }
}

/// A programming task phrase ("returns the k-th largest element ...").
pub(crate) fn coding_task_en(rng: &mut Rng) -> String {
    let n = rng.between(2, 64);
    let entity = *rng.pick(&[
        "customer",
        "invoice",
        "sensor reading",
        "log line",
        "order",
        "user",
        "transaction",
    ]);
    match rng.below(24) {
        0 => format!("returns the {n}th largest element of an unsorted array"),
        1 => "parses an ISO 8601 timestamp and returns the day of the week".into(),
        2 => format!("merges {n} sorted linked lists into one sorted list"),
        3 => format!("implements an LRU cache with capacity {n}"),
        4 => "checks whether a string is a valid IPv4 address".into(),
        5 => "computes the longest common subsequence of two strings".into(),
        6 => format!("rate-limits calls to at most {n} per second using a token bucket"),
        7 => "serializes a binary tree to a string and deserializes it back".into(),
        8 => {
            "finds the shortest path in a weighted directed graph with Dijkstra's algorithm".into()
        }
        9 => {
            format!("deduplicates a list of {entity} records by e-mail address, keeping the newest")
        }
        10 => format!("groups {entity} records by day and returns the {n} busiest days"),
        11 => format!(
            "splits a text into chunks of at most {} tokens without breaking words",
            n * 16
        ),
        12 => "detects a cycle in a directed graph and returns one cycle if found".into(),
        13 => format!(
            "evaluates an arithmetic expression with +, -, *, / and parentheses, to {n} digits"
        ),
        14 => "implements a trie with insert, search and prefix-count operations".into(),
        15 => format!("finds all pairs in an array whose sum equals {}", n * 3),
        16 => "validates a Sudoku board".into(),
        17 => format!("computes a moving average over a window of {n} values in a stream"),
        18 => "converts a Roman numeral to an integer and back".into(),
        19 => format!("schedules {n} tasks with dependencies in topological order"),
        20 => format!(
            "retries an HTTP request up to {} times with exponential backoff and jitter",
            n % 7 + 2
        ),
        21 => format!(
            "compresses runs of repeated characters (run-length encoding) in a {entity} field"
        ),
        22 => "returns the median of two sorted arrays in logarithmic time".into(),
        _ => format!("solves the 0/1 knapsack problem for {n} items"),
    }
}

/// Constraints that come with a coding task (input sizes, limits, tests).
pub(crate) fn coding_constraint(rng: &mut Rng, zh: bool) -> String {
    let n = 10u64.pow(rng.between(3, 7) as u32) * rng.between(1, 9);
    let ms = rng.between(1, 20) * 50;
    let k = rng.between(3, 12);
    if zh {
        match rng.below(4) {
            0 => format!("输入规模最多为{n}，要求在{ms}毫秒内完成。"),
            1 => format!("请附上{k}个测试用例。"),
            2 => format!("不要使用第三方库，内存限制{}MB。", rng.between(16, 512)),
            _ => format!("数据范围：1 ≤ n ≤ {n}，时间限制{ms}毫秒。"),
        }
    } else {
        match rng.below(4) {
            0 => {
                format!("The input has up to {n} elements and must be processed in under {ms} ms.")
            }
            1 => format!("Include {k} unit tests."),
            2 => format!(
                "Do not use external libraries; memory limit {} MB.",
                rng.between(16, 512)
            ),
            _ => format!("Constraints: 1 <= n <= {n}, time limit {ms} ms."),
        }
    }
}

/// A programming task phrase in Chinese.
pub(crate) fn coding_task_zh(rng: &mut Rng) -> String {
    let n = rng.between(2, 64);
    match rng.below(14) {
        0 => format!("一个函数，返回无序数组中第{n}大的元素"),
        1 => format!("一个容量为{n}的LRU缓存"),
        2 => "一个判断字符串是否为合法IPv4地址的函数".into(),
        3 => "计算两个字符串最长公共子序列的算法".into(),
        4 => "二叉树的序列化与反序列化".into(),
        5 => "用Dijkstra算法求带权有向图的最短路径".into(),
        6 => format!("合并{n}个有序链表"),
        7 => format!("一个令牌桶限流器，每秒最多{n}次调用"),
        8 => "一个支持插入、查找和前缀计数的字典树".into(),
        9 => format!("找出数组中所有和为{}的数对", n * 3),
        10 => "判断有向图中是否存在环，并返回一个环".into(),
        11 => format!("{n}个物品的0/1背包问题"),
        12 => "一个支持加减乘除和括号的表达式求值器".into(),
        _ => format!("对{n}个有依赖关系的任务进行拓扑排序"),
    }
}

// ---------------------------------------------------------------------------------------
// Math and reasoning

/// A grade-school to competition-level word problem.
pub(crate) fn math_problem_en(rng: &mut Rng) -> String {
    let a = rng.between(2, 60);
    let b = rng.between(2, 24);
    let c = rng.between(1, 40);
    let who = name(rng);
    match rng.below(10) {
        0 => {
            let it = rng.pick(ITEMS);
            format!("{who} buys {a} boxes of {it} with {b} {it} in each box. {who} gives away {c} {it} and then buys {} more. How many {it} does {who} have now?", rng.between(1, 30))
        }
        1 => format!("A train travels {} km in {b} hours. At the same speed, how long does it take to travel {} km?", a * b * 5, a * 7),
        2 => {
            let (r1, r2) = (rng.between(1, 15) as i64, rng.between(1, 15) as i64);
            let c = rng.between(1, 9) as i64;
            format!("Find all real x such that {c}x^2 - {}x + {} = 0.", c * (r1 + r2), c * r1 * r2)
        }
        3 => format!("What is the remainder when {a}^{} is divided by {}?", rng.between(10, 2026), rng.between(3, 97)),
        4 => {
            let (x, y) = (rng.between(3, 40), rng.between(3, 40));
            format!("A rectangle has perimeter {} and area {}. Find its side lengths.", 2 * (x + y), x * y)
        }
        5 => format!("How many positive divisors does {} have?", rng.between(100, 100_000)),
        6 => format!("A bag contains {} red, {} blue and {} green marbles. {} marbles are drawn without replacement. What is the probability that all of them are red?", rng.between(3, 20), rng.between(2, 20), rng.between(0, 15), rng.between(2, 3)),
        7 => {
            let k = rng.between(3, 400);
            match rng.below(3) {
                0 => format!("Prove that {k}^n - 1 is divisible by {} for every positive integer n.", k - 1),
                1 => format!("Show that the sum of the first {k} odd numbers is {}.", k * k),
                _ => format!("Prove that the product of any {} consecutive integers is divisible by {}!.", k % 9 + 2, k % 9 + 2),
            }
        }
        8 => format!("{who} invests ${} at {}% annual interest compounded monthly. How much is the investment worth after {} years?", a * 100, rng.between(2, 9), rng.between(2, 30)),
        _ => format!("Compute the sum of all integers from {} to {} that are divisible by {} but not by {}.", c, c + a * 50, rng.between(2, 9), rng.between(10, 15)),
    }
}

/// A word problem in Chinese.
pub(crate) fn math_problem_zh(rng: &mut Rng) -> String {
    let a = rng.between(2, 60);
    let b = rng.between(2, 24);
    let c = rng.between(1, 40);
    let who = rng.pick(ZH_NAMES);
    match rng.below(7) {
        0 => format!("{who}有{a}{}，又买了{b}袋，每袋{c}个，然后分给朋友{}个。{who}现在还有多少？", rng.pick(ZH_ITEMS), rng.between(1, 20)),
        1 => format!("一列火车以每小时{}公里的速度行驶了{b}小时，然后以每小时{}公里的速度行驶了{}小时。全程的平均速度是多少？", a * 3, c + 40, rng.between(1, 9)),
        2 => {
            let (r1, r2) = (rng.between(1, 15), rng.between(1, 15));
            let c = rng.between(1, 9);
            format!("求方程 {c}x^2 - {}x + {} = 0 的所有实数根。", c * (r1 + r2), c * r1 * r2)
        }
        3 => format!("求 {a}^{} 除以 {} 的余数。", rng.between(10, 2026), rng.between(3, 97)),
        4 => format!("一个袋子里有{}个红球、{}个蓝球和{}个绿球，不放回地取出{}个球，全部是红球的概率是多少？", rng.between(3, 20), rng.between(2, 20), rng.between(0, 15), rng.between(2, 3)),
        5 => {
            let k = rng.between(3, 400);
            if rng.chance(0.5) {
                format!("证明：对任意正整数 n，{k}^n - 1 能被 {} 整除。", k - 1)
            } else {
                format!("证明：前 {k} 个奇数之和等于 {}。", k * k)
            }
        }
        _ => format!("一个长方形的周长是{}，面积是{}，求它的长和宽。", 2 * (a + b), a * b),
    }
}

/// A logic or commonsense reasoning puzzle.
pub(crate) fn reasoning_puzzle_en(rng: &mut Rng) -> String {
    let (p, q, r) = (name(rng), name(rng), name(rng));
    match rng.below(6) {
        0 => {
            let pets = ["a cat", "a dog", "a parrot", "a turtle", "a rabbit"];
            format!("{p}, {q} and {r} each own a different pet: {}, {} or {}. {p} is allergic to fur. {q}'s pet cannot fly. Who owns which pet?", pets[rng.below(2)], pets[2], pets[3 + rng.below(2)])
        }
        1 => {
            let (x, y, z) = (rng.pick(&["poets", "engineers", "doctors", "chess players"]), rng.pick(&["early risers", "musicians", "runners"]), rng.pick(&["vegetarians", "left-handed", "bilingual"]));
            format!("All {x} in {} are {y}. Some {y} are {z}. {p} is one of the {x}. Does it follow that {p} is {z}, or that some {x} are {z}? Explain.", rng.pick(CITIES))
        }
        2 => format!("Estimate how many {} there are in {} (population about {} thousand). State your assumptions.", rng.pick(&["piano tuners", "coffee shops", "taxis", "dentists", "golf balls in the air right now"]), rng.pick(CITIES), rng.between(200, 20_000)),
        3 => format!("A clock shows {}:{:02}. What is the angle between the hour and minute hands?", rng.between(1, 12), rng.between(0, 59)),
        4 => format!("{p} is taller than {q}, and {r} is shorter than {q} but taller than {}. Who is the second tallest of the four?", name(rng)),
        _ => {
            let doors = rng.between(3, 100);
            format!("There are {doors} doors; behind one is a ${} prize. You pick a door, and the host, who knows where the prize is, opens {} empty doors. Should you switch? Give the probability of winning if you do.", rng.between(1, 999) * 100, rng.between(1, doors - 2))
        }
    }
}

/// A reasoning puzzle in Chinese.
pub(crate) fn reasoning_puzzle_zh(rng: &mut Rng) -> String {
    let (p, q, r) = (rng.pick(ZH_NAMES), rng.pick(ZH_NAMES), rng.pick(ZH_NAMES));
    match rng.below(4) {
        0 => format!("{p}、{q}、{r}三人中只有一人说了真话。{p}说：“{q}在说谎。”{q}说：“{r}在说谎。”{r}说：“{p}和{q}都在说谎。”请问谁说了真话？"),
        1 => format!("时钟显示{}点{}分，时针和分针的夹角是多少度？", rng.between(1, 12), rng.between(0, 59)),
        2 => format!("估算{}（人口约{}万）大约有多少{}，并说明你的假设。", rng.pick(&["北京", "上海", "深圳", "成都", "杭州", "武汉"]), rng.between(300, 2500), rng.pick(&["家咖啡店", "辆出租车", "名钢琴调音师", "个快递员"])),
        _ => format!("有{}扇门，其中一扇门后有价值{}元的奖品。你选了一扇门后，主持人打开了一扇空门。你应该换门吗？请给出概率。", rng.between(3, 10), rng.between(10, 999) * 100),
    }
}

/// An agentic task (the start of an agent loop) and the tools it would declare.
pub(crate) fn agent_task_en(rng: &mut Rng) -> (String, Vec<String>) {
    let repo = format!(
        "{}-{}",
        rng.pick(&["billing", "auth", "search", "ingest", "web", "payments", "notify"]),
        rng.pick(&["service", "api", "worker", "app", "core"])
    );
    let test = format!("test_{}", rng.pick(FUNCS));
    let (task, tools): (String, &[&str]) = match rng.below(6) {
        0 => (format!("The repository {repo} fails its test `{test}`. Find the cause and fix it, then run the tests again."), &["read_file", "write_file", "run_shell", "search_code", "run_tests"]),
        1 => (format!("Add pagination (page size {}) to the `/v1/{}` endpoint of {repo} and update the tests.", rng.between(10, 200), rng.pick(VARS)), &["read_file", "write_file", "list_dir", "run_tests", "search_code"]),
        2 => (format!("Find the {} cheapest flights from {} to {} next month and put them in a table.", rng.between(3, 10), rng.pick(CITIES), rng.pick(CITIES)), &["web_search", "browser_open", "browser_click", "extract_table"]),
        3 => (format!("Open the admin dashboard, export the last {} days of the {} report as CSV and summarise anomalies above {}%.", rng.between(2, 90), rng.pick(&["sales", "signup", "churn", "latency"]), rng.between(2, 50)), &["browser_open", "browser_click", "browser_type", "screenshot", "read_file"]),
        4 => (format!("Query the warehouse for the top {} {} by revenue in Q{} and chart them.", rng.between(5, 50), rng.pick(&["customers", "products", "regions"]), rng.between(1, 4)), &["sql_query", "python_exec", "make_chart"]),
        _ => (format!("Upgrade the dependency `{}` in {repo} to the latest major version and fix what breaks.", rng.pick(&["tokio", "react", "django", "pydantic", "express", "spring-boot"])), &["read_file", "write_file", "run_shell", "run_tests", "web_search"]),
    };
    (task, tools.iter().map(|s| s.to_string()).collect())
}

/// An agentic task in Chinese.
pub(crate) fn agent_task_zh(rng: &mut Rng) -> (String, Vec<String>) {
    let (task, tools): (String, &[&str]) = match rng.below(3) {
        0 => (
            format!(
                "仓库 {}-service 的测试 test_{} 失败了，请找出原因并修复，然后重新运行测试。",
                rng.pick(&["billing", "auth", "search"]),
                rng.pick(FUNCS)
            ),
            &["read_file", "write_file", "run_shell", "run_tests"],
        ),
        1 => (
            format!(
                "查询数据仓库，找出第{}季度收入最高的{}个客户，并画出图表。",
                rng.between(1, 4),
                rng.between(5, 50)
            ),
            &["sql_query", "python_exec", "make_chart"],
        ),
        _ => (
            format!(
                "搜索并比较{}款价格在{}元以内的{}，整理成表格。",
                rng.between(3, 8),
                rng.between(5, 200) * 100,
                rng.pick(&["笔记本电脑", "手机", "耳机", "显示器"])
            ),
            &["web_search", "browser_open", "extract_table"],
        ),
    };
    (task, tools.iter().map(|s| s.to_string()).collect())
}

/// A tool result as an agent loop feeds it back in a user turn.
pub(crate) fn tool_result(rng: &mut Rng, tool: &str) -> String {
    let body = match tool {
        "read_file" => {
            let l = lang_key(rng);
            code_snippet(rng, l).0
        }
        "run_tests" | "run_shell" => {
            let (code, err) = code_snippet(rng, "python");
            format!(
                "{} passed, {} failed\nFAILED tests/test_{}.py - {err}\n{}",
                rng.between(10, 400),
                rng.between(1, 5),
                rng.pick(FUNCS),
                code.lines().next().unwrap_or("")
            )
        }
        "sql_query" => format!(
            "region | revenue\nEMEA | {}\nAPAC | {}\nAMER | {}",
            rng.between(1000, 99999),
            rng.between(1000, 99999),
            rng.between(1000, 99999)
        ),
        "web_search" | "browser_open" => format!(
            "1. {} — {} ...\n2. {} ...",
            rng.pick(TOPICS),
            rng.pick(CITIES),
            rng.pick(PRODUCTS)
        ),
        _ => format!("ok ({} ms)", rng.between(20, 4000)),
    };
    format!("<tool_result name=\"{tool}\">\n{body}\n</tool_result>")
}

/// A question, a candidate answer and a rubric, for LLM-as-judge / reward-model grading.
pub(crate) fn judge_item(rng: &mut Rng) -> String {
    let q = match rng.below(3) {
        0 => math_problem_en(rng),
        1 => format!(
            "Write a {} function that {}.",
            rng.pick(LANGS),
            coding_task_en(rng)
        ),
        _ => format!("Explain {} to a high-school student.", rng.pick(TOPICS)),
    };
    let answer = match rng.below(3) {
        0 => format!("The answer is {}.", rng.between(1, 5000)),
        1 => {
            let l = lang_key(rng);
            code_snippet(rng, l).0
        }
        _ => format!(
            "{} is mainly about {}. In short, it matters because of {}.",
            rng.pick(TOPICS),
            rng.pick(TOPICS),
            rng.pick(TOPICS)
        ),
    };
    let criteria = rng.pick(&[
        "correctness, completeness, clarity",
        "helpfulness, honesty, harmlessness",
        "accuracy of the final answer, quality of the reasoning, concision",
        "correctness, efficiency, code style, test coverage",
    ]);
    format!("Question: {q}\n\nResponse: {answer}\n\nRubric: {criteria}")
}

// ---------------------------------------------------------------------------------------
// Legitimate populations

/// A developer's question: bug fixes, how-tos, reviews. "fix this bug" recurs on purpose.
pub(crate) fn dev_prompt(rng: &mut Rng) -> Prompt {
    let lang = lang_key(rng);
    let disp = lang_display(lang);
    let (code, err) = code_snippet(rng, lang);
    let howto = *rng.pick(&[
        "read a CSV file with millions of rows without running out of memory",
        "debounce a function",
        "parse JSON with unknown keys",
        "cancel an async task after a timeout",
        "sort a map by value",
        "deep copy an object",
        "set up logging to a file with rotation",
        "connect to Postgres with a connection pool",
        "mock an HTTP call in tests",
        "handle SIGTERM gracefully",
        "stream a large file over HTTP",
        "retry a request with exponential backoff",
        "read environment variables with defaults",
        "profile memory usage",
        "write a custom iterator",
        "paginate API results",
    ]);
    let text = match rng.below(13) {
        0 => format!("fix this bug\n\n```{lang}\n{code}\n```\n\n{err}"),
        1 => format!("Can you fix this bug? I keep getting `{err}`\n\n```\n{code}\n```"),
        2 => format!("why does this throw {err}?\n\n{code}"),
        3 => format!("how do I {howto} in {disp}?"),
        4 => format!("write unit tests for this function\n```{lang}\n{code}\n```"),
        5 => format!("Refactor this to be more readable, keep the behaviour:\n\n{code}"),
        6 => format!("convert this {disp} code to {}:\n{code}", rng.pick(LANGS)),
        7 => {
            let pair = rng.pick(&[
                ("let", "const"),
                ("== ", "==="),
                ("Vec", "slice"),
                ("list", "tuple"),
                ("interface", "type alias"),
                ("Arc", "Rc"),
                ("goroutine", "thread"),
                ("INNER JOIN", "LEFT JOIN"),
            ]);
            format!(
                "what's the difference between {} and {} in {disp}?",
                pair.0.trim(),
                pair.1
            )
        }
        8 => format!(
            "explain what this regex does: `{}`",
            rng.pick(&[
                r"^(?=.*\d)(?=.*[a-z]).{8,}$",
                r"(\d{3})-(\d{4})",
                r"^[\w.+-]+@[\w-]+\.[\w.]+$",
                r"\b(\w+)\s+\1\b",
                r"^\s*#.*$"
            ])
        ),
        9 => format!("{howto} in {disp} — getting {err}, any idea?"),
        10 => format!(
            "this query takes {} seconds on a table with {}M rows, how can I speed it up?\n\n{}",
            rng.between(3, 90),
            rng.between(1, 400),
            code_snippet(rng, "sql").0
        ),
        11 => format!("Review this code and point out problems:\n\n{code}"),
        _ => format!("fix this bug pls\n{code}\n\nerror: {err}"),
    };
    Prompt::new(text, Style::Code)
}

/// App kinds an app backend can be, each with its own system prompt and end-user prompts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AppKind {
    Support,
    Writing,
    Tutoring,
    Travel,
    Cooking,
    Language,
    ChineseAssistant,
}

pub(crate) const APP_KINDS: &[AppKind] = &[
    AppKind::Support,
    AppKind::Writing,
    AppKind::Tutoring,
    AppKind::Travel,
    AppKind::Cooking,
    AppKind::Language,
    AppKind::ChineseAssistant,
];

/// The system prompt an app backend sends with every request.
pub(crate) fn app_system_prompt(rng: &mut Rng, kind: AppKind, brand: &str) -> String {
    let tone = rng.pick(&[
        "friendly and concise",
        "warm and professional",
        "brief",
        "upbeat but precise",
    ]);
    match kind {
        AppKind::Support => format!("You are {brand}'s customer support assistant. Be {tone}. Never promise refunds above ${} without escalating to a human agent. If you do not know an order's status, ask for the order number.", rng.between(20, 200)),
        AppKind::Writing => format!("You are the writing assistant inside {brand}. Improve the user's text while keeping their voice. Be {tone}."),
        AppKind::Tutoring => format!("You are {brand}, a patient tutor for students aged {}-{}. Explain step by step, check understanding, and never just give the answer to graded homework.", rng.between(10, 14), rng.between(15, 18)),
        AppKind::Travel => format!("You are {brand}'s travel planner. Suggest realistic itineraries with opening hours and travel times. Be {tone}."),
        AppKind::Cooking => format!("You are the {brand} kitchen assistant. Suggest recipes using what the user has. Mention allergens."),
        AppKind::Language => format!("You are {brand}, a language-learning companion. Correct mistakes gently and explain grammar briefly."),
        AppKind::ChineseAssistant => format!("你是{brand}的智能助手，请用简洁、友好的中文回答用户的问题。"),
    }
}

/// One end user's message to an app backend. Very diverse by construction.
pub(crate) fn app_user_prompt(rng: &mut Rng, kind: AppKind) -> Prompt {
    let who = name(rng);
    let text = match kind {
        AppKind::Support => match rng.below(6) {
            0 => format!(
                "My order #{} hasn't arrived, it's been {} days. Tracking says {}.",
                rng.between(100_000, 999_999),
                rng.between(3, 30),
                rng.pick(&["delivered", "in transit", "label created", "exception"])
            ),
            1 => format!(
                "I want to return {} I bought last week, it's {}.",
                rng.pick(PRODUCTS),
                rng.pick(&[
                    "too small",
                    "broken",
                    "not what I expected",
                    "the wrong colour"
                ])
            ),
            2 => format!(
                "do you ship to {}? and how long does it take",
                rng.pick(CITIES)
            ),
            3 => format!(
                "I was charged twice (${}.{:02}) for the same order, please help",
                rng.between(5, 400),
                rng.between(0, 99)
            ),
            4 => format!("Hi, this is {who}. How do I change the e-mail on my account?"),
            _ => format!(
                "is {} compatible with {}?",
                rng.pick(PRODUCTS),
                rng.pick(PRODUCTS)
            ),
        },
        AppKind::Writing => match rng.below(5) {
            0 => format!(
                "Rewrite this to sound more {}: \"{}\"",
                rng.pick(&["professional", "friendly", "confident", "concise"]),
                casual_sentence(rng)
            ),
            1 => format!(
                "Write an email to my {} asking for {} next {}.",
                rng.pick(&["manager", "landlord", "professor", "client"]),
                rng.pick(&["a day off", "an extension", "a meeting", "feedback"]),
                rng.pick(&["Monday", "week", "Friday"])
            ),
            2 => format!(
                "Give me {} title ideas for a blog post about {}",
                rng.between(3, 10),
                rng.pick(TOPICS)
            ),
            3 => format!(
                "Summarize this in {} bullet points:\n{}",
                rng.between(2, 5),
                paragraph(rng)
            ),
            _ => format!("Fix the grammar: {}", casual_sentence(rng)),
        },
        AppKind::Tutoring => match rng.below(4) {
            0 => format!(
                "can you explain step by step how to solve this? {}",
                math_problem_en(rng)
            ),
            1 => format!(
                "I don't understand {}. Can you explain it simply?",
                rng.pick(TOPICS)
            ),
            2 => format!(
                "Check my answer: {} My answer is {}.",
                math_problem_en(rng),
                rng.between(1, 500)
            ),
            _ => format!(
                "quiz me on {} with {} questions",
                rng.pick(TOPICS),
                rng.between(3, 10)
            ),
        },
        AppKind::Travel => format!(
            "Plan a {}-day trip to {} for {} {}, budget around ${}.",
            rng.between(2, 10),
            rng.pick(CITIES),
            rng.between(1, 5),
            rng.pick(&["adults", "people with kids", "friends"]),
            rng.between(5, 60) * 100
        ),
        AppKind::Cooking => format!(
            "What can I make with {}, {} and {}? {}",
            rng.pick(&["chicken", "tofu", "eggs", "lentils", "salmon", "rice"]),
            rng.pick(&["spinach", "tomatoes", "potatoes", "mushrooms", "zucchini"]),
            rng.pick(&["garlic", "feta", "coconut milk", "ginger", "lemon"]),
            rng.pick(&["", "No oven.", "Need it in 20 minutes.", "For 4 people."])
        ),
        AppKind::Language => format!(
            "How do I say \"{}\" in {}? Is \"{}\" correct?",
            casual_sentence(rng),
            rng.pick(&["Spanish", "German", "Japanese", "French", "Korean"]),
            casual_sentence(rng)
        ),
        AppKind::ChineseAssistant => match rng.below(5) {
            0 => format!(
                "帮我写一封给{}的邮件，内容是{}。",
                rng.pick(&["老板", "老师", "客户", "房东"]),
                rng.pick(&["请假两天", "延期交作业", "确认会议时间", "报修空调"])
            ),
            1 => format!("用简单的话解释一下{}。", rng.pick(ZH_TOPICS)),
            2 => format!(
                "推荐{}本关于{}的书。",
                rng.between(2, 6),
                rng.pick(ZH_TOPICS)
            ),
            3 => format!(
                "我的订单{}还没发货，请问什么时候能到？",
                rng.between(100_000, 999_999)
            ),
            _ => format!("{}，这道题怎么做？", math_problem_zh(rng)),
        },
    };
    Prompt::new(
        text,
        if kind == AppKind::Tutoring {
            Style::Reasoning
        } else {
            Style::Chat
        },
    )
}

fn casual_sentence(rng: &mut Rng) -> String {
    format!(
        "{} {} {} {}",
        rng.pick(&[
            "I think",
            "Honestly",
            "Yesterday",
            "My friend said",
            "We really",
            "I can't believe",
            "Tomorrow"
        ]),
        rng.pick(&[
            "we should",
            "the team will",
            "my sister wants to",
            "nobody can",
            "I need to",
            "they might"
        ]),
        rng.pick(&[
            "finish the report",
            "visit the museum",
            "cook dinner",
            "fix the car",
            "move to a new flat",
            "learn the guitar",
            "call the bank"
        ]),
        rng.pick(&[
            "before the weekend",
            "as soon as possible",
            "next year",
            "tonight",
            "without any help",
            "again"
        ])
    )
}

/// A paragraph of prose about a topic, with numbers and names.
pub(crate) fn paragraph(rng: &mut Rng) -> String {
    let t = rng.pick(TOPICS);
    format!(
        "{} has {} since {}. According to {}, about {}% of {} {}. {} argues that {} will {} by {}.",
        capitalize(t),
        rng.pick(&[
            "changed a lot",
            "attracted attention",
            "been debated",
            "grown quickly"
        ]),
        rng.between(1950, 2024),
        rng.pick(&[
            "a recent survey",
            "the annual report",
            "researchers",
            "local officials"
        ]),
        rng.between(3, 97),
        rng.pick(&["respondents", "households", "companies", "students"]),
        rng.pick(&["agree", "were affected", "plan to invest", "had no opinion"]),
        name(rng),
        rng.pick(TOPICS),
        rng.pick(&["matter more", "decline", "double", "stabilise"]),
        rng.between(2026, 2040)
    )
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Kinds of enterprise batch job: ONE instruction template per account, filled with documents.
pub(crate) const BATCH_KINDS: usize = 5;

/// The fixed instruction (and system prompt) of a batch job of kind `k`.
pub(crate) fn batch_instruction(rng: &mut Rng, k: usize) -> (String, String) {
    let company = super::infra::brand(rng);
    match k % BATCH_KINDS {
        0 => ("Extract the following fields from the invoice below and answer with JSON only: invoice_number, vendor, date, total, currency.".into(), format!("You are a document-processing service for {company}. Output valid JSON only.")),
        1 => ("Classify the customer support ticket below into exactly one of: billing, shipping, returns, technical, account, other. Reply with the label only.".into(), format!("You are {company}'s ticket triage model.")),
        2 => ("Summarize the following contract clause in one sentence and state whether it contains an auto-renewal term (yes/no).".into(), format!("You assist {company}'s legal operations team. Be precise.")),
        3 => ("Normalize this product listing into JSON with the keys name, brand, size, color, material. Use null for missing values.".into(), format!("You clean catalogue data for {company}.")),
        _ => ("Translate the following customer review into English, preserving tone, then rate its sentiment from 1 to 5.".into(), format!("You are {company}'s review-analysis pipeline.")),
    }
}

/// A document for a batch job of kind `k`.
pub(crate) fn batch_document(rng: &mut Rng, k: usize) -> String {
    match k % BATCH_KINDS {
        0 => {
            let lines: Vec<String> = (0..rng.between(1, 6))
                .map(|_| format!("{} x {} @ {}.{:02}", rng.between(1, 40), rng.pick(PRODUCTS), rng.between(2, 900), rng.between(0, 99)))
                .collect();
            format!("INVOICE {}-{}\nVendor: {} {}\nDate: 2026-{:02}-{:02}\n{}\nTotal due: {}.{:02} {}", rng.pick(&["INV", "F", "RE", "BILL"]), rng.between(1000, 999_999), super::infra::brand(rng), rng.pick(&["GmbH", "Ltd", "Inc.", "S.A.", "B.V."]), rng.between(1, 12), rng.between(1, 28), lines.join("\n"), rng.between(10, 90_000), rng.between(0, 99), rng.pick(&["EUR", "USD", "GBP", "CHF"]))
        }
        1 => format!("Ticket #{}:\n{}", rng.between(10_000, 9_999_999), app_user_prompt(rng, AppKind::Support).text),
        2 => format!("Clause {}.{}: {} This Agreement shall {} for successive periods of {} months unless either party gives {} days' written notice. {}", rng.between(1, 20), rng.between(1, 9), rng.pick(&["Term.", "Renewal.", "Duration."]), rng.pick(&["renew automatically", "remain in force", "continue"]), rng.pick(&[6, 12, 24, 36]), rng.pick(&[30, 60, 90]), paragraph(rng)),
        3 => format!("{} {} {} - {} - size {} - {}", super::infra::brand(rng), rng.pick(PRODUCTS), rng.pick(&["NEW", "2026 model", "sale", ""]), rng.pick(&["black", "navy", "sand", "olive", "red", "grey"]), rng.pick(&["S", "M", "L", "XL", "42", "10.5", "one size"]), rng.pick(&["100% cotton", "aluminium", "recycled polyester", "oak", "stainless steel"])),
        _ => format!("{} {}", rng.pick(&["Das Produkt ist", "Le produit est", "El producto es", "Il prodotto è", "製品は"]), rng.pick(&["super, schnelle Lieferung!", "décevant, il s'est cassé après une semaine.", "justo lo que necesitaba.", "ok ma il prezzo è alto.", "期待通りでした。"])),
    }
}

/// Benchmarks an evaluation harness runs; the preambles are shared by every harness.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Bench {
    MultipleChoice,
    GradeSchoolMath,
    ChineseExam,
    CodeCompletion,
    Judge,
}

pub(crate) const BENCHES: &[Bench] = &[
    Bench::MultipleChoice,
    Bench::GradeSchoolMath,
    Bench::ChineseExam,
    Bench::CodeCompletion,
    Bench::Judge,
];

/// One benchmark item with its standard preamble.
pub(crate) fn eval_prompt(rng: &mut Rng, bench: Bench) -> Prompt {
    match bench {
        Bench::MultipleChoice => {
            let subject = rng.pick(&["high school physics", "college computer science", "econometrics", "world religions", "clinical knowledge", "formal logic", "astronomy", "moral scenarios"]);
            let n = rng.between(2, 40);
            let (q, opts) = match rng.below(4) {
                0 => (format!("What is the worst-case time complexity of binary search on a sorted array of {n}·10^6 elements?"), ["O(1)", "O(log n)", "O(n)", "O(n log n)"]),
                1 => (format!("A car accelerates uniformly from rest to {} m/s in {n} s. What is its acceleration?", n * 3), ["3 m/s^2", "1 m/s^2", "9 m/s^2", "0.3 m/s^2"]),
                2 => (format!("Which statement about {} is correct?", rng.pick(TOPICS)), ["It was first described in antiquity", "It has no measurable effect", "It is studied empirically", "It only occurs in laboratories"]),
                _ => (format!("If p implies q and q is false, what follows about p? (case {n})"), ["p is true", "p is false", "q is true", "nothing follows"]),
            };
            let text = format!("The following are multiple choice questions (with answers) about {subject}. Think step by step and then finish your answer with \"the answer is (X)\" where X is the correct letter choice.\n\nQuestion: {q}\nOptions:\nA. {}\nB. {}\nC. {}\nD. {}\nAnswer: Let's think step by step.", opts[0], opts[1], opts[2], opts[3]);
            Prompt::new(text, Style::Reasoning)
        }
        Bench::GradeSchoolMath => Prompt::new(format!("Question: {}\nLet's think step by step.", math_problem_en(rng)), Style::Reasoning),
        Bench::ChineseExam => Prompt::new(format!("以下是中国关于{}考试的单项选择题，请选出其中的正确答案。\n\n{}\nA. {}\nB. {}\nC. {}\nD. {}\n答案：让我们一步一步思考。", rng.pick(&["高中数学", "计算机网络", "中国历史", "大学物理"]), math_problem_zh(rng), rng.between(1, 99), rng.between(1, 99), rng.between(1, 99), rng.between(1, 99)), Style::Reasoning),
        Bench::CodeCompletion => {
            let f = rng.pick(FUNCS);
            Prompt::new(format!("Complete the following Python function. Return only the code.\n\ndef {f}(xs: list[int], k: int) -> list[int]:\n    \"\"\"Return a list that {}.\n    >>> {f}([{}, {}, {}], {})\n    \"\"\"\n", coding_task_en(rng), rng.between(0, 9), rng.between(0, 9), rng.between(0, 9), rng.between(1, 5)), Style::Code)
        }
        Bench::Judge => Prompt::new(format!("Please act as an impartial judge and evaluate the quality of the response provided by an AI assistant to the user question displayed below. Begin your evaluation by providing a short explanation. After providing your explanation, rate the response on a scale of 1 to 10.\n\n{}", judge_item(rng)), Style::Reasoning),
    }
}

/// A researcher's question (edu accounts): papers, proofs, statistics, LaTeX.
pub(crate) fn research_prompt(rng: &mut Rng, zh: bool) -> Prompt {
    if zh && rng.chance(0.5) {
        let t = match rng.below(3) {
            0 => format!("请帮我总结这篇论文摘要的主要贡献：我们提出了一种基于{}的方法，在{}数据集上将准确率提高了{}%。", rng.pick(&["图神经网络", "对比学习", "扩散模型", "强化学习"]), rng.pick(&["ImageNet", "CIFAR-10", "MMLU", "COCO"]), rng.between(1, 15)),
            1 => format!("{}和{}有什么区别？请结合例子说明。", rng.pick(&["贝叶斯估计", "最大似然估计", "交叉验证"]), rng.pick(&["频率学派方法", "自助法", "留一法"])),
            _ => format!("帮我把下面的结果整理成LaTeX表格：方法A {}%，方法B {}%，方法C {}%。", rng.between(50, 99), rng.between(50, 99), rng.between(50, 99)),
        };
        return Prompt::new(t, Style::Chat);
    }
    let method = rng.pick(&[
        "contrastive pre-training",
        "a graph neural network",
        "sparse attention",
        "a diffusion prior",
        "Bayesian optimisation",
        "a mixed-effects model",
        "low-rank adaptation",
    ]);
    let text = match rng.below(7) {
        0 => format!("Summarize the key contributions of this abstract in 3 bullets:\n\nWe propose {method} for {}. On {}, it improves {} by {}.{}% over {} while using {}x less compute. We further show that {}.", rng.pick(&["protein folding", "low-resource translation", "weather forecasting", "tabular anomaly detection", "code search"]), rng.pick(&["ImageNet", "WMT-22", "ERA5", "CodeSearchNet", "a new benchmark"]), rng.pick(&["accuracy", "BLEU", "RMSE", "F1"]), rng.between(1, 20), rng.between(0, 9), rng.pick(&["the strongest baseline", "prior work", "fine-tuning"]), rng.between(2, 10), paragraph(rng)),
        1 => format!("What statistical test should I use to compare {} across {} groups with about {} samples each? The data are {}.", rng.pick(&["reaction times", "yields", "test scores", "expression levels"]), rng.between(2, 6), rng.between(8, 400), rng.pick(&["skewed", "roughly normal", "ordinal", "paired"])),
        2 => format!("Check my proof. Claim: {} My argument: suppose not; then {}. Hence a contradiction. Is this rigorous? Please explain your reasoning.", rng.pick(&["every bounded monotone sequence converges.", "the composition of two injective functions is injective.", "a finite integral domain is a field."]), rng.pick(&["there is an epsilon with no N", "two distinct inputs map to one output", "some element has no inverse"])),
        3 => format!("Write a LaTeX table with these results: {} {}%, {} {}%, ours {}%. Bold the best.", rng.pick(&["ResNet-50", "BERT-base", "XGBoost"]), rng.between(50, 95), rng.pick(&["ViT-B", "RoBERTa", "LightGBM"]), rng.between(50, 95), rng.between(60, 99)),
        4 => format!("Derive the {} for {}.", rng.pick(&["maximum likelihood estimator", "posterior distribution", "gradient of the loss", "Fisher information"]), rng.pick(&["a Poisson rate", "logistic regression", "a Gaussian with unknown mean and variance", "an exponential family model"])),
        5 => format!("Explain the difference between {} and {} with an example from {}.", rng.pick(&["precision", "fixed effects", "bias", "attention"]), rng.pick(&["recall", "random effects", "variance", "convolution"]), rng.pick(TOPICS)),
        _ => format!("My {} script gives {} — how do I fix it?\n{}", rng.pick(&["PyTorch", "R", "MATLAB", "JAX"]), rng.pick(&["CUDA out of memory", "a singular matrix error", "NaN losses after epoch 3", "dimension mismatch"]), code_snippet(rng, "python").0),
    };
    Prompt::new(text, Style::Chat)
}

/// A casual free-tier user's message: short and chatty.
pub(crate) fn casual_prompt(rng: &mut Rng, zh: bool) -> Prompt {
    if zh && rng.chance(0.6) {
        let t = match rng.below(5) {
            0 => "你好".to_string(),
            1 => format!("讲个关于{}的笑话", rng.pick(ZH_TOPICS)),
            2 => format!(
                "今晚吃什么好？家里有{}和{}",
                rng.pick(&["鸡蛋", "豆腐", "土豆", "牛肉"]),
                rng.pick(&["西红柿", "青菜", "米饭", "面条"])
            ),
            3 => format!(
                "帮我写一首关于{}的小诗",
                rng.pick(&["春天", "大海", "月亮", "猫"])
            ),
            _ => format!("{}是什么意思？", rng.pick(ZH_TOPICS)),
        };
        return Prompt::new(t, Style::Short);
    }
    let text = match rng.below(10) {
        0 => rng
            .pick(&[
                "hi",
                "hello!",
                "hey, how are you?",
                "good morning",
                "thanks!",
                "lol ok",
            ])
            .to_string(),
        1 => format!("tell me a joke about {}", rng.pick(TOPICS)),
        2 => format!(
            "what should I make for dinner with {}?",
            rng.pick(&[
                "eggs and rice",
                "pasta and tuna",
                "leftover chicken",
                "potatoes"
            ])
        ),
        3 => format!(
            "write a short poem about {} for my {}",
            rng.pick(&["the sea", "autumn", "my cat", "coffee", "friendship"]),
            rng.pick(&["mom", "girlfriend", "best friend", "grandpa"])
        ),
        4 => format!(
            "what's the capital of {}",
            rng.pick(&[
                "Australia",
                "Canada",
                "Kazakhstan",
                "Nigeria",
                "Peru",
                "Mongolia"
            ])
        ),
        5 => format!("help me reply to this text: \"{}\"", casual_sentence(rng)),
        6 => format!(
            "recommend {} {} movies like {}",
            rng.between(3, 8),
            rng.pick(&["sci-fi", "horror", "romantic", "animated"]),
            rng.pick(&["Inception", "Arrival", "Coco", "Alien", "Amélie"])
        ),
        7 => format!(
            "is it ok to {} when {}?",
            rng.pick(&["run", "drink coffee", "swim", "fly"]),
            rng.pick(&["it's raining", "I have a cold", "I'm tired", "pregnant"])
        ),
        8 => format!("explain {} like I'm five", rng.pick(TOPICS)),
        _ => format!(
            "how many {} are in {}",
            rng.pick(&["calories", "minutes", "cups", "miles"]),
            rng.pick(&["a banana", "a marathon", "a litre", "a year"])
        ),
    };
    Prompt::new(text, Style::Short)
}

/// An employee's work request: writing, analysis, code, planning.
pub(crate) fn employee_prompt(rng: &mut Rng, company: &str) -> Prompt {
    match rng.below(8) {
        0 | 1 => dev_prompt(rng),
        2 => Prompt::new(format!("Draft a short project update for the {} team about {}: status {}, next steps, risks.", rng.pick(&["platform", "sales", "design", "finance", "support"]), rng.pick(&["the Q3 migration", "the pricing change", "onboarding revamp", "the SOC 2 audit"]), rng.pick(&["on track", "delayed by a week", "blocked on legal"])), Style::Chat),
        3 => Prompt::new(format!("Summarize these meeting notes into action items with owners:\n{}\n{}: {}\n{}: {}", paragraph(rng), name(rng), casual_sentence(rng), name(rng), casual_sentence(rng)), Style::Chat),
        4 => Prompt::new(format!("Make this paragraph more concise for a customer email from {company}:\n{}", paragraph(rng)), Style::Chat),
        5 => Prompt::new(format!("Write a SQL query that returns monthly active users per {} for the last {} months from tables events(user_id, ts, {}) and users(id, plan).", rng.pick(&["plan", "country", "team"]), rng.between(3, 24), rng.pick(&["type", "source", "device"])), Style::Code),
        6 => Prompt::new(format!("Create an interview plan for a {} role: {} questions with what a good answer looks like.", rng.pick(&["senior backend engineer", "product designer", "account executive", "data analyst"]), rng.between(4, 10)), Style::Chat),
        _ => Prompt::new(format!("What are the pros and cons of {} vs {} for {}?", rng.pick(&["Postgres", "Kafka", "Kubernetes", "Snowflake"]), rng.pick(&["MySQL", "SQS", "ECS", "BigQuery"]), rng.pick(&["our analytics pipeline", "a small team", "event sourcing"])), Style::Chat),
    }
}

// ---------------------------------------------------------------------------------------
// Distillation templates

/// Capabilities a distillation campaign harvests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Capability {
    Math,
    Coding,
    Reasoning,
    AgentTools,
    RubricGrading,
}

pub(crate) const CAPABILITIES: &[Capability] = &[
    Capability::Math,
    Capability::Coding,
    Capability::Reasoning,
    Capability::AgentTools,
    Capability::RubricGrading,
];

const COT_EN: &[&str] = &[
    "Think step by step and explain your reasoning in detail.",
    "Show your complete chain of thought before giving the final answer.",
    "Walk through your reasoning one step at a time and justify each step.",
    "Before answering, write out your full reasoning process.",
    "Explain the reasoning behind every step, then state the final answer.",
    "Reason carefully and show all intermediate steps.",
    "Lay out your thought process in full detail, including the alternatives you considered.",
    "Describe exactly how you arrive at the answer, step by step.",
];
const COT_ZH: &[&str] = &[
    "请一步一步地推理，并详细解释你的思考过程。",
    "请写出完整的思考过程，再给出最终答案。",
    "请详细说明每一步的推理依据。",
    "在回答之前，请先逐步分析问题，并展示完整的推理链条。",
    "请一步步思考，把中间步骤都写出来。",
    "请详细解释你是如何得出答案的。",
    "请先给出详细的分析过程，然后给出结论。",
];
const FORMAT_EN: &[&str] = &[
    "Put the final answer in \\boxed{}.",
    "End with a line of the form 'Final answer: ...'.",
    "Give the final answer on its own line.",
    "Format your answer in Markdown with headings.",
    "Respond in JSON with the keys \"reasoning\" and \"answer\".",
    "Keep the final answer short.",
];
const FORMAT_ZH: &[&str] = &[
    "最后用 \\boxed{} 给出答案。",
    "最后一行写“最终答案：...”。",
    "请用 Markdown 格式回答。",
    "请用 JSON 格式输出，包含 reasoning 和 answer 两个字段。",
];

fn openers(cap: Capability, zh: bool) -> &'static [&'static str] {
    match (cap, zh) {
        (Capability::Math, false) => &["Solve the following problem.", "Here is a math problem.", "Work out the answer to this question.", "Please solve:", "Consider the following problem.", "Problem:", "Answer the following question."],
        (Capability::Math, true) => &["请解答下面的数学题。", "下面是一道数学题：", "请计算：", "题目：", "请回答下面的问题。"],
        (Capability::Coding, false) => &["Write a {lang} function that {task}.", "Implement the following in {lang}: a routine that {task}.", "Using {lang}, write code that {task}.", "Your task: write {lang} that {task}.", "Create a {lang} implementation of a function that {task}."],
        (Capability::Coding, true) => &["请用{lang}实现{task}。", "用{lang}写一个程序：{task}。", "请编写{lang}代码，实现{task}。"],
        (Capability::Reasoning, false) => &["Answer the following question.", "Consider this puzzle.", "Here is a logic problem.", "Solve this reasoning task.", "Think about the following."],
        (Capability::Reasoning, true) => &["请回答下面的问题。", "这是一道逻辑推理题：", "请分析下面的问题："],
        (Capability::AgentTools, false) => &["You are working in a software environment with tools. {task}", "Complete the following task using the available tools: {task}", "Task: {task}", "Use the provided tools to accomplish this: {task}"],
        (Capability::AgentTools, true) => &["你是一个可以使用工具的助手。任务：{task}", "请使用可用的工具完成以下任务：{task}"],
        (Capability::RubricGrading, false) => &["Evaluate the response below against the rubric and give a score from 1 to 10 for each criterion.", "Grade the following answer using the rubric.", "You are an expert grader. Score this response on every rubric item."],
        (Capability::RubricGrading, true) => &["请根据评分标准评价下面的回答，并给出1到10分的分数。", "你是一名评审专家，请按照评分标准给下面的答案打分。"],
    }
}

/// One distillation template: a capability, a language and a framing fixed at construction;
/// only the content changes between requests (or, when `paraphrase` is set, the framing is
/// drawn afresh for every request from the same pools).
#[derive(Debug, Clone)]
pub(crate) struct Template {
    pub cap: Capability,
    pub zh: bool,
    pub opener: &'static str,
    pub cot: Option<&'static str>,
    pub format: Option<&'static str>,
    /// 0: opener, content, cot, format; 1: cot first; 2: content first.
    pub order: u8,
    pub sep: &'static str,
    pub system: Option<String>,
}

impl Template {
    /// A template with framing drawn from the pools.
    pub fn draw(rng: &mut Rng, cap: Capability, zh: bool, cot: bool) -> Template {
        let ops = openers(cap, zh);
        Template {
            cap,
            zh,
            opener: *rng.pick(ops),
            cot: cot.then(|| *rng.pick(if zh { COT_ZH } else { COT_EN })),
            format: rng
                .chance(0.6)
                .then(|| *rng.pick(if zh { FORMAT_ZH } else { FORMAT_EN })),
            order: rng.below(3) as u8,
            sep: *rng.pick(&["\n\n", "\n", " "]),
            system: if rng.chance(0.35) {
                Some(
                    rng.pick(&[
                        "You are a helpful assistant.",
                        "You are an expert problem solver. Always show your work.",
                        "You are a world-class software engineer.",
                        "你是一个乐于助人的助手。",
                        "You are a meticulous tutor who explains every step.",
                    ])
                    .to_string(),
                )
            } else {
                None
            },
        }
    }

    /// Fills the template with fresh content.
    pub fn render(&self, rng: &mut Rng) -> Prompt {
        let mut tools = Vec::new();
        let (content, opener) = match self.cap {
            Capability::Math => (
                if self.zh {
                    math_problem_zh(rng)
                } else {
                    math_problem_en(rng)
                },
                self.opener.to_string(),
            ),
            Capability::Reasoning => (
                if self.zh {
                    reasoning_puzzle_zh(rng)
                } else {
                    reasoning_puzzle_en(rng)
                },
                self.opener.to_string(),
            ),
            Capability::Coding => {
                let lang = *rng.pick(LANGS);
                let task = if self.zh {
                    coding_task_zh(rng)
                } else {
                    coding_task_en(rng)
                };
                (
                    coding_constraint(rng, self.zh),
                    self.opener.replace("{lang}", lang).replace("{task}", &task),
                )
            }
            Capability::AgentTools => {
                let (task, t) = if self.zh {
                    agent_task_zh(rng)
                } else {
                    agent_task_en(rng)
                };
                let mut body = String::new();
                for _ in 0..rng.between(1, 3) {
                    let tool = rng.pick(&t).clone();
                    body.push_str("\n\n");
                    body.push_str(&tool_result(rng, &tool));
                }
                tools = t;
                (
                    body.trim_start().to_string(),
                    self.opener.replace("{task}", &task),
                )
            }
            Capability::RubricGrading => (judge_item(rng), self.opener.to_string()),
        };
        let mut parts: Vec<&str> = Vec::with_capacity(4);
        let cot = self.cot.unwrap_or("");
        let fmt = self.format.unwrap_or("");
        match self.order {
            0 => parts.extend([opener.as_str(), content.as_str(), cot, fmt]),
            1 => parts.extend([cot, opener.as_str(), content.as_str(), fmt]),
            _ => parts.extend([content.as_str(), opener.as_str(), cot, fmt]),
        }
        let text = parts
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(self.sep);
        let style = match self.cap {
            Capability::Coding => Style::Code,
            Capability::AgentTools => Style::Agent,
            _ => Style::Reasoning,
        };
        let style = if self.cot.is_some() {
            Style::Reasoning
        } else {
            style
        };
        Prompt {
            text,
            system: self.system.clone(),
            tools,
            style,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::rng::child;
    use std::collections::HashSet;

    #[test]
    fn templates_do_not_repeat_exactly() {
        let mut rng = child(9, 9, 9);
        for cap in CAPABILITIES {
            for zh in [false, true] {
                let t = Template::draw(&mut rng, *cap, zh, true);
                let texts: HashSet<String> = (0..200).map(|_| t.render(&mut rng).text).collect();
                assert!(
                    texts.len() > 150,
                    "{cap:?} zh={zh}: only {} distinct",
                    texts.len()
                );
            }
        }
    }

    #[test]
    fn legit_generators_produce_text() {
        let mut rng = child(1, 1, 1);
        for _ in 0..200 {
            assert!(!dev_prompt(&mut rng).text.is_empty());
            for k in APP_KINDS {
                assert!(!app_user_prompt(&mut rng, *k).text.is_empty());
            }
            for b in BENCHES {
                assert!(!eval_prompt(&mut rng, *b).text.is_empty());
            }
            assert!(!casual_prompt(&mut rng, true).text.is_empty());
            assert!(!research_prompt(&mut rng, false).text.is_empty());
        }
    }
}
