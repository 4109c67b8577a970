//! Reading a source plugin's input tables from PostgreSQL, MySQL/MariaDB or SQLite (feature
//! `sql`).
//!
//! Contact centers keep much of their data in databases rather than files: Asterisk's realtime
//! `queue_log` and `cdr` tables (MariaDB on FreePBX/Issabel, PostgreSQL on Wazo), webhook
//! archives in a PostgreSQL `jsonb` column, Chatwoot's own schema. Every plugin needs the same
//! few things from them, so they live here once:
//!
//! * [`Database::from_source`] reads a URL setting (`database = "postgres://reportd@db/asterisk"`)
//!   and its password from a file, an environment variable or a systemd credential — never
//!   printed: [`Database`]'s `Display` and every error show the URL without it.
//! * [`Database::connect`] opens one connection (with a timeout) on a private single-threaded
//!   runtime: plugin calls are synchronous and run in the host's worker process.
//! * [`Connection::for_each`] streams a query's rows to a callback — rows are decoded one at a
//!   time from the wire, so memory stays flat however large the table is.
//! * [`Row`] reads a cell as text, integer, float, bool or an instant, converting between the
//!   representations real schemas use (a queue_log `time` is `varchar(26)` in Asterisk's own
//!   scripts, `timestamp` or `datetime` elsewhere; SQLite has no types at all). A cell that
//!   cannot be read is a [`CellError`] that names the column, for the plugin to count as a
//!   malformed record rather than fail the report.
//!
//! Naive timestamps (`timestamp without time zone`, MySQL `DATETIME`, text without an offset)
//! are wall-clock times of the database's zone; the caller passes that zone (a source setting,
//! by convention `database_timezone`, defaulting to the report's zone).

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use futures_util::TryStreamExt;
use serde_json::{Map, Value as Json};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlRow};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteRow};
use sqlx::{Column as _, ConnectOptions, Row as _, TypeInfo as _, ValueRef as _};

use crate::{PluginError, Problem};

/// Error code of a database that cannot be reached, refuses the login, or fails a query.
pub const CODE_UNREACHABLE: &str = "SOURCE_DB_UNREACHABLE";
/// Error code of a query the database rejects (missing table or column, permissions).
pub const CODE_QUERY: &str = "SOURCE_DB_QUERY";

/// Default time allowed to connect and log in.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Which SQL dialect a [`Database`] speaks: queries differ in placeholders and functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// PostgreSQL (`postgres://`, `postgresql://`). Placeholders `$1, $2, ...`.
    Postgres,
    /// MySQL or MariaDB (`mysql://`, `mariadb://`). Placeholders `?`.
    MySql,
    /// SQLite (`sqlite://path` or `sqlite:path`). Placeholders `?`.
    Sqlite,
}

impl Dialect {
    /// The `n`-th (1-based) bind placeholder in this dialect.
    pub fn placeholder(self, n: usize) -> String {
        match self {
            Self::Postgres => format!("${n}"),
            Self::MySql | Self::Sqlite => "?".to_owned(),
        }
    }

    /// Quotes an identifier (table or column name) for this dialect.
    pub fn quote(self, ident: &str) -> String {
        match self {
            Self::MySql => format!("`{}`", ident.replace('`', "``")),
            Self::Postgres | Self::Sqlite => format!("\"{}\"", ident.replace('"', "\"\"")),
        }
    }

    /// Human name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Postgres => "PostgreSQL",
            Self::MySql => "MySQL/MariaDB",
            Self::Sqlite => "SQLite",
        }
    }
}

/// A database source setting: where to connect and with which password.
#[derive(Clone)]
pub struct Database {
    dialect: Dialect,
    /// The URL as configured, password removed (safe to print).
    url: String,
    /// From the URL or a `_password_*` setting; never printed.
    password: Option<String>,
    connect_timeout: Duration,
    /// For `sqlite:` relative paths: the source's config directory.
    sqlite_path: Option<std::path::PathBuf>,
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database")
            .field("dialect", &self.dialect)
            .field("url", &self.url)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

impl Database {
    /// Reads the database setting `key` of a source (`None` when absent), with its password
    /// from `{key}_password_file`, `{key}_password_env` or `{key}_password_credential` (a
    /// systemd credential name under `$CREDENTIALS_DIRECTORY`), or from the URL itself, and the
    /// connect timeout from `{key}_connect_timeout` (`"30s"`). Every problem is returned, each
    /// naming the setting (`source.{key}...`).
    pub fn from_source(
        source: &Map<String, Json>,
        key: &str,
    ) -> Result<Option<Self>, Vec<Problem>> {
        let Some(raw) = source.get(key) else {
            return Ok(None);
        };
        let field = format!("source.{key}");
        let mut problems = Vec::new();
        let Some(raw) = raw.as_str() else {
            return Err(vec![Problem::new(
                &field,
                format!("must be a URL string, found {raw}"),
                "e.g. \"postgres://reportd@db.example/asterisk\", \"mysql://reportd@db/asteriskcdrdb\" or \"sqlite:///var/lib/app/data.db\"",
            )]);
        };
        let (dialect, rest) = match raw.split_once(':') {
            Some(("postgres" | "postgresql", rest)) => (Dialect::Postgres, rest),
            Some(("mysql" | "mariadb", rest)) => (Dialect::MySql, rest),
            Some(("sqlite", rest)) => (Dialect::Sqlite, rest),
            _ => {
                return Err(vec![Problem::new(
                    &field,
                    format!(
                        "{:?} is not a database URL this plugin can read",
                        redact(raw)
                    ),
                    "use postgres://USER@HOST[:PORT]/DB, mysql://USER@HOST[:PORT]/DB (MariaDB too) or sqlite:///PATH",
                )]);
            }
        };
        let (url, url_password) = split_password(raw);
        let mut password = url_password;
        let mut sources = Vec::new();
        if password.is_some() {
            sources.push("the URL");
        }
        let file_key = format!("{key}_password_file");
        let env_key = format!("{key}_password_env");
        let cred_key = format!("{key}_password_credential");
        let mut take = |k: &str, read: &dyn Fn(&str) -> Result<String, String>| match source.get(k)
        {
            None => None,
            Some(Json::String(v)) => match read(v) {
                Ok(p) => Some(p),
                Err(e) => {
                    problems.push(Problem::new(
                        &format!("source.{k}"),
                        e,
                        "the password must be readable by the reportd user when the report runs",
                    ));
                    None
                }
            },
            Some(other) => {
                problems.push(Problem::new(
                    &format!("source.{k}"),
                    format!("must be a string, found {other}"),
                    "",
                ));
                None
            }
        };
        let dir = source
            .get(crate::CONFIG_DIR_KEY)
            .and_then(Json::as_str)
            .map(str::to_owned);
        let from_file = take(&file_key, &|v| {
            let p = crate::source_path(source, v);
            std::fs::read_to_string(&p)
                .map(|s| s.trim_end_matches(['\r', '\n']).to_owned())
                .map_err(|e| format!("cannot read the password file {}: {e}", p.display()))
        });
        let from_env = take(&env_key, &|v| {
            std::env::var(v).map_err(|_| format!("the environment variable {v} is not set"))
        });
        let from_cred = take(&cred_key, &|v| {
            let Ok(dir) = std::env::var("CREDENTIALS_DIRECTORY") else {
                return Err(format!(
                    "credential {v:?}: $CREDENTIALS_DIRECTORY is not set (use LoadCredential= in the unit)"
                ));
            };
            let p = std::path::Path::new(&dir).join(v);
            std::fs::read_to_string(&p)
                .map(|s| s.trim_end_matches(['\r', '\n']).to_owned())
                .map_err(|e| format!("cannot read the credential {}: {e}", p.display()))
        });
        for (name, p) in [
            ("password_file", from_file),
            ("password_env", from_env),
            ("password_credential", from_cred),
        ] {
            if let Some(p) = p {
                sources.push(name);
                password = Some(p);
            }
        }
        if sources.len() > 1 {
            problems.push(Problem::new(
                &field,
                format!(
                    "the password is given more than once ({})",
                    sources.join(", ")
                ),
                format!(
                    "keep one of {file_key}, {env_key}, {cred_key}, and no password in the URL"
                ),
            ));
        }
        let mut connect_timeout = DEFAULT_CONNECT_TIMEOUT;
        let timeout_key = format!("{key}_connect_timeout");
        if let Some(v) = source.get(&timeout_key) {
            match v.as_str().and_then(parse_duration) {
                Some(d) => connect_timeout = d,
                None => problems.push(Problem::new(
                    &format!("source.{timeout_key}"),
                    format!("{v} is not a duration"),
                    "e.g. \"10s\" or \"1m\"",
                )),
            }
        }
        let sqlite_path = (dialect == Dialect::Sqlite).then(|| {
            let path = rest.trim_start_matches("//");
            let path = path.split('?').next().unwrap_or(path);
            match &dir {
                Some(d) if !path.starts_with('/') => std::path::Path::new(d).join(path),
                _ => std::path::PathBuf::from(path),
            }
        });
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Some(Self {
            dialect,
            url,
            password,
            connect_timeout,
            sqlite_path,
        }))
    }

    /// The dialect queries must be written in.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Connects and logs in, within the connect timeout.
    pub fn connect(&self) -> Result<Connection, PluginError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                PluginError::new(
                    CODE_UNREACHABLE,
                    format!("cannot start the database runtime: {e}"),
                    "",
                )
            })?;
        let fail = |e: String| {
            PluginError::new(
                CODE_UNREACHABLE,
                format!(
                    "cannot connect to {} database {}: {e}",
                    self.dialect.name(),
                    self.url
                ),
                "check the source's database URL, that the server is up and reachable, and the user and password",
            )
        };
        let connect = async {
            Ok::<Conn, sqlx::Error>(match self.dialect {
                Dialect::Postgres => {
                    let mut o: PgConnectOptions = self.url.parse()?;
                    if let Some(p) = &self.password {
                        o = o.password(p);
                    }
                    Conn::Pg(
                        o.application_name("reportd")
                            .disable_statement_logging()
                            .connect()
                            .await?,
                    )
                }
                Dialect::MySql => {
                    let mut url = self.url.clone();
                    if let Some(rest) = url.strip_prefix("mariadb:") {
                        url = format!("mysql:{rest}");
                    }
                    let mut o: MySqlConnectOptions = url.parse()?;
                    if let Some(p) = &self.password {
                        o = o.password(p);
                    }
                    Conn::My(o.disable_statement_logging().connect().await?)
                }
                Dialect::Sqlite => {
                    let path = self.sqlite_path.clone().unwrap_or_default();
                    let o = SqliteConnectOptions::new()
                        .filename(&path)
                        .read_only(true)
                        .create_if_missing(false)
                        .disable_statement_logging();
                    Conn::Lite(o.connect().await?)
                }
            })
        };
        let conn = rt
            .block_on(async { tokio::time::timeout(self.connect_timeout, connect).await })
            .map_err(|_| fail(format!("no answer within {:?}", self.connect_timeout)))?
            .map_err(|e| fail(redact(&e.to_string())))?;
        Ok(Connection {
            rt,
            conn,
            dialect: self.dialect,
        })
    }
}

/// A bind parameter of a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Int(i64),
    Text(String),
    /// An instant, bound as `timestamptz` on PostgreSQL and as UTC `DATETIME` text elsewhere.
    Instant(DateTime<Utc>),
    /// A wall-clock time, bound as `timestamp` / `DATETIME` (for naive columns).
    Naive(NaiveDateTime),
}

enum Conn {
    Pg(PgConnection),
    My(MySqlConnection),
    Lite(SqliteConnection),
}

/// One open connection, with the private runtime it runs on.
pub struct Connection {
    rt: tokio::runtime::Runtime,
    conn: Conn,
    dialect: Dialect,
}

/// Binds `params` to a query of database `$db` (one body for the three backends).
macro_rules! bind_all {
    ($q:expr, $params:expr, naive_as_text = $text:expr) => {{
        let mut q = $q;
        for p in $params {
            q = match p {
                Param::Int(v) => q.bind(*v),
                Param::Text(v) => q.bind(v.as_str()),
                Param::Instant(v) if $text => q.bind(v.format("%Y-%m-%d %H:%M:%S%.f").to_string()),
                Param::Instant(v) => q.bind(*v),
                Param::Naive(v) if $text => q.bind(v.format("%Y-%m-%d %H:%M:%S%.f").to_string()),
                Param::Naive(v) => q.bind(*v),
            };
        }
        q
    }};
}

impl Connection {
    /// The dialect of this connection.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Runs `sql` with `params` and calls `f` with each row as it arrives; returns the number
    /// of rows. Stops at the first error `f` returns. Query failures are [`CODE_QUERY`]
    /// errors converted into `E`.
    pub fn for_each<E: From<PluginError>>(
        &mut self,
        sql: &str,
        params: &[Param],
        mut f: impl FnMut(&Row<'_>) -> Result<(), E>,
    ) -> Result<u64, E> {
        let dialect = self.dialect;
        let fail = |e: sqlx::Error| -> E {
            PluginError::new(
                CODE_QUERY,
                format!("{} query failed: {}", dialect.name(), redact(&e.to_string())),
                "check that the source's tables and columns exist and the database user may read them",
            )
            .into()
        };
        let Self { rt, conn, .. } = self;
        rt.block_on(async {
            let mut n = 0u64;
            // One body for the three backends; SQLite binds times as text (it has no type).
            macro_rules! stream {
                ($c:expr, $variant:ident, $text:expr) => {{
                    let q = bind_all!(
                        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())),
                        params,
                        naive_as_text = $text
                    );
                    let mut rows = q.fetch(&mut *$c);
                    while let Some(r) = rows.try_next().await.map_err(fail)? {
                        f(&Row(RowRef::$variant(&r)))?;
                        n += 1;
                    }
                }};
            }
            match conn {
                Conn::Pg(c) => stream!(c, Pg, false),
                Conn::My(c) => stream!(c, My, false),
                Conn::Lite(c) => stream!(c, Lite, true),
            }
            Ok(n)
        })
    }

    /// Runs statements that return no rows (`CREATE TABLE`, `INSERT ...`), separated by `;`.
    /// For tests and tools; plugins only read.
    pub fn execute(&mut self, sql: &str) -> Result<(), PluginError> {
        let dialect = self.dialect;
        let fail = |e: sqlx::Error| {
            PluginError::new(
                CODE_QUERY,
                format!(
                    "{} statement failed: {}",
                    dialect.name(),
                    redact(&e.to_string())
                ),
                "",
            )
        };
        let Self { rt, conn, .. } = self;
        rt.block_on(async {
            match conn {
                Conn::Pg(c) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&mut *c)
                    .await
                    .map(drop),
                Conn::My(c) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&mut *c)
                    .await
                    .map(drop),
                Conn::Lite(c) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&mut *c)
                    .await
                    .map(drop),
            }
        })
        .map_err(fail)
    }

    /// The column names of `table` (lower-cased), empty when the table does not exist. Lets a
    /// plugin adapt to schema variants (e.g. a queue_log table without `data5`).
    pub fn columns(&mut self, table: &str) -> Result<Vec<String>, PluginError> {
        let (sql, params) = match self.dialect {
            Dialect::Postgres => (
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_name = $1 AND table_schema = ANY (current_schemas(false)) ORDER BY ordinal_position",
                vec![Param::Text(table.to_owned())],
            ),
            Dialect::MySql => (
                "SELECT CAST(column_name AS CHAR) FROM information_schema.columns \
                 WHERE table_name = ? AND table_schema = DATABASE() ORDER BY ordinal_position",
                vec![Param::Text(table.to_owned())],
            ),
            Dialect::Sqlite => (
                "SELECT name FROM pragma_table_info(?)",
                vec![Param::Text(table.to_owned())],
            ),
        };
        let mut out = Vec::new();
        self.for_each(sql, &params, |r| {
            if let Some(c) = r
                .text(0)
                .map_err(|e| PluginError::new(CODE_QUERY, e.to_string(), ""))?
            {
                out.push(c.to_ascii_lowercase());
            }
            Ok::<(), PluginError>(())
        })?;
        Ok(out)
    }
}

/// A cell that cannot be read as asked: the plugin counts it as a malformed record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {problem}")]
pub struct CellError {
    /// The column's name.
    pub column: String,
    /// What was wrong (type and value when short).
    pub problem: String,
}

#[derive(Clone, Copy)]
enum RowRef<'r> {
    Pg(&'r PgRow),
    My(&'r MySqlRow),
    Lite(&'r SqliteRow),
}

/// One row of a result, read cell by cell. Column indexes are 0-based, in `SELECT` order.
#[derive(Clone, Copy)]
pub struct Row<'r>(RowRef<'r>);

/// What a cell holds, read once and then converted.
enum Cell<'r> {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(Cow<'r, str>),
    Bytes(&'r [u8]),
    Instant(DateTime<Utc>),
    Naive(NaiveDateTime),
}

/// Decodes cell `i` of a typed row; `$($name => $ty => $wrap),*` maps type names to decoders.
macro_rules! decode_cell {
    ($row:expr, $i:expr, $tyname:expr, { $($pat:pat => $t:ty => $wrap:expr),* $(,)? }) => {{
        match $tyname {
            $($pat => $row.try_get::<Option<$t>, _>($i).map(|v| v.map($wrap).unwrap_or(Cell::Null)),)*
            _ => return Err(format!("has type {}, which reportd cannot read; cast it in the query (to text, a number or a timestamp)", $tyname)),
        }
    }};
}

impl<'r> Row<'r> {
    /// The number of columns.
    pub fn len(&self) -> usize {
        match self.0 {
            RowRef::Pg(r) => r.len(),
            RowRef::My(r) => r.len(),
            RowRef::Lite(r) => r.len(),
        }
    }

    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name of column `i`.
    pub fn name(&self, i: usize) -> &str {
        let cols = match self.0 {
            RowRef::Pg(r) => r.columns().get(i).map(|c| c.name()),
            RowRef::My(r) => r.columns().get(i).map(|c| c.name()),
            RowRef::Lite(r) => r.columns().get(i).map(|c| c.name()),
        };
        cols.unwrap_or("?")
    }

    fn err(&self, i: usize, problem: impl Into<String>) -> CellError {
        CellError {
            column: self.name(i).to_owned(),
            problem: problem.into(),
        }
    }

    fn cell(&self, i: usize) -> Result<Cell<'r>, CellError> {
        let decoded: Result<Result<Cell<'r>, sqlx::Error>, String> = (|| {
            Ok(match self.0 {
                RowRef::Pg(r) => {
                    let raw = r.try_get_raw(i).map_err(|e| e.to_string())?;
                    if raw.is_null() {
                        return Ok(Ok(Cell::Null));
                    }
                    let info = raw.type_info();
                    let ty = info.name();
                    decode_cell!(r, i, ty, {
                        "INT2" => i16 => |v| Cell::Int(v.into()),
                        "INT4" => i32 => |v| Cell::Int(v.into()),
                        "INT8" => i64 => Cell::Int,
                        "OID" => sqlx::postgres::types::Oid => |v| Cell::Int(v.0.into()),
                        "FLOAT4" => f32 => |v| Cell::Float(v.into()),
                        "FLOAT8" => f64 => Cell::Float,
                        "BOOL" => bool => Cell::Bool,
                        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" | "CHAR" | "UNKNOWN" | "CITEXT" => &'r str => |v| Cell::Text(Cow::Borrowed(v)),
                        "JSON" | "JSONB" => sqlx::types::Json<&'r serde_json::value::RawValue> => |v| Cell::Text(Cow::Borrowed(v.0.get())),
                        "TIMESTAMPTZ" => DateTime<Utc> => Cell::Instant,
                        "TIMESTAMP" => NaiveDateTime => Cell::Naive,
                        "DATE" => NaiveDate => |v| Cell::Naive(v.and_time(chrono::NaiveTime::MIN)),
                        "BYTEA" => &'r [u8] => Cell::Bytes,
                    })
                }
                RowRef::My(r) => {
                    let raw = r.try_get_raw(i).map_err(|e| e.to_string())?;
                    if raw.is_null() {
                        return Ok(Ok(Cell::Null));
                    }
                    let info = raw.type_info();
                    let ty = info.name();
                    decode_cell!(r, i, ty, {
                        "BOOLEAN" => bool => Cell::Bool,
                        "TINYINT" | "SMALLINT" | "INT" | "MEDIUMINT" | "BIGINT" | "TINYINT UNSIGNED"
                            | "SMALLINT UNSIGNED" | "MEDIUMINT UNSIGNED" | "INT UNSIGNED" | "YEAR" => i64 => Cell::Int,
                        "BIGINT UNSIGNED" => u64 => |v| i64::try_from(v).map(Cell::Int).unwrap_or(Cell::Float(v as f64)),
                        "FLOAT" | "DOUBLE" => f64 => Cell::Float,
                        "CHAR" | "VARCHAR" | "TEXT" | "TINYTEXT" | "MEDIUMTEXT" | "LONGTEXT" | "ENUM" | "SET" | "JSON" | "DECIMAL"
                            => &'r str => |v| Cell::Text(Cow::Borrowed(v)),
                        "TIMESTAMP" => DateTime<Utc> => Cell::Instant,
                        "DATETIME" => NaiveDateTime => Cell::Naive,
                        "DATE" => NaiveDate => |v| Cell::Naive(v.and_time(chrono::NaiveTime::MIN)),
                        // MariaDB's JSON is LONGTEXT with a binary collation.
                        "BLOB" | "TINYBLOB" | "MEDIUMBLOB" | "LONGBLOB" | "BINARY" | "VARBINARY" => &'r [u8] => Cell::Bytes,
                    })
                }
                RowRef::Lite(r) => {
                    let raw = r.try_get_raw(i).map_err(|e| e.to_string())?;
                    if raw.is_null() {
                        return Ok(Ok(Cell::Null));
                    }
                    // SQLite types are per value: INTEGER, REAL, TEXT, BLOB.
                    let info = raw.type_info();
                    let ty = info.name();
                    decode_cell!(r, i, ty, {
                        "INTEGER" | "BOOLEAN" => i64 => Cell::Int,
                        "REAL" => f64 => Cell::Float,
                        "BLOB" => &'r [u8] => Cell::Bytes,
                        "TEXT" | "DATETIME" | "DATE" | "TIME" | "NUMERIC" => &'r str => |v| Cell::Text(Cow::Borrowed(v)),
                    })
                }
            })
        })();
        match decoded {
            Ok(Ok(Cell::Bytes(b))) => match std::str::from_utf8(b) {
                Ok(t) => Ok(Cell::Text(Cow::Borrowed(t))),
                Err(_) => Ok(Cell::Bytes(b)),
            },
            Ok(Ok(c)) => Ok(c),
            Ok(Err(e)) => Err(self.err(i, e.to_string())),
            Err(e) => Err(self.err(i, e)),
        }
    }

    /// Cell `i` as text (numbers, booleans and times are formatted; JSON is its text).
    pub fn text(&self, i: usize) -> Result<Option<Cow<'r, str>>, CellError> {
        Ok(match self.cell(i)? {
            Cell::Null => None,
            Cell::Text(t) => Some(t),
            Cell::Bytes(b) => {
                Some(Cow::Borrowed(std::str::from_utf8(b).map_err(|_| {
                    self.err(i, "holds bytes that are not UTF-8 text")
                })?))
            }
            Cell::Int(v) => Some(Cow::Owned(v.to_string())),
            Cell::Float(v) => Some(Cow::Owned(v.to_string())),
            Cell::Bool(v) => Some(Cow::Borrowed(if v { "true" } else { "false" })),
            Cell::Instant(v) => Some(Cow::Owned(v.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string())),
            Cell::Naive(v) => Some(Cow::Owned(v.format("%Y-%m-%d %H:%M:%S%.f").to_string())),
        })
    }

    /// Cell `i` as an integer (text holding an integer is accepted; floats must be whole).
    pub fn int(&self, i: usize) -> Result<Option<i64>, CellError> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            Cell::Int(v) => Ok(Some(v)),
            Cell::Bool(v) => Ok(Some(v.into())),
            Cell::Float(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => Ok(Some(v as i64)),
            Cell::Text(t) if t.trim().is_empty() => Ok(None),
            Cell::Text(t) => t
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| self.err(i, format!("{:?} is not an integer", short(&t)))),
            _ => Err(self.err(i, "is not an integer")),
        }
    }

    /// Cell `i` as a float (integers and numeric text are accepted).
    pub fn float(&self, i: usize) -> Result<Option<f64>, CellError> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            Cell::Int(v) => Ok(Some(v as f64)),
            Cell::Float(v) => Ok(Some(v)),
            Cell::Text(t) if t.trim().is_empty() => Ok(None),
            Cell::Text(t) => t
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| self.err(i, format!("{:?} is not a number", short(&t)))),
            _ => Err(self.err(i, "is not a number")),
        }
    }

    /// Cell `i` as a boolean (`true/false`, `t/f`, `1/0`, `yes/no`).
    pub fn bool(&self, i: usize) -> Result<Option<bool>, CellError> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            Cell::Bool(v) => Ok(Some(v)),
            Cell::Int(v) => Ok(Some(v != 0)),
            Cell::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
                "" => Ok(None),
                "true" | "t" | "1" | "yes" | "y" => Ok(Some(true)),
                "false" | "f" | "0" | "no" | "n" => Ok(Some(false)),
                _ => Err(self.err(i, format!("{:?} is not a boolean", short(&t)))),
            },
            _ => Err(self.err(i, "is not a boolean")),
        }
    }

    /// Cell `i` as an instant. Time-zone-aware cells are taken as they are; naive ones
    /// (`timestamp`, `DATETIME`, text without an offset) are wall-clock times in `zone`;
    /// integers are Unix seconds (milliseconds when above 10^11); text may be RFC 3339,
    /// `YYYY-MM-DD HH:MM:SS[.f][±HH[:MM]]` or a Unix time.
    pub fn instant(&self, i: usize, zone: Tz) -> Result<Option<DateTime<Utc>>, CellError> {
        let local = |n: NaiveDateTime| -> Result<DateTime<Utc>, CellError> {
            // A repeated wall-clock time (DST fall-back) takes the earlier instant; a skipped
            // one cannot come from a clock in that zone, so it is read one hour later.
            zone.from_local_datetime(&n)
                .earliest()
                .or_else(|| {
                    zone.from_local_datetime(&(n + chrono::Duration::hours(1)))
                        .earliest()
                })
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| self.err(i, format!("{n} does not exist in {zone}")))
        };
        match self.cell(i)? {
            Cell::Null => Ok(None),
            Cell::Instant(t) => Ok(Some(t)),
            Cell::Naive(n) => local(n).map(Some),
            Cell::Int(v) => unix(v as f64)
                .map(Some)
                .ok_or_else(|| self.err(i, format!("{v} is not a Unix time"))),
            Cell::Float(v) => unix(v)
                .map(Some)
                .ok_or_else(|| self.err(i, format!("{v} is not a Unix time"))),
            Cell::Text(t) => {
                let s = t.trim();
                if s.is_empty() {
                    return Ok(None);
                }
                if let Ok(v) = s.parse::<f64>() {
                    return unix(v)
                        .map(Some)
                        .ok_or_else(|| self.err(i, format!("{s:?} is not a Unix time")));
                }
                if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                    return Ok(Some(t.with_timezone(&Utc)));
                }
                for f in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
                    if let Ok(t) = DateTime::parse_from_str(s, f) {
                        return Ok(Some(t.with_timezone(&Utc)));
                    }
                }
                for f in [
                    "%Y-%m-%d %H:%M:%S%.f",
                    "%Y-%m-%dT%H:%M:%S%.f",
                    "%Y-%m-%d %H:%M",
                ] {
                    if let Ok(n) = NaiveDateTime::parse_from_str(s, f) {
                        return local(n).map(Some);
                    }
                }
                if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                    return local(d.and_time(chrono::NaiveTime::MIN)).map(Some);
                }
                Err(self.err(i, format!("{:?} is not a date and time", short(s))))
            }
            Cell::Bool(_) | Cell::Bytes(_) => Err(self.err(i, "is not a date and time")),
        }
    }
}

/// Unix seconds (or milliseconds, when above 10^11 — year 5138 in seconds) to an instant.
fn unix(v: f64) -> Option<DateTime<Utc>> {
    if !v.is_finite() {
        return None;
    }
    let secs = if v.abs() >= 1e11 { v / 1000.0 } else { v };
    let whole = secs.floor();
    let nanos = ((secs - whole) * 1e9).round().min(999_999_999.0) as u32;
    Utc.timestamp_opt(whole as i64, nanos).single()
}

/// The first 40 characters of a bad value, for messages.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Splits `scheme://user:password@host/...` into the URL without the password and the
/// password (percent-decoded).
fn split_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_owned(), None);
    };
    let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(auth_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return (url.to_owned(), None);
    };
    let Some((user, password)) = userinfo.split_once(':') else {
        return (url.to_owned(), None);
    };
    (
        format!("{scheme}://{user}@{host}{tail}"),
        Some(percent_decode(password)),
    )
}

/// Removes any password from URLs inside `text` (driver errors may echo the URL).
fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(tail.len());
        let (word, after) = tail.split_at(end);
        let auth_end = word.find(['/', '?']).unwrap_or(word.len());
        match word[..auth_end].rsplit_once('@') {
            Some((userinfo, _)) if userinfo.contains(':') => {
                let user = userinfo.split(':').next().unwrap_or("");
                out.push_str(user);
                out.push_str(":***");
                out.push_str(&word[userinfo.len()..]);
            }
            _ => out.push_str(word),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if let Some(v) = (b[i] == b'%')
            .then(|| s.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `"30s"`, `"2m"`, `"500ms"`, `"1h"` (the subset of humantime the settings use).
fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().ok()?;
    Some(match unit.trim() {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" | "min" => Duration::from_secs(n * 60),
        "h" => Duration::from_secs(n * 3600),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(pairs: &[(&str, &str)]) -> Map<String, Json> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Json::String((*v).to_owned())))
            .collect()
    }

    #[test]
    fn url_password_is_split_off_and_never_printed() {
        let db = Database::from_source(
            &source(&[(
                "database",
                "postgres://rep:s%40cret@db:5432/ast?sslmode=require",
            )]),
            "database",
        )
        .unwrap()
        .unwrap();
        assert_eq!(db.dialect(), Dialect::Postgres);
        assert_eq!(db.to_string(), "postgres://rep@db:5432/ast?sslmode=require");
        assert_eq!(db.password.as_deref(), Some("s@cret"));
        assert!(!format!("{db:?}").contains("cret"));
    }

    #[test]
    fn password_from_env_and_conflicts_reported() {
        // SAFETY: the variable name is unique to this test.
        unsafe { std::env::set_var("REPORTD_SQL_TEST_PW", "pw1") };
        let db = Database::from_source(
            &source(&[
                ("db", "mariadb://u@h/x"),
                ("db_password_env", "REPORTD_SQL_TEST_PW"),
            ]),
            "db",
        )
        .unwrap()
        .unwrap();
        assert_eq!(db.dialect(), Dialect::MySql);
        assert_eq!(db.password.as_deref(), Some("pw1"));
        let err = Database::from_source(
            &source(&[
                ("db", "mysql://u:pw@h/x"),
                ("db_password_env", "REPORTD_SQL_TEST_PW"),
                ("db_connect_timeout", "soon"),
            ]),
            "db",
        )
        .unwrap_err();
        assert_eq!(err.len(), 2, "{err:?}");
        assert_eq!(err[0].field, "source.db");
        assert!(
            err[0]
                .message
                .contains("more than once (the URL, password_env)"),
            "{}",
            err[0].message
        );
        assert_eq!(err[1].field, "source.db_connect_timeout");
    }

    #[test]
    fn unknown_scheme_and_absent_key() {
        assert!(
            Database::from_source(&source(&[]), "database")
                .unwrap()
                .is_none()
        );
        let err = Database::from_source(&source(&[("database", "oracle://u:pw@h/x")]), "database")
            .unwrap_err();
        assert!(
            err[0].message.contains("oracle://u:***@h/x"),
            "{}",
            err[0].message
        );
    }

    #[test]
    fn redact_hides_passwords_in_driver_messages() {
        assert_eq!(
            redact("error connecting to mysql://root:hunter2@10.0.0.1:3306/db: refused"),
            "error connecting to mysql://root:***@10.0.0.1:3306/db: refused"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }

    #[test]
    fn unix_seconds_and_millis() {
        assert_eq!(unix(1_700_000_000.0).unwrap().timestamp(), 1_700_000_000);
        assert_eq!(
            unix(1_700_000_000_500.0).unwrap().timestamp_millis(),
            1_700_000_000_500
        );
    }

    /// SQLite needs no server: the whole read path (connect, binds, typed cells) end to end.
    #[test]
    fn sqlite_end_to_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        {
            let setup = Database {
                dialect: Dialect::Sqlite,
                url: "sqlite:".into(),
                password: None,
                connect_timeout: DEFAULT_CONNECT_TIMEOUT,
                sqlite_path: Some(path.clone()),
            };
            // read-only connections cannot create the file: create it with a writable one.
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let mut c = SqliteConnectOptions::new().filename(setup.sqlite_path.clone().unwrap()).create_if_missing(true).connect().await.unwrap();
                sqlx::raw_sql(
                    "CREATE TABLE ev (t TEXT, n INTEGER, x REAL, s TEXT);
                     INSERT INTO ev VALUES ('2024-03-10 01:30:00', 1, 2.5, NULL), ('2024-03-10T05:00:00Z', NULL, 3, '7'), ('nope', 3, NULL, NULL);",
                )
                .execute(&mut c)
                .await
                .unwrap();
            });
        }
        let mut src = source(&[("database", "sqlite://t.db")]);
        src.insert(
            crate::CONFIG_DIR_KEY.into(),
            Json::String(dir.path().display().to_string()),
        );
        let db = Database::from_source(&src, "database").unwrap().unwrap();
        let mut conn = db.connect().unwrap();
        assert_eq!(conn.columns("ev").unwrap(), ["t", "n", "x", "s"]);
        let zone: Tz = "America/Sao_Paulo".parse().unwrap();
        let mut got = Vec::new();
        let mut bad = 0;
        let n = conn
            .for_each(
                "SELECT t, n, x, s FROM ev WHERE n IS NULL OR n < ? ORDER BY rowid",
                &[Param::Int(5)],
                |r| {
                    match r.instant(0, zone) {
                        Ok(t) => got.push((
                            t.map(|t| t.timestamp()),
                            r.int(1).unwrap(),
                            r.float(2).unwrap(),
                            r.int(3).unwrap(),
                        )),
                        Err(e) => {
                            assert_eq!(e.column, "t");
                            bad += 1;
                        }
                    }
                    Ok::<(), PluginError>(())
                },
            )
            .unwrap();
        assert_eq!(n, 3);
        assert_eq!(bad, 1);
        // 2024-03-10 01:30 in São Paulo (UTC−3) = 04:30Z = 1710045000.
        assert_eq!(got[0], (Some(1_710_045_000), Some(1), Some(2.5), None));
        // 05:00Z = 1710046800; '7' reads as the integer 7.
        assert_eq!(got[1], (Some(1_710_046_800), None, Some(3.0), Some(7)));
    }

    /// The same typed reads against the harness's PostgreSQL and MariaDB: native timestamp
    /// types, jsonb, and text columns as Asterisk's realtime scripts declare them.
    #[cfg(feature = "testing")]
    #[test]
    fn servers_end_to_end() {
        for dialect in [Dialect::Postgres, Dialect::MySql] {
            let mut db = testing::database(dialect, "sql_e2e");
            let (ts, tstz, json) = match dialect {
                Dialect::Postgres => ("timestamp", "timestamptz", "jsonb"),
                _ => ("datetime(6)", "timestamp(6) NULL", "json"),
            };
            db.exec(&format!(
                "CREATE TABLE ev (id bigint, t {ts}, tz {tstz}, vt varchar(26), j {json}, f double precision, b boolean);
                 INSERT INTO ev VALUES (1, '2024-03-10 01:30:00.25', '2024-03-10 04:30:00.25', '2024-03-10 01:30:00.25', '{{\"a\": 1}}', 1.5, true);
                 INSERT INTO ev VALUES (2, NULL, NULL, 'garbage', NULL, NULL, NULL);"
            ));
            let src = db.source("database");
            let mut conn = Database::from_source(&src, "database")
                .unwrap()
                .unwrap()
                .connect()
                .unwrap();
            assert_eq!(
                conn.columns("ev").unwrap(),
                ["id", "t", "tz", "vt", "j", "f", "b"]
            );
            let zone: Tz = "America/Sao_Paulo".parse().unwrap();
            let sql = format!(
                "SELECT id, t, tz, vt, j, f, b FROM ev WHERE id >= {} ORDER BY id",
                dialect.placeholder(1)
            );
            let mut rows = Vec::new();
            conn.for_each(&sql, &[Param::Int(1)], |r| {
                rows.push((
                    r.int(0).unwrap(),
                    r.instant(1, zone).unwrap().map(|t| t.timestamp_millis()),
                    r.instant(2, zone).unwrap().map(|t| t.timestamp_millis()),
                    r.instant(3, zone).map_err(|e| e.column),
                    r.text(4)
                        .unwrap()
                        .map(|j| serde_json::from_str::<Json>(&j).unwrap()),
                    r.float(5).unwrap(),
                    r.bool(6).unwrap(),
                ));
                Ok::<(), PluginError>(())
            })
            .unwrap();
            // 01:30:00.25 in São Paulo (UTC−3) = 04:30:00.25Z = 1710045000250 ms.
            let t = Some(1_710_045_000_250);
            assert_eq!(
                rows[0],
                (
                    Some(1),
                    t,
                    t,
                    Ok(t.map(|ms| chrono::Utc.timestamp_millis_opt(ms).unwrap())),
                    Some(serde_json::json!({"a": 1})),
                    Some(1.5),
                    Some(true)
                ),
                "{dialect:?}"
            );
            assert_eq!(
                rows[1],
                (Some(2), None, None, Err("vt".to_owned()), None, None, None),
                "{dialect:?}"
            );
            // A query error is a SOURCE_DB_QUERY error, not a panic.
            let e = conn
                .for_each("SELECT nope FROM ev", &[], |_| Ok::<(), PluginError>(()))
                .unwrap_err();
            assert_eq!(e.code, CODE_QUERY);
        }
    }

    #[test]
    fn wrong_password_is_unreachable_and_redacted() {
        let env = std::fs::read_to_string(
            std::path::Path::new(
                &std::env::var("REPORTD_TEST_SERVERS")
                    .unwrap_or_else(|_| "/tmp/reportd-test-servers".into()),
            )
            .join("env"),
        )
        .expect("test servers env (scripts/test-servers start)");
        let port = env
            .lines()
            .find_map(|l| l.strip_prefix("PG_PORT="))
            .expect("PG_PORT")
            .to_owned();
        let url = format!("postgres://rtest:wrong-secret@127.0.0.1:{port}/postgres");
        let db = Database::from_source(&source(&[("database", &url)]), "database")
            .unwrap()
            .unwrap();
        let e = db.connect().err().expect("login must fail");
        assert_eq!(e.code, CODE_UNREACHABLE);
        assert!(!e.message.contains("wrong-secret"), "{}", e.message);
        assert!(
            e.message.contains("password authentication failed"),
            "{}",
            e.message
        );
    }
}

/// Fresh databases on the test harness's servers (features `sql` + `testing`).
///
/// `scripts/test-servers start` runs PostgreSQL and MariaDB on 127.0.0.1 and writes their
/// coordinates to `$REPORTD_TEST_SERVERS/env` (default `/tmp/reportd-test-servers/env`). A
/// test asks for its own database, so tests running in parallel never share tables. When
/// the harness is not running this panics with the command to run: a database test never
/// skips itself.
#[cfg(feature = "testing")]
pub mod testing {
    use std::sync::atomic::{AtomicU32, Ordering};

    use serde_json::{Map, Value as Json};

    use super::{Connection, Database, Dialect};

    /// A database created for one test.
    pub struct TestDb {
        /// The URL, password included (tests only).
        pub url: String,
        /// A connection to it, for creating and filling tables.
        pub conn: Connection,
    }

    impl TestDb {
        /// A source table `{ key = url }` for a plugin request.
        pub fn source(&self, key: &str) -> Map<String, Json> {
            let mut m = Map::new();
            m.insert(key.to_owned(), Json::String(self.url.clone()));
            m
        }

        /// Runs setup statements, panicking with the database's message on failure.
        #[allow(clippy::panic)]
        pub fn exec(&mut self, sql: &str) {
            if let Err(e) = self.conn.execute(sql) {
                panic!("test database setup failed: {e}\n{sql}");
            }
        }
    }

    fn harness_env() -> Map<String, Json> {
        let dir = std::env::var("REPORTD_TEST_SERVERS")
            .unwrap_or_else(|_| "/tmp/reportd-test-servers".into());
        let path = std::path::Path::new(&dir).join("env");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("{}: {e}; start the test servers first: sudo scripts/test-servers start (scripts/test does it)", path.display())
        });
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), Json::String(v.to_owned())))
            .collect()
    }

    /// Creates an empty database named after `hint` on the harness's PostgreSQL
    /// ([`Dialect::Postgres`]) or MariaDB ([`Dialect::MySql`]) and connects to it.
    #[allow(clippy::panic)]
    pub fn database(dialect: Dialect, hint: &str) -> TestDb {
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let env = harness_env();
        let get = |k: &str| {
            env.get(k)
                .and_then(Json::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| panic!("{k} missing from the test servers' env file: restart them with scripts/test-servers start"))
        };
        let user = get("USER");
        let password = get("PASSWORD");
        let hint: String = hint
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .take(30)
            .collect();
        let name = format!(
            "t_{hint}_{}_{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let (admin_url, url) = match dialect {
            Dialect::Postgres => {
                let port = get("PG_PORT");
                (
                    format!("postgres://{user}:{password}@127.0.0.1:{port}/postgres"),
                    format!("postgres://{user}:{password}@127.0.0.1:{port}/{name}"),
                )
            }
            Dialect::MySql => {
                let port = get("MARIADB_PORT");
                (
                    format!("mysql://{user}:{password}@127.0.0.1:{port}/mysql"),
                    format!("mysql://{user}:{password}@127.0.0.1:{port}/{name}"),
                )
            }
            Dialect::Sqlite => {
                panic!("SQLite needs no server: use a file in a temporary directory")
            }
        };
        let open = |url: &str| {
            let mut m = Map::new();
            m.insert("db".into(), Json::String(url.to_owned()));
            let db = Database::from_source(&m, "db")
                .unwrap_or_else(|e| panic!("{e:?}"))
                .unwrap_or_else(|| panic!("no db"));
            db.connect().unwrap_or_else(|e| panic!("{e}"))
        };
        let mut admin = open(&admin_url);
        admin
            .execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("{e}"));
        let conn = open(&url);
        TestDb { url, conn }
    }
}
