//! Faults survived (issue 14, items 9-12): the database locked by another
//! process, PostgreSQL not up yet when `serve` starts, and a process killed
//! in the middle of a book-wide run, and Sentry down.

pub mod database_startup;
pub mod killed_run;
pub mod sentry_down;
pub mod sqlite_lock;
