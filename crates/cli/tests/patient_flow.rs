//! The CONSORT-style patient flow of the study report (HTML), the real
//! binary on the seed study: every population's size equals the report's
//! denominator and the seed abstract's (`/examples/seed-study/README.md`:
//! response 12/25, hypothyroidism 6/14 of the survivors), and every
//! population plus its exclusions adds up to the 26 enrolled.

mod common;
use common::{ok, repo_root};
use serde_json::Value;

/// (box texts joined per box) from the flow SVG.
fn boxes(svg: &str) -> Vec<String> {
    svg.split("<rect")
        .skip(1)
        .map(|b| {
            b.split("<text")
                .skip(1)
                .filter_map(|t| {
                    t.split_once('>')
                        .map(|(_, r)| r.split("</text>").next().unwrap_or(""))
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn n_of(text: &str, key: &str) -> usize {
    let i = text.find(key).unwrap_or_else(|| panic!("{key} in {text}")) + key.len();
    text[i..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[test]
fn seed_flow_adds_up_and_matches_the_denominators() {
    let tmp = tempfile::tempdir().unwrap();
    let seed = repo_root().join("examples/seed-study");
    ok(&[
        "study",
        "report",
        seed.to_str().unwrap(),
        "--out",
        tmp.path().to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(tmp.path().join("report.html")).unwrap();
    let i = html.find("<h2>Patient flow</h2>").expect("flow section");
    let svg = &html[i..i + html[i..].find("</svg>").unwrap()];
    let b = boxes(svg);
    assert!(b[0].starts_with("Enrolled (patients.csv)"), "{b:?}");
    assert_eq!(n_of(&b[0], "n = "), 26);
    // population box, exclusion box, …
    let pairs: Vec<(&String, &String)> = b[1..].chunks(2).map(|c| (&c[0], &c[1])).collect();
    assert_eq!(pairs.len(), 6);
    for (pop, out) in &pairs {
        let kept = n_of(pop, "n = ");
        let left = n_of(out, "Not in this population (n = ");
        assert_eq!(kept + left, 26, "{pop} / {out}");
        // the reasons add up to the exclusions
        let by_reason: usize = out.split("• ").skip(1).map(|r| n_of(r, "(n = ")).sum();
        assert_eq!(by_reason, left, "{out}");
    }
    let report: Value =
        serde_json::from_str(&ok(&["study", "report", seed.to_str().unwrap(), "--json"])).unwrap();
    let c = &report["cohort"];
    let find = |label: &str| {
        pairs
            .iter()
            .find(|(p, _)| p.contains(label))
            .map(|(p, _)| n_of(p, "n = "))
            .unwrap_or_else(|| panic!("{label}"))
    };
    // The abstract's denominators.
    assert_eq!(find("Evaluable for response"), 25);
    assert_eq!(find("(survivors with thyroid follow-up)"), 14);
    assert_eq!(
        find("Evaluable for response") as u64,
        c["response_rate"]["n"].as_u64().unwrap()
    );
    assert_eq!(
        find("(survivors with thyroid follow-up)") as u64,
        c["hypothyroidism"]["n"].as_u64().unwrap()
    );
    assert_eq!(
        find("SIOPEN") as u64,
        c["siopen_endpoint"]["n"].as_u64().unwrap()
    );
    assert_eq!(
        find("soft-tissue lesion") as u64,
        c["soft_tissue_endpoint"]["n"].as_u64().unwrap()
    );
    assert_eq!(
        find("event-free survival") as u64,
        c["os"]["n"].as_u64().unwrap()
    );
    assert!(svg.contains("died before the last contact (n = 12)"));
}
