#!/usr/bin/env Rscript
# Fits the Cox models of examples/seed-study/study.toml with R `survival`
# on tests/data/study/seed-cox/data.csv (see seed_cox.sh) and writes
# expected.json (17 significant digits; NA as null).
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) >= 1) args[1] else "tests/data/study/seed-cox"
d <- read.csv(file.path(dir, "data.csv"))
num <- function(x) ifelse(is.na(x) | !is.finite(x), "null", sprintf("%.17g", x))
vec <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
fitjson <- function(name, f) {
  s <- summary(f)
  cc <- concordance(f)
  p <- length(coef(f))
  lr <- 2 * (f$loglik[2] - f$loglik[1])
  paste0('  "', name, '": {"n": ', f$n, ', "n_events": ', f$nevent,
    ', "coef": ', vec(coef(f)), ', "se": ', vec(sqrt(diag(vcov(f)))),
    ', "p": ', vec(s$coefficients[, "Pr(>|z|)"]),
    ', "hr_lower": ', vec(s$conf.int[, "lower .95"]), ', "hr_upper": ', vec(s$conf.int[, "upper .95"]),
    ', "lr_chisq": ', num(lr), ', "wald_chisq": ', num(f$wald.test), ', "score_chisq": ', num(f$score),
    ', "concordance": ', num(cc$concordance), ', "concordance_se": ', num(sqrt(cc$var)),
    ', "iterations": ', f$iter, '}')
}
m1 <- coxph(Surv(efs_days, efs_event) ~ age_years + siopen_before, data = d)
m2 <- coxph(Surv(os_days, os_event) ~ age_years + strata(bone_marrow_involved), data = d)
writeLines(c("{",
  paste0(fitjson("age and baseline SIOPEN score", m1), ","),
  fitjson("age, stratified by marrow involvement", m2),
  "}"), file.path(dir, "expected.json"))
cat(R.version.string, "survival", as.character(packageVersion("survival")), "\n")
