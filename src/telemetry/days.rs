//! The ledger's day tables: every figure of every day, kept up to date ping by ping.
//!
//! Each stored ping p of an install, with the install's next stored ping on day q, holds the
//! install active with p's data on the days [p, min(q, p + W)). That is the ping's
//! *contribution*: it depends only on p, on q and on whether p is the install's first ping.
//! So a new ping changes at most four contributions (its own, its predecessor's, and, when it
//! becomes the first, the old first's), each at most W + 2 days long. Adding the new
//! contributions and taking away the old ones keeps every table exact in time bounded by W and
//! the ping's counts, whatever the length of the history (issue 9).
//!
//! A bulk build (`Tables::build`) makes the same tables from scratch in one sweep; it is used
//! after a large batch (replaying a raw log) and is what the incremental path is tested against.
//!
//! A segment's tables (DESIGN.md, "Segments": the installs whose latest ping has X = s) are
//! the same tables over the contributions whose ping is in the segment, plus what the next
//! ping decides: a resurrection counts in the next ping's segment, and an install whose next
//! ping comes within the window with another value moves out of one segment into the other.
//! So a contribution also carries its next ping's dimensions, and a segment's tables are kept
//! ping by ping exactly as the whole ledger's.

use super::model::{DayPing, Dimension};

/// One table of counts per `Dimension`, at its `index()`.
const DIMENSIONS: usize = Dimension::COUNT;

/// `first` of a name that no stored ping carries.
const NONE: i32 = i32::MAX;
/// `first` of a name whose first start was taken away: found again when next read.
const STALE: i32 = i32::MIN;

/// One day's figures. Named figures are indexed by name id; a shorter vector means zeros.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Row {
    pub pinged: u32,
    pub added: u32,
    pub removed: u32,
    pub resurrected: u32,
    /// A segment's installs that came from another segment, or went to one, that day.
    pub moved_in: u32,
    pub moved_out: u32,
    pub active: i64,
    pub totals: Vec<i128>,
    pub dims: [Vec<i64>; DIMENSIONS],
    /// Contributions that start on this day and carry the name: a name is in a day's maps
    /// from the first day any contribution carrying it starts (DESIGN.md: no back-filled zeros).
    total_starts: Vec<u32>,
    dim_starts: [Vec<u32>; DIMENSIONS],
}

fn slot<T: Default + Clone>(v: &mut Vec<T>, id: u32) -> &mut T {
    let i = id as usize;
    if v.len() <= i {
        v.resize(i + 1, T::default());
    }
    &mut v[i]
}

pub(crate) fn get<T: Copy + Default>(v: &[T], id: usize) -> T {
    v.get(id).copied().unwrap_or_default()
}

/// What an ingest touched: the figures a test asserts do not grow with the history.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Work {
    /// Installs whose stored pings changed.
    pub installs: u64,
    /// Day rows written (a row written by two contributions counts twice).
    pub days: u64,
    /// Whole-table builds (a sweep of every install).
    pub builds: u64,
}

/// One contribution: the ping stored on `day`, its install's next stored day and that ping's
/// dimensions, and whether it is the install's first.
#[derive(Clone, Copy)]
pub(crate) struct Contribution<'p> {
    pub day: i32,
    pub ping: &'p DayPing,
    pub next: Option<i32>,
    pub next_dims: Option<[u32; DIMENSIONS]>,
    pub first: bool,
}

/// A segment: the installs whose ping has this name id for the dimension at this index.
pub(crate) type Segment = (usize, u32);

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tables {
    pub window: i32,
    /// The segment these tables count, or every install.
    pub segment: Option<Segment>,
    /// Day number of `rows[0]`.
    pub base: i32,
    pub rows: Vec<Row>,
    total_first: Vec<i32>,
    dim_first: [Vec<i32>; DIMENSIONS],
}

impl Tables {
    pub fn new(window: u32) -> Tables {
        Tables::of_segment(window, None)
    }

    pub fn of_segment(window: u32, segment: Option<Segment>) -> Tables {
        Tables { window: window as i32, segment, base: 0, rows: Vec::new(), total_first: Vec::new(), dim_first: Default::default() }
    }

    /// Whether a ping with these dimensions is counted here.
    fn holds(&self, dims: &[u32; DIMENSIONS]) -> bool {
        self.segment.is_none_or(|(kind, id)| dims[kind] == id)
    }

    /// Whether the contribution's ping, and its next ping, are counted here.
    fn inside(&self, c: &Contribution) -> (bool, bool) {
        (self.holds(&c.ping.dims), c.next_dims.is_some_and(|d| self.holds(&d)))
    }

    /// Makes the rows cover days `lo..=hi`. Rows past the old end are zeros (every
    /// contribution ends within W days of its ping, so nothing is active there yet); rows
    /// before the old start likewise. Growing at the front moves the rows: only a ping older
    /// than every stored one does that.
    pub fn cover(&mut self, lo: i32, hi: i32) {
        if self.rows.is_empty() {
            self.base = lo;
            self.rows.resize((hi - lo + 1) as usize, Row::default());
            return;
        }
        if lo < self.base {
            let extra = (self.base - lo) as usize;
            self.rows.splice(0..0, std::iter::repeat_n(Row::default(), extra));
            self.base = lo;
        }
        let end = self.base + self.rows.len() as i32 - 1;
        if hi > end {
            self.rows.resize(self.rows.len() + (hi - end) as usize, Row::default());
        }
    }

    fn row(&mut self, day: i32) -> &mut Row {
        &mut self.rows[(day - self.base) as usize]
    }

    /// The days a contribution writes: from its day to its lapse (and its next ping's day).
    pub fn span(&self, c: &Contribution) -> (i32, i32) {
        (c.day, (c.day + self.window).max(c.next.unwrap_or(c.day)))
    }

    /// Adds (`sign` = 1) or takes away (-1) one contribution, writing only its own days.
    pub fn apply(&mut self, c: Contribution, sign: i64, work: &mut Work) {
        let (lo, hi) = self.span(&c);
        self.cover(lo, hi);
        let lapses = c.day + self.window;
        let s32 = sign as i32;
        let (inside, next_inside) = self.inside(&c);
        if inside {
            let row = self.row(c.day);
            row.pinged = row.pinged.wrapping_add_signed(s32);
            if c.first {
                row.added = row.added.wrapping_add_signed(s32);
            }
        }
        let end = match c.next {
            Some(q) if q <= lapses => {
                // Active on: in a segment's tables, a move when the next ping is not in it.
                if self.segment.is_some() && inside != next_inside {
                    let row = self.row(q);
                    let moved = if inside { &mut row.moved_out } else { &mut row.moved_in };
                    *moved = moved.wrapping_add_signed(s32);
                    work.days += 1;
                }
                q
            }
            next => {
                if inside {
                    let row = self.row(lapses);
                    row.removed = row.removed.wrapping_add_signed(s32);
                }
                if let Some(q) = next {
                    if next_inside {
                        let row = self.row(q);
                        row.resurrected = row.resurrected.wrapping_add_signed(s32);
                    }
                    work.days += 1;
                }
                work.days += 1;
                lapses
            }
        };
        if !inside {
            return;
        }
        for day in c.day..end {
            let row = self.row(day);
            row.active += sign;
            for &(k, v) in c.ping.counts.iter() {
                *slot(&mut row.totals, k) += sign as i128 * v as i128;
            }
            for (kind, &id) in c.ping.dims.iter().enumerate() {
                *slot(&mut row.dims[kind], id) += sign;
            }
            work.days += 1;
        }
        // Where names start.
        let day = c.day;
        let row = &mut self.rows[(day - self.base) as usize];
        for &(k, _) in c.ping.counts.iter() {
            let starts = slot(&mut row.total_starts, k);
            *starts = starts.wrapping_add_signed(s32);
            let emptied = *starts == 0;
            note_start(slot_first(&mut self.total_first, k), day, sign, emptied);
        }
        for (kind, &id) in c.ping.dims.iter().enumerate() {
            let starts = slot(&mut row.dim_starts[kind], id);
            *starts = starts.wrapping_add_signed(s32);
            let emptied = *starts == 0;
            note_start(slot_first(&mut self.dim_first[kind], id), day, sign, emptied);
        }
    }

    /// Builds every table from scratch in one sweep: each contribution adds at its start and
    /// takes away at its end, then the days are summed in order.
    pub fn build<'p>(window: u32, segment: Option<Segment>, contributions: impl Iterator<Item = Contribution<'p>>, lo: i32, hi: i32) -> Tables {
        let mut t = Tables::of_segment(window, segment);
        if hi < lo {
            return t;
        }
        t.cover(lo, hi + t.window);
        // Changes of the running figures, a row past the end for the last takeaways.
        let mut change = vec![Row::default(); t.rows.len() + 1];
        let w = t.window;
        for c in contributions {
            let i = (c.day - t.base) as usize;
            let lapses = c.day + w;
            let (inside, next_inside) = t.inside(&c);
            let end = match c.next {
                Some(q) if q <= lapses => {
                    if t.segment.is_some() && inside != next_inside {
                        let row = &mut t.rows[(q - t.base) as usize];
                        *(if inside { &mut row.moved_out } else { &mut row.moved_in }) += 1;
                    }
                    q
                }
                next => {
                    if inside {
                        t.rows[(lapses - t.base) as usize].removed += 1;
                    }
                    if let (Some(q), true) = (next, next_inside) {
                        t.rows[(q - t.base) as usize].resurrected += 1;
                    }
                    lapses
                }
            };
            if !inside {
                continue;
            }
            let row = &mut t.rows[i];
            row.pinged += 1;
            row.added += c.first as u32;
            for &(k, _) in c.ping.counts.iter() {
                *slot(&mut row.total_starts, k) += 1;
            }
            for (kind, &id) in c.ping.dims.iter().enumerate() {
                *slot(&mut row.dim_starts[kind], id) += 1;
            }
            let j = (end - t.base) as usize;
            change[i].active += 1;
            change[j].active -= 1;
            for &(k, v) in c.ping.counts.iter() {
                *slot(&mut change[i].totals, k) += v as i128;
                *slot(&mut change[j].totals, k) -= v as i128;
            }
            for (kind, &id) in c.ping.dims.iter().enumerate() {
                *slot(&mut change[i].dims[kind], id) += 1;
                *slot(&mut change[j].dims[kind], id) -= 1;
            }
        }
        let mut running = Row::default();
        for (i, row) in t.rows.iter_mut().enumerate() {
            let c = &change[i];
            running.active += c.active;
            add_into(&mut running.totals, &c.totals);
            for kind in 0..DIMENSIONS {
                add_into(&mut running.dims[kind], &c.dims[kind]);
            }
            row.active = running.active;
            row.totals = running.totals.clone();
            row.dims = running.dims.clone();
            trim(&mut row.totals);
            row.dims.iter_mut().for_each(trim);
        }
        for (i, row) in t.rows.iter().enumerate() {
            let day = t.base + i as i32;
            for (k, &n) in row.total_starts.iter().enumerate() {
                if n > 0 {
                    let f = slot_first(&mut t.total_first, k as u32);
                    *f = (*f).min(day);
                }
            }
            for kind in 0..DIMENSIONS {
                for (id, &n) in row.dim_starts[kind].iter().enumerate() {
                    if n > 0 {
                        let f = slot_first(&mut t.dim_first[kind], id as u32);
                        *f = (*f).min(day);
                    }
                }
            }
        }
        t
    }

    /// Finds again the first start of names whose first start was taken away.
    pub fn refresh_firsts(&mut self) {
        let rows = &self.rows;
        let base = self.base;
        let find = |starts: &dyn Fn(&Row) -> u32| {
            rows.iter().position(|r| starts(r) > 0).map_or(NONE, |i| base + i as i32)
        };
        for (k, f) in self.total_first.iter_mut().enumerate() {
            if *f == STALE {
                *f = find(&|r: &Row| get(&r.total_starts, k));
            }
        }
        for kind in 0..DIMENSIONS {
            for (id, f) in self.dim_first[kind].iter_mut().enumerate() {
                if *f == STALE {
                    *f = find(&|r: &Row| get(&r.dim_starts[kind], id));
                }
            }
        }
    }

    /// The first day a count name has a value (`refresh_firsts` first).
    pub fn total_first(&self, k: usize) -> i32 {
        self.total_first.get(k).copied().unwrap_or(NONE)
    }

    pub fn dim_first(&self, kind: usize, id: usize) -> i32 {
        self.dim_first[kind].get(id).copied().unwrap_or(NONE)
    }

    pub fn row_at(&self, day: i32) -> Option<&Row> {
        usize::try_from(day - self.base).ok().and_then(|i| self.rows.get(i))
    }

    /// The same figures, whatever way they were made: trailing zeros of the named vectors
    /// and names that start nowhere do not count.
    pub fn same_figures(&self, other: &Tables) -> bool {
        let norm = |t: &Tables| {
            let mut t = t.clone();
            t.refresh_firsts();
            for r in t.rows.iter_mut() {
                trim(&mut r.totals);
                r.dims.iter_mut().for_each(trim);
                trim(&mut r.total_starts);
                r.dim_starts.iter_mut().for_each(trim);
            }
            while t.rows.last().is_some_and(|r| *r == Row::default()) {
                t.rows.pop();
            }
            while t.rows.first().is_some_and(|r| *r == Row::default()) {
                t.rows.remove(0);
                t.base += 1;
            }
            let firsts = |v: &[i32]| v.iter().copied().filter(|&f| f != NONE).count();
            (t.base, t.rows, firsts(&t.total_first), t.dim_first.iter().map(|v| firsts(v)).sum::<usize>())
        };
        norm(self) == norm(other)
    }
}

fn slot_first(v: &mut Vec<i32>, id: u32) -> &mut i32 {
    let i = id as usize;
    if v.len() <= i {
        v.resize(i + 1, NONE);
    }
    &mut v[i]
}

/// Keeps a name's first start up to date as a start on `day` is added or taken away.
fn note_start(first: &mut i32, day: i32, sign: i64, emptied: bool) {
    if sign > 0 {
        if *first != STALE {
            *first = (*first).min(day);
        }
    } else if emptied && *first == day {
        *first = STALE;
    }
}

fn add_into<T: Copy + Default + std::ops::AddAssign>(into: &mut Vec<T>, from: &[T]) {
    if into.len() < from.len() {
        into.resize(from.len(), T::default());
    }
    for (a, b) in into.iter_mut().zip(from) {
        *a += *b;
    }
}

fn trim<T: Default + PartialEq>(v: &mut Vec<T>) {
    while v.last().is_some_and(|x| *x == T::default()) {
        v.pop();
    }
}
