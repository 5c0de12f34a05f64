//! JSON Lines: the stream is cut into blocks of whole lines, blocks are parsed and profiled in
//! parallel (rayon) into one long-lived profile set per worker lane, and the lanes are merged
//! at the end.
//!
//! Lanes, not a fresh set per block: a block holds about one record per account, so a fresh set
//! would rebuild every account's profile (its strings, its prompt sketches) for every record and
//! then merge it on one thread. A lane's profiles persist, so an account's values are stored
//! once per lane and its bottom-k prompt sample rejects most prompts after a few blocks
//! without tokenising them. The result is the same: merging is exact and order-free.

use super::{Folded, ReadOptions, RecordSink};
use crate::record::parse_json_line;
use crate::DistillError;
use rayon::prelude::*;
use std::io::Read;

/// Bytes per block handed to one worker.
const BLOCK_BYTES: usize = 4 << 20;
/// Bytes asked of the stream per read.
const READ_BYTES: usize = 1 << 20;

/// A block of whole lines and the number of its first line.
struct Block {
    first_line: u64,
    data: Vec<u8>,
}

enum Piece {
    Block(Block),
    /// A line over the size limit: its number and length in bytes.
    Oversized(u64, u64),
}

/// Cuts a byte stream into blocks of whole lines, setting aside lines over the size limit
/// without ever holding more than the limit of one line in memory.
struct Chunker<R> {
    inner: R,
    /// Bytes read but not yet handed out; always starts at the start of a line.
    pending: Vec<u8>,
    next_line: u64,
    /// Inside an oversized line: its number and its length so far.
    skipping: Option<(u64, u64)>,
    eof: bool,
    max_line: usize,
}

impl<R: Read> Chunker<R> {
    fn new(inner: R, max_line: usize) -> Self {
        Chunker {
            inner,
            pending: Vec::new(),
            next_line: 1,
            skipping: None,
            eof: false,
            max_line,
        }
    }

    fn fill(&mut self) -> std::io::Result<()> {
        let start = self.pending.len();
        self.pending.resize(start + READ_BYTES, 0);
        loop {
            match self.inner.read(&mut self.pending[start..]) {
                Ok(n) => {
                    self.pending.truncate(start + n);
                    if n == 0 {
                        self.eof = true;
                    }
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.pending.truncate(start);
                    return Err(e);
                }
            }
        }
    }

    fn take_block(&mut self, end: usize) -> Piece {
        let data: Vec<u8> = self.pending.drain(..end).collect();
        let first_line = self.next_line;
        self.next_line += data.iter().filter(|&&b| b == b'\n').count() as u64;
        if !data.ends_with(b"\n") {
            self.next_line += 1; // the last line of the stream, without its newline
        }
        Piece::Block(Block { first_line, data })
    }

    /// The complete lines still pending (used after a read fault, so nothing read is lost).
    fn complete_lines(&mut self) -> Option<Block> {
        let p = self.pending.iter().rposition(|&b| b == b'\n')?;
        match self.take_block(p + 1) {
            Piece::Block(b) => Some(b),
            Piece::Oversized(..) => None,
        }
    }

    fn next(&mut self) -> std::io::Result<Option<Piece>> {
        loop {
            if let Some((line, len)) = self.skipping {
                match self.pending.iter().position(|&b| b == b'\n') {
                    Some(p) => {
                        self.pending.drain(..=p);
                        self.skipping = None;
                        self.next_line += 1;
                        return Ok(Some(Piece::Oversized(line, len + p as u64)));
                    }
                    None => {
                        self.skipping = Some((line, len + self.pending.len() as u64));
                        self.pending.clear();
                        if self.eof {
                            self.skipping = None;
                            self.next_line += 1;
                            return Ok(Some(Piece::Oversized(line, len)));
                        }
                        self.fill()?;
                        continue;
                    }
                }
            }
            if self.pending.len() >= BLOCK_BYTES || self.eof {
                match self.pending.iter().rposition(|&b| b == b'\n') {
                    Some(p) => return Ok(Some(self.take_block(p + 1))),
                    None if self.eof => {
                        if self.pending.is_empty() {
                            return Ok(None);
                        }
                        let n = self.pending.len();
                        if n > self.max_line {
                            self.pending.clear();
                            self.next_line += 1;
                            return Ok(Some(Piece::Oversized(self.next_line - 1, n as u64)));
                        }
                        return Ok(Some(self.take_block(n)));
                    }
                    None if self.pending.len() > self.max_line => {
                        self.skipping = Some((self.next_line, self.pending.len() as u64));
                        self.pending.clear();
                        continue;
                    }
                    None => {}
                }
            }
            self.fill()?;
        }
    }
}

fn profile_block<S: RecordSink>(
    name: &str,
    b: &Block,
    opts: &ReadOptions<'_>,
    set: &mut Folded<S>,
) -> Result<(), DistillError> {
    set.stats.bytes += b.data.len() as u64;
    for (line, this) in b.data.split(|&c| c == b'\n').zip(b.first_line..) {
        fold_line(name, this, line, opts, set)?;
    }
    Ok(())
}

/// Validates one line (without its newline) and folds it into `set`: blank lines are skipped,
/// an oversized or invalid line is a bad record (an error when strict).
pub(super) fn fold_line<S: RecordSink>(
    name: &str,
    this: u64,
    line: &[u8],
    opts: &ReadOptions<'_>,
    set: &mut Folded<S>,
) -> Result<(), DistillError> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    if line.len() > opts.profile.max_record_bytes {
        let msg = format!(
            "record is {} bytes, over the limit of {} bytes",
            line.len(),
            opts.profile.max_record_bytes
        );
        if opts.strict {
            return Err(DistillError::bad_record(name, this, None, msg));
        }
        set.stats.bad(name, this, None, msg);
        return Ok(());
    }
    match parse_json_line(line) {
        Ok(r) => set.add(&r),
        Err(e) if opts.strict => {
            return Err(DistillError::bad_record(name, this, e.field, e.message))
        }
        Err(e) => set.stats.bad(name, this, e.field, e.message),
    }
    Ok(())
}

/// Reads a JSON Lines stream (already decompressed) into sinks made by `new`.
pub fn read<S: RecordSink>(
    name: &str,
    stream: impl Read,
    opts: &ReadOptions<'_>,
    new: &(dyn Fn() -> S + Sync),
) -> Result<Folded<S>, DistillError> {
    let mut chunker = Chunker::new(stream, opts.profile.max_record_bytes);
    let mut set = Folded::new(new());
    let lanes_n = rayon::current_num_threads().max(1);
    let mut lanes: Vec<Folded<S>> = (0..lanes_n).map(|_| Folded::new(new())).collect();
    let batch = lanes_n * 2;
    loop {
        let mut blocks = Vec::with_capacity(batch);
        let mut fault = None;
        let mut done = false;
        while blocks.len() < batch {
            match chunker.next() {
                Ok(Some(Piece::Block(b))) => blocks.push(b),
                Ok(Some(Piece::Oversized(line, len))) => {
                    let msg = format!(
                        "record is {len} bytes, over the limit of {} bytes",
                        opts.profile.max_record_bytes
                    );
                    if opts.strict {
                        // Earlier lines come first: report a bad record among them if any.
                        let mut scratch = Folded::new(new());
                        for b in &blocks {
                            profile_block(name, b, opts, &mut scratch)?;
                        }
                        return Err(DistillError::bad_record(name, line, None, msg));
                    }
                    set.stats.bad(name, line, None, msg);
                }
                Ok(None) => {
                    done = true;
                    break;
                }
                Err(e) => {
                    blocks.extend(chunker.complete_lines());
                    fault = Some(e);
                    done = true;
                    break;
                }
            }
        }
        // Lane i takes blocks i, i + lanes, ...; in strict mode the earliest failing block
        // (by input order) is the one reported, as if the blocks had been read in order.
        let failures: Vec<Option<(usize, DistillError)>> = lanes
            .par_iter_mut()
            .enumerate()
            .map(|(lane, lane_set)| {
                blocks
                    .iter()
                    .enumerate()
                    .skip(lane)
                    .step_by(lanes_n)
                    .find_map(|(i, b)| profile_block(name, b, opts, lane_set).err().map(|e| (i, e)))
            })
            .collect();
        if let Some((_, e)) = failures.into_iter().flatten().min_by_key(|(i, _)| *i) {
            return Err(e);
        }
        if let Some(e) = fault {
            let msg = format!(
                "{name}: reading stopped after line {}: {e}{}",
                chunker.next_line.saturating_sub(1),
                if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    " (truncated file?)"
                } else {
                    ""
                }
            );
            if opts.strict {
                return Err(DistillError::Input(msg));
            }
            tracing::warn!("{msg}");
            set.stats.input_errors.push(msg);
        }
        if done {
            for lane in lanes {
                set.merge(lane);
            }
            return Ok(set);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(data: &[u8], max: usize) -> Vec<String> {
        let mut c = Chunker::new(data, max);
        let mut out = vec![];
        while let Some(p) = c.next().unwrap() {
            out.push(match p {
                Piece::Block(b) => {
                    format!("B{}:{}", b.first_line, String::from_utf8_lossy(&b.data))
                }
                Piece::Oversized(l, n) => format!("O{l}:{n}"),
            });
        }
        out
    }

    #[test]
    fn chunker_keeps_line_numbers_and_skips_oversized() {
        assert_eq!(pieces(b"a\nb\nc", 100), vec!["B1:a\nb\n", "B3:c"]);
        assert_eq!(pieces(b"", 100), Vec::<String>::new());
        let mut big = b"x\n".to_vec();
        big.extend(std::iter::repeat_n(b'y', 5 << 20));
        big.extend(b"\nz\n");
        let p = pieces(&big, 1 << 20);
        // Line 2 is oversized, line 3 survives with its own number.
        assert!(
            p.contains(&"O2:5242880".to_string()),
            "{:?}",
            p.iter().map(|s| &s[..s.len().min(20)]).collect::<Vec<_>>()
        );
        assert!(p.iter().any(|s| s.starts_with("B3:z")));
    }
}
