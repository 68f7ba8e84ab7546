//! Prints what a host page downloads for edgedesk — the loader and, on intent, the widget — raw, gzip and
//! brotli, and fails when a budget is exceeded. Run by `make test` after `make build`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

/// The loader is on every page load of the host app, so it must stay tiny.
const LOADER_BROTLI_BUDGET: usize = 5 * 1024;
/// The widget (wasm + JS glue) downloads only on intent, once, and is cached afterwards. It holds search,
/// articles, the status banner, the whole contact form (topics, attachments, drafts, suggestions) and
/// "My tickets", in three languages; raised from 150 KiB when the form and My tickets arrived (issue 5),
/// and from 180 KiB when Russian and Ukrainian UI strings, suggestions in context and switching language
/// and product at run time arrived (issue 6), after the diets tried then gave nothing (docs/benchmarks.md).
const WIDGET_BROTLI_BUDGET: usize = 190 * 1024;

struct Sizes {
    raw: usize,
    gzip: usize,
    brotli: usize,
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

fn run() -> Result<bool> {
    let dist = edgedesk_e2e::repo_root().join("dist");
    let loader = measure(&dist.join("embed.js"))?;
    let wasm = measure(&dist.join("widget/edgedesk_widget_bg.wasm"))?;
    let glue = measure(&dist.join("widget/edgedesk_widget.js"))?;
    let worker = measure(&edgedesk_e2e::repo_root().join("worker/build/index_bg.wasm"))?;

    println!("{:<28} {:>10} {:>10} {:>10}", "asset", "raw", "gzip", "brotli");
    for (name, sizes) in [
        ("loader embed.js", &loader),
        ("widget wasm", &wasm),
        ("widget JS glue", &glue),
        ("worker wasm (server side)", &worker),
    ] {
        println!("{name:<28} {:>10} {:>10} {:>10}", sizes.raw, sizes.gzip, sizes.brotli);
    }
    let widget_brotli = wasm.brotli + glue.brotli;
    let mut within = true;
    for (what, size, budget) in
        [("loader", loader.brotli, LOADER_BROTLI_BUDGET), ("widget wasm + JS", widget_brotli, WIDGET_BROTLI_BUDGET)]
    {
        let verdict = if size <= budget { "ok" } else { "OVER BUDGET" };
        println!("{what}: {size} B brotli of {budget} B budget — {verdict}");
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
