//! The built-in console: `GET /` is its page, `GET /console/{file}` and
//! `GET /console/views/{view}` the rest of `assets/` (see its README), all
//! embedded in the binary. No key is needed to load it; the page asks for
//! one and sends it to the API itself. The API reference and the spec
//! (`/docs`, `/openapi.yaml`, `/openapi.json`) are in [`docs`].

pub mod docs;
mod embedded;

use actix_web::{HttpRequest, HttpResponse, web};

use self::embedded::{EmbeddedFile, find};
use crate::http::error::ApiError;
use crate::http::extract::echoed;

/// The console's policy: nothing inline, nothing from elsewhere (its
/// scripts set sizes through CSSOM, which `style-src 'self'` allows).
pub const CONSOLE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

/// `static NAME = { "file" => "path", ... };`: an array of embedded files.
macro_rules! embedded {
    (static $id:ident = { $($name:literal => $path:literal),+ $(,)? };) => {
        static $id: [EmbeddedFile; [$($name),+].len()] =
            [$(EmbeddedFile::new($name, include_bytes!($path))),+];
    };
}

static PAGE: EmbeddedFile = EmbeddedFile::new("index.html", include_bytes!("assets/index.html"));

// `/console/{file}`.
embedded! {
static FILES = {
    "console.css" => "assets/console.css",
    "app.js" => "assets/app.js",
    "api.js" => "assets/api.js",
    "charts.js" => "assets/charts.js",
    "dom.js" => "assets/dom.js",
    "format.js" => "assets/format.js",
    "loading.js" => "assets/loading.js",
    "problem.js" => "assets/problem.js",
    "ui.js" => "assets/ui.js",
};
}

// `/console/views/{view}`.
embedded! {
static VIEWS = {
    "assess.js" => "assets/views/assess.js",
    "assessment.js" => "assets/views/assessment.js",
    "dashboard.js" => "assets/views/dashboard.js",
    "export.js" => "assets/views/export.js",
    "fleet.js" => "assets/views/fleet.js",
    "key.js" => "assets/views/key.js",
    "simulation.js" => "assets/views/simulation.js",
    "vessel.js" => "assets/views/vessel.js",
};
}

/// Bytes of the console as served (page, styles, scripts).
pub fn console_bytes() -> usize {
    PAGE.bytes.len()
        + FILES
            .iter()
            .chain(&VIEWS)
            .map(|file| file.bytes.len())
            .sum::<usize>()
}

/// `GET /`: the console's page.
pub async fn page(request: HttpRequest) -> HttpResponse {
    PAGE.respond(&request, Some(CONSOLE_POLICY))
}

/// `GET /console/{file}`.
pub async fn file(request: HttpRequest, name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    serve(&request, &FILES, &name)
}

/// `GET /console/views/{view}`.
pub async fn view(request: HttpRequest, name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    serve(&request, &VIEWS, &name)
}

fn serve(
    request: &HttpRequest,
    files: &[EmbeddedFile],
    name: &str,
) -> Result<HttpResponse, ApiError> {
    find(files, name)
        .map(|file| file.respond(request, None))
        .ok_or_else(|| ApiError::not_found(format!("the console has no file {}", echoed(name))))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file of `assets/` is served (a new module must be listed).
    #[test]
    fn every_asset_is_embedded() {
        let assets = concat!(env!("CARGO_MANIFEST_DIR"), "/src/http/console/assets");
        for (dir, files) in [("", &FILES[..]), ("views", &VIEWS[..])] {
            let mut on_disk: Vec<String> = std::fs::read_dir(format!("{assets}/{dir}"))
                .unwrap()
                .filter_map(|entry| entry.ok())
                .filter(|entry| entry.file_type().unwrap().is_file())
                .map(|entry| entry.file_name().into_string().unwrap())
                .filter(|name| name != "README.md" && name != "index.html")
                .collect();
            on_disk.sort();
            let mut served: Vec<String> = files.iter().map(|f| f.name.to_string()).collect();
            served.sort();
            assert_eq!(served, on_disk, "{dir}");
        }
    }

    /// The console stays small (issue 15: under 150 kB uncompressed).
    #[test]
    fn the_console_is_under_150_kb() {
        assert!(console_bytes() < 150_000, "{} bytes", console_bytes());
    }
}
