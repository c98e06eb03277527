#!/usr/bin/env Rscript
# The work of `mibg survival DATA.csv --time time --event event --group group
# --covariates age,stage,marker --json`, done with R `survival`, for the
# side-by-side benchmark (scripts/bench/survival.sh).
#
# Usage: Rscript scripts/bench/survival_r.R DATA.csv OUT.json [--cox-only]
#
# Read CSV; Kaplan–Meier overall and by group (log-log CI) with median and CI;
# median follow-up by reverse KM; log-rank by group; Cox (Efron) on
# age + stage + marker with Harrell's C (coxph computes it); write JSON.
# Base R only besides survival (JSON written by hand, 17 significant digits).
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
cox_only <- "--cox-only" %in% args
args <- setdiff(args, "--cox-only")
d <- read.csv(args[1], colClasses = c("numeric", "integer", "integer", "numeric", "integer", "numeric"))

num <- function(x) ifelse(is.finite(x), sprintf("%.17g", x), "null")
vec <- function(x) paste0("[", paste(num(x), collapse = ","), "]")
obj <- function(...) {
  f <- list(...)
  paste0("{", paste0('"', names(f), '":', unlist(f), collapse = ","), "}")
}
km_json <- function(fit) {
  q <- quantile(fit, 0.5)
  obj(table = obj(time = vec(fit$time), n_risk = vec(fit$n.risk), n_event = vec(fit$n.event),
                  n_censor = vec(fit$n.censor), surv = vec(fit$surv),
                  std_err = vec(fit$surv * fit$std.err), lower = vec(fit$lower), upper = vec(fit$upper)),
      median = obj(median = num(q$quantile), lower = num(q$lower), upper = num(q$upper)))
}

parts <- list()
if (!cox_only) {
  km <- survfit(Surv(time, event) ~ 1, data = d, conf.type = "log-log")
  parts$km <- km_json(km)
  rev <- survfit(Surv(time, 1 - event) ~ 1, data = d, conf.type = "log-log")
  q <- quantile(rev, 0.5)
  parts$median_followup <- obj(median = num(q$quantile), lower = num(q$lower), upper = num(q$upper))
  by <- lapply(split(d, d$group), function(g) km_json(survfit(Surv(time, event) ~ 1, data = g,
                                                             conf.type = "log-log")))
  parts$km_by_group <- paste0("{", paste0('"', names(by), '":', unlist(by), collapse = ","), "}")
  lr <- survdiff(Surv(time, event) ~ group, data = d)
  parts$logrank <- obj(chisq = num(lr$chisq), df = num(length(lr$n) - 1),
                       p = num(pchisq(lr$chisq, length(lr$n) - 1, lower.tail = FALSE)),
                       observed = vec(lr$obs), expected = vec(lr$exp))
}
f <- coxph(Surv(time, event) ~ age + stage + marker, data = d, ties = "efron")
s <- summary(f)
parts$cox <- obj(coef = vec(coef(f)), se = vec(sqrt(diag(vcov(f)))),
                 p = vec(s$coefficients[, 5]), hr_lower = vec(s$conf.int[, 3]),
                 hr_upper = vec(s$conf.int[, 4]), loglik = vec(f$loglik),
                 wald_chisq = num(f$wald.test), score_chisq = num(f$score),
                 concordance = vec(s$concordance), iterations = num(f$iter))
writeLines(paste0("{", paste0('"', names(parts), '":', unlist(parts), collapse = ","), "}"), args[2])
