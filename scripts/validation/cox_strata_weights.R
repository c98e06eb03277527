#!/usr/bin/env Rscript
# Golden values for issue 13: Cox models with strata and case weights, and
# R's handling of near-equal times (timefix / aeqSurv), from R `survival`.
#
# Usage (from the repo root): Rscript scripts/validation/cox_strata_weights.R
# (normally via scripts/validation/survival_issue13.sh, which installs R).
# Writes tests/data/stats/coxsw_<case>/:
#   data.csv              time, event, weight, stratum, covariates (17 digits)
#   expected_efron.json   coxph(Surv(time, event) ~ covs + strata(stratum),
#   expected_breslow.json       weights = weight, ties = ...) + concordance()
# and tests/data/stats/timefix_lung/ (data.csv, expected.json): the lung times
# with noise below R's tolerance added to every third one; coxph, survfit and
# survdiff with timefix = TRUE (R's default) and coxph with timefix = FALSE.
# Every fit is done on the data *read back* from data.csv.
suppressPackageStartupMessages(library(survival))

out_root <- file.path("tests", "data", "stats")

num <- function(x) {
  if (length(x) == 1 && (is.na(x) || !is.finite(x))) return("null")
  sprintf("%.17g", x)
}
vec <- function(x) paste0("[", paste(vapply(x, num, ""), collapse = ", "), "]")
str_vec <- function(x) paste0("[", paste0('"', x, '"', collapse = ", "), "]")
mat <- function(m) paste0("[", paste(apply(m, 1, vec), collapse = ", "), "]")
write_json <- function(fields, path) {
  body <- paste0('  "', names(fields), '": ', unlist(fields), collapse = ",\n")
  writeLines(paste0("{\n", body, "\n}"), path)
}
write_data <- function(df, path) {
  # 17 significant digits so that the CSV holds exactly the doubles R used.
  out <- df
  for (k in names(out)) out[[k]] <- sprintf("%.17g", out[[k]])
  write.csv(out, path, row.names = FALSE, quote = FALSE)
}

cox_fields <- function(f, ties, covariates, extra) {
  s <- summary(f, conf.int = 0.95)
  se <- sqrt(diag(vcov(f)))
  cc <- concordance(f)
  p <- length(coef(f))
  lr <- 2 * (f$loglik[2] - f$loglik[1])
  c(list(
    source = paste0('"R ', R.version$major, ".", R.version$minor, " survival ",
                    as.character(packageVersion("survival")), " ", extra, '"'),
    ties = paste0('"', ties, '"'),
    n = num(f$n), n_events = num(f$nevent),
    covariates = str_vec(covariates),
    coef = vec(unname(coef(f))), se = vec(unname(se)), z = vec(unname(coef(f) / se)),
    p = vec(unname(s$coefficients[, "Pr(>|z|)"])),
    hr = vec(unname(exp(coef(f)))),
    hr_lower = vec(unname(s$conf.int[, "lower .95"])),
    hr_upper = vec(unname(s$conf.int[, "upper .95"])),
    loglik_null = num(f$loglik[1]), loglik = num(f$loglik[2]),
    lr_chisq = num(lr), lr_df = num(p), lr_p = num(pchisq(lr, p, lower.tail = FALSE)),
    wald_chisq = num(unname(f$wald.test)),
    wald_p = num(pchisq(unname(f$wald.test), p, lower.tail = FALSE)),
    score_chisq = num(unname(f$score)),
    score_p = num(pchisq(unname(f$score), p, lower.tail = FALSE)),
    concordance = num(unname(cc$concordance)),
    concordance_se = num(sqrt(unname(cc$var))),
    vcov = mat(unname(vcov(f))),
    iterations = num(f$iter)))
}

golden <- function(case, df, covariates, use_strata, use_weights) {
  dir <- file.path(out_root, paste0("coxsw_", case))
  dir.create(dir, showWarnings = FALSE, recursive = TRUE)
  write_data(df, file.path(dir, "data.csv"))
  d <- read.csv(file.path(dir, "data.csv"))
  rhs <- paste(covariates, collapse = " + ")
  if (use_strata) rhs <- paste(rhs, "+ strata(stratum)")
  form <- as.formula(paste("Surv(time, event) ~", rhs))
  for (ties in c("efron", "breslow")) {
    # robust = FALSE: the model-based variance I(beta)^-1, which mibg reports.
    # R's default is the same for integer weights; for non-integer weights R
    # switches to the robust sandwich unless told otherwise (its naive.var is
    # the model-based one).
    f <- if (use_weights) coxph(form, data = d, ties = ties, weights = weight, robust = FALSE)
         else coxph(form, data = d, ties = ties)
    extra <- sprintf("coxph(%s, ties = %s%s) + concordance()", deparse(form), ties,
                     if (use_weights) ", weights = weight, robust = FALSE" else "")
    fields <- c(cox_fields(f, ties, covariates, gsub('"', "", extra)),
                list(strata = if (use_strata) "true" else "false",
                     weighted = if (use_weights) "true" else "false"))
    write_json(fields, file.path(dir, paste0("expected_", ties, ".json")))
  }
  cat(sprintf("%-22s n = %d, events = %d, strata: %s, weights: %s\n", case, nrow(d),
              sum(d$event), use_strata, use_weights))
}

lung <- with(survival::lung, data.frame(time = time, event = status - 1, sex = sex, age = age,
  ph_ecog = ph.ecog, ph_karno = ph.karno))
lung <- lung[complete.cases(lung), ]
# Deterministic non-integer case weights 0.5, 1, 1.5, 2, 0.5, ...
lung$weight <- 0.5 + ((seq_len(nrow(lung)) - 1) %% 4) * 0.5
lung$stratum <- lung$ph_ecog
golden("lung_strata", lung, c("sex", "age", "ph_karno"), TRUE, FALSE)
golden("lung_weights", lung, c("sex", "age", "ph_ecog"), FALSE, TRUE)
lung2 <- lung; lung2$stratum <- lung2$sex
golden("lung_strata_weights", lung2, c("age", "ph_ecog", "ph_karno"), TRUE, TRUE)

ova <- with(survival::ovarian, data.frame(time = futime, event = fustat, rx = rx, age = age,
  resid_ds = resid.ds))
# Integer (frequency) weights 1, 2, 3: R's default call is model-based here.
ova$weight <- 1 + (seq_len(nrow(ova)) %% 3)
ova$stratum <- ova$resid_ds
golden("ovarian_strata_weights", ova, c("rx", "age"), TRUE, TRUE)

# timefix: every third lung time gets + 1e-7 · (time / 100) (relative noise
# 1e-9, far below the tolerance √ε ≈ 1.49e-8 relative to mean|t|).
tf <- lung[, c("time", "event", "sex", "age", "ph_ecog")]
k <- seq_len(nrow(tf)) %% 3 == 0
tf$time[k] <- tf$time[k] + 1e-7 * tf$time[k] / 100
dir <- file.path(out_root, "timefix_lung")
dir.create(dir, showWarnings = FALSE, recursive = TRUE)
write_data(tf, file.path(dir, "data.csv"))
d <- read.csv(file.path(dir, "data.csv"))
stopifnot(sum(d$time != round(d$time)) > 0)
form <- Surv(time, event) ~ sex + age + ph_ecog
f1 <- coxph(form, data = d)
f0 <- coxph(form, data = d, timefix = FALSE)
km <- survfit(Surv(time, event) ~ 1, data = d, conf.type = "log-log")
km0 <- survfit(Surv(time, event) ~ 1, data = d, conf.type = "log-log", timefix = FALSE)
lr <- survdiff(Surv(time, event) ~ sex, data = d)
fields <- c(cox_fields(f1, "efron", c("sex", "age", "ph_ecog"), "coxph(timefix = TRUE)"),
  list(coef_without_timefix = vec(unname(coef(f0))),
       loglik_without_timefix = num(f0$loglik[2]),
       changed = num(sum(aeqSurv(Surv(d$time, d$event))[, 1] != d$time)),
       km_time = vec(km$time), km_n_risk = vec(km$n.risk), km_n_event = vec(km$n.event),
       km_surv = vec(km$surv), km_lower = vec(km$lower), km_upper = vec(km$upper),
       km_rows_without_timefix = num(length(km0$time)),
       logrank_chisq = num(lr$chisq), logrank_observed = vec(lr$obs),
       logrank_expected = vec(lr$exp)))
write_json(fields, file.path(dir, "expected.json"))
cat(sprintf("timefix_lung: %d times changed, KM rows %d (without timefix %d)\n",
            sum(aeqSurv(Surv(d$time, d$event))[, 1] != d$time), length(km$time), length(km0$time)))
cat(sprintf("%s, survival %s\n", R.version.string, as.character(packageVersion("survival"))))
