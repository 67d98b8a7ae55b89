//! Faults survived (issue 14, items 9-12): the database locked by another
//! process, and PostgreSQL not up yet when `serve` starts.

pub mod database_startup;
pub mod sqlite_lock;
