//! Online backups: a consistent copy of the database while `baton serve` keeps writing.
//!
//! `VACUUM INTO` reads the database in one read transaction (WAL readers never block the
//! writer, nor it them) and writes a compact copy as of that moment. The copy goes to a
//! temporary file next to the target, is checked with `PRAGMA integrity_check`, synced, and
//! only then moved to its name, so a backup that fails half-way never leaves a file that looks
//! like a good one. Nothing here migrates the source: a backup taken before an upgrade is the
//! schema the old binary wrote.

use std::path::{Path, PathBuf};

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions as _, Connection as _, Row as _, SqliteConnection};

use super::{BUSY_TIMEOUT, DATABASE_FILE};

/// Why a backup was not made. The target is untouched in every case.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("no database at {0}; give the --data-dir of `baton serve`")]
    NoDatabase(PathBuf),
    #[error("{0} exists already; add --force to replace it")]
    Exists(PathBuf),
    #[error("the copy failed its integrity check: {0}")]
    Integrity(String),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// What a finished backup holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupReport {
    /// Size of the copy in bytes.
    pub bytes: u64,
    /// Tickets in the copy.
    pub tickets: u64,
    /// The newest migration applied to the copy (the schema version a restore starts from).
    pub schema_version: i64,
}

/// Copies `<data_dir>/baton.sqlite3` to `to`, consistent as of one moment, while other
/// processes may be writing. Refuses to replace an existing `to` unless `overwrite`.
pub async fn backup(
    data_dir: &Path,
    to: &Path,
    overwrite: bool,
) -> Result<BackupReport, BackupError> {
    let source = data_dir.join(DATABASE_FILE);
    if !source.is_file() {
        return Err(BackupError::NoDatabase(source));
    }
    if !overwrite && to.exists() {
        return Err(BackupError::Exists(to.to_owned()));
    }
    let partial = partial_path(to);
    remove_if_present(&partial)?;
    let result = copy_and_check(&source, &partial).await;
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            let _ = remove_if_present(&partial);
            return Err(e);
        }
    };
    let io = |source| BackupError::Io {
        path: to.to_owned(),
        source,
    };
    if overwrite {
        std::fs::rename(&partial, to).map_err(io)?;
    } else {
        // A link fails if `to` appeared meanwhile: never replaces a file without --force.
        let linked = std::fs::hard_link(&partial, to);
        let _ = std::fs::remove_file(&partial);
        linked.map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => BackupError::Exists(to.to_owned()),
            _ => io(e),
        })?;
    }
    sync_parent(to);
    Ok(report)
}

async fn copy_and_check(source: &Path, copy: &Path) -> Result<BackupReport, BackupError> {
    let mut conn = SqliteConnectOptions::new()
        .filename(source)
        .read_only(true)
        .busy_timeout(BUSY_TIMEOUT)
        .connect()
        .await?;
    sqlx::query("VACUUM INTO ?")
        .bind(copy.to_string_lossy().into_owned())
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    private(copy)?;

    let mut conn = SqliteConnectOptions::new()
        .filename(copy)
        .busy_timeout(BUSY_TIMEOUT)
        .connect()
        .await?;
    let report = check(&mut conn).await;
    conn.close().await?;
    let report = report?;
    std::fs::File::open(copy)
        .and_then(|f| f.sync_all())
        .map_err(|source| BackupError::Io {
            path: copy.to_owned(),
            source,
        })?;
    Ok(report)
}

/// `PRAGMA integrity_check` on the copy, then what it holds.
async fn check(conn: &mut SqliteConnection) -> Result<BackupReport, BackupError> {
    let problems: Vec<String> = sqlx::query("PRAGMA integrity_check")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| row.try_get::<String, _>(0))
        .collect::<Result<_, _>>()?;
    if problems != ["ok"] {
        return Err(BackupError::Integrity(problems.join("; ")));
    }
    let tickets: i64 = sqlx::query("SELECT COUNT(*) FROM tickets")
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    let schema_version: i64 =
        sqlx::query("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
    let bytes =
        sqlx::query("SELECT page_count * page_size FROM pragma_page_count, pragma_page_size")
            .fetch_one(&mut *conn)
            .await?
            .try_get::<i64, _>(0)?;
    Ok(BackupReport {
        bytes: u64::try_from(bytes).unwrap_or(0),
        tickets: u64::try_from(tickets).unwrap_or(0),
        schema_version,
    })
}

/// Readable by its owner only, like the database: it holds customers' messages and the key
/// conversation tokens derive from.
fn private(path: &Path) -> Result<(), BackupError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(
            |source| BackupError::Io {
                path: path.to_owned(),
                source,
            },
        )?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// `.NAME.partial` next to `to`.
fn partial_path(to: &Path) -> PathBuf {
    let name = to
        .file_name()
        .map_or_else(|| "backup".into(), |n| n.to_string_lossy().into_owned());
    to.with_file_name(format!(".{name}.partial"))
}

fn remove_if_present(path: &Path) -> Result<(), BackupError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(BackupError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Makes the new directory entry durable; best effort (not every platform syncs folders).
fn sync_parent(path: &Path) {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if let Ok(dir) = std::fs::File::open(parent) {
        let _ = dir.sync_all();
    }
}
