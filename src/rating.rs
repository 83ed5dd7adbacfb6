//! The product team's guideline for a weekly growth rate.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Rating {
    #[serde(rename = "exceptional")]
    Exceptional,
    #[serde(rename = "strong")]
    Strong,
    #[serde(rename = "sustainable")]
    Sustainable,
    #[serde(rename = "needs improvement")]
    NeedsImprovement,
    #[serde(rename = "not acceptable")]
    NotAcceptable,
}

/// Rates computed as `(this − previous) / previous` land a few ulps either side of a band
/// edge (`0.07 − 0.01` is `0.060000000000000005`, `1.03 − 1.01` is `0.019999…`); a
/// tolerance far below any real difference keeps "exactly 2 %" in the 2 % band.
const EDGE_TOLERANCE: f64 = 1e-12;

impl Rating {
    /// Bands: exceptional g ≥ 6 %, strong 4 % ≤ g < 6 %, sustainable 2 % ≤ g < 4 %,
    /// needs improvement 1 % < g < 2 %, not acceptable g ≤ 1 %.
    pub fn of(weekly_growth: f64) -> Rating {
        let at_least = |edge: f64| weekly_growth >= edge - EDGE_TOLERANCE;
        if at_least(0.06) {
            Rating::Exceptional
        } else if at_least(0.04) {
            Rating::Strong
        } else if at_least(0.02) {
            Rating::Sustainable
        } else if weekly_growth > 0.01 + EDGE_TOLERANCE {
            Rating::NeedsImprovement
        } else {
            Rating::NotAcceptable
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Rating::Exceptional => "exceptional",
            Rating::Strong => "strong",
            Rating::Sustainable => "sustainable",
            Rating::NeedsImprovement => "needs improvement",
            Rating::NotAcceptable => "not acceptable",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_edges_follow_the_guideline() {
        assert_eq!(Rating::of(0.06), Rating::Exceptional);
        assert_eq!(Rating::of(0.25), Rating::Exceptional);
        assert_eq!(Rating::of(0.0599), Rating::Strong);
        assert_eq!(Rating::of(0.04), Rating::Strong);
        assert_eq!(Rating::of(0.0399), Rating::Sustainable);
        assert_eq!(Rating::of(0.02), Rating::Sustainable);
        assert_eq!(Rating::of(0.0199), Rating::NeedsImprovement);
        assert_eq!(Rating::of(0.0101), Rating::NeedsImprovement);
        assert_eq!(Rating::of(0.01), Rating::NotAcceptable);
        assert_eq!(Rating::of(0.0), Rating::NotAcceptable);
        assert_eq!(Rating::of(-0.3), Rating::NotAcceptable);
    }

    #[test]
    fn float_noise_at_an_edge_stays_in_the_band() {
        // 102 after 100 is exactly 2 %, however the subtraction rounds.
        assert_eq!(Rating::of((102.0 - 100.0) / 100.0), Rating::Sustainable);
        assert_eq!(Rating::of(1.03 - 1.01), Rating::Sustainable);
        assert_eq!(Rating::of(1.07 - 1.01), Rating::Exceptional);
    }
}
