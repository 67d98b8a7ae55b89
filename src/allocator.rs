//! How the process keeps memory with glibc's allocator, so that its resident
//! size follows what it holds rather than what it once held.
//!
//! A book-wide run allocates the whole book for a few seconds (the loaded
//! rows, the parsed vessels, their assessments, the rows it publishes) from
//! many threads at once. glibc's defaults keep much of that after it is
//! freed: up to 8 arenas per core, one per thread that allocated, each
//! keeping its freed pages; and a threshold for `mmap`ed blocks that rises
//! to the largest block ever freed (up to 32 MiB), so that later large
//! buffers come from the arenas too. The soak measured the result: the
//! highest RSS of each minute grew by 69 % after warm-up.
//!
//! So, on glibc, unless the operator chose otherwise through glibc's own
//! variables (`MALLOC_ARENA_MAX`, `MALLOC_MMAP_THRESHOLD_`,
//! `GLIBC_TUNABLES`), which are then left to decide:
//! - [`tune`], at start: at most [`ARENAS`] arenas, and blocks of
//!   [`MMAP_THRESHOLD`] or more always mapped on their own, so freeing them
//!   hands the memory back at once;
//! - [`release_free_memory`], after each book-wide run: `malloc_trim(0)`
//!   hands back the free pages inside every arena.
//!
//! Elsewhere (another C library, another system) both do nothing.

/// The most arenas glibc may create (its default is 8 per core).
pub const ARENAS: i32 = 2;

/// Blocks of at least this many bytes are mapped on their own (a fixed
/// threshold: glibc stops raising it).
pub const MMAP_THRESHOLD: i32 = 1 << 20;

/// What the operator set that decides the allocator instead of [`tune`].
const OPERATOR_VARIABLES: [&str; 3] = [
    "MALLOC_ARENA_MAX",
    "MALLOC_MMAP_THRESHOLD_",
    "GLIBC_TUNABLES",
];

/// Whether [`tune`] leaves glibc's settings as they are: the operator set
/// one of its variables.
pub fn operator_decides(environment: impl Fn(&str) -> Option<String>) -> bool {
    OPERATOR_VARIABLES
        .iter()
        .any(|name| environment(name).is_some())
}

/// Sets the arena limit and the fixed mmap threshold. Call it first in
/// `main`, before any thread starts (arenas are made per thread).
pub fn tune() {
    if operator_decides(|name| std::env::var(name).ok()) {
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's parameters; called before
    // other threads exist, nothing allocates concurrently. A refused value
    // (it returns 0) leaves glibc's default, which is still correct.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, ARENAS);
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    }
}

/// Hands the allocator's free pages back to the system, on the blocking
/// pool (it walks every arena: milliseconds after a run).
pub async fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim is thread-safe (it locks each arena in turn)
        // and frees nothing in use; 0 keeps no padding at the top of the heap.
        let trim = || unsafe {
            libc::malloc_trim(0);
        };
        let _ = tokio::task::spawn_blocking(trim).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_of_glibcs_own_variables_leaves_the_allocator_to_the_operator() {
        assert!(!operator_decides(|_| None));
        for name in OPERATOR_VARIABLES {
            let set = |asked: &str| (asked == name).then(|| "4".to_string());
            assert!(operator_decides(set), "{name}");
        }
    }
}
