//! The global allocator of the WebAssembly build: std's own (dlmalloc), with linear memory
//! grown in steps of an eighth of its size instead of the 64 KiB pages dlmalloc asks for.
//! V8 takes about a millisecond to grow a memory of a few hundred MB by one page
//! (BENCHMARKS.md), so restoring a ten-million-ping checkpoint, some 14,000 grows, spent
//! more time growing memory than reading the checkpoint.
//!
//! Whenever an allocation has grown memory, a block of an eighth of the memory's size is
//! taken and given straight back: it grows memory once more, and dlmalloc keeps the freed
//! block as its free space at the top, which the allocations to come are carved from.
//! Memory taken this way and not yet used is never written, so it costs address space in
//! the process, not resident memory.

use std::alloc::{GlobalAlloc, Layout, System};
use std::arch::wasm32;

pub struct Stepped;

const PAGE: usize = 65_536;
/// The smallest step: 1 MiB.
const MIN_STEP: usize = 16 * PAGE;

/// Takes the next step if memory grew from `pages` during the call just made.
#[inline(never)]
unsafe fn step_if_grown(pages: usize) {
    if wasm32::memory_size(0) != pages {
        // An eighth of the pages first: `pages * PAGE` is 2^32 at 4 GiB, past wasm32's usize.
        // Aligned as dlmalloc aligns anything (8), so it is a plain malloc, not a memalign.
        let step = Layout::from_size_align_unchecked((pages / 8 * PAGE).max(MIN_STEP), 8);
        let block = system_alloc(step);
        if !block.is_null() {
            system_dealloc(block, step);
        }
    }
}

// std's allocator behind calls that are not inlined: dlmalloc's code once in the module,
// as without this allocator, not once in each method below.
#[inline(never)]
unsafe fn system_alloc(layout: Layout) -> *mut u8 {
    System.alloc(layout)
}

#[inline(never)]
unsafe fn system_dealloc(ptr: *mut u8, layout: Layout) {
    System.dealloc(ptr, layout)
}

#[inline(never)]
unsafe fn system_realloc(ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
    System.realloc(ptr, layout, new_size)
}

unsafe impl GlobalAlloc for Stepped {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pages = wasm32::memory_size(0);
        let p = system_alloc(layout);
        step_if_grown(pages);
        p
    }
    // `alloc_zeroed` is the trait's own: `alloc`, then zeroes.
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        system_dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let pages = wasm32::memory_size(0);
        let p = system_realloc(ptr, layout, new_size);
        step_if_grown(pages);
        p
    }
}
