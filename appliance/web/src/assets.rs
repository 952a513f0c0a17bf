//! The web UI's static files, embedded into the binary: htmx and its SSE extension (npm
//! packages pinned by `assets/package-lock.json`, found by `build.rs`) and our own
//! `static/app.css` and `static/app.js`. Served at `GET /assets/{name}` to anyone (the
//! login page needs them), with an ETag computed at build time so a browser revalidates
//! with `If-None-Match` and gets a 304.

use crate::endpoint::{Access, Endpoint};
use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};

/// One embedded file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    pub bytes: &'static [u8],
    pub content_type: &'static str,
    /// A strong entity tag, quotes included (`"…"`), as sent in the `ETag` header.
    pub etag: &'static str,
}

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// Browsers may keep a file an hour without asking; after that the ETag makes asking cheap.
pub const CACHE_CONTROL: &str = "public, max-age=3600";

/// Every asset by the name it is served under.
const ASSETS: &[(&str, Asset)] = &[
    (
        "htmx.min.js",
        Asset {
            bytes: include_bytes!(env!("BOX_WEB_ASSET_HTMX_PATH")),
            content_type: JAVASCRIPT,
            etag: env!("BOX_WEB_ASSET_HTMX_ETAG"),
        },
    ),
    (
        "sse.js",
        Asset {
            bytes: include_bytes!(env!("BOX_WEB_ASSET_SSE_PATH")),
            content_type: JAVASCRIPT,
            etag: env!("BOX_WEB_ASSET_SSE_ETAG"),
        },
    ),
    (
        "app.css",
        Asset {
            bytes: include_bytes!(env!("BOX_WEB_ASSET_APP_CSS_PATH")),
            content_type: CSS,
            etag: env!("BOX_WEB_ASSET_APP_CSS_ETAG"),
        },
    ),
    (
        "app.js",
        Asset {
            bytes: include_bytes!(env!("BOX_WEB_ASSET_APP_JS_PATH")),
            content_type: JAVASCRIPT,
            etag: env!("BOX_WEB_ASSET_APP_JS_ETAG"),
        },
    ),
];

/// The asset served under `name`, if there is one.
pub fn get(name: &str) -> Option<Asset> {
    ASSETS
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, asset)| *asset)
}

/// The names assets are served under.
pub fn names() -> impl Iterator<Item = &'static str> {
    ASSETS.iter().map(|(name, _)| *name)
}

pub fn endpoints() -> Vec<Endpoint> {
    vec![Endpoint::get("/assets/{name}", Access::Public, || {
        web::get().to(serve)
    })]
}

async fn serve(name: web::Path<String>, request: HttpRequest) -> HttpResponse {
    let Some(asset) = get(&name) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("no such asset\n");
    };
    let not_modified = request
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .any(|value| if_none_match_hits(value, asset.etag));
    let mut response = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, asset.etag))
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if not_modified {
        return response.finish();
    }
    response.content_type(asset.content_type).body(asset.bytes)
}

/// Whether an `If-None-Match` header value names `etag`: `*`, or a list of entity tags
/// compared weakly (RFC 9110 §13.1.2: `W/"x"` matches `"x"`). An unreadable value never
/// matches, so the client gets the full file.
fn if_none_match_hits(value: &HeaderValue, etag: &str) -> bool {
    let Ok(value) = value.to_str() else {
        return false;
    };
    value.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;
    use actix_web::{test as actix_test, App};

    #[test]
    fn every_name_has_its_file_and_type() {
        let htmx = get("htmx.min.js").expect("htmx.min.js is embedded");
        assert_eq!(htmx.content_type, JAVASCRIPT);
        // The real library, not an empty or placeholder file.
        assert!(
            htmx.bytes.len() > 20_000,
            "htmx is {} bytes",
            htmx.bytes.len()
        );
        assert!(contains(htmx.bytes, b"htmx"));

        let sse = get("sse.js").expect("sse.js is embedded");
        assert_eq!(sse.content_type, JAVASCRIPT);
        assert!(contains(sse.bytes, b"defineExtension(\"sse\""));

        let css = get("app.css").expect("app.css is embedded");
        assert_eq!(css.content_type, CSS);
        assert!(contains(css.bytes, b".badge"));

        let js = get("app.js").expect("app.js is embedded");
        assert_eq!(js.content_type, JAVASCRIPT);
        assert!(contains(js.bytes, b"X-CSRF-Token"));
    }

    #[test]
    fn unknown_names_are_none() {
        for name in [
            "",
            "htmx.js",
            "HTMX.MIN.JS",
            "app.css ",
            "../app.css",
            "static/app.css",
            "sse.min.js",
            "app.css/",
        ] {
            assert!(get(name).is_none(), "{name:?} should be unknown");
        }
    }

    #[test]
    fn etags_are_quoted_and_differ_per_file() {
        let etags: Vec<&str> = names()
            .map(|name| get(name).expect("listed names exist").etag)
            .collect();
        assert_eq!(etags.len(), 4);
        for etag in &etags {
            assert!(
                etag.len() == 34 && etag.starts_with('"') && etag.ends_with('"'),
                "{etag}"
            );
        }
        let mut unique = etags.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), etags.len(), "{etags:?}");
    }

    #[test]
    fn if_none_match_lists_and_weak_tags() {
        let etag = "\"abc\"";
        let hits = |value: &'static str| if_none_match_hits(&HeaderValue::from_static(value), etag);
        assert!(hits("\"abc\""));
        assert!(hits("W/\"abc\""));
        assert!(hits("\"x\", \"abc\""));
        assert!(hits("*"));
        assert!(!hits("\"abcd\""));
        assert!(!hits("abc"));
        assert!(!hits(""));
    }

    #[actix_web::test]
    async fn serves_caches_and_revalidates() {
        let mut app = App::new();
        for endpoint in endpoints() {
            assert_eq!(endpoint.access, Access::Public);
            app = app.route(endpoint.path, (endpoint.route)());
        }
        let app = actix_test::init_service(app).await;
        let css = get("app.css").expect("app.css is embedded");

        let response = actix_test::call_service(
            &app,
            actix_test::TestRequest::get()
                .uri("/assets/app.css")
                .to_request(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers().clone();
        assert_eq!(headers.get(header::CONTENT_TYPE).unwrap(), CSS);
        assert_eq!(headers.get(header::CACHE_CONTROL).unwrap(), CACHE_CONTROL);
        assert_eq!(headers.get(header::ETAG).unwrap(), css.etag);
        assert_eq!(actix_test::read_body(response).await.as_ref(), css.bytes);

        let revalidate = actix_test::TestRequest::get()
            .uri("/assets/app.css")
            .insert_header((header::IF_NONE_MATCH, css.etag))
            .to_request();
        let response = actix_test::call_service(&app, revalidate).await;
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(response.headers().get(header::ETAG).unwrap(), css.etag);
        assert!(actix_test::read_body(response).await.is_empty());

        // Another file's tag is not this one's.
        let other = get("app.js").expect("app.js is embedded").etag;
        let stale = actix_test::TestRequest::get()
            .uri("/assets/app.css")
            .insert_header((header::IF_NONE_MATCH, other))
            .to_request();
        assert_eq!(
            actix_test::call_service(&app, stale).await.status(),
            StatusCode::OK
        );

        let htmx = actix_test::TestRequest::get()
            .uri("/assets/htmx.min.js")
            .to_request();
        let response = actix_test::call_service(&app, htmx).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).unwrap(),
            JAVASCRIPT
        );

        for unknown in ["/assets/nope.js", "/assets/..%2Fapp.css", "/assets/htmx.js"] {
            let response = actix_test::call_service(
                &app,
                actix_test::TestRequest::get().uri(unknown).to_request(),
            )
            .await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{unknown}");
        }
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack
            .windows(needle.len())
            .any(|window| window == needle)
    }
}
