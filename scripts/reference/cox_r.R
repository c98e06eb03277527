#!/usr/bin/env Rscript
# Golden values for mibg-stats' Cox model and Harrell's C, from R `survival`.
#
# Usage (from the repo root): Rscript scripts/reference/cox_r.R
# Reads/writes tests/data/stats/cox_<case>/:
#   data.csv              input (time, event, covariates; complete cases)
#   expected_efron.json   coxph(ties = "efron") + concordance()
#   expected_breslow.json coxph(ties = "breslow") + concordance()
# The R datasets (lung, veteran, ovarian) are written to data.csv first; rossi
# (lifelines' load_rossi) must already be there (scripts/reference/generate_cox.sh
# writes it with Python). Every fit is done on the data *read back* from
# data.csv, so the golden values belong to exactly the committed input.
# No package besides survival is needed (JSON is written by hand with 17
# significant digits, so no value is rounded).
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

golden <- function(case, df, covariates) {
  dir <- file.path(out_root, paste0("cox_", case))
  dir.create(dir, showWarnings = FALSE, recursive = TRUE)
  csv <- file.path(dir, "data.csv")
  if (!is.null(df)) {
    df <- df[complete.cases(df[, c("time", "event", covariates)]), c("time", "event", covariates)]
    write.csv(df, csv, row.names = FALSE, quote = FALSE)
  }
  d <- read.csv(csv)
  for (ties in c("efron", "breslow")) {
    f <- coxph(as.formula(paste("Surv(time, event) ~", paste(covariates, collapse = " + "))),
               data = d, ties = ties)
    s <- summary(f, conf.int = 0.95)
    se <- sqrt(diag(vcov(f)))
    z <- coef(f) / se
    cc <- concordance(f)
    p <- length(coef(f))
    lr <- 2 * (f$loglik[2] - f$loglik[1])
    fields <- list(
      source = paste0('"R ', R.version$major, ".", R.version$minor, " survival ",
                      as.character(packageVersion("survival")), " coxph(ties = \\\"", ties,
                      "\\\") + concordance()\""),
      ties = paste0('"', ties, '"'),
      conf_level = num(0.95),
      n = num(f$n),
      n_events = num(f$nevent),
      covariates = str_vec(covariates),
      coef = vec(unname(coef(f))),
      se = vec(unname(se)),
      z = vec(unname(z)),
      p = vec(unname(s$coefficients[, "Pr(>|z|)"])),
      hr = vec(unname(exp(coef(f)))),
      hr_lower = vec(unname(s$conf.int[, "lower .95"])),
      hr_upper = vec(unname(s$conf.int[, "upper .95"])),
      hr_lower_90 = vec(unname(summary(f, conf.int = 0.90)$conf.int[, 3])),
      hr_upper_90 = vec(unname(summary(f, conf.int = 0.90)$conf.int[, 4])),
      loglik_null = num(f$loglik[1]),
      loglik = num(f$loglik[2]),
      lr_chisq = num(lr),
      lr_df = num(p),
      lr_p = num(pchisq(lr, p, lower.tail = FALSE)),
      wald_chisq = num(unname(f$wald.test)),
      wald_p = num(pchisq(unname(f$wald.test), p, lower.tail = FALSE)),
      score_chisq = num(unname(f$score)),
      score_p = num(pchisq(unname(f$score), p, lower.tail = FALSE)),
      concordance = num(unname(cc$concordance)),
      concordance_se = num(sqrt(unname(cc$var))),
      concordance_summary = vec(unname(s$concordance)),
      concordance_counts = vec(unname(cc$count[1:5])),
      vcov = mat(unname(vcov(f))),
      iterations = num(f$iter)
    )
    write_json(fields, file.path(dir, paste0("expected_", ties, ".json")))
  }
  cat(sprintf("%-10s n = %d, events = %d, covariates: %s\n", case, nrow(d), sum(d$event),
              paste(covariates, collapse = ", ")))
}

# lung (NCCTG): status 1 = censored, 2 = dead; dots -> underscores (docs/reference/statistics.md §9).
lung2 <- with(survival::lung, data.frame(time = time, event = status - 1, sex = sex, age = age,
  ph_ecog = ph.ecog, ph_karno = ph.karno, wt_loss = wt.loss))
golden("lung", lung2, c("age", "sex", "ph_ecog"))
golden("lung5", lung2, c("sex", "age", "ph_ecog", "ph_karno", "wt_loss"))

vet <- with(survival::veteran, data.frame(time = time, event = status, trt = trt,
  karno = karno, diagtime = diagtime, age = age, prior = prior))
golden("veteran", vet, c("trt", "karno", "diagtime", "age", "prior"))

ova <- with(survival::ovarian, data.frame(time = futime, event = fustat, rx = rx, age = age,
  resid_ds = resid.ds, ecog_ps = ecog.ps))
golden("ovarian", ova, c("rx", "age", "resid_ds", "ecog_ps"))

# rossi: data.csv written by cox_lifelines.py --write-rossi (week -> time, arrest -> event).
golden("rossi", NULL, c("fin", "age", "race", "wexp", "mar", "paro", "prio"))

cat(sprintf("%s, survival %s\n", R.version.string, as.character(packageVersion("survival"))))
