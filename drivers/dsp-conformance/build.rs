// spandsp is linked by this test-only crate and nothing else (see Cargo.toml).
fn main() {
    println!("cargo:rustc-link-lib=spandsp");
}
