//! `cargo xtask build-widget`: cargo (wasm32) → wasm-split → wasm-bindgen → wasm-opt →
//! content-hashed files in `dist/widget/`, plus `loader.js` pointing at them.
//!
//! Output, all served by `baton serve --widget-dir dist/widget`:
//! - `baton-widget.<hash>.js` and `baton-widget.<hash>.wasm` (and `.css` when `widget/style.css`
//!   exists): immutable, cacheable forever, as the hash changes with the content;
//! - `baton-widget-<chunk>.<hash>.wasm`: the code behind each split point of the widget (such as
//!   `flow`, the guided-flow view), which the app fetches the first time it needs it;
//! - `loader.js`: the one URL site owners embed, with the hashed names written in, minified;
//! - `frame.html`: the page the loader falls back to (in an iframe) under a strict CSP.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use crate::tools::Tools;
use crate::workspace::{Workspace, output_of, run};

const CRATE: &str = "baton-widget";
const STEM: &str = "baton-widget";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// How the wasm is compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// `--release` plus `wasm-opt -Oz`: what ships.
    Release,
    /// Debug build, no wasm-opt: for quick iteration.
    Dev,
}

/// Features wasm-opt must accept. rustc ≥ 1.87 (LLVM 20) enables these by default for
/// wasm32-unknown-unknown; wasm-opt also reads the module's target_features section, and these
/// flags keep it working if a step drops that section.
/// Exports of dependencies the widget never calls (wasm-streams' `IntoUnderlying*` classes,
/// pulled in by leptos's server_fn), as a `--remove-exports` wildcard. The nightly build never
/// exports them (see `link`); this removes them from a stable build, where their code stays
/// reachable through the function table.
const UNUSED_EXPORTS: &str = "*intounderlying*";

/// The import module name `wasm-opt --minify-imports-and-exports-and-modules` gives every
/// import (it does not print it in its name map).
const MINIFIED_MODULE: &str = "a";

/// wasm-opt passes for the main module, measured against plain `-Oz --converge` (gzip of the
/// main module): `--low-memory-unused` (-751 B: rustc links with `--stack-first`, so the 1 MiB
/// stack grows down towards address 0 and the data sits above it; the lowest 1024 bytes are
/// only reached by a stack that is already overflowing, and wasm-opt may fold offsets into
/// loads and stores),
/// then `--flatten --rereloop` before two rounds of `-Oz` (-840 B more: the control flow is
/// rebuilt in a shape `-Oz` shrinks further). `--gufa`, `-O4`, `--monomorphize` and
/// `--inlining-optimizing` gained nothing or grew it.
const MAIN_PASSES: &[&str] = &[
    "--low-memory-unused",
    "--flatten",
    "--rereloop",
    "-Oz",
    "-Oz",
    "--converge",
];

const WASM_OPT_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Builds the widget into `dist/widget/` and prints the size of each file.
pub fn build(ws: &Workspace, tools: &Tools, profile: Profile) -> Result<Files> {
    let wasm_in = compile(ws, profile)?;

    let work = ws.target_dir.join("xtask/widget");
    if work.exists() {
        fs::remove_dir_all(&work).with_context(|| format!("clearing {}", work.display()))?;
    }
    fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let split = split(tools, &wasm_in, &work)?;
    run(Command::new(&tools.wasm_bindgen)
        .args([
            "--target",
            "web",
            "--no-typescript",
            // The chunks reach the main module's function table through this export.
            "--keep-lld-exports",
            "--out-name",
            STEM,
            "--out-dir",
        ])
        .arg(&work)
        .arg(&split.main))
    .context("running wasm-bindgen")?;

    let glue = work.join(format!("{STEM}.js"));
    let bindgen_wasm = work.join(format!("{STEM}_bg.wasm"));
    let dist = ws.root.join("dist/widget");
    fs::create_dir_all(&dist).with_context(|| format!("creating {}", dist.display()))?;
    clear_old_outputs(&dist)?;
    // The chunks first: the glue names their hashed files.
    let mut chunks = Vec::new();
    for (name, path) in &split.chunks {
        let wasm = match profile {
            Profile::Release => {
                let optimized = work.join(format!("{STEM}-{name}.opt.wasm"));
                run(Command::new(&tools.wasm_opt)
                    .args(["-Oz", "--converge"])
                    .args(WASM_OPT_FEATURES)
                    .args(["--strip-producers", "--strip-target-features"])
                    .arg(path)
                    .arg("-o")
                    .arg(&optimized))
                .with_context(|| format!("running wasm-opt on the chunk {name}"))?;
                optimized
            }
            Profile::Dev => path.clone(),
        };
        let file = copy_hashed(&wasm, &dist, &format!("{STEM}-{name}"), "wasm")?;
        chunks.push(Chunk {
            name: name.clone(),
            file,
        });
    }
    let source =
        fs::read_to_string(&glue).with_context(|| format!("reading {}", glue.display()))?;
    let linked = link_chunks(&source, &split.link_js, &split.chunks, &chunks)?;
    fs::write(&glue, linked).context("writing the JS glue with the chunk loaders")?;
    let (wasm, glue, style) = match profile {
        Profile::Release => {
            let optimized = work.join(format!("{STEM}.opt.wasm"));
            run(Command::new(&tools.wasm_opt)
                // leptos's server_fn exports wasm-streams' stream adapters, which a CSR widget
                // never calls: drop the exports (a stable build has them; see `link`).
                .args([
                    "--remove-exports",
                    &format!("--pass-arg=remove-exports@{UNUSED_EXPORTS}"),
                ])
                .args(MAIN_PASSES)
                .args(WASM_OPT_FEATURES)
                // Metadata the browser never reads.
                .args(["--strip-producers", "--strip-target-features"])
                .arg(&bindgen_wasm)
                .arg("-o")
                .arg(&optimized))
            .context("running wasm-opt")?;
            // Import, export and module names shrink to one or two letters; the glue is
            // rewritten to match.
            let minified = work.join(format!("{STEM}.min.wasm"));
            let map = output_of(
                Command::new(&tools.wasm_opt)
                    .arg("--minify-imports-and-exports-and-modules")
                    .args(WASM_OPT_FEATURES)
                    .arg(&optimized)
                    .arg("-o")
                    .arg(&minified),
            )
            .context("running wasm-opt --minify-imports-and-exports-and-modules")?;
            let source =
                fs::read_to_string(&glue).with_context(|| format!("reading {}", glue.display()))?;
            let renamed = rename_in_glue(&drop_stream_classes(&source), &map)?;
            let renamed_path = work.join(format!("{STEM}.renamed.js"));
            fs::write(&renamed_path, renamed).context("writing the renamed JS glue")?;
            let min_glue = work.join(format!("{STEM}.min.js"));
            run(Command::new(&tools.terser)
                .arg(&renamed_path)
                .args([
                    "--module",
                    "--compress",
                    "--mangle",
                    "--ecma",
                    "2020",
                    "--output",
                ])
                .arg(&min_glue))
            .context("minifying the JS glue with terser")?;
            let min_css = work.join(format!("{STEM}.min.css"));
            run(Command::new(&tools.cleancss)
                .arg("-O1")
                .arg("-o")
                .arg(&min_css)
                .arg(ws.root.join("widget/style.css")))
            .context("minifying widget/style.css with clean-css")?;
            (minified, min_glue, min_css)
        }
        Profile::Dev => (bindgen_wasm, glue, ws.root.join("widget/style.css")),
    };

    let js_name = copy_hashed(&glue, &dist, STEM, "js")?;
    let wasm_name = copy_hashed(&wasm, &dist, STEM, "wasm")?;
    let css_name = style
        .exists()
        .then(|| copy_hashed(&style, &dist, STEM, "css"))
        .transpose()?;

    let loader_src = ws.root.join("widget/loader.js");
    let loader = fs::read_to_string(&loader_src)
        .with_context(|| format!("reading {}", loader_src.display()))?;
    let loader = fill_placeholder(&loader, "__BATON_APP_JS__", &js_name, &loader_src)?;
    let loader = fill_placeholder(&loader, "__BATON_APP_WASM__", &wasm_name, &loader_src)?;
    let loader = match &css_name {
        Some(css) => fill_placeholder(&loader, "__BATON_APP_CSS__", css, &loader_src)?,
        None => loader,
    };
    // The loader ships to every page view of every host site: minify it.
    let loader_filled = work.join("loader.js");
    fs::write(&loader_filled, loader).context("writing the filled-in loader.js")?;
    run(Command::new(&tools.terser)
        .arg(&loader_filled)
        .args(["--compress", "--mangle", "--ecma", "2017", "--output"])
        .arg(dist.join("loader.js")))
    .context("minifying loader.js with terser")?;
    // The iframe the loader falls back to under a strict CSP loads the same loader in frame mode.
    fs::copy(ws.root.join("widget/frame.html"), dist.join("frame.html"))
        .context("copying widget/frame.html")?;

    // Served as they are by `baton serve` to browsers that accept them: gzip from zopfli
    // (smaller than gzip -9, still plain gzip to decode) and brotli 11.
    if profile == Profile::Release {
        let mut served = vec!["loader.js", js_name.as_str(), wasm_name.as_str()];
        served.extend(css_name.as_deref());
        served.extend(chunks.iter().map(|chunk| chunk.file.as_str()));
        for name in served {
            let bytes = fs::read(dist.join(name)).with_context(|| format!("reading {name}"))?;
            fs::write(dist.join(format!("{name}.gz")), zopfli_gzip(&bytes)?)
                .with_context(|| format!("writing {name}.gz"))?;
            fs::write(dist.join(format!("{name}.br")), brotli(&bytes)?)
                .with_context(|| format!("writing {name}.br"))?;
        }
    }

    let files = Files {
        dist,
        loader: "loader.js".to_owned(),
        glue: js_name,
        wasm: wasm_name,
        css: css_name,
        chunks,
    };
    print_sizes(&files)?;
    Ok(files)
}

/// What a build put in `dist/widget/`.
#[derive(Debug)]
pub struct Files {
    pub dist: PathBuf,
    pub loader: String,
    pub glue: String,
    pub wasm: String,
    pub css: Option<String>,
    /// The lazily loaded chunks, fetched after the first search at the earliest.
    pub chunks: Vec<Chunk>,
}

/// A wasm chunk of one split point, as it is in `dist/widget/`.
#[derive(Debug)]
pub struct Chunk {
    /// The split point's name (`flow`).
    pub name: String,
    /// The hashed file name.
    pub file: String,
}

/// What `wasm-split-cli` made of the compiled module.
struct Split {
    /// The main module, for wasm-bindgen.
    main: PathBuf,
    /// The JavaScript that loads the chunks (`__wasm_split.js`), linked into the glue.
    link_js: String,
    /// (split point name, chunk file) for every chunk.
    chunks: Vec<(String, PathBuf)>,
}

/// Budgets of issue #6, in gzip bytes: the loader, and everything before the first search.
pub const LOADER_BUDGET: usize = 3_000;
pub const FIRST_SEARCH_BUDGET: usize = 120_000;

/// Compiles the widget for wasm32 and returns the `.wasm` path.
///
/// Release builds use nightly's `-Zbuild-std` with `panic=immediate-abort`,
/// `-Zlocation-detail=none` and `-Zfmt-debug=none` when a nightly toolchain is installed: it
/// removes the panic, location and `Debug` formatting machinery and makes the wasm about 15%
/// smaller; xtask is its linker there, and leaves out wasm-streams' exports (`link`). Without
/// nightly (or with `BATON_WIDGET_TOOLCHAIN=stable`) the stable
/// build is used; it behaves the same, only larger.
fn compile(ws: &Workspace, profile: Profile) -> Result<PathBuf> {
    if profile == Profile::Release
        && std::env::var("BATON_WIDGET_TOOLCHAIN").as_deref() != Ok("stable")
    {
        match compile_nightly(ws) {
            Ok(wasm) => return Ok(wasm),
            Err(err) => eprintln!("note: building the widget with stable instead ({err:#})"),
        }
    }
    let mut cargo = ws.cargo();
    cargo.args(["rustc", "-p", CRATE, "--lib", "--target", WASM_TARGET]);
    if profile == Profile::Release {
        cargo.arg("--release");
    }
    // wasm-split-cli follows the relocations to find what each split point reaches. Given to
    // this crate's link only, so the dependencies' builds are shared with other commands.
    cargo.args(["--", "-Clink-arg=--emit-relocs"]);
    run(&mut cargo).context("compiling the widget to wasm32")?;
    let profile_dir = match profile {
        Profile::Release => "release",
        Profile::Dev => "debug",
    };
    Ok(ws
        .target_dir
        .join(WASM_TARGET)
        .join(profile_dir)
        .join("baton_widget.wasm"))
}

fn compile_nightly(ws: &Workspace) -> Result<PathBuf> {
    let rustup = |args: &[&str]| {
        let mut cmd = Command::new("rustup");
        cmd.args(args).env_remove("RUSTUP_TOOLCHAIN");
        cmd
    };
    output_of(&mut rustup(&["run", "nightly", "rustc", "--version"]))
        .context("no nightly toolchain is installed")?;
    run(&mut rustup(&[
        "component",
        "add",
        "rust-src",
        "--toolchain",
        "nightly",
    ]))?;
    run(&mut rustup(&[
        "target",
        "add",
        WASM_TARGET,
        "--toolchain",
        "nightly",
    ]))?;
    // xtask links the widget itself, to drop exports nothing calls (see `link`).
    let sysroot = output_of(&mut rustup(&[
        "run", "nightly", "rustc", "--print", "sysroot",
    ]))
    .context("asking nightly rustc for its sysroot")?;
    let host = output_of(&mut rustup(&[
        "run",
        "nightly",
        "rustc",
        "--print",
        "host-tuple",
    ]))
    .context("asking nightly rustc for its host")?;
    let lld = Path::new(sysroot.trim())
        .join("lib/rustlib")
        .join(host.trim())
        .join("bin/rust-lld");
    let xtask = std::env::current_exe().context("locating the xtask binary")?;
    // Its own target dir: other RUSTFLAGS would otherwise invalidate the stable builds.
    let target_dir = ws.target_dir.join("widget-nightly");
    let mut cargo = rustup(&["run", "nightly", "cargo", "build", "-p", CRATE]);
    // `--emit-relocs`: wasm-split-cli follows the relocations to find what each split point
    // reaches.
    cargo
        .args([
            "--target",
            WASM_TARGET,
            "--release",
            "-Zbuild-std=std,panic_abort",
            // The standard library's smaller (slower) variants of sorting and formatting.
            "-Zbuild-std-features=optimize_for_size",
        ])
        // No file/line/column in panic locations and no `Debug` formatting: the widget never
        // shows either, and both cost bytes in every crate.
        .env(
            "RUSTFLAGS",
            "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none --cfg erase_components -Clink-args=--emit-relocs",
        )
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER", &xtask)
        .env(crate::link::LLD_ENV, &lld)
        .env("CARGO_TARGET_DIR", &target_dir)
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .current_dir(&ws.root);
    run(&mut cargo).context("compiling the widget with nightly")?;
    Ok(target_dir
        .join(WASM_TARGET)
        .join("release")
        .join("baton_widget.wasm"))
}

/// Splits the compiled module at the widget's split points (`#[wasm_split]` functions): the main
/// module keeps what the app needs up to the first search, each chunk the code only its split
/// point reaches. The chunks share the main module's memory, table and stack pointer.
fn split(tools: &Tools, wasm: &Path, work: &Path) -> Result<Split> {
    let dir = work.join("split");
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    run(Command::new(&tools.wasm_split)
        .arg(wasm)
        .arg(&dir)
        .args(["--out-name", STEM]))
    .context("splitting the widget with wasm-split-cli")?;
    let link = dir.join("__wasm_split.js");
    let link_js =
        fs::read_to_string(&link).with_context(|| format!("reading {}", link.display()))?;
    let main = dir.join(format!("{STEM}.wasm"));
    let mut chunks = Vec::new();
    for entry in fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        let Some(stem) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".wasm"))
        else {
            continue;
        };
        if path != main {
            let name = stem.strip_prefix("split_").unwrap_or(stem).to_owned();
            chunks.push((name, path.clone()));
        }
    }
    chunks.sort();
    Ok(Split {
        main,
        link_js,
        chunks,
    })
}

/// Puts the chunk loaders of `__wasm_split.js` into the wasm-bindgen glue, so the app stays one
/// JavaScript module: the loaders read the main module's exports from the glue's `wasm`, fetch
/// the chunks by their hashed names (next to the glue), and are passed to the wasm as imports
/// of the glue's own import object (under both module names, so the names wasm-opt gives later
/// need no second object).
fn link_chunks(
    glue: &str,
    link_js: &str,
    split: &[(String, PathBuf)],
    chunks: &[Chunk],
) -> Result<String> {
    const LINK_MODULE: &str = "\"./__wasm_split.js\"";
    let mut loaders = String::new();
    let mut names = Vec::new();
    for line in link_js.lines() {
        if line.starts_with("import ") {
            continue;
        }
        let line = match line.strip_prefix("export const ") {
            Some(rest) => {
                let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
                names.push(name);
                &line["export ".len()..]
            }
            None => line,
        };
        loaders.push_str(line);
        loaders.push('\n');
    }
    // `const { a, b, } = initSync(undefined, undefined);` and `Object.assign(…, { a, b, })`
    // become reads of `wasm.a`, which the export renaming understands.
    let shared_at = loaders
        .find("const {")
        .context("__wasm_split.js does not read the main module's exports as expected")?;
    let shared_end = shared_at
        + loaders[shared_at..]
            .find("initSync(undefined, undefined);")
            .context("__wasm_split.js does not call initSync as expected")?
        + "initSync(undefined, undefined);".len();
    let shared: Vec<String> = loaders[shared_at + "const {".len()..shared_end]
        .split('}')
        .next()
        .unwrap_or_default()
        .split(',')
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .collect();
    loaders.replace_range(shared_at..shared_end, "");
    let assigned = shared
        .iter()
        .map(|name| format!("{name}: wasm.{name}"))
        .collect::<Vec<_>>()
        .join(", ");
    let listed = shared
        .iter()
        .map(|name| format!("{name}, "))
        .collect::<String>();
    let assign = format!("{{ {listed} }}");
    if !loaders.contains(&assign) {
        bail!("__wasm_split.js does not pass the main module's exports on as expected");
    }
    loaders = loaders.replace(&assign, &format!("{{ {assigned} }}"));
    for ((_, path), chunk) in split.iter().zip(chunks) {
        let file = path
            .file_name()
            .and_then(|n| n.to_str())
            .context("a chunk has no file name")?;
        let quoted = format!("\"./{file}\"");
        if !loaders.contains(&quoted) {
            bail!("__wasm_split.js does not fetch {file}");
        }
        loaders = loaders.replace(&quoted, &format!("\"./{}\"", chunk.file));
    }

    // wasm-bindgen imports the link module once per loader the wasm uses, and names each import
    // in its import object: those lines go, and one entry for the module stays.
    let import_vars: Vec<&str> = glue
        .lines()
        .filter(|line| line.starts_with("import * as ") && line.contains(LINK_MODULE))
        .filter_map(|line| line["import * as ".len()..].split_whitespace().next())
        .collect();
    if import_vars.is_empty() {
        // No split point reached the wasm: nothing to link.
        return Ok(glue.to_owned());
    }
    let entries_of_link: Vec<String> = import_vars
        .iter()
        .map(|var| format!("{LINK_MODULE}: {var},"))
        .collect();
    let mut out = String::with_capacity(glue.len() + loaders.len());
    let mut kept = false;
    for line in glue.lines() {
        if line.starts_with("import * as ") && line.contains(LINK_MODULE) {
            continue;
        }
        if entries_of_link.iter().any(|entry| line.trim() == entry) {
            if kept {
                continue;
            }
            kept = true;
        }
        out.push_str(line);
        out.push('\n');
    }
    let import_var = import_vars[0];
    let own = format!("\"./{STEM}_bg.js\": ");
    let own_at = out
        .find(&own)
        .context("the JS glue has no import object of its own")?;
    let own_var: String = out[own_at + own.len()..]
        .chars()
        .take_while(|c| is_ident(*c))
        .collect();
    if !kept {
        bail!("the JS glue does not pass {LINK_MODULE} to the wasm");
    }
    out = out.replace(
        &format!("{LINK_MODULE}: {import_var},"),
        &format!("{LINK_MODULE}: {own_var},"),
    );
    let object = format!("const {own_var} = {{\n");
    let object_at = out
        .find(&object)
        .context("the JS glue's import object is not where expected")?
        + object.len();
    let entries: String = names
        .iter()
        .map(|name| format!("        {name}: {name},\n"))
        .collect();
    out.insert_str(object_at, &entries);
    out.push_str(&loaders);
    Ok(out)
}

/// Removes the hashed files and loader of earlier builds, leaving anything else alone.
fn clear_old_outputs(dist: &Path) -> Result<()> {
    for entry in fs::read_dir(dist).with_context(|| format!("listing {}", dist.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("loader.js")
            || name.starts_with(&format!("{STEM}."))
            || name.starts_with(&format!("{STEM}-"))
        {
            fs::remove_file(entry.path())
                .with_context(|| format!("removing {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Copies `src` to `dist/<stem>.<hash>.<ext>` and returns the new file name.
fn copy_hashed(src: &Path, dist: &Path, stem: &str, ext: &str) -> Result<String> {
    let bytes = fs::read(src).with_context(|| format!("reading {}", src.display()))?;
    let name = format!("{stem}.{}.{ext}", content_hash(&bytes));
    fs::write(dist.join(&name), &bytes).with_context(|| format!("writing {name}"))?;
    Ok(name)
}

/// The first 10 hex digits of the SHA-256 of `bytes`.
fn content_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(5)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Replaces the string literal `"<placeholder>"` (quotes included) by `file_name` as a JSON string.
fn fill_placeholder(
    source: &str,
    placeholder: &str,
    file_name: &str,
    path: &Path,
) -> Result<String> {
    let literal = format!("\"{placeholder}\"");
    if !source.contains(&literal) {
        bail!(
            "{} does not contain the string literal {literal}; the build writes the hashed file name there",
            path.display()
        );
    }
    let quoted = serde_json::to_string(file_name)?;
    Ok(source.replace(&literal, &quoted))
}

/// Prints raw, gzip and brotli sizes of each file a visitor downloads before the first search,
/// their total, and the budgets.
pub fn print_sizes(files: &Files) -> Result<()> {
    let mut rows = vec![
        ("loader", &files.loader),
        ("JS glue", &files.glue),
        ("wasm", &files.wasm),
    ];
    if let Some(css) = &files.css {
        rows.push(("CSS", css));
    }
    println!("\n{}", files.dist.display());
    println!(
        "{:<14} {:<38} {:>9} {:>9} {:>9}",
        "what", "file", "raw", "gzip", "brotli"
    );
    let (mut raw, mut gz, mut br) = (0, 0, 0);
    let mut loader_gz = 0;
    for (what, name) in rows {
        let (r, g, b) = sizes(&files.dist, name)?;
        println!("{what:<14} {name:<38} {r:>9} {g:>9} {b:>9}");
        if what == "loader" {
            loader_gz = g;
        }
        raw += r;
        gz += g;
        br += b;
    }
    println!(
        "{:<14} {:<38} {raw:>9} {gz:>9} {br:>9}",
        "total", "before the first search"
    );
    // Chunks load when the customer first needs them (a guided flow, say): never before the
    // first search.
    let (mut all_raw, mut all_gz, mut all_br) = (raw, gz, br);
    for chunk in &files.chunks {
        let (r, g, b) = sizes(&files.dist, &chunk.file)?;
        let what = format!("chunk {}", chunk.name);
        println!("{what:<14} {:<38} {r:>9} {g:>9} {b:>9}", chunk.file);
        all_raw += r;
        all_gz += g;
        all_br += b;
    }
    if !files.chunks.is_empty() {
        println!(
            "{:<14} {:<38} {all_raw:>9} {all_gz:>9} {all_br:>9}",
            "total", "with every chunk"
        );
    }
    let verdict = |used: usize, budget: usize| {
        if used <= budget {
            format!("within budget ({} bytes left)", budget - used)
        } else {
            format!("OVER budget by {} bytes", used - budget)
        }
    };
    println!(
        "budget: loader {loader_gz} / {LOADER_BUDGET} gzip: {}; before the first search {gz} / {FIRST_SEARCH_BUDGET} gzip: {}",
        verdict(loader_gz, LOADER_BUDGET),
        verdict(gz, FIRST_SEARCH_BUDGET),
    );
    Ok(())
}

/// Raw, gzip and brotli bytes of `dist/name` as the server sends it: the precompressed file when
/// the build wrote one.
fn sizes(dist: &Path, name: &str) -> Result<(usize, usize, usize)> {
    let bytes = fs::read(dist.join(name)).with_context(|| format!("reading {name}"))?;
    let served = |ext: &str| fs::metadata(dist.join(format!("{name}.{ext}"))).ok();
    let g = match served("gz") {
        Some(meta) => usize::try_from(meta.len())?,
        None => gzip_len(&bytes)?,
    };
    let b = match served("br") {
        Some(meta) => usize::try_from(meta.len())?,
        None => brotli(&bytes)?.len(),
    };
    Ok((bytes.len(), g, b))
}

fn gzip_len(bytes: &[u8]) -> Result<usize> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len())
}

fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

fn zopfli_gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    // More iterations than zopfli's default 15: a few hundred bytes less to every visitor, for
    // seconds of build time.
    let options = zopfli::Options {
        iteration_count: std::num::NonZeroU64::new(60).unwrap_or(std::num::NonZeroU64::MIN),
        ..zopfli::Options::default()
    };
    zopfli::compress(options, zopfli::Format::Gzip, bytes, &mut out)?;
    Ok(out)
}

/// Removes wasm-bindgen's JS classes for the exports [`UNUSED_EXPORTS`] dropped: each
/// `export class IntoUnderlying… { … }` with its `Symbol.dispose` line, and its
/// `FinalizationRegistry`. Glue without them is left as it is.
fn drop_stream_classes(glue: &str) -> String {
    let mut out = glue.to_owned();
    for (start, end) in [
        ("export class IntoUnderlying", ".prototype.free;\n"),
        ("const IntoUnderlying", "_free(ptr, 1));\n"),
    ] {
        while let Some(from) = out.find(start) {
            let Some(len) = out[from..].find(end) else {
                break;
            };
            out.replace_range(from..from + len + end.len(), "");
        }
    }
    out
}

/// Rewrites the wasm-bindgen JS glue for the names `wasm-opt --minify-imports-and-exports-and-modules`
/// gave: `map` is the JSON it prints, `{ "imports": [[module, old, new], …], "exports":
/// [[old, new], …] }`. Fails when an import is not found exactly once, or when the glue calls an
/// export the map does not know: a renamed module that does not match its glue fails to load.
fn rename_in_glue(glue: &str, map: &str) -> Result<String> {
    // The JSON starts at the first `{` (wasm-opt prints nothing else today).
    let json: serde_json::Value = serde_json::from_str(&map[map.find('{').unwrap_or(0)..])
        .context("parsing the name map wasm-opt printed")?;
    let pairs = |key: &str| -> Result<Vec<Vec<String>>> {
        json[key]
            .as_array()
            .with_context(|| format!("the name map has no `{key}`"))?
            .iter()
            .map(|row| {
                row.as_array()
                    .map(|cols| {
                        cols.iter()
                            .filter_map(|c| c.as_str().map(str::to_owned))
                            .collect()
                    })
                    .context("a row of the name map is not an array")
            })
            .collect()
    };
    let mut out = glue.to_owned();
    let mut modules = Vec::new();
    for row in pairs("imports")? {
        let [module, old, new] = row.as_slice() else {
            bail!("an import row of the name map is not [module, old, new]: {row:?}");
        };
        let found = replace_ident(&mut out, "", old, ": ", new);
        if found != 1 {
            bail!("the JS glue defines the import `{old}` {found} times, expected once");
        }
        modules.push(module.clone());
    }
    // wasm-opt renames every import module to `a`: the glue's own module becomes `a`, and the
    // chunk loaders' module, which shares its object (see `link_chunks`), is dropped.
    modules.sort();
    modules.dedup();
    let own = format!("./{STEM}_bg.js");
    for module in &modules {
        let quoted = format!("\"{module}\":");
        if out.matches(&quoted).count() != 1 {
            bail!("the JS glue names the import module {module} other than once");
        }
        if *module == own || modules.len() == 1 {
            out = out.replace(&quoted, &format!("\"{MINIFIED_MODULE}\":"));
        } else {
            let at = out.find(&quoted).unwrap_or_default();
            let end = at + out[at..].find('\n').unwrap_or(out.len() - at);
            out.replace_range(at..end, "");
        }
    }
    let mut new_exports = Vec::new();
    for row in pairs("exports")? {
        let [old, new] = row.as_slice() else {
            bail!("an export row of the name map is not [old, new]: {row:?}");
        };
        replace_ident(&mut out, "wasm.", old, "", new);
        new_exports.push(new.clone());
    }
    // Any `wasm.<name>` left must be a renamed export.
    let mut rest = out.as_str();
    while let Some(at) = rest.find("wasm.") {
        let after = &rest[at + 5..];
        let name: String = after.chars().take_while(|c| is_ident(*c)).collect();
        let before_ok = at == 0 || !rest[..at].ends_with(is_ident);
        if before_ok && !name.is_empty() && !new_exports.contains(&name) {
            bail!("the JS glue calls the export `{name}`, which the wasm does not have");
        }
        rest = after;
    }
    Ok(out)
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// Replaces every `prefix old suffix` in `text` where `old` is a whole identifier (and `prefix`
/// starts one) by `prefix new suffix`; returns how many it replaced.
fn replace_ident(text: &mut String, prefix: &str, old: &str, suffix: &str, new: &str) -> usize {
    let needle = format!("{prefix}{old}{suffix}");
    let mut out = String::with_capacity(text.len());
    let mut count = 0;
    let mut rest = text.as_str();
    while let Some(at) = rest.find(&needle) {
        let before_ok = !rest[..at].ends_with(is_ident) && !rest[..at].ends_with('.')
            || !prefix.is_empty() && !rest[..at].ends_with(is_ident);
        let after = &rest[at + needle.len()..];
        let after_ok = !suffix.is_empty() || !after.starts_with(is_ident);
        out.push_str(&rest[..at]);
        if before_ok && after_ok {
            out.push_str(prefix);
            out.push_str(new);
            out.push_str(suffix);
            count += 1;
        } else {
            out.push_str(&needle);
        }
        rest = after;
    }
    out.push_str(rest);
    *text = out;
    count
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::{Chunk, link_chunks, rename_in_glue};

    /// The shape of wasm-bindgen's glue for a module with two split points.
    const GLUE: &str = r#"import * as import1 from "./__wasm_split.js"
import * as import2 from "./__wasm_split.js"

function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg_log_1: function(arg0) {
            console.log(arg0);
        },
    };
    return {
        __proto__: null,
        "./baton-widget_bg.js": import0,
        "./__wasm_split.js": import1,
        "./__wasm_split.js": import2,
    };
}
let wasm;
export function mount() {
    wasm.mount();
}
"#;

    /// The shape of `wasm-split-cli`'s `__wasm_split.js`.
    const LINK: &str = r#"import { initSync } from "./baton-widget.js";

let sharedImports = undefined;
function getSharedImports() {
    if (sharedImports === undefined) {
        sharedImports = { __wasm_split: {  } };
        const { __indirect_function_table, memory,  } = initSync(undefined, undefined);
        Object.assign(sharedImports.__wasm_split, { __indirect_function_table, memory,  });
    }
    return sharedImports;
}
const __chunk_2 = makeLoad(() => fetch(new URL("./chunk_2.wasm", import.meta.url)), []);
export const __wasm_split_load_flow = wrapAsyncCb(makeLoad(() => fetch(new URL("./split_flow.wasm", import.meta.url)), [__chunk_2]));
export const __wasm_split_load_handoff = wrapAsyncCb(makeLoad(() => fetch(new URL("./split_handoff.wasm", import.meta.url)), [__chunk_2]));
"#;

    fn linked() -> String {
        let split = [
            ("chunk_2".to_owned(), PathBuf::from("split/chunk_2.wasm")),
            ("flow".to_owned(), PathBuf::from("split/split_flow.wasm")),
            (
                "handoff".to_owned(),
                PathBuf::from("split/split_handoff.wasm"),
            ),
        ];
        let chunks = [
            "baton-widget-chunk_2.aa.wasm",
            "baton-widget-flow.bb.wasm",
            "baton-widget-handoff.cc.wasm",
        ]
        .map(|file| Chunk {
            name: String::new(),
            file: file.to_owned(),
        });
        link_chunks(GLUE, LINK, &split, &chunks).expect("the glue links")
    }

    #[test]
    fn chunk_loaders_become_part_of_the_glue_and_fetch_hashed_files() {
        let glue = linked();
        assert!(!glue.contains("import * as"), "{glue}");
        assert!(!glue.contains("initSync(undefined"), "{glue}");
        assert!(!glue.contains("export const __wasm_split"), "{glue}");
        assert_eq!(
            glue.matches("\"./__wasm_split.js\": import0,").count(),
            1,
            "{glue}"
        );
        assert!(glue.contains("__wasm_split_load_flow: __wasm_split_load_flow,"));
        assert!(glue.contains("__wasm_split_load_handoff: __wasm_split_load_handoff,"));
        assert!(glue.contains(
            "{ __indirect_function_table: wasm.__indirect_function_table, memory: wasm.memory }"
        ));
        for file in ["chunk_2.aa", "flow.bb", "handoff.cc"] {
            assert!(
                glue.contains(&format!("\"./baton-widget-{file}.wasm\"")),
                "{glue}"
            );
        }
    }

    #[test]
    fn minified_names_put_every_import_in_one_module() {
        let map = r#"{ "imports": [
            ["./baton-widget_bg.js", "__wbg_log_1", "b"],
            ["./__wasm_split.js", "__wasm_split_load_flow", "c"],
            ["./__wasm_split.js", "__wasm_split_load_handoff", "d"]
        ], "exports": [
            ["mount", "e"], ["memory", "f"], ["__indirect_function_table", "g"]
        ] }"#;
        let glue = rename_in_glue(&linked(), map).expect("the names fit the glue");
        assert!(glue.contains("\"a\": import0,"), "{glue}");
        assert!(!glue.contains("__wasm_split.js"), "{glue}");
        assert!(glue.contains("c: __wasm_split_load_flow,"), "{glue}");
        assert!(
            glue.contains("{ __indirect_function_table: wasm.g, memory: wasm.f }"),
            "{glue}"
        );
        assert!(glue.contains("wasm.e();"), "{glue}");
    }

    #[test]
    fn glue_without_split_points_is_left_alone() {
        let glue = "function __wbg_get_imports() { return {}; }\n";
        let linked = link_chunks(glue, LINK, &[], &[]).expect("nothing to link");
        assert_eq!(linked, glue);
    }
}
