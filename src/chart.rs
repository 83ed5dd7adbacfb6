//! The points of Dashboard 2.0's `ui-chart` (`{series, x, y}`), one type per kind of x axis,
//! shared by every page that draws one.

use serde::Serialize;

/// A point on a time axis: x is midnight UTC of a day, in epoch milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChartPoint {
    pub series: String,
    pub x: i64,
    pub y: f64,
}

/// A point on a category axis of ISO weeks: x is the week's label (`2026-W05`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekPoint {
    pub series: &'static str,
    pub x: String,
    pub y: f64,
}
