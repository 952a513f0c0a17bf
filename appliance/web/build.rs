//! Finds the front-end files the web UI embeds (htmx and its SSE extension from npm, our
//! own stylesheet and script) and hands their paths and ETags to the crate as environment
//! variables, read by `src/assets.rs` with `include_bytes!(env!(…))`.
//!
//! The npm packages are installed by `xtask/setup.sh` (`npm ci` in `assets/`), never
//! committed, so a checkout without them fails here with the command that fixes it.

use std::path::{Path, PathBuf};

/// (environment variable prefix, path under the crate, where it comes from)
const FILES: &[(&str, &str, Source)] = &[
    (
        "BOX_WEB_ASSET_HTMX",
        "assets/node_modules/htmx.org/dist/htmx.min.js",
        Source::Npm,
    ),
    (
        "BOX_WEB_ASSET_SSE",
        "assets/node_modules/htmx-ext-sse/dist/sse.min.js",
        Source::Npm,
    ),
    ("BOX_WEB_ASSET_APP_CSS", "static/app.css", Source::Ours),
    ("BOX_WEB_ASSET_APP_JS", "static/app.js", Source::Ours),
];

#[derive(Clone, Copy, PartialEq)]
enum Source {
    Npm,
    Ours,
}

fn main() {
    let crate_dir = match std::env::var_os("CARGO_MANIFEST_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => fail("CARGO_MANIFEST_DIR is not set (build.rs runs under cargo)"),
    };
    // npm rewrites this file at every install: a lock changed after it means stale packages.
    let lock = crate_dir.join("assets/package-lock.json");
    let installed = crate_dir.join("assets/node_modules/.package-lock.json");
    println!("cargo:rerun-if-changed={}", lock.display());
    println!("cargo:rerun-if-changed={}", installed.display());
    if is_newer(&lock, &installed) {
        println!(
            "cargo:warning=appliance/web/assets/package-lock.json is newer than its node_modules: \
             run `bash xtask/setup.sh` to install the locked htmx versions"
        );
    }

    for (var, relative, source) in FILES {
        let path = crate_dir.join(relative);
        println!("cargo:rerun-if-changed={}", path.display());
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if *source == Source::Npm => fail(&format!(
                "cannot read {} ({error}): the web UI's npm packages are not installed; \
                 run `bash xtask/setup.sh`, which runs npm ci in appliance/web/assets",
                path.display()
            )),
            Err(error) => fail(&format!("cannot read {}: {error}", path.display())),
        };
        println!("cargo:rustc-env={var}_PATH={}", path.display());
        println!("cargo:rustc-env={var}_ETAG=\"{:032x}\"", fnv1a_128(&bytes));
    }
}

/// Whether `a` was modified after `b` (false when either cannot be read: the file checks
/// below report a missing install).
fn is_newer(a: &Path, b: &Path) -> bool {
    let modified = |path: &Path| std::fs::metadata(path).and_then(|meta| meta.modified());
    match (modified(a), modified(b)) {
        (Ok(a), Ok(b)) => a > b,
        _ => false,
    }
}

/// FNV-1a, 128 bits: an ETag only has to change when the bytes do, and this needs no
/// build dependency.
fn fnv1a_128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    bytes.iter().fold(OFFSET, |hash, &byte| {
        (hash ^ u128::from(byte)).wrapping_mul(PRIME)
    })
}

/// Stops the build; cargo shows the message under the build script's stderr (no panic:
/// a backtrace would bury the one line that matters).
fn fail(message: &str) -> ! {
    eprintln!("error: box-web build: {message}");
    std::process::exit(1);
}
