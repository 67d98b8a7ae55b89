//! `fleet-risk healthcheck`: the container's HEALTHCHECK, with no curl in the image.

use super::error::CliError;

/// A plain HTTP/1.0 GET of /api/health on loopback, so the runtime image needs no curl.
pub(super) fn healthcheck(port: u16) -> Result<(), CliError> {
    use std::io::{Read, Write};
    use std::time::Duration;
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = std::net::TcpStream::connect_timeout(&address, Duration::from_secs(3))
        .map_err(|source| CliError::Connect { address, source })?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(b"GET /api/health HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head)?;
    if head.starts_with(b"HTTP/1.") && &head[9..12] == b"200" {
        Ok(())
    } else {
        Err(CliError::NotReady(
            String::from_utf8_lossy(&head).into_owned(),
        ))
    }
}
