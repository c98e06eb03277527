//! A CONSORT-style flow diagram (Schulz et al., CONSORT 2010 statement, BMJ
//! 2010;340:c332, figure 1: boxes for each stage, the number of
//! participants in each, and the excluded with their reasons beside): one
//! box for the enrolled participants and, below it, one box per analysis
//! population, each with a box of the participants left out and why.
//! Deterministic SVG, text wrapped by character count.

use crate::{escape, num};

/// One analysis population.
#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    /// What the population is (e.g. "Evaluable for response").
    pub label: String,
    /// Participants in it.
    pub n: usize,
    /// Participants left out, each reason with its count.
    pub excluded: Vec<(String, usize)>,
}

/// A flow diagram: the enrolled participants and the analysis populations.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    /// Title above the diagram.
    pub title: String,
    /// The first box (e.g. "Enrolled (patients.csv)").
    pub enrolled_label: String,
    /// Participants enrolled.
    pub enrolled: usize,
    /// The analysis populations, top to bottom.
    pub stages: Vec<Stage>,
}

const W: f64 = 760.0;
const BOX_W: f64 = 300.0;
const SIDE_X: f64 = 420.0;
const SIDE_W: f64 = 320.0;
const LINE: f64 = 15.0;
const PAD: f64 = 8.0;
const GAP: f64 = 22.0;
const MAIN_X: f64 = 60.0;

/// Splits text into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

fn text_box(svg: &mut String, x: f64, y: f64, w: f64, lines: &[String], bold_first: bool) -> f64 {
    let h = lines.len() as f64 * LINE + 2.0 * PAD;
    svg.push_str(&format!(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fff\" stroke=\"#333\"/>\n",
        num(x),
        num(y),
        num(w),
        num(h)
    ));
    for (k, l) in lines.iter().enumerate() {
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\"{}>{}</text>\n",
            num(x + PAD),
            num(y + PAD + LINE * (k as f64 + 0.8)),
            if bold_first && k == 0 {
                " font-weight=\"bold\""
            } else {
                ""
            },
            escape(l)
        ));
    }
    h
}

impl Flow {
    /// The diagram as a standalone SVG document.
    pub fn to_svg(&self) -> String {
        let mut body = String::new();
        let mut y = 40.0;
        let main = |label: &str, n: usize| {
            let mut l = wrap(label, 36);
            l.push(format!("n = {n}"));
            l
        };
        let h0 = text_box(
            &mut body,
            MAIN_X,
            y,
            BOX_W,
            &main(&self.enrolled_label, self.enrolled),
            true,
        );
        let spine_x = MAIN_X + 24.0;
        let spine_top = y + h0;
        y += h0 + GAP;
        let mut spine_bottom = spine_top;
        for s in &self.stages {
            let mut side: Vec<String> = Vec::new();
            let n_out: usize = s.excluded.iter().map(|e| e.1).sum();
            side.push(format!("Not in this population (n = {n_out})"));
            for (reason, k) in &s.excluded {
                let mut w = wrap(&format!("• {reason} (n = {k})"), 44);
                side.append(&mut w);
            }
            if s.excluded.is_empty() {
                side.push("none".into());
            }
            let side_h = side.len() as f64 * LINE + 2.0 * PAD;
            let lines = main(&s.label, s.n);
            let main_h = lines.len() as f64 * LINE + 2.0 * PAD;
            let row_h = main_h.max(side_h);
            let my = y + (row_h - main_h) / 2.0;
            text_box(&mut body, MAIN_X + 48.0, my, BOX_W - 48.0, &lines, true);
            let sy = y + (row_h - side_h) / 2.0;
            text_box(&mut body, SIDE_X, sy, SIDE_W, &side, false);
            let mid = my + main_h / 2.0;
            // spine → population box, population box → exclusion box
            body.push_str(&format!(
                "<path d=\"M{} {}H{}\" stroke=\"#333\" marker-end=\"url(#arrow)\"/>\n",
                num(spine_x),
                num(mid),
                num(MAIN_X + 46.0)
            ));
            body.push_str(&format!(
                "<path d=\"M{} {}H{}\" stroke=\"#333\" stroke-dasharray=\"4 3\" marker-end=\"url(#arrow)\"/>\n",
                num(MAIN_X + BOX_W),
                num(mid),
                num(SIDE_X - 2.0)
            ));
            spine_bottom = mid;
            y += row_h + GAP;
        }
        let height = y + 10.0;
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" font-family=\"sans-serif\" font-size=\"12\">\n",
            num(W),
            num(height),
            num(W),
            num(height)
        );
        svg.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0 0L10 5L0 10z\" fill=\"#333\"/></marker></defs>\n");
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"24\" font-size=\"14\" font-weight=\"bold\">{}</text>\n",
            num(MAIN_X),
            escape(&self.title)
        ));
        if !self.stages.is_empty() {
            svg.push_str(&format!(
                "<path d=\"M{} {}V{}\" stroke=\"#333\"/>\n",
                num(spine_x),
                num(spine_top),
                num(spine_bottom)
            ));
        }
        svg.push_str(&body);
        svg.push_str("</svg>\n");
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_numbers_and_reasons_are_drawn() {
        let f = Flow {
            title: "Patient flow".into(),
            enrolled_label: "Enrolled".into(),
            enrolled: 26,
            stages: vec![Stage {
                label: "Evaluable for response".into(),
                n: 25,
                excluded: vec![("no evaluable follow-up <x>".into(), 1)],
            }],
        };
        let svg = f.to_svg();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains(">n = 26</text>"));
        assert!(svg.contains(">n = 25</text>"));
        assert!(svg.contains("Not in this population (n = 1)"));
        assert!(svg.contains("• no evaluable follow-up &lt;x&gt; (n = 1)"));
        assert_eq!(svg.matches("<rect").count(), 3);
        assert_eq!(wrap("a bb ccc dddd", 6), vec!["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("", 6), vec![""]);
    }
}
