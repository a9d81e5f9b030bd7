//! A hand-written SVG chart of a training run: loss (left axis, scaled to its maximum) and the
//! float, integer and held-out accuracies (0–100%) per epoch. No dependencies; any browser shows it.

use super::trainer::EpochStats;

const W: f64 = 640.0;
const H: f64 = 360.0;
const PAD: f64 = 48.0;

/// A named, coloured line and how to read its value from an epoch.
type Series<'a> = (
    &'a str,
    &'a str,
    Box<dyn Fn(&EpochStats) -> Option<f64> + 'a>,
);

fn polyline(points: &[(f64, f64)], colour: &str) -> String {
    let pts: Vec<String> = points
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect();
    format!(
        "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>\n",
        pts.join(" ")
    )
}

/// The SVG document for a run's history.
pub fn svg(history: &[EpochStats], title: &str) -> String {
    let n = history.len().max(2) as f64 - 1.0;
    let x = |i: usize| PAD + (W - 2.0 * PAD) * i as f64 / n;
    let y = |v: f64| H - PAD - (H - 2.0 * PAD) * v.clamp(0.0, 1.0);
    let max_loss = history.iter().map(|s| s.loss).fold(1e-9, f64::max);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{PAD}\" y=\"24\" font-size=\"14\">{}</text>\n",
        title.replace('&', "&amp;").replace('<', "&lt;")
    );
    for k in 0..=4 {
        let v = k as f64 / 4.0;
        s.push_str(&format!(
            "<line x1=\"{PAD}\" x2=\"{}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#ddd\"/>\
             <text x=\"{}\" y=\"{:.1}\">{}%</text>\n",
            W - PAD,
            W - PAD + 4.0,
            y(v) + 4.0,
            (v * 100.0) as u32,
            yy = y(v)
        ));
    }
    s.push_str(&format!(
        "<text x=\"{PAD}\" y=\"{}\">epoch 1 … {}   loss scaled to max {max_loss:.3}</text>\n",
        H - 16.0,
        history.len()
    ));
    let series: [Series; 4] = [
        ("loss", "#888", Box::new(|e| Some(e.loss / max_loss))),
        ("float acc", "#1f77b4", Box::new(|e| Some(e.float_acc))),
        ("integer acc", "#d62728", Box::new(|e| Some(e.int_acc))),
        ("held-out acc", "#2ca02c", Box::new(|e| e.held_acc)),
    ];
    for (k, (name, colour, f)) in series.iter().enumerate() {
        let pts: Vec<(f64, f64)> = history
            .iter()
            .enumerate()
            .filter_map(|(i, e)| f(e).map(|v| (x(i), y(v))))
            .collect();
        if pts.is_empty() {
            continue;
        }
        s.push_str(&polyline(&pts, colour));
        s.push_str(&format!(
            "<text x=\"{}\" y=\"44\" fill=\"{colour}\">{name}</text>\n",
            PAD + 110.0 * k as f64
        ));
    }
    s.push_str("</svg>\n");
    s
}
