#!/usr/bin/env Rscript
# Golden values for `mibg survival --weights/--strata` (issue 13): the
# weighted Kaplan–Meier curve and the stratified log-rank test, from R
# `survival`, on tests/data/stats/coxsw_lung_strata_weights/data.csv (the
# lung data with weights 0.5, 1, 1.5, 2 repeating and stratum = sex, written
# by cox_strata_weights.R) as read back by read.csv.
#
# Usage (repository root): Rscript scripts/validation/km_strata_weights.R
# (normally via scripts/validation/survival_issue13.sh).
# Writes tests/data/stats/km_lung_strata_weights/expected.json:
#   km_*      survfit(Surv(time, event) ~ 1, weights = weight, robust = FALSE,
#             conf.type = "log-log"): the table, median and its CI
#   group_*   the same curve per sex (weighted)
#   logrank_* survdiff(Surv(time, event) ~ ph_ecog + strata(stratum)) on the
#             rows with ph_ecog ≤ 2 (the one ph_ecog = 3 subject left out)
#   logrank_unstratified_chisq: survdiff without strata, for contrast
suppressPackageStartupMessages(library(survival))
num <- function(x) {
  if (length(x) == 1 && (is.na(x) || !is.finite(x))) return("null")
  sprintf("%.17g", x)
}
vec <- function(x) paste0("[", paste(vapply(x, num, ""), collapse = ", "), "]")
write_json <- function(fields, path) {
  body <- paste0('  "', names(fields), '": ', unlist(fields), collapse = ",\n")
  writeLines(paste0("{\n", body, "\n}"), path)
}
d <- read.csv(file.path("tests", "data", "stats", "coxsw_lung_strata_weights", "data.csv"))
out <- file.path("tests", "data", "stats", "km_lung_strata_weights")
dir.create(out, showWarnings = FALSE, recursive = TRUE)
km <- survfit(Surv(time, event) ~ 1, data = d, weights = weight, robust = FALSE,
              conf.type = "log-log")
q <- quantile(km, 0.5)
g <- survfit(Surv(time, event) ~ sex, data = d, weights = weight, robust = FALSE,
             conf.type = "log-log")
gq <- quantile(g, 0.5)
e <- d[d$ph_ecog <= 2, ]
lr <- survdiff(Surv(time, event) ~ ph_ecog + strata(stratum), data = e)
lr0 <- survdiff(Surv(time, event) ~ ph_ecog, data = e)
write_json(list(
  source = paste0('"R ', R.version$major, ".", R.version$minor, " survival ",
                  as.character(packageVersion("survival")), '"'),
  km_time = vec(km$time), km_n_risk = vec(km$n.risk), km_n_event = vec(km$n.event),
  km_surv = vec(km$surv), km_std_err = vec(km$std.err * km$surv),
  km_lower = vec(km$lower), km_upper = vec(km$upper),
  km_median = vec(c(q$quantile, q$lower, q$upper)),
  group_median = vec(c(gq$quantile[, 1], gq$lower[, 1], gq$upper[, 1])),
  logrank_chisq = num(lr$chisq), logrank_n = vec(lr$n),
  logrank_observed = vec(rowSums(matrix(lr$obs, nrow = length(lr$n)))),
  logrank_expected = vec(rowSums(matrix(lr$exp, nrow = length(lr$n)))),
  logrank_p = num(pchisq(lr$chisq, length(lr$n) - 1, lower.tail = FALSE)),
  logrank_unstratified_chisq = num(lr0$chisq)
), file.path(out, "expected.json"))
