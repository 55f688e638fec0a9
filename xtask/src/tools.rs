//! The tools the build and the tests need, each checked first and installed only when missing:
//! the wasm32 target, `wasm-bindgen` (the exact version in Cargo.lock), `wasm-split-cli` (pinned
//! below), `wasm-opt` (binaryen from npm, pinned in `xtask/tools/package.json`), Node.js and npm,
//! and Chromium for the e2e tests.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::workspace::{self, Workspace, output_of, run};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// Which tools a command needs.
#[derive(Debug, Clone, Copy)]
pub struct Needs {
    /// Chromium for the end-to-end tests (the slowest install, so only when asked).
    pub browser: bool,
    /// Python with `aiosmtpd` for the delivery tests (`cargo test`).
    pub smtp: bool,
}

impl Needs {
    /// Enough to build the widget.
    pub const WIDGET: Self = Self {
        browser: false,
        smtp: false,
    };
}

/// Paths of the installed tools.
#[derive(Debug)]
pub struct Tools {
    pub wasm_bindgen: PathBuf,
    pub wasm_bindgen_test_runner: PathBuf,
    pub wasm_opt: PathBuf,
    /// wasm-split-cli, which moves the code behind the widget's split points into chunks.
    pub wasm_split: PathBuf,
    /// terser, which minifies `loader.js` and the wasm-bindgen JS glue.
    pub terser: PathBuf,
    /// clean-css, which minifies the widget's stylesheet.
    pub cleancss: PathBuf,
    /// Set when [`Needs::browser`] was asked for.
    pub chromium: Option<PathBuf>,
    /// A Python with `aiosmtpd`, the real SMTP server the delivery tests start; set for
    /// [`Needs::smtp`].
    pub smtp_python: Option<PathBuf>,
}

/// Checks every tool `needs` asks for and installs what is missing.
pub fn ensure(ws: &Workspace, needs: Needs) -> Result<Tools> {
    let mut apt = Apt::default();
    ensure_wasm_target()?;
    ensure_node(&mut apt)?;
    let (wasm_opt, terser, cleancss) = ensure_npm_tools(ws)?;
    let chromium = if needs.browser {
        Some(ensure_chromium(&mut apt)?)
    } else {
        None
    };
    let smtp_python = if needs.smtp {
        Some(ensure_smtp_python(ws, &mut apt)?)
    } else {
        None
    };
    let wasm_bindgen = ensure_wasm_bindgen(ws)?;
    let wasm_split = ensure_wasm_split()?;
    let wasm_bindgen_test_runner = wasm_bindgen.with_file_name("wasm-bindgen-test-runner");
    if !wasm_bindgen_test_runner.exists() {
        bail!(
            "{} is missing next to {}; reinstall with `cargo install wasm-bindgen-cli --force --version {}`",
            wasm_bindgen_test_runner.display(),
            wasm_bindgen.display(),
            wasm_bindgen_version(ws)?,
        );
    }
    Ok(Tools {
        wasm_bindgen,
        wasm_bindgen_test_runner,
        wasm_opt,
        wasm_split,
        terser,
        cleancss,
        chromium,
        smtp_python,
    })
}

/// A venv under the target directory with the pinned `aiosmtpd` (xtask/tools/requirements.txt),
/// created with `python3 -m venv` (apt-get installs python3-venv when it is missing).
fn ensure_smtp_python(ws: &Workspace, apt: &mut Apt) -> Result<PathBuf> {
    let venv = ws.target_dir.join("tools/aiosmtpd");
    let python = venv.join("bin/python");
    let has_it = |python: &Path| {
        Command::new(python)
            .args(["-c", "import aiosmtpd"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if has_it(&python) {
        return Ok(python);
    }
    let venv_works = Command::new("python3")
        .args(["-c", "import venv, ensurepip"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !venv_works {
        apt.install(&["python3", "python3-venv"], "Python 3 with venv")?;
    }
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))
        .context("cannot create the Python venv for aiosmtpd")?;
    run(Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "-r"])
        .arg(ws.root.join("xtask/tools/requirements.txt")))
    .context("cannot install aiosmtpd with pip")?;
    if !has_it(&python) {
        bail!(
            "aiosmtpd is not importable in {} after installing it",
            venv.display()
        );
    }
    Ok(python)
}

fn ensure_wasm_target() -> Result<()> {
    let sysroot = output_of(Command::new("rustc").args(["--print", "sysroot"]))
        .context("`rustc --print sysroot` failed; is Rust installed?")?;
    if Path::new(&sysroot)
        .join("lib/rustlib")
        .join(WASM_TARGET)
        .is_dir()
    {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
        .with_context(|| format!("the {WASM_TARGET} target is missing and rustup could not add it"))
}

/// The `wasm-bindgen` CLI must match the `wasm-bindgen` crate exactly, or its output is refused.
fn ensure_wasm_bindgen(ws: &Workspace) -> Result<PathBuf> {
    let version = wasm_bindgen_version(ws)?;
    let wanted = format!("wasm-bindgen {version}");
    let installed = cargo_home().join("bin").join("wasm-bindgen");
    for candidate in [PathBuf::from("wasm-bindgen"), installed.clone()] {
        if output_of(Command::new(&candidate).arg("--version")).as_deref() == Some(&wanted) {
            return Ok(resolve(&candidate));
        }
    }
    // `--locked` would pin wasm-bindgen-cli's own lockfile, which does not build with this
    // toolchain; without it cargo picks compatible versions of its dependencies.
    run(Command::new(workspace::cargo()).args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        &version,
    ]))
    .context("installing wasm-bindgen-cli")?;
    match output_of(Command::new(&installed).arg("--version")) {
        Some(found) if found == wanted => Ok(installed),
        found => bail!(
            "after `cargo install`, {} reports {found:?}, expected {wanted:?}",
            installed.display()
        ),
    }
}

/// The crate of `wasm-split-cli`, and its version: the one that reads the split points of the
/// `wasm_split_helpers` version leptos uses (Cargo.lock).
const WASM_SPLIT_CRATE: &str = "wasm_split_cli_support";
const WASM_SPLIT_VERSION: &str = "0.2.4";

/// `wasm-split-cli` has no `--version`: `cargo install --list` says which version is installed.
fn ensure_wasm_split() -> Result<PathBuf> {
    let installed = cargo_home().join("bin").join("wasm-split-cli");
    let wanted = format!("{WASM_SPLIT_CRATE} v{WASM_SPLIT_VERSION}:");
    let list = output_of(Command::new(workspace::cargo()).args(["install", "--list"]));
    if installed.is_file() && list.is_some_and(|list| list.lines().any(|l| l == wanted)) {
        return Ok(installed);
    }
    run(Command::new(workspace::cargo()).args([
        "install",
        "--locked",
        WASM_SPLIT_CRATE,
        "--version",
        WASM_SPLIT_VERSION,
        "--features",
        "build-binary",
    ]))
    .context("installing wasm-split-cli")?;
    Ok(installed)
}

/// The `wasm-bindgen` version Cargo.lock pins.
pub fn wasm_bindgen_version(ws: &Workspace) -> Result<String> {
    let path = ws.root.join("Cargo.lock");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let lock: toml::Table =
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    lock.get("package")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .find(|package| package.get("name").and_then(toml::Value::as_str) == Some("wasm-bindgen"))
        .and_then(|package| package.get("version").and_then(toml::Value::as_str))
        .map(str::to_owned)
        .with_context(|| format!("{} has no wasm-bindgen package", path.display()))
}

/// binaryen, terser and clean-css from npm: Debian's wasm-opt is too old for what rustc emits
/// today.
fn ensure_npm_tools(ws: &Workspace) -> Result<(PathBuf, PathBuf, PathBuf)> {
    let dir = ws.root.join("xtask/tools");
    let wasm_opt = dir.join("node_modules/.bin/wasm-opt");
    let terser = dir.join("node_modules/.bin/terser");
    let cleancss = dir.join("node_modules/.bin/cleancss");
    let cleancss_pinned = pinned_npm_version(&dir.join("package.json"), "clean-css-cli")?;
    let cleancss_current = output_of(Command::new(&cleancss).arg("--version"));
    let pinned = pinned_npm_version(&dir.join("package.json"), "binaryen")?;
    // npm's binaryen 132.0.0 is binaryen release 132: `wasm-opt version 132 (version_132)`.
    let release = pinned.split('.').next().unwrap_or(&pinned);
    let wanted = format!("wasm-opt version {release} ");
    let current = output_of(Command::new(&wasm_opt).arg("--version"));
    let terser_pinned = pinned_npm_version(&dir.join("package.json"), "terser")?;
    let terser_current = output_of(Command::new(&terser).arg("--version"));
    if current.is_some_and(|line| line.starts_with(&wanted))
        && terser_current.is_some_and(|line| line == format!("terser {terser_pinned}"))
        && cleancss_current.is_some_and(|line| line == cleancss_pinned)
    {
        return Ok((wasm_opt, terser, cleancss));
    }
    npm_ci(&dir)?;
    Ok((wasm_opt, terser, cleancss))
}

/// `npm ci` in `dir`: installs exactly what its package-lock.json says.
pub fn npm_ci(dir: &Path) -> Result<()> {
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir))
    .with_context(|| format!("installing npm packages in {}", dir.display()))
}

fn pinned_npm_version(package_json: &Path, name: &str) -> Result<String> {
    let text = std::fs::read_to_string(package_json)
        .with_context(|| format!("reading {}", package_json.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("parsing {}", package_json.display()))?;
    json["devDependencies"][name]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("{} pins no {name}", package_json.display()))
}

fn ensure_node(apt: &mut Apt) -> Result<()> {
    let has = |program: &str| output_of(Command::new(program).arg("--version")).is_some();
    if has("node") && has("npm") {
        return Ok(());
    }
    apt.install(
        &["nodejs", "npm"],
        "Node.js and npm (wasm-opt and the e2e tests run on them)",
    )
}

fn ensure_chromium(apt: &mut Apt) -> Result<PathBuf> {
    let path =
        PathBuf::from(std::env::var("CHROMIUM").unwrap_or_else(|_| DEFAULT_CHROMIUM.to_owned()));
    if path.exists() {
        return Ok(path);
    }
    apt.install(
        &["chromium", "chromium-driver"],
        "Chromium (the e2e tests drive it headless; or set CHROMIUM to a Chromium binary)",
    )?;
    if !path.exists() {
        bail!(
            "installed chromium, but {} still does not exist",
            path.display()
        );
    }
    Ok(path)
}

/// Debian packages, installed only when running as root; otherwise an error saying what to install.
#[derive(Default)]
struct Apt {
    updated: bool,
}

impl Apt {
    fn install(&mut self, packages: &[&str], what: &str) -> Result<()> {
        let line = format!("apt-get install -y {}", packages.join(" "));
        if output_of(Command::new("id").arg("-u")).as_deref() != Some("0") {
            bail!("{what} is missing: install it, e.g. `sudo {line}`, then run again");
        }
        if !self.updated {
            run(Command::new("apt-get")
                .arg("update")
                .env("DEBIAN_FRONTEND", "noninteractive"))?;
            self.updated = true;
        }
        run(Command::new("apt-get")
            .args(["install", "-y"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"))
        .with_context(|| format!("installing {what}"))
    }
}

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
}

/// The full path of a program found on `PATH`, so its neighbours can be found too.
fn resolve(program: &Path) -> PathBuf {
    if program.components().count() > 1 {
        return program.to_path_buf();
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| program.to_path_buf())
}
