//! The edge: what every request meets before a handler. Rate limits, CORS,
//! security headers, body limits and connection bounds; configured by
//! [`crate::config::edge::EdgeSettings`] and documented in
//! docs/operations.md. Order in `startup` (outermost first): CORS, security
//! headers, rate limiter, then the rest of the stack.

pub mod cors;
pub mod limits;
pub mod rate_limit;
pub mod security_headers;

pub use rate_limit::RateLimits;
