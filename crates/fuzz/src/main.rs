//! `mibg-fuzz`: the fuzz campaign (see the library, `mibg_fuzz::cli`).
// A shim over the library, which uses (and is checked for) the package's
// dependencies.
#![allow(unused_crate_dependencies)]

fn main() {
    mibg_fuzz::cli::main()
}
