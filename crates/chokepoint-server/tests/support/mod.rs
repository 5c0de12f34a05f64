//! Set-up shared by the server's integration tests.

use chokepoint_server::{AppState, Role, ServerConfig};
use std::path::{Path, PathBuf};

/// The server's state over a fresh store at `db`, serving `data_dir`, with one user.
pub async fn state_with_user(
    db: &Path,
    data_dir: PathBuf,
    user: &str,
    password: &str,
    role: Role,
) -> AppState {
    let store = chokepoint_store::Store::open(db).await.unwrap();
    let state = AppState::open(
        store,
        ServerConfig {
            data_dir,
            ..ServerConfig::default()
        },
    )
    .await
    .unwrap();
    state
        .db()
        .add_user(user, password, role, false)
        .await
        .unwrap();
    state
}
