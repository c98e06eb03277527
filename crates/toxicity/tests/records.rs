//! Input records: the blood-product names a transfusions file may use and
//! the "file line N" an origin prints. Expected values: the spellings
//! `Product::parse` documents (the README data dictionary's `product`
//! column); a product read as the other one would count a red-cell
//! transfusion against platelet recovery (docs/reference/toxicity.md §8.2).

use mibg_toxicity::Product;
use mibg_toxicity::records::Origin;

#[test]
fn every_product_spelling() {
    for name in ["platelets", "plt", "platelet", "PLT", " Platelets "] {
        assert_eq!(Product::parse(name), Some(Product::Platelets), "{name}");
    }
    for name in [
        "red_cells",
        "rbc",
        "prbc",
        "red_blood_cells",
        "Red cells",
        "red-cells",
        "Red Blood Cells",
        "PRBC",
    ] {
        assert_eq!(Product::parse(name), Some(Product::RedCells), "{name}");
    }
    for name in ["", "plasma", "ffp", "whole blood", "red"] {
        assert_eq!(Product::parse(name), None, "{name}");
    }
}

#[test]
fn an_origin_prints_file_and_line() {
    let o = Origin {
        source: "labs.csv".into(),
        row: 12,
    };
    assert_eq!(o.to_string(), "labs.csv line 12");
}
