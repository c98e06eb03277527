//! typst's dependency tree (~290 crates, minutes of cold build) stays in
//! this crate: only `mibg-documents` names a typst crate, and only the front
//! ends — the `mibg` binary and the web application `mibg-web` (its PDF
//! downloads) — name `mibg-documents` (ARCHITECTURE.md); no library that
//! computes does. A new dependency on
//! either elsewhere fails here.

use std::path::Path;

#[test]
fn only_this_crate_uses_typst_and_only_the_front_ends_use_this_crate() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut checked = 0;
    for entry in std::fs::read_dir(&crates).unwrap() {
        let dir = entry.unwrap().path();
        let manifest = dir.join("Cargo.toml");
        if !manifest.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&manifest).unwrap();
        let doc: toml::Table = text.parse().unwrap();
        let name = doc["package"]["name"].as_str().unwrap().to_string();
        let mut deps: Vec<String> = Vec::new();
        for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
            if let Some(t) = doc.get(section).and_then(|v| v.as_table()) {
                deps.extend(t.keys().cloned());
            }
        }
        for d in &deps {
            if d.starts_with("typst") {
                assert_eq!(name, "mibg-documents", "{name} depends on {d}");
            }
            if d == "mibg-documents" {
                assert!(
                    name == "mibg" || name == "mibg-web",
                    "{name} depends on mibg-documents"
                );
            }
        }
        checked += 1;
    }
    assert!(
        checked >= 10,
        "only {checked} crates found under {}",
        crates.display()
    );
}
