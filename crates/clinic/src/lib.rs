//! The use-case core of mibg: one function per clinical act of a course of
//! 131I-mIBG therapy (plan a course, assess the dosimetry of infusion 1,
//! propose the second activity, assess response and toxicity, report the
//! cohort), each taking typed inputs and returning a typed, serialisable
//! result with its warnings and an explanation.
//!
//! Every front end (the `mibg` command line, the study report, the web
//! application, the PDF documents) calls these functions, so that two front
//! ends never compute the same thing twice or differently. This crate holds
//! no clinical rule of its own (rules live in the science crates) and does
//! no I/O: it composes.
