use anyhow::Context as _;

use crate::cli::AdminTokenCommand;
use crate::storage::Storage;

/// `baton admin-token create|revoke`.
pub async fn admin_token(command: AdminTokenCommand) -> anyhow::Result<()> {
    let now = time::OffsetDateTime::now_utc();
    match command {
        AdminTokenCommand::Create(args) => {
            let storage = Storage::open(&args.data_dir).await.with_context(|| {
                format!("cannot open the database in {}", args.data_dir.display())
            })?;
            let token = storage
                .create_admin_token(&args.label, now)
                .await
                .context("cannot store the token")?;
            storage.close().await;
            println!("{token}");
            eprintln!(
                "Admin token '{}' created. It is shown only this once: keep it in a password \
                 manager or as BATON_ADMIN_TOKEN in your CI secrets.",
                args.label
            );
        }
        AdminTokenCommand::Revoke(args) => {
            let storage = Storage::open_existing(&args.data_dir)
                .await
                .with_context(|| {
                    format!("cannot open the database in {}", args.data_dir.display())
                })?;
            let n = storage
                .revoke_admin_tokens(&args.label, now)
                .await
                .context("cannot revoke")?;
            storage.close().await;
            println!("revoked {n} token(s) labelled '{}'", args.label);
        }
    }
    Ok(())
}
