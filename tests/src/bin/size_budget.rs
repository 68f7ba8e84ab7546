//! Prints what a host page downloads for edgedesk — the loader, the widget's first chunk (when idle, or
//! on intent) and its lazy chunks (when a screen first opens) — raw, gzip and brotli, and fails when a
//! budget is exceeded. Run by `make test` after `make build`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

/// Budgets (brotli, quality 11) only go down. They are issue 16's: the loader's 3 KB, a first chunk of
/// 60 KB and 150 KB for all chunks together (docs/benchmarks.md).
///
/// The loader is on every page load of the host app, so it must stay tiny.
const LOADER_BROTLI_BUDGET: usize = 3_000;
/// What idle loading downloads on every page view: the first chunk's wasm, its JS glue and the lazy
/// chunks' loader. It holds the panel, the banner, browsing by section and search as you type.
const FIRST_CHUNK_BROTLI_BUDGET: usize = FIRST_CHUNK_BROTLI_TARGET;
const FIRST_CHUNK_BROTLI_TARGET: usize = 60_000;
/// Everything, with the article view, the contact form and My tickets, which download when first opened.
const ALL_CHUNKS_BROTLI_BUDGET: usize = ALL_CHUNKS_BROTLI_TARGET;
const ALL_CHUNKS_BROTLI_TARGET: usize = 150_000;

/// One file's size, or several files' together. gzip is flate2 at level 9, brotli the brotli crate at
/// quality 11 (window 22): the encoders a CDN uses at their best.
struct Sizes {
    raw: usize,
    gzip: usize,
    brotli: usize,
}

impl Sizes {
    fn add(&mut self, other: &Sizes) {
        self.raw += other.raw;
        self.gzip += other.gzip;
        self.brotli += other.brotli;
    }
}

fn measure(path: &Path) -> Result<Sizes> {
    use std::io::Write;
    let bytes = std::fs::read(path).with_context(|| format!("{} is missing: run `make build`", path.display()))?;
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(&bytes)?;
    let mut brotli = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut bytes.as_slice(), &mut brotli, &params)?;
    Ok(Sizes { raw: bytes.len(), gzip: gzip.finish()?.len(), brotli: brotli.len() })
}

/// The widget's files are in `dist/widget/<content hash>/`, the one directory there.
fn widget_dir(parent: &std::path::Path) -> Result<std::path::PathBuf> {
    let mut dirs = std::fs::read_dir(parent)
        .with_context(|| format!("{} is missing: run `make build`", parent.display()))?
        .map(|entry| Ok(entry?.path()))
        .collect::<Result<Vec<_>>>()?;
    dirs.retain(|path| path.is_dir());
    match dirs.as_slice() {
        [dir] => Ok(dir.clone()),
        _ => anyhow::bail!("expected one versioned directory in {}, found {dirs:?}", parent.display()),
    }
}

fn run() -> Result<bool> {
    let dist = edgedesk_e2e::repo_root().join("dist");
    let widget = widget_dir(&dist.join("widget"))?;
    let loader = measure(&dist.join("embed.js"))?;
    let worker = measure(&edgedesk_e2e::repo_root().join("worker/build/index_bg.wasm"))?;
    let first_chunk_files = ["edgedesk_widget_bg.wasm", "edgedesk_widget.js", "__wasm_split.js"];
    let mut lazy_files = std::fs::read_dir(&widget)
        .with_context(|| format!("{} is missing: run `make build`", widget.display()))?
        .map(|entry| Ok(entry?.file_name().to_string_lossy().into_owned()))
        .collect::<Result<Vec<_>>>()?;
    lazy_files.retain(|name| !first_chunk_files.contains(&name.as_str()));
    lazy_files.sort();
    anyhow::ensure!(
        lazy_files.iter().any(|name| name.starts_with("split_")),
        "no lazy chunks in {}: the widget was not split",
        widget.display()
    );

    println!("{:<34} {:>10} {:>10} {:>10}", "asset", "raw", "gzip", "brotli");
    let row = |name: &str, sizes: &Sizes| {
        println!("{name:<34} {:>10} {:>10} {:>10}", sizes.raw, sizes.gzip, sizes.brotli);
    };
    row("loader embed.js", &loader);
    let mut first = Sizes { raw: 0, gzip: 0, brotli: 0 };
    for name in first_chunk_files {
        let sizes = measure(&widget.join(name))?;
        row(&format!("first chunk: {name}"), &sizes);
        first.add(&sizes);
    }
    let mut all = Sizes { ..first };
    for name in &lazy_files {
        let sizes = measure(&widget.join(name))?;
        row(&format!("lazy: {name}"), &sizes);
        all.add(&sizes);
    }
    row("first chunk, together", &first);
    row("all chunks, together", &all);
    row("worker wasm (server side)", &worker);

    let mut within = true;
    for (what, size, budget, target) in [
        ("loader", loader.brotli, LOADER_BROTLI_BUDGET, LOADER_BROTLI_BUDGET),
        ("first chunk", first.brotli, FIRST_CHUNK_BROTLI_BUDGET, FIRST_CHUNK_BROTLI_TARGET),
        ("all chunks", all.brotli, ALL_CHUNKS_BROTLI_BUDGET, ALL_CHUNKS_BROTLI_TARGET),
    ] {
        let verdict = if size <= budget { "ok" } else { "OVER BUDGET" };
        let aim = if size <= target { String::new() } else { format!(" (issue 16's target: {target} B, not yet)") };
        println!("{what}: {size} B brotli of {budget} B budget — {verdict}{aim}");
        within &= size <= budget;
    }
    Ok(within)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("size budget: {error:#}");
            ExitCode::FAILURE
        }
    }
}
