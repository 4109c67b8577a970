//! A collecting [`Sink`] for plugin tests (feature `testing`; enable it only under
//! `[dev-dependencies]`).
//!
//! [`CollectOf`] keeps everything a plugin writes — columns, rows as owned cells, warnings,
//! metadata, progress — and reports [`CollectOf::cancel`] as the host's cancel flag. Rows are
//! stored as an owned cell type `C` converted from each [`Value`]; [`Cell`] covers every
//! variant ([`Collect`]), and a plugin whose tests compare cells differently (say, durations
//! in whole seconds) uses `CollectOf<ItsCell>`.

use std::collections::BTreeMap;

use crate::{Cancelled, Column, Sink, Value, Warning};

/// An owned [`Value`], for comparisons.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// [`Value::Null`].
    Null,
    /// [`Value::Int`].
    Int(i64),
    /// [`Value::Float`].
    Float(f64),
    /// [`Value::Bool`].
    Bool(bool),
    /// [`Value::Text`].
    Text(String),
    /// [`Value::Date`].
    Date(i32),
    /// [`Value::DateTime`].
    DateTime(i64),
    /// [`Value::Time`].
    Time(u32),
    /// [`Value::Duration`].
    Duration(i64),
    /// [`Value::Decimal`]: mantissa, scale.
    Decimal(i64, u32),
}

impl From<&Value<'_>> for Cell {
    fn from(v: &Value<'_>) -> Self {
        match *v {
            Value::Null => Cell::Null,
            Value::Int(i) => Cell::Int(i),
            Value::Float(f) => Cell::Float(f),
            Value::Bool(b) => Cell::Bool(b),
            Value::Text(s) => Cell::Text(s.to_owned()),
            Value::Date(d) => Cell::Date(d),
            Value::DateTime(s) => Cell::DateTime(s),
            Value::Time(s) => Cell::Time(s),
            Value::Duration(ms) => Cell::Duration(ms),
            Value::Decimal { mantissa, scale } => Cell::Decimal(mantissa, scale),
        }
    }
}

/// A text cell.
pub fn t(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

/// [`CollectOf`] over the api's [`Cell`].
pub type Collect = CollectOf<Cell>;

/// Collects everything a plugin writes, each cell converted to a `C`.
#[derive(Debug)]
pub struct CollectOf<C> {
    /// The columns of the last [`Sink::begin`].
    pub columns: Vec<Column>,
    /// Every row, in order.
    pub rows: Vec<Vec<C>>,
    /// Every warning, in order.
    pub warnings: Vec<Warning>,
    /// The metadata; a later value for a key replaces the earlier.
    pub meta: BTreeMap<String, String>,
    /// Every `(done, total)` progress report, in order.
    pub progress: Vec<(u64, u64)>,
    /// What [`Sink::cancelled`] answers.
    pub cancel: bool,
    /// How many times [`Sink::begin`] was called (a plugin calls it exactly once).
    pub begun: u32,
}

// Not derived: a derive would require `C: Default`, which a cell enum need not be.
impl<C> Default for CollectOf<C> {
    fn default() -> Self {
        Self {
            columns: Vec::new(),
            rows: Vec::new(),
            warnings: Vec::new(),
            meta: BTreeMap::new(),
            progress: Vec::new(),
            cancel: false,
            begun: 0,
        }
    }
}

impl<C: Clone> CollectOf<C> {
    /// Row `i` as column id → cell. Panics when there is no row `i`.
    pub fn row(&self, i: usize) -> BTreeMap<String, C> {
        self.columns
            .iter()
            .map(|c| c.id.clone())
            .zip(self.rows[i].iter().cloned())
            .collect()
    }

    /// The index of column `id`. Panics when there is none.
    pub fn col(&self, id: &str) -> usize {
        self.columns
            .iter()
            .position(|c| c.id == id)
            .unwrap_or_else(|| panic!("no column {id}"))
    }

    /// Column `id` of every row. Panics when there is no such column.
    pub fn column(&self, id: &str) -> Vec<C> {
        let i = self.col(id);
        self.rows.iter().map(|r| r[i].clone()).collect()
    }

    /// The column ids, in order.
    pub fn column_ids(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.id.clone()).collect()
    }

    /// The first warning with `code`.
    pub fn warning(&self, code: &str) -> Option<&Warning> {
        self.warnings.iter().find(|w| w.code == code)
    }
}

impl<C> Sink for CollectOf<C>
where
    C: for<'a, 'b> From<&'a Value<'b>>,
{
    fn begin(&mut self, columns: &[Column]) -> Result<(), Cancelled> {
        self.begun += 1;
        self.columns = columns.to_vec();
        Ok(())
    }

    /// Panics when the row's length differs from the column count (a plugin bug).
    fn row(&mut self, cells: &[Value<'_>]) -> Result<(), Cancelled> {
        assert_eq!(
            cells.len(),
            self.columns.len(),
            "cell count != column count"
        );
        self.rows.push(cells.iter().map(C::from).collect());
        Ok(())
    }

    fn warn(&mut self, warning: Warning) {
        self.warnings.push(warning);
    }

    fn meta(&mut self, key: &str, value: &str) {
        self.meta.insert(key.to_owned(), value.to_owned());
    }

    fn progress(&mut self, done: u64, total: u64) {
        self.progress.push((done, total));
    }

    fn cancelled(&self) -> bool {
        self.cancel
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ColumnType;

    #[test]
    fn collects_rows_meta_and_progress() {
        let mut c: Collect = Collect::default();
        let cols = [
            Column::new("a", ColumnType::Integer, "A", "A", "A"),
            Column::new("b", ColumnType::Text, "B", "B", "B"),
        ];
        let sink: &mut dyn Sink = &mut c;
        sink.begin(&cols).unwrap_or_else(|_| panic!("begin"));
        sink.row(&[Value::Int(7), Value::Text("x")])
            .unwrap_or_else(|_| panic!("row"));
        sink.meta("k", "v1");
        sink.meta("k", "v2");
        sink.progress(1, 4);
        assert!(!sink.cancelled());
        assert_eq!(c.begun, 1);
        assert_eq!(c.column("b"), vec![t("x")]);
        assert_eq!(c.row(0)["a"], Cell::Int(7));
        assert_eq!(c.column_ids(), ["a", "b"]);
        assert_eq!(c.meta["k"], "v2");
        assert_eq!(c.progress, [(1, 4)]);
    }
}
