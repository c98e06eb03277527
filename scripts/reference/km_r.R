#!/usr/bin/env Rscript
# Golden outputs for mibg-stats from R `survival` (Kaplan–Meier, landmarks,
# medians, reverse-KM follow-up, log-rank) and base R (proportion CIs).
#
# Usage: Rscript scripts/reference/km_r.R OUTDIR      (normally via generate.sh)
#
# Writes OUTDIR/<case>/input.csv and OUTDIR/<case>/expected_<conf-type>.json
# (conf-type: log-log, log, plain, logit, arcsin — R's complete conf.type set)
# for the R datasets lung, veteran and ovarian, and OUTDIR/proportion/expected.json.
# JSON is written by hand (jsonlite is not needed): numbers with 17
# significant digits, NA/NaN/Inf as null. Field names are those of
# `mibg survival --json` (docs/reference/statistics.md §8).

suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else "tests/data/stats"

tojson <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    if (!is.null(names(x))) {
      if (length(x) == 0) return("{}")
      parts <- vapply(seq_along(x), function(i)
        paste0('"', names(x)[i], '":', tojson(x[[i]])), "")
      return(paste0("{", paste(parts, collapse = ","), "}"))
    }
    return(paste0("[", paste(vapply(x, tojson, ""), collapse = ","), "]"))
  }
  arr <- inherits(x, "AsIs") || length(x) != 1
  x <- unclass(x)
  s <- if (is.character(x)) paste0('"', x, '"')
       else if (is.logical(x)) ifelse(is.na(x), "null", ifelse(x, "true", "false"))
       else ifelse(is.na(x) | !is.finite(x), "null", sprintf("%.17g", x))
  if (arr) paste0("[", paste(s, collapse = ","), "]") else s
}

km_table <- function(f) list(
  time = I(f$time), n_risk = I(f$n.risk), n_event = I(f$n.event),
  n_censor = I(f$n.censor), surv = I(f$surv),
  std_err = I(f$surv * f$std.err),   # SE of S (survfit's std.err is SE of -log S)
  lower = I(f$lower), upper = I(f$upper))

med <- function(f) {
  q <- quantile(f, 0.5)
  list(median = unname(q$quantile), lower = unname(q$lower), upper = unname(q$upper))
}

landmarks <- function(f, times) {
  s <- summary(f, times = times, extend = TRUE)
  lapply(seq_along(times), function(i) list(
    t = times[i], surv = s$surv[i], std_err = s$std.err[i],
    lower = s$lower[i], upper = s$upper[i], n_risk = s$n.risk[i],
    beyond_last_time = times[i] > max(f$time)))
}

one_case <- function(name, d, lms) {
  dir.create(file.path(outdir, name), recursive = TRUE, showWarnings = FALSE)
  write.csv(d, file.path(outdir, name, "input.csv"), row.names = FALSE, na = "", quote = FALSE)
  d$group <- factor(d$group)
  for (ct in c("log-log", "log", "plain", "logit", "arcsin")) {
    fit <- survfit(Surv(time, event) ~ 1, data = d, conf.type = ct)
    rev <- survfit(Surv(time, 1 - event) ~ 1, data = d, conf.type = ct)
    byg <- survfit(Surv(time, event) ~ group, data = d, conf.type = ct)
    groups <- list()
    for (i in seq_along(levels(d$group))) {
      g <- byg[i]
      groups[[levels(d$group)[i]]] <- list(
        n = g$n, n_events = sum(g$n.event),
        table = km_table(g), median = med(g), landmarks = landmarks(g, lms))
    }
    sd <- survdiff(Surv(time, event) ~ group, data = d)
    df <- sum(sd$exp > 0) - 1
    out <- list(
      source = paste0("R ", R.version$major, ".", R.version$minor,
                      ", survival ", as.character(packageVersion("survival"))),
      n = nrow(d), n_events = sum(d$event), conf_level = 0.95, conf_type = ct,
      km = list(table = km_table(fit)),
      median = med(fit),
      landmarks = landmarks(fit, lms),
      median_followup = med(rev),
      km_by_group = groups,
      logrank = list(chisq = sd$chisq, df = df,
                     p = pchisq(sd$chisq, df, lower.tail = FALSE),
                     observed = I(unname(sd$obs)), expected = I(unname(sd$exp)),
                     n = I(unname(as.vector(sd$n)))))
    writeLines(tojson(out), file.path(outdir, name, paste0("expected_", ct, ".json")))
  }
}

# lung (NCCTG): status 1 = censored, 2 = dead; tied times; NAs in covariates.
lung_d <- with(survival::lung, data.frame(
  time = time, event = status - 1, group = sex, age = age, ph_ecog = ph.ecog,
  ph_karno = ph.karno, pat_karno = pat.karno, meal_cal = meal.cal, wt_loss = wt.loss))
one_case("lung", lung_d, c(180, 365, 730, 1100))

# veteran: the curve reaches 0; group 2's median lies on an exact 0.5 plateau
# (52.5); reverse-KM median follow-up not reached.
vet_d <- with(survival::veteran, data.frame(
  time = time, event = status, group = trt, celltype = as.character(celltype),
  karno = karno, diagtime = diagtime, age = age, prior = prior))
one_case("veteran", vet_d, c(30, 180, 365, 1000))

# ovarian: n = 26 as the seed cohort; upper median CI not reached.
ova_d <- with(survival::ovarian, data.frame(
  time = futime, event = fustat, group = rx, age = age, resid_ds = resid.ds,
  ecog_ps = ecog.ps))
one_case("ovarian", ova_d, c(365, 730, 1095, 1500))

# rossi (lifelines `load_rossi`, exported by generate.sh to ROSSI_CSV): heavy
# ties (integer weeks), administrative censoring at 52, median not reached.
rossi_csv <- Sys.getenv("ROSSI_CSV")
if (nzchar(rossi_csv) && file.exists(rossi_csv)) {
  r <- read.csv(rossi_csv)
  rossi_d <- with(r, data.frame(time = week, event = arrest, group = fin, age = age,
                                race = race, wexp = wexp, mar = mar, paro = paro, prio = prio))
  one_case("rossi", rossi_d, c(13, 26, 52, 60))
}

# Proportions: binom.test (Clopper–Pearson), prop.test (Wilson, Wilson-cc),
# Jeffreys via qbeta; Wald, Wald-cc and Agresti–Coull from their formulas.
props <- list()
for (lvl in c(0.95, 0.90)) {
  for (xn in list(c(0, 26), c(9, 26), c(12, 25), c(12, 23), c(10, 15), c(6, 14),
                  c(26, 26), c(1, 1), c(3, 1000), c(997, 1000), c(14, 21))) {
    x <- xn[1]; n <- xn[2]; a <- 1 - lvl; z <- qnorm(1 - a / 2); p <- x / n
    cp <- binom.test(x, n, conf.level = lvl)$conf.int
    wi <- suppressWarnings(prop.test(x, n, conf.level = lvl, correct = FALSE)$conf.int)
    wc <- suppressWarnings(prop.test(x, n, conf.level = lvl, correct = TRUE)$conf.int)
    je <- c(if (x == 0) 0 else qbeta(a / 2, x + 0.5, n - x + 0.5),
            if (x == n) 1 else qbeta(1 - a / 2, x + 0.5, n - x + 0.5))
    h <- z * sqrt(p * (1 - p) / n)
    nt <- n + z^2; pt <- (x + z^2 / 2) / nt; ht <- z * sqrt(pt * (1 - pt) / nt)
    clip <- function(v) pmin(pmax(v, 0), 1)
    props[[length(props) + 1]] <- list(
      x = x, n = n, conf_level = lvl, estimate = p,
      `clopper-pearson` = I(cp[1:2]), wilson = I(wi[1:2]),
      `wilson-cc` = if (2 * x == n) NULL else I(wc[1:2]),  # R drops the correction at x = n/2
      wald = I(clip(c(p - h, p + h))), `wald-cc` = I(clip(c(p - h - 0.5 / n, p + h + 0.5 / n))),
      `agresti-coull` = I(clip(c(pt - ht, pt + ht))), jeffreys = I(je))
  }
}
dir.create(file.path(outdir, "proportion"), recursive = TRUE, showWarnings = FALSE)
writeLines(tojson(list(source = paste0("R ", R.version$major, ".", R.version$minor),
                       cases = props)),
           file.path(outdir, "proportion", "expected.json"))
