//! Line charts drawn on the server as SVG (the reports page): one `<path>` per series
//! over a shared x axis of intervals, a y axis from zero, a legend. Hand-written rather
//! than a plotting crate: a few lines of geometry, no fonts to load, and markup maud
//! escapes like the rest of the page.

use maud::{html, Markup};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 36.0;
/// Distinguishable on a light background, in series order.
const COLOURS: [&str; 4] = ["#1f6fb2", "#2e8b57", "#c0392b", "#8e44ad"];

/// One line: a value per x position (`None`: nothing to plot there, the line breaks).
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// A chart: its title, the x positions' labels and its series (each as long as the
/// labels).
pub struct LineChart {
    pub title: String,
    pub x_labels: Vec<String>,
    pub series: Vec<Series>,
    /// A fixed top of the y axis (100 for percentages); else the largest value.
    pub y_max: Option<f64>,
}

/// The y axis' top: a round number at or above `largest`.
fn nice_ceiling(largest: f64) -> f64 {
    if largest <= 0.0 || !largest.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(largest.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if step * magnitude >= largest {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

/// Earlier series are drawn wider, so a line lying on a later one (offered = answered)
/// still shows at its edges.
fn stroke_width(number: usize, count: usize) -> f64 {
    1.5 + count.saturating_sub(number + 1) as f64
}

/// The y axis' top for these values: counts below 4 get 4, so the axis' quarters are
/// whole numbers.
fn y_top(plotted: &[f64]) -> f64 {
    let largest = plotted.iter().copied().fold(0.0, f64::max);
    if largest < 4.0 && plotted.iter().all(|v| v.fract() == 0.0) {
        4.0
    } else {
        nice_ceiling(largest)
    }
}

/// A y value as a label: no trailing zeros.
fn label(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The points with no plotted neighbour: a path cannot show them, a dot does.
fn isolated(values: &[Option<f64>]) -> Vec<(usize, f64)> {
    let plotted = |index: Option<usize>| {
        index
            .and_then(|i| values.get(i))
            .is_some_and(|v| v.is_some_and(f64::is_finite))
    };
    values
        .iter()
        .enumerate()
        .filter_map(|(index, value)| {
            let value = value.filter(|v| v.is_finite())?;
            let alone = !plotted(index.checked_sub(1)) && !plotted(index.checked_add(1));
            alone.then_some((index, value))
        })
        .collect()
}

/// The path of one series: `M` at each start (the first point, or after a gap), `L` to
/// each next point.
fn path_data(
    values: &[Option<f64>],
    x_of: impl Fn(usize) -> f64,
    y_of: impl Fn(f64) -> f64,
) -> String {
    let mut data = String::new();
    let mut drawing = false;
    for (index, value) in values.iter().enumerate() {
        match value {
            Some(value) if value.is_finite() => {
                let command = if drawing { 'L' } else { 'M' };
                if !data.is_empty() {
                    data.push(' ');
                }
                data.push_str(&format!("{command}{:.1},{:.1}", x_of(index), y_of(*value)));
                drawing = true;
            }
            _ => drawing = false,
        }
    }
    data
}

/// The chart as SVG; without a single value to plot, an explicit `no_data` text and no
/// line.
pub fn line_chart(chart: &LineChart, no_data: &str) -> Markup {
    let plotted: Vec<f64> = chart
        .series
        .iter()
        .flat_map(|series| series.values.iter().flatten().copied())
        .filter(|value| value.is_finite())
        .collect();
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let points = chart.x_labels.len();
    let y_top = chart.y_max.unwrap_or_else(|| y_top(&plotted));
    let x_of = |index: usize| {
        if points <= 1 {
            LEFT + plot_width / 2.0
        } else {
            LEFT + plot_width * index as f64 / (points - 1) as f64
        }
    };
    let y_of = |value: f64| TOP + plot_height * (1.0 - (value / y_top).clamp(0.0, 1.0));
    // First, middle and last labels: enough to read the axis without crowding it.
    let mut x_ticks: Vec<usize> = vec![0, points / 2, points.saturating_sub(1)];
    x_ticks.dedup();
    let view_box = format!("0 0 {WIDTH} {HEIGHT}");
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" viewBox=(view_box) width=(WIDTH) height=(HEIGHT) role="img" aria-label=(chart.title) {
            text x=(LEFT) y="16" font-size="13" font-weight="bold" { (chart.title) }
            @if plotted.is_empty() || points == 0 {
                text.no-data x=(WIDTH / 2.0) y=(HEIGHT / 2.0) text-anchor="middle" font-size="14" fill="#777" { (no_data) }
            } @else {
                @for step in 0..=4u8 {
                    @let value = y_top * f64::from(step) / 4.0;
                    line x1=(LEFT) x2=(WIDTH - RIGHT) y1=(format!("{:.1}", y_of(value))) y2=(format!("{:.1}", y_of(value))) stroke="#ddd" {}
                    text x=(LEFT - 4.0) y=(format!("{:.1}", y_of(value) + 4.0)) text-anchor="end" font-size="10" fill="#555" { (label(value)) }
                }
                @for index in &x_ticks {
                    @if let Some(text) = chart.x_labels.get(*index) {
                        // The ends' labels inside the chart, the middle one centred.
                        @let anchor = if points > 1 && *index == 0 { "start" } else if points > 1 && *index == points - 1 { "end" } else { "middle" };
                        text x=(format!("{:.1}", x_of(*index))) y=(HEIGHT - BOTTOM + 14.0) text-anchor=(anchor) font-size="10" fill="#555" { (text) }
                    }
                }
                @for (number, series) in chart.series.iter().enumerate() {
                    @let colour = COLOURS[number % COLOURS.len()];
                    @let data = path_data(&series.values, x_of, y_of);
                    @if !data.is_empty() {
                        path.series data-series=(series.name) d=(data) fill="none" stroke=(colour) stroke-width=(stroke_width(number, chart.series.len())) {}
                    }
                    @for (index, value) in isolated(&series.values) {
                        circle.point cx=(format!("{:.1}", x_of(index))) cy=(format!("{:.1}", y_of(value))) r="3" fill=(colour) {}
                    }
                    rect x=(LEFT + 120.0 * number as f64) y=(HEIGHT - 12.0) width="10" height="10" fill=(colour) {}
                    text x=(LEFT + 14.0 + 120.0 * number as f64) y=(HEIGHT - 3.0) font-size="11" { (series.name) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(series: Vec<Series>, points: usize) -> LineChart {
        LineChart {
            title: "Calls".into(),
            x_labels: (0..points).map(|i| format!("{i:02}:00")).collect(),
            series,
            y_max: None,
        }
    }

    /// The `d` attribute of every series path, by series name.
    fn paths(svg: &str) -> Vec<(String, String)> {
        svg.split("<path ")
            .skip(1)
            .map(|rest| {
                let attribute = |name: &str| {
                    let start = rest.find(&format!("{name}=\"")).expect(name) + name.len() + 2;
                    let end = start + rest[start..].find('"').expect("closing quote");
                    rest[start..end].to_owned()
                };
                (attribute("data-series"), attribute("d"))
            })
            .collect()
    }

    #[test]
    fn one_path_per_series_with_a_point_per_value() {
        let svg = line_chart(
            &chart(
                vec![
                    Series {
                        name: "Offered".into(),
                        values: vec![Some(3.0), Some(7.0), Some(0.0), Some(5.0)],
                    },
                    Series {
                        name: "Answered".into(),
                        values: vec![Some(2.0), Some(6.0), Some(0.0), Some(5.0)],
                    },
                ],
                4,
            ),
            "No data",
        )
        .into_string();
        let paths = paths(&svg);
        assert_eq!(paths.len(), 2, "{svg}");
        for (name, d) in &paths {
            assert_eq!(d.matches('M').count(), 1, "{name}: {d}");
            assert_eq!(d.matches('L').count(), 3, "{name}: {d}");
        }
        assert!(!svg.contains("No data"));
        // The largest value (7) sits below the axis' top (10), zero on the baseline.
        let offered = &paths[0].1;
        assert!(offered.starts_with("M48.0,"), "{offered}");
        assert!(
            offered.contains(&format!(",{:.1}", HEIGHT - BOTTOM)),
            "{offered}"
        );
        assert!(svg.contains(">10<"), "y axis up to 10: {svg}");
        assert!(!svg.contains("<circle"), "no point stands alone: {svg}");
    }

    #[test]
    fn a_point_without_neighbours_is_a_dot_and_small_counts_have_whole_ticks() {
        let svg = line_chart(
            &chart(
                vec![Series {
                    name: "SL".into(),
                    values: vec![None, Some(1.0), None, Some(0.0), Some(1.0)],
                }],
                5,
            ),
            "No data",
        )
        .into_string();
        assert_eq!(svg.matches("<circle").count(), 1, "{svg}");
        for tick in [">0<", ">1<", ">2<", ">3<", ">4<"] {
            assert!(svg.contains(tick), "{tick}: {svg}");
        }
        assert_eq!(label(0.25), "0.25");
        assert_eq!(label(2.5), "2.5");
    }

    #[test]
    fn a_gap_breaks_the_line_and_a_fixed_top_holds() {
        let mut percent = chart(
            vec![Series {
                name: "SL".into(),
                values: vec![Some(80.0), None, Some(100.0), Some(90.0)],
            }],
            4,
        );
        percent.y_max = Some(100.0);
        let svg = line_chart(&percent, "No data").into_string();
        let paths = paths(&svg);
        assert_eq!(paths.len(), 1);
        assert_eq!(paths[0].1.matches('M').count(), 2, "{}", paths[0].1);
        assert_eq!(paths[0].1.matches('L').count(), 1, "{}", paths[0].1);
        // 100 % on the top line.
        assert!(paths[0].1.contains(&format!(",{TOP:.1}")), "{}", paths[0].1);
    }

    #[test]
    fn no_values_say_no_data_and_draw_no_line() {
        for empty in [
            chart(vec![], 0),
            chart(
                vec![Series {
                    name: "Offered".into(),
                    values: vec![None, None],
                }],
                2,
            ),
        ] {
            let svg = line_chart(&empty, "No data").into_string();
            assert!(svg.contains("class=\"no-data\""), "{svg}");
            assert!(svg.contains("No data"));
            assert!(!svg.contains("<path"), "{svg}");
        }
    }

    #[test]
    fn a_single_point_is_centred_and_values_are_escaped() {
        let svg = line_chart(
            &chart(
                vec![Series {
                    name: "<b>".into(),
                    values: vec![Some(1.0)],
                }],
                1,
            ),
            "No data",
        )
        .into_string();
        assert!(svg.contains(&format!("M{:.1},", LEFT + (WIDTH - LEFT - RIGHT) / 2.0)));
        assert!(!svg.contains("<b>") && svg.contains("&lt;b&gt;"));
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(13.0), 20.0);
        assert_eq!(nice_ceiling(230.0), 250.0);
        assert_eq!(nice_ceiling(1.0), 1.0);
    }
}
