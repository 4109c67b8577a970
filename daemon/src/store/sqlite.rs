//! SQLite implementation of [`super::Store`] (sqlx, WAL, bundled). Being built.

use std::path::Path;

/// The embedded store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: sqlx::SqlitePool,
}

impl SqliteStore {
    pub async fn open(_path: &Path) -> super::StoreResult<Self> {
        let pool = sqlx::SqlitePool::connect_lazy("sqlite::memory:")?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &sqlx::SqlitePool {
        &self.pool
    }
}
