//! Per-route body limits and the listener's connection bounds.
//!
//! Fleets and thresholds take small bodies (`SMALL_BODY_MAX_BYTES`), the
//! import its own large limit (`IMPORT_MAX_BODY_BYTES`, in `http::import`),
//! every other JSON body `MAX_BODY_BYTES`. The client timeouts and
//! `MAX_CONNECTIONS` are set on the `HttpServer` (see `startup`).

use std::net::{SocketAddr, TcpListener};

use actix_web::HttpRequest;

use crate::config::Settings;

/// The routes whose bodies are a name, a description or a threshold pair.
const SMALL_BODY_ROUTES: [&str; 2] = ["/api/fleet-risk/fleets", "/api/fleet-risk/thresholds"];

/// The JSON body limit of `request`'s route.
pub fn json_body_limit(request: &HttpRequest, settings: &Settings) -> usize {
    let small = SMALL_BODY_ROUTES
        .iter()
        .any(|prefix| request.path().starts_with(prefix));
    if small {
        settings
            .edge
            .small_body_max_bytes
            .min(settings.max_body_bytes)
    } else {
        settings.max_body_bytes
    }
}

/// A listening socket on `address` with room for `backlog` pending
/// connections (std's `TcpListener::bind` always asks for 128).
pub fn bind(address: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(address), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&address.into())?;
    socket.listen(backlog.min(i32::MAX as u32) as i32)?;
    Ok(socket.into())
}
