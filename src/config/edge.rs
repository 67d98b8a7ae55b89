//! The edge's settings: rate limits, CORS origins, per-route body limits,
//! client timeouts and connection bounds (the README lists each variable).

use std::num::NonZeroU32;
use std::time::Duration;

use super::{ConfigError, Environment, parse_in_range, parse_var};

/// A token bucket: `per_second` refill, `burst` requests at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateQuota {
    pub per_second: NonZeroU32,
    pub burst: NonZeroU32,
}

#[derive(Debug, Clone)]
pub struct EdgeSettings {
    /// Reads (and every keyless request) per caller.
    pub read_quota: RateQuota,
    /// Writes and imports per caller: POST, PUT, PATCH and DELETE, except
    /// the calculations that only read (`/assess`, OFREP evaluations).
    pub write_quota: RateQuota,
    /// Origins allowed by CORS, exactly as browsers send them; none: CORS off.
    pub cors_allowed_origins: Vec<String>,
    /// Body limit of the fleet and threshold routes (their bodies are small).
    pub small_body_max_bytes: usize,
    /// Time a client has to send the request head after connecting.
    pub client_request_timeout: Duration,
    /// Time a closing connection has to shut down.
    pub client_disconnect_timeout: Duration,
    /// Idle time a kept-alive connection is held.
    pub keep_alive: Duration,
    /// Most concurrent connections per worker.
    pub max_connections: usize,
    /// Pending connections the kernel queues before accepting.
    pub backlog: u32,
}

fn quota(
    env: &dyn Environment,
    per_second: (&'static str, u64),
    burst: (&'static str, u64),
) -> Result<RateQuota, ConfigError> {
    let read = |(variable, default): (&'static str, u64)| {
        parse_var(env, variable, default, |raw| {
            parse_in_range(raw, 1, 10_000_000)
        })
        .map(|n| NonZeroU32::new(n as u32).expect("the range starts at 1"))
    };
    Ok(RateQuota {
        per_second: read(per_second)?,
        burst: read(burst)?,
    })
}

fn millis(
    env: &dyn Environment,
    variable: &'static str,
    default: u64,
) -> Result<Duration, ConfigError> {
    parse_var(env, variable, default, |raw| {
        parse_in_range(raw, 1, 3_600_000)
    })
    .map(Duration::from_millis)
}

impl EdgeSettings {
    pub fn from_environment(env: &dyn Environment) -> Result<Self, ConfigError> {
        Ok(Self {
            read_quota: quota(
                env,
                ("RATE_LIMIT_PER_SECOND", 50),
                ("RATE_LIMIT_BURST", 100),
            )?,
            write_quota: quota(
                env,
                ("RATE_LIMIT_WRITE_PER_SECOND", 10),
                ("RATE_LIMIT_WRITE_BURST", 30),
            )?,
            cors_allowed_origins: parse_var(
                env,
                "CORS_ALLOWED_ORIGINS",
                Vec::new(),
                parse_origins,
            )?,
            small_body_max_bytes: parse_var(env, "SMALL_BODY_MAX_BYTES", 64 * 1024, |raw| {
                parse_in_range(raw, 1024, 256 * 1024 * 1024)
            })? as usize,
            client_request_timeout: millis(env, "CLIENT_REQUEST_TIMEOUT_MS", 5_000)?,
            client_disconnect_timeout: millis(env, "CLIENT_DISCONNECT_TIMEOUT_MS", 1_000)?,
            keep_alive: parse_var(env, "KEEP_ALIVE_SECONDS", 5, |raw| {
                parse_in_range(raw, 1, 3600)
            })
            .map(Duration::from_secs)?,
            max_connections: parse_var(env, "MAX_CONNECTIONS", 10_000, |raw| {
                parse_in_range(raw, 1, 1_000_000)
            })? as usize,
            backlog: parse_var(env, "LISTEN_BACKLOG", 1024, |raw| {
                parse_in_range(raw, 1, 65_535)
            })? as u32,
        })
    }
}

/// `https://a.example, https://b.example`: each a scheme and host (and
/// port), with no path; empty entries are skipped.
fn parse_origins(raw: &str) -> Result<Vec<String>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            let rest = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            match rest {
                Some(host) if !host.is_empty() && !host.contains(['/', ' ', '*']) => {
                    Ok(origin.to_string())
                }
                _ => Err(format!(
                    "expected origins like https://dashboard.example.com, got {origin:?}"
                )),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn writes_have_a_tighter_default_than_reads() {
        let edge = EdgeSettings::from_environment(&HashMap::new()).unwrap();
        assert!(edge.write_quota.per_second < edge.read_quota.per_second);
        assert!(edge.write_quota.burst < edge.read_quota.burst);
        assert!(edge.cors_allowed_origins.is_empty());
    }

    #[test]
    fn origins_are_a_comma_list_of_scheme_and_host() {
        let env = HashMap::from([(
            "CORS_ALLOWED_ORIGINS",
            " https://a.example , http://localhost:3000,",
        )]);
        let edge = EdgeSettings::from_environment(&env).unwrap();
        assert_eq!(
            edge.cors_allowed_origins,
            ["https://a.example", "http://localhost:3000"]
        );
        for bad in ["a.example", "https://a.example/path", "*"] {
            let env = HashMap::from([("CORS_ALLOWED_ORIGINS", bad)]);
            let error = EdgeSettings::from_environment(&env).unwrap_err();
            assert_eq!(error.variable, "CORS_ALLOWED_ORIGINS", "{bad}");
        }
    }

    #[test]
    fn a_zero_rate_is_refused() {
        let env = HashMap::from([("RATE_LIMIT_WRITE_BURST", "0")]);
        let error = EdgeSettings::from_environment(&env).unwrap_err();
        assert_eq!(error.variable, "RATE_LIMIT_WRITE_BURST");
    }
}
