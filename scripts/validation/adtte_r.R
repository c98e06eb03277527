#!/usr/bin/env Rscript
# Independent check of `mibg study export-analysis` (issue 13): R reads the
# ADTTE-like table of the seed study directly and fits the OS and EFS
# Kaplan–Meier curves as the study report does (log-log 95 % CI, Greenwood).
# Usage (repository root):
#   mibg study export-analysis examples/seed-study /tmp/x
#   cp /tmp/x/adtte.csv tests/data/export/seed_adtte/adtte.csv
#   Rscript scripts/validation/adtte_r.R
suppressPackageStartupMessages(library(survival))
dir <- file.path("tests", "data", "export", "seed_adtte")
d <- read.csv(file.path(dir, "adtte.csv"))
num <- function(x) if (length(x) == 1 && (is.na(x) || !is.finite(x))) "null" else sprintf("%.17g", x)
vec <- function(x) paste0("[", paste(vapply(x, num, ""), collapse = ", "), "]")
out <- c()
for (p in c("OS", "EFS")) {
  s <- d[d$PARAMCD == p, ]
  f <- survfit(Surv(AVAL, 1 - CNSR) ~ 1, data = s, conf.type = "log-log")
  l <- summary(f, times = c(365.25, 730.5, 1095.75), extend = TRUE)
  q <- quantile(f, 0.5)
  out <- c(out, paste0('  "', p, '": {"n": ', nrow(s), ', "events": ', sum(1 - s$CNSR),
    ', "surv": ', vec(l$surv), ', "lower": ', vec(l$lower), ', "upper": ', vec(l$upper),
    ', "median": ', vec(c(q$quantile, q$lower, q$upper)), '}'))
}
writeLines(c("{", paste0('  "source": "R ', R.version$major, ".", R.version$minor, " survival ",
  as.character(packageVersion("survival")), '",'), paste(out, collapse = ",\n"), "}"),
  file.path(dir, "expected.json"))
